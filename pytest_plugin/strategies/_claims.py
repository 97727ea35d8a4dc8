"""Realistic callers and claim sets: ``personas`` in each provider's id formats, ``claim_sets``
shaped like its tokens with coherent times."""

from __future__ import annotations

import json
import string
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

from hypothesis import strategies as st

from asgi_authinfo import Impersonator

from .._persona import Persona
from .._presets import Preset, get_preset

__all__ = ["Draw", "claim_sets", "personas"]

Draw: TypeAlias = st.DrawFn

_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE62: Final = string.digits + string.ascii_uppercase + string.ascii_lowercase
_FIRST: Final = ("ada", "grace", "alan", "edsger", "barbara", "ken", "margaret", "radia", "donald", "frances")
_LAST: Final = ("lovelace", "hopper", "turing", "dijkstra", "liskov", "thompson", "hamilton", "perlman")
_DOMAINS: Final = ("example.com", "example.org", "acme.test", "corp.example")
_ROLES: Final = ("admin", "member", "viewer", "owner", "editor", "billing")
_RESOURCES: Final = ("posts", "orders", "invoices", "users", "reports", "settings")
_ACTIONS: Final = ("read", "write", "create", "delete", "manage")
_FEATURES: Final = ("beta-dashboard", "dark-mode", "ai-assistant", "new-billing", "audit-log")
_PLANS: Final = ("free", "pro", "enterprise", "sso", "seats")
_SCOPES: Final = ("openid", "profile", "email", "offline_access", "read:orders", "write:orders")
_SLUGS: Final = ("acme", "globex", "initech", "umbrella", "hooli")
_REASONS: Final = ("support ticket 4521", "debugging a billing issue", "onboarding help")


def _encoded(number: int, alphabet: str, size: int) -> str:
    digits = []
    for _ in range(size):
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(reversed(digits))


def _id(prefix: str, alphabet: str, size: int) -> st.SearchStrategy[str]:
    """``prefix`` + ``size`` characters of ``alphabet``, drawn as one integer so it shrinks fast."""
    return st.integers(0, len(alphabet) ** size - 1).map(lambda n: prefix + _encoded(n, alphabet, size))


def _ulid_id(prefix: str) -> st.SearchStrategy[str]:
    """WorkOS-style ids: ``user_01`` + 24 Crockford base32 characters."""
    return _id(f"{prefix}_01", _CROCKFORD, 24)


def _clerk_id(prefix: str) -> st.SearchStrategy[str]:
    """Clerk-style ids: ``user_2`` + 26 base62 characters."""
    return _id(f"{prefix}_2", _BASE62, 26)


@st.composite
def _emails(draw: Draw) -> str:
    first, last = draw(st.sampled_from(_FIRST)), draw(st.sampled_from(_LAST))
    number = draw(st.none() | st.integers(1, 99))
    return f"{first}.{last}{number or ''}@{draw(st.sampled_from(_DOMAINS))}"


_UUIDS: Final = st.uuids(version=4).map(str)
_FIREBASE_TENANTS: Final = st.builds(
    "{}-{}".format, st.sampled_from(_SLUGS), _id("", string.ascii_lowercase + string.digits, 5)
)
_Ids: TypeAlias = tuple[st.SearchStrategy[str], st.SearchStrategy[str], st.SearchStrategy[str]]
"""User, session and organization ids."""
_ULIDS: Final[_Ids] = (_ulid_id("user"), _ulid_id("session"), _ulid_id("org"))
_CLERK_IDS: Final[_Ids] = (_clerk_id("user"), _clerk_id("sess"), _clerk_id("org"))
_ALL_UUIDS: Final[_Ids] = (_UUIDS, _UUIDS, _UUIDS)
_ENTRA_IDS: Final[_Ids] = (_id("", _BASE62 + "-_", 43), _UUIDS, _UUIDS)
_IDS: Final[Mapping[str, _Ids]] = {
    "oidc": _ULIDS,
    "workos": _ULIDS,
    "clerk": _CLERK_IDS,
    "clerk_v1": _CLERK_IDS,
    "authgear": _ALL_UUIDS,
    "auth0": (_id("auth0|", "0123456789abcdef", 24), _UUIDS, _id("org_", _BASE62, 16)),
    "keycloak": _ALL_UUIDS,
    "cognito": _ALL_UUIDS,
    "cognito_id": _ALL_UUIDS,
    "entra": _ENTRA_IDS,
    "entra_v1": _ENTRA_IDS,
    "okta": (_emails(), _UUIDS, _UUIDS),
    "supabase": _ALL_UUIDS,
    "firebase": (_id("", _BASE62, 28), _UUIDS, _FIREBASE_TENANTS),
}
_ONE_ROLE: Final[Mapping[str, tuple[str, ...]]] = {"supabase": ("authenticated", "service_role")}
"""Presets whose tokens carry exactly one role, from these."""
_DRAWS_PHONE: Final = frozenset({"supabase", "firebase", "cognito_id"})
_STRING_ATTRIBUTES: Final = frozenset({"cognito_id"})
_ORG_NEEDS_SLUG: Final = frozenset({"keycloak"})
_PERMISSIONS: Final = st.lists(
    st.builds("{}:{}".format, st.sampled_from(_RESOURCES), st.sampled_from(_ACTIONS)), unique=True, max_size=5
)


@st.composite
def personas(draw: Draw, preset: str | Preset = "oidc") -> Persona:
    """Callers a ``preset`` can describe: ids in its format, realistic emails, roles, permissions.

    Shrinks towards a caller with only a user id (and a session id where the provider has one).
    """
    chosen = get_preset(preset)
    supports = chosen.supports
    user_ids, session_ids, org_ids = _IDS.get(chosen.name, _ULIDS)
    fields: dict[str, Any] = {"user_id": draw(user_ids)}
    if "session_id" in supports:
        fields["session_id"] = draw(session_ids)
    if draw(st.booleans()):
        first, last = draw(st.sampled_from(_FIRST)), draw(st.sampled_from(_LAST))
        domain = draw(st.sampled_from(_DOMAINS))
        profile = {
            "email": f"{first}.{last}@{domain}",
            "email_verified": draw(st.booleans()),
            "given_name": first.title(),
            "family_name": last.title(),
            "name": f"{first.title()} {last.title()}",
        }
        fields.update({name: value for name, value in profile.items() if name in supports})
    if chosen.name in _DRAWS_PHONE and draw(st.booleans()):
        fields["phone_number"] = draw(st.from_regex(r"\+1[2-9][0-9]{9}", fullmatch=True))
    organization = "organization_id" in supports and draw(st.booleans())
    if organization:
        fields["organization_id"] = draw(org_ids)
        if "organization_slug" in supports and (chosen.name in _ORG_NEEDS_SLUG or draw(st.booleans())):
            fields["organization_slug"] = draw(st.sampled_from(_SLUGS))
    clerk = chosen.claims == "clerk"
    one_role = _ONE_ROLE.get(chosen.name)
    if one_role is not None:
        if draw(st.booleans()):
            fields["role"] = draw(st.sampled_from(one_role))
    elif not clerk or organization:
        if draw(st.booleans()):
            fields["role"] = draw(st.sampled_from(_ROLES))
        if not clerk:
            fields["roles"] = draw(st.lists(st.sampled_from(_ROLES), unique=True, max_size=3))
        if "permissions" in supports:
            fields["permissions"] = draw(_PERMISSIONS)
    if "feature_flags" in supports:
        fields["feature_flags"] = draw(st.lists(st.sampled_from(_FEATURES), unique=True, max_size=3))
    if "entitlements" in supports:
        fields["entitlements"] = draw(st.lists(st.sampled_from(_PLANS), unique=True, max_size=2))
    if "scopes" in supports:
        fields["scopes"] = draw(st.lists(st.sampled_from(_SCOPES), unique=True, max_size=4))
    if "custom_attributes" in supports:
        seats = st.integers(1, 500)
        fields["custom_attributes"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "plan": st.sampled_from(_PLANS),
                    "team": st.sampled_from(_SLUGS),
                    "seats": seats.map(str) if chosen.name in _STRING_ATTRIBUTES else seats,
                },
            )
        )
    if "is_anonymous" in supports:
        fields["is_anonymous"] = draw(st.booleans())
    if "impersonator" in supports and draw(st.booleans()):
        admin = draw(_emails())
        fields["impersonator"] = Impersonator(
            subject=admin, email=admin, reason=draw(st.none() | st.sampled_from(_REASONS))
        )
    return Persona.of(**fields)


def _clock_of(now: float | Callable[[], float] | None) -> float:
    if now is None:
        return time.time()
    return now() if callable(now) else float(now)


@st.composite
def claim_sets(
    draw: Draw,
    /,
    preset: str | Preset = "oidc",
    *,
    now: float | Callable[[], float] | None = None,
    **fixed: Any,
) -> dict[str, Any]:
    """Claim sets shaped like ``preset``'s tokens, valid at ``now`` (default: real time).

    Times are coherent: ``iat <= nbf <= now < exp`` (``nbf`` and ``jti`` only where the provider
    sends them). ``iss`` and ``aud`` are not drawn: give them
    in ``fixed`` (or use :func:`tokens`). ``fixed`` claims override drawn ones; ``None`` drops one.
    """
    chosen = get_preset(preset)
    claims = chosen.encode(draw(personas(chosen)))
    at = int(_clock_of(now))
    iat = at - draw(st.integers(0, 3600))
    times = {
        "iat": iat,
        "nbf": iat + draw(st.integers(0, at - iat)),
        "exp": at + draw(st.integers(60, 86400)),
        "jti": draw(st.uuids()).hex,
    }
    claims.update({name: value for name, value in times.items() if name not in chosen.omits})
    for name, value in json.loads(json.dumps(dict(chosen.extra))).items():
        claims.setdefault(name, value)
    return chosen.finish(claims, fixed)
