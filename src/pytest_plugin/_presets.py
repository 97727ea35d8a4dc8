"""Presets: how each provider shapes its tokens, so fake tokens look like the real ones.

A preset knows its provider's issuer URL form, where its JWKS lives, its default claims, and how
to encode a :class:`Persona` (role, permissions, organization, impersonator, ...) in that
provider's claims. The matching ``asgi_authinfo`` claims preset reads them back into the same
``AuthInfo`` fields; ``tests/plugin/test_presets.py`` holds the two to that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

from asgi_authinfo import Impersonator

from ._persona import Persona

__all__ = ["PRESETS", "Preset", "get_preset"]

AUTHGEAR_CLAIM: Final = "https://authgear.com/claims/user/"
_CLERK_ORG: Final = "org:"

_COMMON: Final = frozenset(
    {
        "user_id",
        "email",
        "email_verified",
        "name",
        "given_name",
        "family_name",
        "picture",
        "phone_number",
        "session_id",
        "impersonator",
    }
)
_PROFILE: Final = ("email", "email_verified", "name", "given_name", "family_name", "picture", "phone_number")


@dataclass(frozen=True, slots=True)
class Preset:
    """How one provider shapes tokens; ``claims`` names the ``asgi_authinfo`` preset that reads them."""

    name: str
    claims: str
    issuer_form: str
    """The default issuer URL; ``{n}`` is replaced by ``""`` for the first fake, ``-2``, ``-3``... after."""
    subject: str
    session_id: str
    supports: frozenset[str]
    encoder: Callable[[Persona], dict[str, Any]] = field(repr=False)
    jwks_path_of: Callable[[str], str] = field(repr=False)
    audience_of: Callable[[str], str | list[str] | None] = field(repr=False)
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    def default_issuer(self, number: int = 1) -> str:
        """The issuer URL of the ``number``-th fake issuer with this preset in one test."""
        return self.issuer_form.format(n="" if number <= 1 else f"-{number}")

    def jwks_path(self, issuer: str) -> str:
        """Where this provider publishes the JWKS of ``issuer``, as a path on the issuer's host."""
        return self.jwks_path_of(urlsplit(issuer).path.rstrip("/"))

    def audience(self, issuer: str) -> str | list[str] | None:
        """The ``aud`` this provider puts in access tokens by default (None: no ``aud``)."""
        return self.audience_of(issuer)

    def encode(self, persona: Persona) -> dict[str, Any]:
        """The claims for ``persona`` (without ``iss``, times or ``aud``); ValueError if it cannot."""
        unsupported = sorted(persona.given() - self.supports)
        if unsupported:
            others = [p.name for p in PRESETS.values() if set(unsupported) <= p.supports]
            hint = f"; presets that have them: {', '.join(others)}" if others else ""
            raise ValueError(f"{self.name} tokens have no claim for {', '.join(unsupported)}{hint}")
        claims: dict[str, Any] = {
            "sub": persona.user_id or self.subject,
            "sid": persona.session_id or self.session_id,
        }
        for name in _PROFILE:
            value = getattr(persona, name)
            if value is not None:
                claims[name] = value
        claims.update(self.encoder(persona))
        return claims


def _act(impersonator: Impersonator | None) -> dict[str, Any]:
    """RFC 8693 ``act`` with every field the ``asgi_authinfo`` readers understand."""
    if impersonator is None:
        return {}
    act = {"sub": impersonator.subject, "email": impersonator.email, "reason": impersonator.reason}
    return {"act": {key: value for key, value in act.items() if value is not None}}


# -- oidc -------------------------------------------------------------------------------------


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
    return {**claims, **_act(persona.impersonator)}


# -- WorkOS -----------------------------------------------------------------------------------


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


def _workos_jwks(path: str) -> str:
    client_id = path.rsplit("/", 1)[-1] or "client"
    return f"/sso/jwks/{client_id}"


# -- Clerk ------------------------------------------------------------------------------------


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
    if persona.entitlements:
        claims["pla"] = ",".join(dict.fromkeys(_clerk_scoped(plan) for plan in persona.entitlements))
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
    return {**claims, **_act(persona.impersonator)}


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
    return {**claims, **_act(persona.impersonator)}


# -- Authgear ---------------------------------------------------------------------------------


def _authgear(persona: Persona) -> dict[str, Any]:
    """JWT access token: ``https://authgear.com/claims/user/...`` claims, ``custom_attributes``."""
    claims: dict[str, Any] = {AUTHGEAR_CLAIM + "is_anonymous": persona.is_anonymous}
    if persona.all_roles:
        claims[AUTHGEAR_CLAIM + "roles"] = list(persona.all_roles)
    if persona.custom_attributes:
        claims["custom_attributes"] = _thaw(persona.custom_attributes)
    if persona.scopes:
        claims["scope"] = " ".join(persona.scopes)
    return {**claims, **_act(persona.impersonator)}


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(item) for item in value]
    return value


def _same_path_jwks(path: str) -> str:
    return f"{path}/.well-known/jwks.json"


def _no_audience(issuer: str) -> None:
    return None


PRESETS: Final[Mapping[str, Preset]] = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            Preset(
                name="oidc",
                claims="oidc",
                issuer_form="https://fake-issuer{n}.test",
                subject="user_01FAKE0000000000000000000",
                session_id="session_01FAKE000000000000000000",
                supports=_COMMON | {"organization_id", "role", "roles", "permissions", "scopes"},
                encoder=_oidc,
                jwks_path_of=_same_path_jwks,
                audience_of=_no_audience,
            ),
            Preset(
                name="workos",
                claims="workos",
                issuer_form="https://api.workos.com/user_management/client_01FAKE{n}",
                subject="user_01FAKE0000000000000000000",
                session_id="session_01FAKE000000000000000000",
                supports=_COMMON
                | {"organization_id", "role", "roles", "permissions", "entitlements", "feature_flags"},
                encoder=_workos,
                jwks_path_of=_workos_jwks,
                audience_of=_no_audience,
            ),
            Preset(
                name="clerk",
                claims="clerk",
                issuer_form="https://fake{n}.clerk.accounts.dev",
                subject="user_2FAKE00000000000000000000",
                session_id="sess_2FAKE00000000000000000000",
                supports=_COMMON
                | {
                    "organization_id",
                    "organization_slug",
                    "role",
                    "roles",
                    "permissions",
                    "entitlements",
                    "feature_flags",
                },
                encoder=_clerk_v2,
                jwks_path_of=_same_path_jwks,
                audience_of=_no_audience,
                extra=MappingProxyType({"v": 2, "azp": "http://localhost:3000", "fva": [0, -1]}),
            ),
            Preset(
                name="clerk_v1",
                claims="clerk",
                issuer_form="https://fake{n}.clerk.accounts.dev",
                subject="user_2FAKE00000000000000000000",
                session_id="sess_2FAKE00000000000000000000",
                supports=_COMMON | {"organization_id", "organization_slug", "role", "roles", "permissions"},
                encoder=_clerk_v1,
                jwks_path_of=_same_path_jwks,
                audience_of=_no_audience,
                extra=MappingProxyType({"azp": "http://localhost:3000"}),
            ),
            Preset(
                name="authgear",
                claims="authgear",
                issuer_form="https://fake{n}.authgear.cloud",
                subject="fa4e0000-0000-4000-8000-000000000001",
                session_id="fa4e0000-0000-4000-8000-00000000005e",
                supports=_COMMON | {"role", "roles", "scopes", "custom_attributes", "is_anonymous"},
                encoder=_authgear,
                jwks_path_of=lambda path: f"{path}/oauth2/jwks",
                audience_of=lambda issuer: [issuer],
                extra=MappingProxyType(
                    {
                        "client_id": "fake-client",
                        AUTHGEAR_CLAIM + "is_verified": True,
                        AUTHGEAR_CLAIM + "can_reauthenticate": True,
                    }
                ),
            ),
        )
    }
)
"""Every preset by name: ``oidc``, ``workos``, ``clerk`` (session token v2), ``clerk_v1``, ``authgear``."""


def get_preset(preset: str | Preset) -> Preset:
    """The preset named ``preset`` (a :class:`Preset` passes through); ValueError names the known ones."""
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}") from None
