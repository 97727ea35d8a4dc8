"""The callers a test acts as: a signed-in user (token, headers, the expected ``AuthInfo``) or nobody."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from asgi_authinfo import AuthInfo, Cookie, NoAuthInfo

from ._dpop import DpopAuth, DpopKey, dpop_headers

if TYPE_CHECKING:
    from ._fake_issuer import FakeIssuer

__all__ = ["SignedInUser", "SignedOutUser", "TokenFactory"]

_COOKIE = Cookie().name


@dataclass(frozen=True, slots=True)
class SignedInUser:
    """A signed-in caller: a real token from a fake issuer and the ``AuthInfo`` it verifies to.

    ``auth_info`` is what ``AuthInfoMiddleware`` puts in ``scope["auth"]`` for this token: it was
    built by running the real ``TokenVerifier`` over ``token``.
    """

    token: str = field(repr=False)
    claims: Mapping[str, Any] = field(repr=False)
    auth_info: AuthInfo = field(repr=False)
    issuer: FakeIssuer = field(repr=False, compare=False)
    dpop_key: DpopKey | None = field(default=None, repr=False, compare=False)
    """The DPoP client key the token is bound to (``signed_in_user(dpop=True)``), else None."""

    @property
    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``, a fresh dict each time. A DPoP caller needs a
        proof per request: use :meth:`headers_for` or :attr:`auth` instead."""
        if self.dpop_key is not None:
            return {"Authorization": f"DPoP {self.token}"}
        return {"Authorization": f"Bearer {self.token}"}

    def headers_for(self, method: str, url: str) -> dict[str, str]:
        """The headers for one request: with a fresh DPoP proof for ``method`` ``url`` when DPoP-bound."""
        if self.dpop_key is None:
            return self.headers
        return dpop_headers(self.token, self.dpop_key, method, url, at=self.issuer.now())

    @property
    def auth(self) -> httpx.Auth:
        """An ``httpx`` auth (``client.get(url, auth=user.auth)``) that signs each request:
        a new DPoP proof per request for a DPoP caller, the bearer header otherwise."""
        if self.dpop_key is None:
            return _HeadersAuth(self.headers)
        return DpopAuth(self.token, self.dpop_key, now=self.issuer.now)

    @property
    def cookies(self) -> dict[str, str]:
        """The token as the session cookie ``asgi_authinfo.Cookie()`` reads (``__session``)."""
        return {_COOKIE: self.token}

    @property
    def user_id(self) -> str:
        return self.auth_info.subject

    @property
    def session_id(self) -> str | None:
        return self.auth_info.session_id

    def __repr__(self) -> str:
        return f"SignedInUser(user_id={self.user_id!r}, issuer={self.issuer.issuer!r})"


@dataclass(frozen=True, slots=True)
class SignedOutUser:
    """Nobody: the same attributes as :class:`SignedInUser`, empty, so tests can parametrize over both."""

    token: None = None
    claims: None = None
    user_id: None = None
    session_id: None = None
    auth_info: NoAuthInfo = field(default_factory=NoAuthInfo)

    @property
    def headers(self) -> dict[str, str]:
        return {}

    @property
    def cookies(self) -> dict[str, str]:
        return {}


class _HeadersAuth(httpx.Auth):
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers)
        yield request


class TokenFactory(Protocol):
    """The ``token_factory`` fixture: mint a token for a described caller (``FakeIssuer.token_for``)."""

    def __call__(
        self,
        *,
        headers: Mapping[str, Any] | None = ...,
        at: float | None = ...,
        expires_in: float | None = ...,
        claims: Mapping[str, Any] | None = ...,
        **persona: Any,
    ) -> str: ...
