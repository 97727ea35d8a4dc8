"""The callers a test acts as: a signed-in user (token, headers, the expected ``AuthInfo``) or nobody."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from asgi_authinfo import AuthInfo, Cookie, NoAuthInfo

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

    @property
    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``, a fresh dict each time."""
        return {"Authorization": f"Bearer {self.token}"}

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
