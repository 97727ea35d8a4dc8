"""Presets: how each provider shapes its tokens, so fake tokens look like the real ones.

A preset knows its provider's issuer URL form, where its JWKS lives (on any host: Firebase's are
Google's), its default claims and the ones it derives (``auth_time``, Entra's ``tid``), and how to
encode a :class:`Persona` (role, permissions, organization, impersonator, ...) in that provider's
claims. The matching ``asgi_authinfo`` claims preset reads them back into the same ``AuthInfo``
fields; ``tests/plugin/test_presets.py`` and ``test_provider_presets.py`` hold the two to that.
"""

from __future__ import annotations

import hashlib
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

from asgi_authinfo import Impersonator
from asgi_authinfo.providers import FIREBASE_JWKS

from ._persona import Persona

__all__ = ["PRESETS", "Preset", "get_preset"]

AUTHGEAR_CLAIM: Final = "https://authgear.com/claims/user/"
_CLERK_ORG: Final = "org:"
_BASE62: Final = string.digits + string.ascii_letters

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


def _nothing(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _default_userinfo(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/oauth2/userinfo"


def _same_key_owner(issuer: str) -> str:
    return issuer


@dataclass(frozen=True, slots=True)
class Preset:
    """How one provider shapes tokens; ``claims`` names the ``asgi_authinfo`` preset that reads them."""

    name: str
    claims: str
    issuer_form: str
    """The default issuer URL of the ``number``-th fake: ``{n}`` is ``""`` for the first and ``-2``,
    ``-3``... after; ``{i}`` is ``""``, ``2``, ``3``...; ``{z}`` is ``01``, ``02``..."""
    subject: str
    session_id: str | None
    """The default session id (None: this provider's tokens name no session)."""
    supports: frozenset[str]
    encoder: Callable[[Persona], dict[str, Any]] = field(repr=False)
    jwks_of: Callable[[str], tuple[str, ...]] = field(repr=False)
    """Issuer URL → the JWKS URLs this provider serves its keys at; the first is the one discovery lists."""
    audience_of: Callable[[str], str | list[str] | None] = field(repr=False)
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    accepted_audience_of: Callable[[str], str | list[str] | None] | None = field(default=None, repr=False)
    """What ``issuer_config()`` checks ``aud`` against, when it differs from the ``aud`` tokens carry."""
    session_claim: str | None = "sid"
    omits: frozenset[str] = frozenset()
    """Default claims (``nbf``, ``jti``) this provider's tokens do not carry."""
    profile: tuple[str, ...] = _PROFILE
    """The persona's profile fields written as top-level OIDC claims (the encoder places the others)."""
    completer: Callable[[Mapping[str, Any]], dict[str, Any]] = field(default=_nothing, repr=False)
    """Claims derived from the others (``auth_time`` from ``iat``, ``tid`` from ``iss``...)."""
    algorithm: str = "RS256"
    userinfo_of: Callable[[str], str] = field(default=_default_userinfo, repr=False)
    key_owner_of: Callable[[str], str] = field(default=_same_key_owner, repr=False)
    """Issuer URL → whose keys it signs with: providers that sign every tenant or project with one key
    set (Entra, Firebase) share it, so several fakes can answer one shared JWKS URL."""

    def default_issuer(self, number: int = 1) -> str:
        """The issuer URL of the ``number``-th fake issuer with this preset in one test."""
        first = number <= 1
        return self.issuer_form.format(
            n="" if first else f"-{number}", i="" if first else str(number), z=f"{max(number, 1):02d}"
        )

    def jwks_uris(self, issuer: str) -> tuple[str, ...]:
        """Where this provider publishes the JWKS of ``issuer`` (absolute URLs, the primary first)."""
        return self.jwks_of(issuer)

    def audience(self, issuer: str) -> str | list[str] | None:
        """The ``aud`` this provider puts in access tokens by default (None: no ``aud``)."""
        return self.audience_of(issuer)

    def accepted_audience(self, issuer: str) -> str | list[str] | None:
        """The audience an API configured for this provider checks (by default the tokens' ``aud``)."""
        return (self.accepted_audience_of or self.audience_of)(issuer)

    def userinfo_uri(self, issuer: str) -> str:
        return self.userinfo_of(issuer)

    def key_owner(self, issuer: str) -> str:
        return self.key_owner_of(issuer)

    def encode(self, persona: Persona) -> dict[str, Any]:
        """The claims for ``persona`` (without ``iss``, times or ``aud``); ValueError if it cannot."""
        unsupported = sorted(persona.given() - self.supports)
        if unsupported:
            others = [p.name for p in PRESETS.values() if set(unsupported) <= p.supports]
            hint = f"; presets that have them: {', '.join(others)}" if others else ""
            raise ValueError(f"{self.name} tokens have no claim for {', '.join(unsupported)}{hint}")
        claims: dict[str, Any] = {"sub": persona.user_id or self.subject}
        if self.session_claim is not None:
            claims[self.session_claim] = persona.session_id or self.session_id
        for name in self.profile:
            value = getattr(persona, name)
            if value is not None:
                claims[name] = value
        claims.update(self.encoder(persona))
        return claims

    def finish(self, claims: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
        """``claims`` updated with ``overrides`` (``None`` drops one), plus the claims derived from
        them (``auth_time``, ``tid``...) that neither names."""
        merged = {name: value for name, value in claims.items() if overrides.get(name, value) is not None}
        merged.update({name: value for name, value in overrides.items() if value is not None})
        for name, value in self.completer(merged).items():
            if name not in merged and name not in overrides:
                merged[name] = value
        return merged


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


def _workos_jwks(issuer: str) -> tuple[str, ...]:
    segments = _segments(issuer)
    return (f"{_origin(issuer)}/sso/jwks/{segments[-1] if segments else 'client'}",)


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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _segments(url: str) -> list[str]:
    return [segment for segment in urlsplit(url).path.split("/") if segment]


def _same_path_jwks(issuer: str) -> tuple[str, ...]:
    return (f"{issuer.rstrip('/')}/.well-known/jwks.json",)


def _no_audience(issuer: str) -> None:
    return None


def _auth_time(claims: Mapping[str, Any]) -> dict[str, Any]:
    """``auth_time``: when the user signed in; a fake's users sign in when their token is issued."""
    iat = claims.get("iat")
    return {"auth_time": iat} if isinstance(iat, int) else {}


def _stable_id(seed: str, size: int) -> str:
    """``size`` base62 characters derived from ``seed``: a second id that follows the subject."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    digits = []
    for _ in range(size):
        number, digit = divmod(number, len(_BASE62))
        digits.append(_BASE62[digit])
    return "".join(digits)


def _sub(claims: Mapping[str, Any]) -> str:
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else ""


# -- Auth0 ------------------------------------------------------------------------------------

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


# -- Keycloak ---------------------------------------------------------------------------------

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
    return {**_auth_time(claims), "preferred_username": email if isinstance(email, str) else "fake-user"}


# -- Amazon Cognito ---------------------------------------------------------------------------

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
    return {**_auth_time(claims), "username": _sub(claims)}


def _cognito_id_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {**_auth_time(claims), "cognito:username": _sub(claims)}


# -- Microsoft Entra ID -----------------------------------------------------------------------

ENTRA_AUTHORITY: Final = "https://login.microsoftonline.com"
ENTRA_API: Final = "fa4e0000-0000-4000-8000-0000000000a1"
"""The API's application (client) id: ``aud`` of fake v2.0 tokens (v1.0: ``api://`` + it);
``providers.entra(tenant, ENTRA_API)``."""
ENTRA_APP: Final = "fa4e0000-0000-4000-8000-0000000000c1"
_ENTRA_UPN: Final = "fake.user@fakecontoso.onmicrosoft.com"


def _tenant(issuer: str) -> str:
    segments = _segments(issuer)
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
    ids: dict[str, Any] = {"oid": str(uuid.uuid5(uuid.NAMESPACE_URL, "entra-user:" + _sub(claims)))}
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


# -- Okta -------------------------------------------------------------------------------------

OKTA_CLIENT: Final = "0oafake0000000000000"
"""The client (``cid``) of fake Okta tokens: ``providers.okta(domain, client_id=OKTA_CLIENT)``."""


def _okta(persona: Persona) -> dict[str, Any]:
    """Custom authorization server access token: ``scp`` (a list), a ``groups`` claim."""
    claims: dict[str, Any] = {}
    if persona.all_roles:
        claims["groups"] = list(persona.all_roles)
    if persona.scopes:
        claims["scp"] = list(persona.scopes)
    return claims


def _okta_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {**_auth_time(claims), "uid": "00u" + _stable_id("okta-user:" + _sub(claims), 17)}


# -- Supabase ---------------------------------------------------------------------------------


def _supabase(persona: Persona) -> dict[str, Any]:
    """Access token: the Postgres ``role``, ``email``/``phone``, ``is_anonymous``, ``user_metadata``
    (as an OAuth sign-in fills it), ``app_metadata``; ``amr`` follows the sign-in method."""
    roles = persona.all_roles
    if len(roles) > 1:
        raise ValueError(f"a Supabase token has one Postgres role (e.g. 'authenticated'), got {list(roles)}")
    claims: dict[str, Any] = {"is_anonymous": persona.is_anonymous}
    if roles:
        claims["role"] = roles[0]
    if persona.phone_number:
        claims["phone"] = persona.phone_number
    metadata: dict[str, Any] = {}
    for name, key in (("name", "full_name"), ("picture", "avatar_url"), ("email_verified", "email_verified")):
        value = getattr(persona, name)
        if value is not None:
            metadata[key] = value
    claims["user_metadata"] = metadata
    provider = "email" if persona.email or not persona.phone_number else "phone"
    claims["app_metadata"] = {} if persona.is_anonymous else {"provider": provider, "providers": [provider]}
    return claims


def _supabase_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    iat = claims.get("iat")
    if not isinstance(iat, int):
        return {}
    method = "password"
    if claims.get("is_anonymous") is True:
        method = "anonymous"
    elif claims.get("phone") and not claims.get("email"):
        method = "otp"
    return {"amr": [{"method": method, "timestamp": iat}]}


# -- Firebase ---------------------------------------------------------------------------------


def _firebase(persona: Persona) -> dict[str, Any]:
    """ID token: the ``firebase`` object (``sign_in_provider``, ``identities``, ``tenant``) and
    custom claims ``role``/``roles`` (``setCustomUserClaims``)."""
    claims: dict[str, Any] = {}
    if persona.role:
        claims["role"] = persona.role
    if persona.roles:
        claims["roles"] = list(persona.all_roles)
    identities: dict[str, list[str]] = {}
    if persona.is_anonymous:
        provider = "anonymous"
    elif persona.email:
        provider, identities = "password", {"email": [persona.email]}
    elif persona.phone_number:
        provider, identities = "phone", {"phone": [persona.phone_number]}
    else:
        provider = "custom"
    firebase: dict[str, Any] = {"identities": identities, "sign_in_provider": provider}
    if persona.organization_id:
        firebase["tenant"] = persona.organization_id
    claims["firebase"] = firebase
    return claims


def _firebase_complete(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {**_auth_time(claims), "user_id": _sub(claims)}


def _firebase_project(issuer: str) -> str:
    segments = _segments(issuer)
    return segments[-1] if segments else "fake-project"


_USER: Final = frozenset({"user_id", *_PROFILE})
_ENTRA_SUPPORTS: Final = frozenset(
    {"user_id", "email", "name", "given_name", "family_name", "role", "roles", "scopes"}
)
_NO_TIMES: Final = frozenset({"nbf", "jti"})

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
                jwks_of=_same_path_jwks,
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
                jwks_of=_workos_jwks,
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
                jwks_of=_same_path_jwks,
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
                jwks_of=_same_path_jwks,
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
                jwks_of=lambda issuer: (f"{issuer.rstrip('/')}/oauth2/jwks",),
                audience_of=lambda issuer: [issuer],
                extra=MappingProxyType(
                    {
                        "client_id": "fake-client",
                        AUTHGEAR_CLAIM + "is_verified": True,
                        AUTHGEAR_CLAIM + "can_reauthenticate": True,
                    }
                ),
            ),
            Preset(
                name="auth0",
                claims="auth0",
                issuer_form="https://fake{n}.us.auth0.com/",
                subject="auth0|65f0c0ffee0000000000fa4e",
                session_id=None,
                supports=_USER
                | {"organization_id", "organization_slug", "role", "roles", "permissions", "scopes"},
                encoder=_auth0,
                jwks_of=_same_path_jwks,
                audience_of=lambda issuer: [AUTH0_API, f"{_origin(issuer)}/userinfo"],
                accepted_audience_of=lambda issuer: AUTH0_API,
                extra=MappingProxyType({"azp": AUTH0_CLIENT, "scope": "openid profile email"}),
                session_claim=None,
                omits=_NO_TIMES,
                userinfo_of=lambda issuer: f"{_origin(issuer)}/userinfo",
            ),
            Preset(
                name="keycloak",
                claims="keycloak",
                issuer_form="https://keycloak.fake.test/realms/fake{n}",
                subject="fa4e0000-0000-4000-8000-000000000001",
                session_id="fa4e0000-0000-4000-8000-00000000005e",
                supports=_USER
                | {"session_id", "organization_id", "organization_slug", "role", "roles", "scopes"},
                encoder=_keycloak,
                jwks_of=lambda issuer: (f"{issuer.rstrip('/')}/protocol/openid-connect/certs",),
                audience_of=lambda issuer: "account",
                accepted_audience_of=_no_audience,
                extra=MappingProxyType(
                    {"typ": "Bearer", "azp": KEYCLOAK_CLIENT, "acr": "1", "scope": "openid profile email"}
                ),
                omits=frozenset({"nbf"}),
                completer=_keycloak_complete,
                userinfo_of=lambda issuer: f"{issuer.rstrip('/')}/protocol/openid-connect/userinfo",
            ),
            Preset(
                name="cognito",
                claims="cognito",
                issuer_form="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_FAKE{z}pool",
                subject="fa4e0000-0000-4000-8000-000000000001",
                session_id="fa4e0000-0000-4000-8000-00000000005e",
                supports=frozenset({"user_id", "session_id", "role", "roles", "scopes"}),
                encoder=_cognito,
                jwks_of=_same_path_jwks,
                audience_of=_no_audience,
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
            ),
            Preset(
                name="cognito_id",
                claims="cognito",
                issuer_form="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_FAKE{z}pool",
                subject="fa4e0000-0000-4000-8000-000000000001",
                session_id="fa4e0000-0000-4000-8000-00000000005e",
                supports=_USER | {"session_id", "role", "roles", "custom_attributes"},
                encoder=_cognito_id,
                jwks_of=_same_path_jwks,
                audience_of=lambda issuer: COGNITO_CLIENT,
                extra=MappingProxyType({"token_use": "id", "event_id": _COGNITO_EVENT}),
                session_claim="origin_jti",
                omits=frozenset({"nbf"}),
                completer=_cognito_id_complete,
            ),
            Preset(
                name="entra",
                claims="entra",
                issuer_form=ENTRA_AUTHORITY + "/fa4e0000-0000-4000-8000-0000000000{z}/v2.0",
                subject="fAkEpAiRwIsEsUbJeCt000000000000000000000000",
                session_id=None,
                supports=_ENTRA_SUPPORTS,
                encoder=_entra,
                jwks_of=lambda issuer: _entra_jwks(_origin(issuer), issuer, "discovery/v2.0/keys"),
                audience_of=lambda issuer: ENTRA_API,
                extra=MappingProxyType(
                    {"ver": "2.0", "azp": ENTRA_APP, "azpacr": "0", "scp": "access_as_user"}
                ),
                session_claim=None,
                omits=frozenset({"jti"}),
                completer=_entra_v2_complete,
                key_owner_of=lambda issuer: f"entra:{_origin(issuer)}",
            ),
            Preset(
                name="entra_v1",
                claims="entra",
                issuer_form="https://sts.windows.net/fa4e0000-0000-4000-8000-0000000000{z}/",
                subject="fAkEpAiRwIsEsUbJeCt000000000000000000000000",
                session_id=None,
                supports=_ENTRA_SUPPORTS,
                encoder=_entra,
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
                session_claim=None,
                omits=frozenset({"jti"}),
                completer=_entra_v1_complete,
                key_owner_of=lambda issuer: f"entra:{ENTRA_AUTHORITY}",
            ),
            Preset(
                name="okta",
                claims="okta",
                issuer_form="https://fake{n}.okta.com/oauth2/default",
                subject="fake.user@example.com",
                session_id=None,
                supports=_USER | {"role", "roles", "scopes"},
                encoder=_okta,
                jwks_of=lambda issuer: (f"{issuer.rstrip('/')}/v1/keys",),
                audience_of=lambda issuer: "api://default",
                extra=MappingProxyType({"ver": 1, "cid": OKTA_CLIENT, "scp": ["openid", "email"]}),
                session_claim=None,
                omits=frozenset({"nbf"}),
                completer=_okta_complete,
                userinfo_of=lambda issuer: f"{issuer.rstrip('/')}/v1/userinfo",
            ),
            Preset(
                name="supabase",
                claims="supabase",
                issuer_form="https://fake{n}.supabase.co/auth/v1",
                subject="fa4e0000-0000-4000-8000-000000000001",
                session_id="fa4e0000-0000-4000-8000-00000000005e",
                supports=frozenset(
                    {
                        "user_id",
                        "session_id",
                        "email",
                        "email_verified",
                        "name",
                        "picture",
                        "phone_number",
                        "role",
                        "roles",
                        "is_anonymous",
                    }
                ),
                encoder=_supabase,
                jwks_of=_same_path_jwks,
                audience_of=lambda issuer: "authenticated",
                extra=MappingProxyType(
                    {
                        "role": "authenticated",
                        "aal": "aal1",
                        "email": "",
                        "phone": "",
                        "is_anonymous": False,
                        "app_metadata": {"provider": "email", "providers": ["email"]},
                        "user_metadata": {},
                    }
                ),
                session_claim="session_id",
                omits=_NO_TIMES,
                profile=("email",),
                completer=_supabase_complete,
                algorithm="ES256",
            ),
            Preset(
                name="firebase",
                claims="firebase",
                issuer_form="https://securetoken.google.com/fake-project{n}",
                subject="FAKEuid000000000000000000001",
                session_id=None,
                supports=frozenset(
                    {
                        "user_id",
                        "email",
                        "email_verified",
                        "name",
                        "picture",
                        "phone_number",
                        "organization_id",
                        "role",
                        "roles",
                        "is_anonymous",
                    }
                ),
                encoder=_firebase,
                jwks_of=lambda issuer: (FIREBASE_JWKS,),
                audience_of=_firebase_project,
                session_claim=None,
                omits=_NO_TIMES,
                profile=("email", "email_verified", "name", "picture", "phone_number"),
                completer=_firebase_complete,
                key_owner_of=lambda issuer: FIREBASE_JWKS,
            ),
        )
    }
)
"""Every preset by name: ``oidc``, ``workos``, ``clerk`` (session token v2), ``clerk_v1``,
``authgear``, ``auth0``, ``keycloak``, ``cognito`` (access tokens), ``cognito_id`` (ID tokens),
``entra`` (v2.0), ``entra_v1``, ``okta``, ``supabase``, ``firebase``."""


def get_preset(preset: str | Preset) -> Preset:
    """The preset named ``preset`` (a :class:`Preset` passes through); ValueError names the known ones."""
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}") from None
