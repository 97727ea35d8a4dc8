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

from asgi_authinfo import AuthInfoMiddleware, Issuer, TokenVerifier

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
    """What users hand-roll today: PyJWT's ``jwt.decode`` with the issuer's key fetched beforehand.

    Deliberately the cheapest honest version: one known key, so no ``get_unverified_header`` /
    ``PyJWKClient`` lookup (which would parse the token a second time, and block on fetches).
    """

    def __init__(self, key: Any, *, algorithm: str, issuer: str, audience: str) -> None:
        self.key = key
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
            claims = jwt.decode(
                token, self.key, algorithms=self.algorithms, audience=self.audience, issuer=self.issuer
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid token") from exc
        return AuthCredentials(claims.get("scope", "").split()), SimpleUser(claims["sub"])


def peer_app(key: Any, *, algorithm: str, issuer: str, audience: str) -> AuthenticationMiddleware:
    """``bare_app`` behind Starlette's ``AuthenticationMiddleware`` with :class:`PyJWTBackend`."""
    backend = PyJWTBackend(key, algorithm=algorithm, issuer=issuer, audience=audience)
    return AuthenticationMiddleware(bare_app, backend=backend)


def our_app(issuer: Issuer, *, cache_size: int = 10_000) -> AuthInfoMiddleware:
    """``bare_app`` behind ``AuthInfoMiddleware`` (the default token cache unless told otherwise)."""
    return AuthInfoMiddleware(bare_app, verifier=TokenVerifier([issuer], cache_size=cache_size))
