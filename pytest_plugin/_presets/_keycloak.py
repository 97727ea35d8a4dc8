"""Keycloak access tokens: ``realm_access.roles``, ``scope``, Keycloak 26's ``organization`` claim."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import USER, UUID_SESSION, UUID_SUBJECT, Preset
from ._shared_claims import auth_time
from ._urls import jwks_under_issuer, no_audience, under_issuer

__all__ = ["KEYCLOAK", "KEYCLOAK_CLIENT"]

KEYCLOAK_CLIENT: Final = "fake-frontend"


def _keycloak(persona: Persona) -> dict[str, Any]:
    """Access token: ``realm_access.roles``, ``scope``, Keycloak 26's ``organization`` claim."""
    claims: dict[str, Any] = {}
    if persona.all_roles:
        claims["realm_access"] = {"roles": list(persona.all_roles)}
    if persona.scopes:
        claims["scope"] = " ".join(persona.scopes)
    slug, org_id = persona.organization_slug, persona.organization_id
    if org_id:
        if not slug:
            raise ValueError(
                "Keycloak names an organization by its alias: pass organization_slug= (the alias) "
                "with organization_id="
            )
        claims["organization"] = {slug: {"id": org_id}}
    elif slug:
        claims["organization"] = [slug]
    return claims


def _keycloak_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    email = claims.get("email")
    return {**auth_time(claims), "preferred_username": email if isinstance(email, str) else "fake-user"}


KEYCLOAK: Final = Preset(
    name="keycloak",
    claims="keycloak",
    issuer_form="https://keycloak.fake.test/realms/fake{n}",
    subject=UUID_SUBJECT,
    session_id=UUID_SESSION,
    supports=USER | {"session_id", "organization_id", "organization_slug", "role", "roles", "scopes"},
    encoder=_keycloak,
    jwks_of=jwks_under_issuer("protocol/openid-connect/certs"),
    audience_of=lambda issuer: "account",
    accepted_audience_of=no_audience,
    extra=MappingProxyType(
        {"typ": "Bearer", "azp": KEYCLOAK_CLIENT, "acr": "1", "scope": "openid profile email"}
    ),
    omits=frozenset({"nbf"}),
    completer=_keycloak_complete,
    userinfo_of=under_issuer("protocol/openid-connect/userinfo"),
)
