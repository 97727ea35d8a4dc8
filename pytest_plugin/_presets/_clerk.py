"""Clerk session tokens: v2 (``o: {id, slg, rol, per, fpm}``, ``fea``, ``pla``) and v1 (``org_*``)."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any, Final

from .._persona import Persona
from ._preset import COMMON, Preset
from ._shared_claims import act
from ._urls import no_audience, same_path_jwks

__all__ = ["CLERK", "CLERK_V1"]

_CLERK_ORG: Final = "org:"


def _clerk_role(persona: Persona) -> str | None:
    roles = {role.removeprefix(_CLERK_ORG) for role in persona.all_roles}
    if len(roles) > 1:
        raise ValueError(f"a Clerk session has one organization role, got {sorted(roles)}")
    return roles.pop() if roles else None


def _clerk_org_check(persona: Persona) -> None:
    if (
        persona.all_roles or persona.permissions or persona.organization_slug
    ) and not persona.organization_id:
        raise ValueError(
            "Clerk puts the role, permissions and slug in the active organization: "
            "pass organization_id= as well"
        )


def _clerk_permission(permission: str) -> tuple[str, str]:
    bare = permission.removeprefix(_CLERK_ORG)
    feature, _, name = bare.partition(":")
    if not feature or not name or "," in bare:
        raise ValueError(
            f"Clerk permissions are 'feature:permission' (e.g. 'posts:read' or 'org:posts:read'), "
            f"got {permission!r}"
        )
    return feature, name


def _clerk_scoped(name: str) -> str:
    """``org:x`` → ``o:x``; ``user:x`` and a bare ``x`` → ``u:x`` (Clerk's ``fea``/``pla`` form)."""
    if name.startswith(_CLERK_ORG):
        return "o:" + name.removeprefix(_CLERK_ORG)
    return "u:" + name.removeprefix("user:")


def _clerk_v2(persona: Persona) -> dict[str, Any]:
    """Session token v2: ``o: {id, slg, rol, per, fpm}``, ``fea``, ``pla`` (Clerk's own layout)."""
    _clerk_org_check(persona)
    claims: dict[str, Any] = {}
    features: dict[str, dict[str, None]] = {}
    for permission in persona.permissions:
        feature, name = _clerk_permission(permission)
        features.setdefault(feature, {})[name] = None
    fea = [f"o:{feature}" for feature in features]
    for flag in persona.feature_flags:
        entry = _clerk_scoped(flag)
        if entry not in fea:
            fea.append(entry)
    if fea:
        claims["fea"] = ",".join(fea)
    plans = (*persona.plans, *persona.entitlements)
    if plans:
        claims["pla"] = ",".join(dict.fromkeys(_clerk_scoped(plan) for plan in plans))
    if persona.session_status is not None:
        claims["sts"] = persona.session_status
    if persona.factor_verification_age is not None:
        claims["fva"] = list(persona.factor_verification_age)
    if persona.organization_id:
        org: dict[str, Any] = {"id": persona.organization_id}
        if persona.organization_slug:
            org["slg"] = persona.organization_slug
        role = _clerk_role(persona)
        if role:
            org["rol"] = role
        if features:
            names = list(dict.fromkeys(name for granted in features.values() for name in granted))
            masks = []
            for entry in fea:
                scope, _, feature = entry.partition(":")
                if "o" in scope:
                    granted = features.get(feature, {})
                    masks.append(sum(1 << names.index(name) for name in granted))
            org["per"] = ",".join(names)
            org["fpm"] = ",".join(str(mask) for mask in masks)
        claims["o"] = org
    return {**claims, **act(persona.impersonator)}


def _clerk_v1(persona: Persona) -> dict[str, Any]:
    """Session token v1: ``org_id``, ``org_slug``, ``org_role``, ``org_permissions``."""
    _clerk_org_check(persona)
    claims: dict[str, Any] = {}
    if persona.organization_id:
        claims["org_id"] = persona.organization_id
        if persona.organization_slug:
            claims["org_slug"] = persona.organization_slug
        role = _clerk_role(persona)
        if role:
            claims["org_role"] = _CLERK_ORG + role
        if persona.permissions:
            for permission in persona.permissions:
                _clerk_permission(permission)
            claims["org_permissions"] = [
                _CLERK_ORG + permission.removeprefix(_CLERK_ORG) for permission in persona.permissions
            ]
    return {**claims, **act(persona.impersonator)}


_ORGANIZATION: Final = frozenset({"organization_id", "organization_slug", "role", "roles", "permissions"})

CLERK: Final = Preset(
    name="clerk",
    claims="clerk",
    issuer_form="https://fake{n}.clerk.accounts.dev",
    subject="user_2FAKE00000000000000000000",
    session_id="sess_2FAKE00000000000000000000",
    supports=COMMON
    | _ORGANIZATION
    | {"entitlements", "feature_flags", "plans", "session_status", "factor_verification_age"},
    encoder=_clerk_v2,
    jwks_of=same_path_jwks,
    audience_of=no_audience,
    # No azp: FakeIssuer(authorized_party=...) adds one (the front-end origin a browser token names).
    extra=MappingProxyType({"v": 2, "fva": [0, -1]}),
)
CLERK_V1: Final = dataclasses.replace(
    CLERK,
    name="clerk_v1",
    supports=COMMON | _ORGANIZATION,
    encoder=_clerk_v1,
    extra=MappingProxyType({}),
)
