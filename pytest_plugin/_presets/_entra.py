"""Microsoft Entra ID access tokens, v2.0 and v1.0: app ``roles``, ``scp``; ``tid``/``oid`` derived."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import Preset
from ._shared_claims import subject
from ._urls import origin, path_segments

__all__ = ["ENTRA", "ENTRA_API", "ENTRA_APP", "ENTRA_AUTHORITY", "ENTRA_V1"]

ENTRA_AUTHORITY: Final = "https://login.microsoftonline.com"
ENTRA_API: Final = "fa4e0000-0000-4000-8000-0000000000a1"
"""The API's application (client) id: ``aud`` of fake v2.0 tokens (v1.0: ``api://`` + it);
``providers.entra(tenant, ENTRA_API)``."""
ENTRA_APP: Final = "fa4e0000-0000-4000-8000-0000000000c1"
_ENTRA_UPN: Final = "fake.user@fakecontoso.onmicrosoft.com"


def _tenant(issuer: str) -> str:
    segments = path_segments(issuer)
    return segments[0] if segments else "common"


def _entra_jwks(authority: str, issuer: str, path: str) -> tuple[str, ...]:
    tenants = dict.fromkeys((_tenant(issuer), "common", "organizations"))
    return tuple(f"{authority}/{tenant}/{path}" for tenant in tenants)


def _entra(persona: Persona) -> dict[str, Any]:
    """Access token: app ``roles``, delegated scopes in ``scp``; ``tid``/``oid`` follow ``iss``/``sub``."""
    claims: dict[str, Any] = {}
    if persona.all_roles:
        claims["roles"] = list(persona.all_roles)
    if persona.scopes:
        claims["scp"] = " ".join(persona.scopes)
    return claims


def _entra_ids(claims: Mapping[str, Any]) -> dict[str, Any]:
    iss = claims.get("iss")
    ids: dict[str, Any] = {"oid": str(uuid.uuid5(uuid.NAMESPACE_URL, "entra-user:" + subject(claims)))}
    if isinstance(iss, str):
        ids["tid"] = _tenant(iss)
    return ids


def _entra_v2_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    email = claims.get("email")
    return {**_entra_ids(claims), "preferred_username": email if isinstance(email, str) else _ENTRA_UPN}


def _entra_v1_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    email = claims.get("email")
    upn = email if isinstance(email, str) else _ENTRA_UPN
    return {**_entra_ids(claims), "upn": upn, "unique_name": upn}


ENTRA: Final = Preset(
    name="entra",
    claims="entra",
    issuer_form=ENTRA_AUTHORITY + "/fa4e0000-0000-4000-8000-0000000000{z}/v2.0",
    subject="fAkEpAiRwIsEsUbJeCt000000000000000000000000",
    session_id=None,
    supports=frozenset({"user_id", "email", "name", "given_name", "family_name", "role", "roles", "scopes"}),
    encoder=_entra,
    jwks_of=lambda issuer: _entra_jwks(origin(issuer), issuer, "discovery/v2.0/keys"),
    audience_of=lambda issuer: ENTRA_API,
    extra=MappingProxyType({"ver": "2.0", "azp": ENTRA_APP, "azpacr": "0", "scp": "access_as_user"}),
    session_claim=None,
    omits=frozenset({"jti"}),
    completer=_entra_v2_complete,
    key_owner_of=lambda issuer: f"entra:{origin(issuer)}",
)
ENTRA_V1: Final = dataclasses.replace(
    ENTRA,
    name="entra_v1",
    issuer_form="https://sts.windows.net/fa4e0000-0000-4000-8000-0000000000{z}/",
    jwks_of=lambda issuer: _entra_jwks(ENTRA_AUTHORITY, issuer, "discovery/keys"),
    audience_of=lambda issuer: f"api://{ENTRA_API}",
    extra=MappingProxyType(
        {
            "ver": "1.0",
            "acr": "1",
            "appid": ENTRA_APP,
            "appidacr": "0",
            "amr": ["pwd"],
            "scp": "user_impersonation",
        }
    ),
    completer=_entra_v1_complete,
    key_owner_of=lambda issuer: f"entra:{ENTRA_AUTHORITY}",
)
