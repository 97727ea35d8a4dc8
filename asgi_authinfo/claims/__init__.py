"""Claim mapping: verified JWT claims in, the normalized fields of ``AuthInfo`` out.

A mapper is a plain, pure function ``(claims) -> MappedClaims``. Presets are looked up by name
once, when an ``Issuer`` is built; a callable can be given instead of a name, or a declarative
:func:`mapping` of claim paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from .._auth_info import Impersonator, User

__all__ = ["PRESETS", "ClaimMapper", "ClaimMapping", "MappedClaims", "mapping", "resolve"]


@dataclass(frozen=True, slots=True)
class MappedClaims:
    """What a claim mapper returns: every ``AuthInfo`` field that comes from the token's claims."""

    user: User
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
    org_prefix: str | None = field(default=None, repr=False)


ClaimMapper: TypeAlias = Callable[[Mapping[str, Any]], MappedClaims]

PRESETS: dict[str, ClaimMapper] = {}


def register(name: str) -> Callable[[ClaimMapper], ClaimMapper]:
    """Register a preset mapper under ``name`` (used by the preset modules in this package)."""

    def decorate(mapper: ClaimMapper) -> ClaimMapper:
        PRESETS[name] = mapper
        return mapper

    return decorate


def resolve(claims: str | ClaimMapper) -> ClaimMapper:
    """The mapper for a preset name or a callable; ValueError names the known presets."""
    if callable(claims):
        return claims
    _load_presets()
    try:
        return PRESETS[claims]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ValueError(
            f"unknown claims preset {claims!r}: use one of {known}, or pass a callable "
            "(claims: Mapping[str, Any]) -> MappedClaims"
        ) from None


def _load_presets() -> None:
    from . import (  # noqa: F401  (each registers itself)
        auth0,
        authgear,
        clerk,
        cognito,
        entra,
        firebase,
        keycloak,
        oidc,
        okta,
        supabase,
        workos,
    )


from ._mapping import ClaimMapping, mapping  # noqa: E402  (needs the names above)
