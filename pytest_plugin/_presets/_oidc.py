"""The generic ``oidc`` preset: standard claims plus ``org_id``, ``role``/``roles``, ``permissions``."""

from __future__ import annotations

from typing import Any, Final

from .._persona import Persona
from ._preset import COMMON, Preset
from ._shared_claims import act
from ._urls import no_audience, same_path_jwks

__all__ = ["OIDC", "ULID_SESSION", "ULID_SUBJECT"]

ULID_SUBJECT: Final = "user_01FAKE0000000000000000000"
"""The default ``sub`` of providers whose ids are prefixed ULIDs (WorkOS-style)."""
ULID_SESSION: Final = "session_01FAKE000000000000000000"


def _oidc(persona: Persona) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if persona.organization_id:
        claims["org_id"] = persona.organization_id
    if persona.role:
        claims["role"] = persona.role
    if persona.roles:
        claims["roles"] = list(persona.all_roles)
    if persona.permissions:
        claims["permissions"] = list(persona.permissions)
    if persona.scopes:
        claims["scope"] = " ".join(persona.scopes)
    return {**claims, **act(persona.impersonator)}


OIDC: Final = Preset(
    name="oidc",
    claims="oidc",
    issuer_form="https://fake-issuer{n}.test",
    subject=ULID_SUBJECT,
    session_id=ULID_SESSION,
    supports=COMMON | {"organization_id", "role", "roles", "permissions", "scopes"},
    encoder=_oidc,
    jwks_of=same_path_jwks,
    audience_of=no_audience,
)
