"""Amazon Cognito user pool tokens: access (``cognito:groups``, ``scope``) and ID (``custom:<name>``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import USER, UUID_SESSION, UUID_SUBJECT, Preset
from ._shared_claims import auth_time, subject
from ._urls import no_audience, same_path_jwks

__all__ = ["COGNITO", "COGNITO_CLIENT", "COGNITO_ID"]

COGNITO_CLIENT: Final = "1fakec1ient2345678901234ab"
"""The app client of fake Cognito tokens: ``providers.cognito(pool_id, COGNITO_CLIENT)``."""
_COGNITO_EVENT: Final = "fa4e0000-0000-4000-8000-0000000000e1"


def _cognito_groups(persona: Persona) -> dict[str, Any]:
    return {"cognito:groups": list(persona.all_roles)} if persona.all_roles else {}


def _cognito(persona: Persona) -> dict[str, Any]:
    """Access token: ``cognito:groups``, ``scope``; ``username`` follows ``sub``."""
    claims = _cognito_groups(persona)
    if persona.scopes:
        claims["scope"] = " ".join(persona.scopes)
    return claims


def _cognito_id(persona: Persona) -> dict[str, Any]:
    """ID token: profile attributes, ``cognito:groups``, ``custom:<name>`` attributes (strings)."""
    claims = _cognito_groups(persona)
    for name, value in persona.custom_attributes.items():
        if not isinstance(value, str):
            raise ValueError(
                f"Cognito custom attributes are strings in tokens, got {name}={value!r}: pass {str(value)!r}"
            )
        claims[f"custom:{name}"] = value
    return claims


def _cognito_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {**auth_time(claims), "username": subject(claims)}


def _cognito_id_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {**auth_time(claims), "cognito:username": subject(claims)}


COGNITO: Final = Preset(
    name="cognito",
    claims="cognito",
    issuer_form="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_FAKE{z}pool",
    subject=UUID_SUBJECT,
    session_id=UUID_SESSION,
    supports=frozenset({"user_id", "session_id", "role", "roles", "scopes"}),
    encoder=_cognito,
    jwks_of=same_path_jwks,
    audience_of=no_audience,
    extra=MappingProxyType(
        {
            "token_use": "access",
            "client_id": COGNITO_CLIENT,
            "version": 2,
            "event_id": _COGNITO_EVENT,
            "scope": "aws.cognito.signin.user.admin",
        }
    ),
    session_claim="origin_jti",
    omits=frozenset({"nbf"}),
    completer=_cognito_complete,
)
COGNITO_ID: Final = dataclasses.replace(
    COGNITO,
    name="cognito_id",
    supports=USER | {"session_id", "role", "roles", "custom_attributes"},
    encoder=_cognito_id,
    audience_of=lambda issuer: COGNITO_CLIENT,
    extra=MappingProxyType({"token_use": "id", "event_id": _COGNITO_EVENT}),
    completer=_cognito_id_complete,
)
