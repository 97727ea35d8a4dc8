"""Auth0 access tokens (RBAC permissions on): ``permissions``, ``scope``, organizations, an Action's roles."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import NO_TIMES, USER, Preset
from ._urls import origin, same_path_jwks

__all__ = ["AUTH0", "AUTH0_API", "AUTH0_CLIENT", "AUTH0_ROLES"]

AUTH0_API: Final = "https://api.example.com"
"""The API identifier (``aud``) of fake Auth0 access tokens: ``providers.auth0(domain, AUTH0_API)``."""
AUTH0_ROLES: Final = "https://app.example.com/roles"
"""Where an Auth0 Action puts the roles (Auth0 has no roles claim of its own)."""
AUTH0_CLIENT: Final = "fAkEcLiEnT0000000000000000000001"


def _auth0(persona: Persona) -> dict[str, Any]:
    """Access token (Auth0 profile, RBAC permissions on): ``permissions``, ``scope``, ``org_id``,
    ``org_name``, and an Action's ``https://app.example.com/roles``."""
    claims: dict[str, Any] = {"permissions": list(persona.permissions)}
    if persona.organization_id:
        claims["org_id"] = persona.organization_id
    if persona.organization_slug:
        claims["org_name"] = persona.organization_slug
    if persona.all_roles:
        claims[AUTH0_ROLES] = list(persona.all_roles)
    if persona.scopes:
        claims["scope"] = " ".join(persona.scopes)
    return claims


AUTH0: Final = Preset(
    name="auth0",
    claims="auth0",
    issuer_form="https://fake{n}.us.auth0.com/",
    subject="auth0|65f0c0ffee0000000000fa4e",
    session_id=None,
    supports=USER | {"organization_id", "organization_slug", "role", "roles", "permissions", "scopes"},
    encoder=_auth0,
    jwks_of=same_path_jwks,
    audience_of=lambda issuer: [AUTH0_API, f"{origin(issuer)}/userinfo"],
    accepted_audience_of=lambda issuer: AUTH0_API,
    extra=MappingProxyType({"azp": AUTH0_CLIENT, "scope": "openid profile email"}),
    session_claim=None,
    omits=NO_TIMES,
    userinfo_of=lambda issuer: f"{origin(issuer)}/userinfo",
)
