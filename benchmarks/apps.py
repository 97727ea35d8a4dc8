"""The ASGI apps the benchmarks compare: a bare app, the hand-rolled Starlette + PyJWT peer, ours.

Imported by ``run.py`` (in-process timings) and ``serve.py`` (the uvicorn child process).
"""

from __future__ import annotations

from typing import Any

import jwt
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    SimpleUser,
)
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection

from asgi_authinfo import AuthInfoMiddleware, Issuer, Observer, Outcome, TokenVerifier

_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
}
_BODY = {"type": "http.response.body", "body": b"ok"}


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    """The app under test: answers 200 "ok" and does nothing else (lifespan is acknowledged)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send(_START)
    await send(_BODY)


class PyJWTBackend(AuthenticationBackend):
    """What users hand-roll today: PyJWT's ``jwt.decode`` with keys fetched beforehand.

    ``keys`` is either a ``PyJWKClient`` with its key set already cached (the pattern PyJWT
    documents for a JWKS: it reads the token's ``kid`` header, then ``jwt.decode`` verifies), or
    one known key (the cheapest possible hand-roll: no ``kid`` lookup at all).
    """

    def __init__(self, keys: jwt.PyJWKClient | Any, *, algorithm: str, issuer: str, audience: str) -> None:
        self.client = keys if isinstance(keys, jwt.PyJWKClient) else None
        self.key = None if self.client is not None else keys
        self.algorithms = [algorithm]
        self.issuer = issuer
        self.audience = audience

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        header = conn.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            key: Any = self.key if self.client is None else self.client.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token, key, algorithms=self.algorithms, audience=self.audience, issuer=self.issuer
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid token") from exc
        return AuthCredentials(claims.get("scope", "").split()), SimpleUser(claims["sub"])


def prefetched_client(jwks_uri: str, jwks: dict[str, Any]) -> jwt.PyJWKClient:
    """A ``PyJWKClient`` whose cache already holds ``jwks`` (as after its first fetch)."""
    client = jwt.PyJWKClient(jwks_uri, lifespan=24 * 3600)
    assert client.jwk_set_cache is not None
    client.jwk_set_cache.put(jwks)
    return client


def peer_app(keys: jwt.PyJWKClient | Any, *, algorithm: str, issuer: str, audience: str) -> Any:
    """``bare_app`` behind Starlette's ``AuthenticationMiddleware`` with :class:`PyJWTBackend`."""
    backend = PyJWTBackend(keys, algorithm=algorithm, issuer=issuer, audience=audience)
    return AuthenticationMiddleware(bare_app, backend=backend)


def no_op_observer(outcome: Outcome) -> None:
    """An observer that does nothing: what the library pays for having one set (metrics on)."""


def our_app(
    issuer: Issuer, *, cache_size: int = 10_000, observer: Observer | None = None
) -> AuthInfoMiddleware:
    """``bare_app`` behind ``AuthInfoMiddleware`` (the default token cache unless told otherwise)."""
    verifier = TokenVerifier([issuer], cache_size=cache_size, observer=observer)
    return AuthInfoMiddleware(bare_app, verifier=verifier)
