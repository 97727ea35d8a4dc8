"""The typed view of who is calling: ``AuthInfo`` when signed in, ``NoAuthInfo`` when not.

Pure values: nothing here knows about ASGI, HTTP or JWT verification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal

from ._errors import AuthError

__all__ = [
    "ANONYMOUS_USER",
    "AnonymousUser",
    "AuthInfo",
    "Impersonator",
    "NoAuthInfo",
    "Scopes",
    "User",
]

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def freeze(value: Any) -> Any:
    """A read-only deep copy of decoded JSON: objects become mappings, arrays tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(key): freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def _empty() -> Mapping[str, Any]:
    return _EMPTY


@dataclass(frozen=True, slots=True)
class User:
    """The signed-in user. Also what ``scope["user"]`` holds, so it speaks Starlette's user API."""

    id: str
    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    phone_number: str | None = None
    phone_number_verified: bool | None = None
    is_anonymous: bool = False
    custom_attributes: Mapping[str, Any] = field(default_factory=_empty, hash=False)

    @property
    def is_authenticated(self) -> Literal[True]:
        return True

    @property
    def display_name(self) -> str:
        full = " ".join(part for part in (self.given_name, self.family_name) if part)
        return self.name or full or self.email or self.id

    @property
    def identity(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class AnonymousUser:
    """What ``scope["user"]`` holds when nobody is signed in (Starlette's ``UnauthenticatedUser``)."""

    @property
    def is_authenticated(self) -> Literal[False]:
        return False

    @property
    def display_name(self) -> str:
        return ""

    @property
    def identity(self) -> str:
        return ""


ANONYMOUS_USER: Final = AnonymousUser()


@dataclass(frozen=True, slots=True)
class Impersonator:
    """Who is acting as the user, from the ``act`` claim (RFC 8693): WorkOS, Clerk ``actor``."""

    subject: str
    email: str | None = None
    reason: str | None = None


class Scopes(tuple[str, ...]):
    """The token's OAuth scopes, in order.

    Membership (``in``) also answers True for ``"authenticated"`` and for each permission and role:
    that is what Starlette's own ``requires()`` asks of ``request.auth.scopes``.
    """

    _granted: frozenset[str]

    def __new__(cls, scopes: Iterable[str] = (), granted: Iterable[str] = ()) -> Scopes:
        self = super().__new__(cls, scopes)
        self._granted = frozenset((*self, *granted, "authenticated"))
        return self

    def __contains__(self, item: object) -> bool:
        return item in self._granted


@dataclass(frozen=True, slots=True)
class AuthInfo:
    """A verified caller. Sequences are tuples, never ``None``; ``claims`` is read-only."""

    user: User
    issuer: str
    subject: str
    access_token: str = field(repr=False)
    claims: Mapping[str, Any] = field(default_factory=_empty, repr=False, hash=False)
    session_id: str | None = None
    organization_id: str | None = None
    organization_slug: str | None = None
    role: str | None = None
    roles: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    entitlements: tuple[str, ...] = ()
    feature_flags: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    impersonator: Impersonator | None = None
    expires_at: datetime | None = None
    org_prefix: str | None = field(default=None, repr=False)
    """Provider convention for organization roles/permissions (Clerk: ``"org:"``), used by ``has``."""
    userinfo: Mapping[str, Any] | None = field(default=None, repr=False, hash=False)
    """The issuer's userinfo answer (read-only) when ``Issuer(userinfo=True)`` fetched it."""
    userinfo_error: str | None = field(default=None, repr=False)
    """Why the userinfo endpoint could not enrich ``user``; the token's own claims were kept."""

    def __post_init__(self) -> None:
        if not isinstance(self.scopes, Scopes):
            granted = (*self.permissions, *self.roles, *((self.role,) if self.role else ()))
            object.__setattr__(self, "scopes", Scopes(self.scopes, granted))

    @property
    def token_identifier(self) -> str:
        """Convex's ``tokenIdentifier``: unique across issuers."""
        return f"{self.issuer}|{self.subject}"

    @property
    def user_id(self) -> str:
        return self.subject

    @property
    def is_signed_in(self) -> Literal[True]:
        return True

    @property
    def error(self) -> None:
        return None

    def has(
        self,
        *,
        permission: str | None = None,
        role: str | None = None,
        feature: str | None = None,
        entitlement: str | None = None,
        scope: str | None = None,
    ) -> bool:
        """True when every given condition holds (Clerk's ``has()``); False when none is given."""
        checks = 0
        if permission is not None:
            checks += 1
            if self._org(permission) not in self.permissions and permission not in self.permissions:
                return False
        if role is not None:
            checks += 1
            wanted = {role, self._org(role)}
            if not wanted.intersection(self.roles) and self.role not in wanted:
                return False
        if feature is not None:
            checks += 1
            if feature not in self.feature_flags:
                return False
        if entitlement is not None:
            checks += 1
            if entitlement not in self.entitlements:
                return False
        if scope is not None:
            checks += 1
            if not tuple.__contains__(self.scopes, scope):
                return False
        return checks > 0

    def _org(self, value: str) -> str:
        prefix = self.org_prefix
        if prefix is None or value.startswith(prefix):
            return value
        return prefix + value

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the normalized fields (no ``access_token``; claims included)."""
        return {
            "user": {
                "id": self.user.id,
                "email": self.user.email,
                "email_verified": self.user.email_verified,
                "name": self.user.name,
                "given_name": self.user.given_name,
                "family_name": self.user.family_name,
                "picture": self.user.picture,
                "phone_number": self.user.phone_number,
                "phone_number_verified": self.user.phone_number_verified,
                "is_anonymous": self.user.is_anonymous,
                "custom_attributes": _thaw(self.user.custom_attributes),
            },
            "issuer": self.issuer,
            "subject": self.subject,
            "token_identifier": self.token_identifier,
            "session_id": self.session_id,
            "organization_id": self.organization_id,
            "organization_slug": self.organization_slug,
            "role": self.role,
            "roles": list(self.roles),
            "permissions": list(self.permissions),
            "entitlements": list(self.entitlements),
            "feature_flags": list(self.feature_flags),
            "scopes": list(self.scopes),
            "impersonator": None
            if self.impersonator is None
            else {
                "subject": self.impersonator.subject,
                "email": self.impersonator.email,
                "reason": self.impersonator.reason,
            },
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "claims": _thaw(self.claims),
        }


@dataclass(frozen=True, slots=True)
class NoAuthInfo:
    """Nobody is signed in (WorkOS's ``NoUserInfo``). ``error`` says why a token was refused.

    ``scopes`` is an empty tuple rather than ``None`` so that Starlette's ``requires()`` answers
    403/redirect on signed-out requests instead of crashing.
    """

    error: AuthError | None = None

    user: None = field(default=None, init=False, repr=False)
    issuer: None = field(default=None, init=False, repr=False)
    subject: None = field(default=None, init=False, repr=False)
    access_token: None = field(default=None, init=False, repr=False)
    claims: None = field(default=None, init=False, repr=False)
    session_id: None = field(default=None, init=False, repr=False)
    organization_id: None = field(default=None, init=False, repr=False)
    organization_slug: None = field(default=None, init=False, repr=False)
    role: None = field(default=None, init=False, repr=False)
    roles: None = field(default=None, init=False, repr=False)
    permissions: None = field(default=None, init=False, repr=False)
    entitlements: None = field(default=None, init=False, repr=False)
    feature_flags: None = field(default=None, init=False, repr=False)
    scopes: tuple[()] = field(default=(), init=False, repr=False)
    impersonator: None = field(default=None, init=False, repr=False)
    expires_at: None = field(default=None, init=False, repr=False)
    userinfo: None = field(default=None, init=False, repr=False)
    userinfo_error: None = field(default=None, init=False, repr=False)
    token_identifier: None = field(default=None, init=False, repr=False)
    user_id: None = field(default=None, init=False, repr=False)

    @property
    def is_signed_in(self) -> Literal[False]:
        return False

    def has(
        self,
        *,
        permission: str | None = None,
        role: str | None = None,
        feature: str | None = None,
        entitlement: str | None = None,
        scope: str | None = None,
    ) -> Literal[False]:
        """Always False: a signed-out caller has nothing."""
        return False

    def to_dict(self) -> dict[str, Any]:
        error = self.error
        return {
            "user": None,
            "is_signed_in": False,
            "error": None if error is None else {"code": error.code, "description": error.description},
        }


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value
