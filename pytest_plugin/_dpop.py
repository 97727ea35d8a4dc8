"""DPoP for tests (RFC 9449): client keys, proofs, and an ``httpx.Auth`` that makes one per request.

A proof is a real JWT signed with a real private key, as a DPoP client would make it; tests bend
it (another method, an old ``iat``, a private key in the header) through keyword arguments.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from asgi_authinfo import jwk_thumbprint
from asgi_authinfo._dpop import access_token_hash

from ._keys import SigningKey, signing_key

__all__ = ["DpopAuth", "DpopKey", "dpop_key", "dpop_proof"]

_OWNER = "\0dpop-client"
_PUBLIC_MEMBERS = ("kty", "crv", "x", "y", "n", "e")


@dataclass(frozen=True, slots=True)
class DpopKey:
    """A DPoP client's key pair: ``jwk`` goes in each proof's header, ``thumbprint`` in ``cnf.jkt``."""

    signing_key: SigningKey

    @property
    def alg(self) -> str:
        return self.signing_key.alg

    @property
    def jwk(self) -> dict[str, Any]:
        """The public JWK, only the members that describe the key."""
        public = self.signing_key.public_jwk
        return {name: public[name] for name in _PUBLIC_MEMBERS if name in public}

    @property
    def thumbprint(self) -> str:
        """The RFC 7638 SHA-256 thumbprint: what a DPoP-bound token's ``cnf.jkt`` holds."""
        return jwk_thumbprint(self.jwk)

    @property
    def cnf(self) -> dict[str, str]:
        """The ``cnf`` claim of a token bound to this key."""
        return {"jkt": self.thumbprint}

    def proof(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        at: float | None = None,
        jti: str | None = None,
        claims: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """A proof for ``method`` ``url`` (query and fragment are dropped, RFC 9449 §4.2) and
        ``token`` (its ``ath``). ``claims``/``headers`` override (``None`` drops one)."""
        payload: dict[str, Any] = {
            "jti": jti or uuid.uuid4().hex,
            "htm": method,
            "htu": url.partition("#")[0].partition("?")[0],
            "iat": int(time.time() if at is None else at),
        }
        if token is not None:
            payload["ath"] = access_token_hash(token)
        payload.update(claims or {})
        merged = {"typ": "dpop+jwt", "jwk": self.jwk, "kid": None, **(headers or {})}
        return self.signing_key.sign(
            {name: value for name, value in payload.items() if value is not None}, merged
        )


def dpop_key(alg: str = "ES256", index: int = 0) -> DpopKey:
    """The ``index``-th test DPoP client key for ``alg`` (pooled: generated once per run)."""
    return DpopKey(signing_key(alg, index, f"dpop-{index}", owner=_OWNER))


def dpop_proof(
    method: str,
    url: str,
    *,
    token: str | None = None,
    key: DpopKey | None = None,
    at: float | None = None,
    **options: Any,
) -> str:
    """A DPoP proof JWT (the ``DPoP`` header's value) from ``key`` (default: ``dpop_key()``)."""
    return (key or dpop_key()).proof(method, url, token=token, at=at, **options)


def dpop_headers(
    token: str, key: DpopKey, method: str, url: str, *, at: float | None = None
) -> dict[str, str]:
    """``Authorization: DPoP <token>`` and a fresh ``DPoP`` proof for one request."""
    return {"Authorization": f"DPoP {token}", "DPoP": key.proof(method, url, token=token, at=at)}


class DpopAuth(httpx.Auth):
    """An ``httpx`` auth that sends ``token`` with a new proof for every request (``auth=...``)."""

    def __init__(self, token: str, key: DpopKey, *, now: Callable[[], float] = time.time) -> None:
        self.token = token
        self.key = key
        self.now = now

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = str(request.url.copy_with(query=None, fragment=None))
        request.headers.update(dpop_headers(self.token, self.key, request.method, url, at=self.now()))
        yield request
