"""The table of claim presets by name, and the lookup that takes a name or a mapper."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import auth0, authgear, clerk, cognito, entra, firebase, keycloak, oidc, okta, supabase, workos
from ._mapped import ClaimMapper

__all__ = ["MAPPED_VALUES", "PRESETS", "resolve"]

PRESETS: dict[str, ClaimMapper] = {
    "oidc": oidc.map_claims,
    "workos": workos.map_claims,
    "clerk": clerk.map_claims,
    "authgear": authgear.map_claims,
    "auth0": auth0.map_claims,
    "keycloak": keycloak.map_claims,
    "cognito": cognito.map_claims,
    "entra": entra.map_claims,
    "okta": okta.map_claims,
    "supabase": supabase.map_claims,
    "firebase": firebase.map_claims,
}
"""Every preset mapper by name (what ``Issuer(claims="...")`` accepts)."""


MAPPED_VALUES: dict[ClaimMapper, Callable[[Mapping[str, Any]], Sequence[Any]]] = {
    oidc.map_claims: oidc.mapped_values,
}
"""Presets that also give their ``MappedClaims`` values in one pass, without building it: the
verifier's fast path to ``AuthInfo`` (the values are what the preset's mapper would return)."""


def resolve(claims: str | ClaimMapper) -> ClaimMapper:
    """The mapper for a preset name or a callable; ValueError names the known presets."""
    if callable(claims):
        return claims
    try:
        return PRESETS[claims]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ValueError(
            f"unknown claims preset {claims!r}: use one of {known}, or pass a callable "
            "(claims: Mapping[str, Any]) -> MappedClaims"
        ) from None
