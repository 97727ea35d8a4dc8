"""WorkOS AuthKit access tokens: ``org_id``, ``role``, ``roles``, ``permissions``, ... ``act``."""

from __future__ import annotations

from typing import Any, Final

from .._persona import Persona
from ._oidc import ULID_SESSION, ULID_SUBJECT
from ._preset import COMMON, Preset
from ._urls import no_audience, origin, path_segments

__all__ = ["WORKOS"]


def _workos(persona: Persona) -> dict[str, Any]:
    """AuthKit access token claims: ``org_id``, ``role``, ``roles``, ``permissions``, ... ``act``."""
    claims: dict[str, Any] = {}
    if persona.organization_id:
        claims["org_id"] = persona.organization_id
    roles = persona.all_roles
    if roles:
        claims["role"] = roles[0]
        claims["roles"] = list(roles)
    for name in ("permissions", "entitlements", "feature_flags"):
        values = getattr(persona, name)
        if values:
            claims[name] = list(values)
    imp = persona.impersonator
    if imp is not None:
        # WorkOS sends the impersonating admin's email as `act.sub`.
        act: dict[str, Any] = {"sub": imp.email or imp.subject}
        if imp.email and imp.email != imp.subject:
            act = {"sub": imp.subject, "email": imp.email}
        if imp.reason:
            act["reason"] = imp.reason
        claims["act"] = act
    return claims


def _workos_jwks(issuer: str) -> tuple[str, ...]:
    segments = path_segments(issuer)
    return (f"{origin(issuer)}/sso/jwks/{segments[-1] if segments else 'client'}",)


WORKOS: Final = Preset(
    name="workos",
    claims="workos",
    issuer_form="https://api.workos.com/user_management/client_01FAKE{n}",
    subject=ULID_SUBJECT,
    session_id=ULID_SESSION,
    supports=COMMON | {"organization_id", "role", "roles", "permissions", "entitlements", "feature_flags"},
    encoder=_workos,
    jwks_of=_workos_jwks,
    audience_of=no_audience,
)
