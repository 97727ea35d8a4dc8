"""Authgear JWT access tokens: ``https://authgear.com/claims/user/...`` claims, ``custom_attributes``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import COMMON, UUID_SESSION, UUID_SUBJECT, Preset
from ._shared_claims import act
from ._urls import jwks_under_issuer

__all__ = ["AUTHGEAR", "AUTHGEAR_CLAIM"]

AUTHGEAR_CLAIM: Final = "https://authgear.com/claims/user/"


def _authgear(persona: Persona) -> dict[str, Any]:
    """JWT access token: ``https://authgear.com/claims/user/...`` claims, ``custom_attributes``."""
    claims: dict[str, Any] = {AUTHGEAR_CLAIM + "is_anonymous": persona.is_anonymous}
    if persona.all_roles:
        claims[AUTHGEAR_CLAIM + "roles"] = list(persona.all_roles)
    if persona.custom_attributes:
        claims["custom_attributes"] = _thaw(persona.custom_attributes)
    if persona.scopes:
        claims["scope"] = " ".join(persona.scopes)
    return {**claims, **act(persona.impersonator)}


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(item) for item in value]
    return value


AUTHGEAR: Final = Preset(
    name="authgear",
    claims="authgear",
    issuer_form="https://fake{n}.authgear.cloud",
    subject=UUID_SUBJECT,
    session_id=UUID_SESSION,
    supports=COMMON | {"role", "roles", "scopes", "custom_attributes", "is_anonymous"},
    encoder=_authgear,
    jwks_of=jwks_under_issuer("oauth2/jwks"),
    audience_of=lambda issuer: [issuer],
    extra=MappingProxyType(
        {
            "client_id": "fake-client",
            AUTHGEAR_CLAIM + "is_verified": True,
            AUTHGEAR_CLAIM + "can_reauthenticate": True,
        }
    ),
)
