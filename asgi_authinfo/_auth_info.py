"""The typed view of who is calling: ``AuthInfo`` when signed in, ``NoAuthInfo`` when not.

Pure values: nothing here knows about ASGI, HTTP or JWT verification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal

from ._errors import AuthError, RefusalHint
from ._frozen import empty
from ._reverification import Reverification, ReverificationSpec
from ._user import Impersonator, User

__all__ = ["AuthInfo", "NoAuthInfo", "Scopes"]

_NOT_IN_DICT: Final = MappingProxyType({"to_dict": False})
"""Field metadata: ``AuthInfo.to_dict`` leaves the field out (or, for ``claims``, places it itself)."""


class Scopes(tuple[str, ...]):
    """The token's OAuth scopes, in order.

    Membership (``in``) also answers True for ``"authenticated"`` and for each permission and role:
    that is what Starlette's own ``requires()`` asks of ``request.auth.scopes``.
    """

    # A tuple subtype cannot have slots; the granted names are a plain tuple in the instance dict,
    # left unset (the class's empty tuple) when there are none.
    _granted: tuple[str, ...] = ()

    def __new__(cls, scopes: Iterable[str] = (), granted: Iterable[str] = ()) -> Scopes:
        self = super().__new__(cls, scopes)
        extra = tuple(granted)
        if extra:
            self._granted = extra
        return self

    def __contains__(self, item: object) -> bool:
        return item == "authenticated" or tuple.__contains__(self, item) or item in self._granted


@dataclass(frozen=True, slots=True)
class AuthInfo:
    """A verified caller. Sequences are tuples, never ``None``; ``claims`` is read-only."""

    user: User
    issuer: str
    subject: str
    access_token: str = field(repr=False, metadata=_NOT_IN_DICT)
    claims: Mapping[str, Any] = field(default_factory=empty, repr=False, hash=False, metadata=_NOT_IN_DICT)
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
    plans: tuple[str, ...] = ()
    """Clerk Billing plans (``pla``), each as its name and its scoped names, as ``feature_flags``."""
    session_status: str | None = None
    """The session's status where the provider sends one (Clerk ``sts``: ``"active"``, ``"pending"``)."""
    provider_role: str | None = None
    """The role exactly as the provider's own SDK shows it, where ``role`` normalizes it (Clerk
    ``orgRole``: ``"admin"`` from a v1 ``org_role: "admin"``, where ``role`` is ``"org:admin"``)."""
    provider_roles: tuple[str, ...] = ()
    """The roles qualified as the provider tells them apart, where ``roles`` merges them (Keycloak:
    ``"realm:<role>"`` and ``"<client>:<role>"``); ``has(role=...)`` matches these too."""
    factor_verification_age: tuple[float, float] | None = None
    """Minutes since the first and second factor were verified (Clerk ``fva``; ``-1``: not enabled)."""
    org_prefix: str | None = field(default=None, repr=False, metadata=_NOT_IN_DICT)
    """Provider convention for organization roles/permissions (Clerk: ``"org:"``), used by ``has``."""
    userinfo: Mapping[str, Any] | None = field(default=None, repr=False, hash=False, metadata=_NOT_IN_DICT)
    """The issuer's userinfo answer (read-only) when ``Issuer(userinfo=True)`` fetched it."""
    userinfo_error: str | None = field(default=None, repr=False, metadata=_NOT_IN_DICT)
    """Why the userinfo endpoint could not enrich ``user``; the token's own claims were kept."""
    dpop_jkt: str | None = field(default=None, metadata=_NOT_IN_DICT)
    """The DPoP key thumbprint (``cnf.jkt``) this sender-constrained request proved it holds (RFC 9449)."""
    refusal_hint: RefusalHint | None = field(default=None, repr=False, compare=False, metadata=_NOT_IN_DICT)
    """The issuer's ``refusal_hint``, for the guards' 403s (None in production)."""

    def __post_init__(self) -> None:
        if not isinstance(self.scopes, Scopes):
            granted = (
                *self.permissions,
                *self.roles,
                *((self.role,) if self.role else ()),
                *self.provider_roles,
            )
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
        plan: str | None = None,
        reverification: ReverificationSpec | None = None,
    ) -> bool:
        """True when every given condition holds (Clerk's ``has()``); False when none is given.

        ``feature`` and ``plan`` take Clerk's scope spellings: ``"o:x"``/``"org:x"``/
        ``"organization:x"`` for the organization's, ``"u:x"``/``"user:x"`` for the user's, a bare
        ``"x"`` for either. ``reverification`` is a Clerk preset (``"strict"``...) or a
        ``(level, minutes)`` pair checked against ``factor_verification_age``; an invalid one is False.
        """
        checks = 0
        if permission is not None:
            checks += 1
            if self._org(permission) not in self.permissions and permission not in self.permissions:
                return False
        if role is not None:
            checks += 1
            wanted = {role, self._org(role)}
            if (
                not wanted.intersection(self.roles)
                and self.role not in wanted
                and role not in self.provider_roles
            ):
                return False
        if feature is not None:
            checks += 1
            if not _billing(feature, self.feature_flags):
                return False
        if plan is not None:
            checks += 1
            if not _billing(plan, self.plans):
                return False
        if entitlement is not None:
            checks += 1
            if entitlement not in self.entitlements:
                return False
        if scope is not None:
            checks += 1
            if not tuple.__contains__(self.scopes, scope):
                return False
        if reverification is not None:
            checks += 1
            try:
                wanted_age = Reverification.of(reverification)
            except (TypeError, ValueError):
                return False
            if not wanted_age.met_by(self.factor_verification_age):
                return False
        return checks > 0

    def _org(self, value: str) -> str:
        prefix = self.org_prefix
        if prefix is None or value.startswith(prefix):
            return value
        return prefix + value

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the normalized fields (no ``access_token``; claims included)."""
        plain = {name: _plain(getattr(self, name)) for name in _TO_DICT}
        plain["token_identifier"] = self.token_identifier
        plain["claims"] = _thaw(self.claims)
        return {name: plain[name] for name in _TO_DICT_ORDER}


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
    plans: None = field(default=None, init=False, repr=False)
    session_status: None = field(default=None, init=False, repr=False)
    provider_role: None = field(default=None, init=False, repr=False)
    provider_roles: None = field(default=None, init=False, repr=False)
    factor_verification_age: None = field(default=None, init=False, repr=False)
    org_prefix: None = field(default=None, init=False, repr=False)
    userinfo: None = field(default=None, init=False, repr=False)
    userinfo_error: None = field(default=None, init=False, repr=False)
    dpop_jkt: None = field(default=None, init=False, repr=False)
    refusal_hint: None = field(default=None, init=False, repr=False)
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
        plan: str | None = None,
        reverification: ReverificationSpec | None = None,
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


_ORG_SCOPES: Final = frozenset({"o", "org", "organization"})
_USER_SCOPES: Final = frozenset({"u", "user"})


def _billing(wanted: str, names: tuple[str, ...]) -> bool:
    """Clerk's ``checkForFeatureOrPlan`` over the stored names (``"x"``, ``"org:x"``, ``"user:x"``).

    The name as given first (so a provider's own names with colons still match), then Clerk's scope
    spellings; any other scope matches nothing (Clerk: "Invalid scope").
    """
    if wanted in names:
        return True
    scope, colon, name = wanted.partition(":")
    if not colon or ":" in name:
        return False
    if scope in _ORG_SCOPES:
        return "org:" + name in names
    if scope in _USER_SCOPES:
        return "user:" + name in names
    return False


_TO_DICT: Final = tuple(f.name for f in fields(AuthInfo) if f.metadata.get("to_dict", True))
_AFTER_SUBJECT: Final = _TO_DICT.index("subject") + 1
_TO_DICT_ORDER: Final = (*_TO_DICT[:_AFTER_SUBJECT], "token_identifier", *_TO_DICT[_AFTER_SUBJECT:], "claims")
"""``to_dict``'s keys: the fields in declaration order, ``token_identifier`` after ``subject``."""


def _plain(value: Any) -> Any:
    """A field as JSON-ready data: values (``User``, ``Impersonator``) become dicts of their fields."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    return _thaw(value)


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value
