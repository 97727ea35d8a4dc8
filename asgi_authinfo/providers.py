"""One-line issuer configuration for identity providers.

Each helper returns a tuple of ready ``Issuer`` objects that ``issuers=`` accepts directly. Every
helper takes ``claims=`` to replace its preset (a preset name, a callable or
``claims.mapping(...)``) and passes any other ``Issuer`` option (``leeway=``, ``userinfo=``, ...)
through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, Literal

from ._claim_checks import TENANT_PLACEHOLDER, ClaimCheck, ClaimIn, CognitoTokenUse
from ._errors import InvalidTokenError
from ._issuer import Issuer
from .claims import ClaimMapper
from .claims.auth0 import mapper as auth0_claims
from .claims.keycloak import mapper as keycloak_claims

__all__ = [  # the helpers; FIREBASE_JWKS and MICROSOFT_ACCOUNTS_TENANT are importable constants
    "auth0",
    "authgear",
    "clerk",
    "cognito",
    "custom_jwt",
    "entra",
    "firebase",
    "keycloak",
    "okta",
    "supabase",
    "workos",
]


def _issuer(
    url: str,
    *,
    defaults: Mapping[str, Any],
    checks: Sequence[ClaimCheck] = (),
    options: Mapping[str, Any],
    owned: Mapping[str, str] = MappingProxyType({}),
) -> Issuer:
    """The ``Issuer`` a helper builds: the user's options over the provider's defaults.

    The user's ``claim_checks`` run after the provider's own ``checks``; an option the provider
    sets itself (``owned``: option → what to do instead) is refused with a ValueError.
    """
    for name, instead in owned.items():
        if options.get(name) is not None:
            raise ValueError(instead)
    merged = {**defaults, **options}
    merged["claim_checks"] = (*checks, *options.get("claim_checks", ()))
    return Issuer(url, **merged)


def workos(client_id: str, *, api_hostname: str = "api.workos.com", **options: Any) -> tuple[Issuer, ...]:
    """WorkOS AuthKit: both issuer forms WorkOS signs with, one JWKS.

    AuthKit access tokens carry ``iss = https://<api>/user_management/<client_id>`` and no ``aud``;
    SSO tokens carry ``iss = https://<api>/`` and ``aud = <client_id>`` (as Convex's WorkOS config).
    """
    if not client_id:
        raise ValueError("workos() needs your WorkOS client id, e.g. 'client_01H...'")
    defaults = {"jwks_uri": f"https://{api_hostname}/sso/jwks/{client_id}", "claims": "workos"}
    owned = {"audience": "workos() checks the client id itself: pass client_id, not audience="}
    return (
        _issuer(
            f"https://{api_hostname}/user_management/{client_id}",
            defaults=defaults,
            options=options,
            owned=owned,
        ),
        _issuer(
            f"https://{api_hostname}/",
            defaults={**defaults, "audience": client_id},
            options=options,
            owned=owned,
        ),
    )


def clerk(
    frontend_api_url: str,
    *,
    authorized_parties: str | Sequence[str] | None = None,
    treat_pending_as_signed_out: bool = True,
    jwt_key: str | None = None,
    **options: Any,
) -> tuple[Issuer, ...]:
    """Clerk: the Frontend API URL is the issuer; keys at ``/.well-known/jwks.json``.

    Pass ``authorized_parties`` (your front-end origins) to check ``azp``, Clerk's CSRF guard for
    cookie-borne session tokens. Like Clerk's ``auth()``, a pending session (``sts: "pending"``,
    a session task such as choosing an organization is unfinished) counts as signed out unless
    ``treat_pending_as_signed_out=False``. ``jwt_key`` (the PEM public key of your Clerk
    instance, Clerk's ``CLERK_JWT_KEY``) verifies networkless: the JWKS is never fetched.
    """
    issuer = frontend_api_url.rstrip("/")
    keys = {"jwks_uri": f"{issuer}/.well-known/jwks.json"} if jwt_key is None else {"public_key": jwt_key}
    defaults = {**keys, "claims": "clerk", "authorized_parties": authorized_parties}
    checks = (_clerk_session_not_pending,) if treat_pending_as_signed_out else ()
    return (_issuer(issuer, defaults=defaults, checks=checks, options=options),)


def _clerk_session_not_pending(claims: Mapping[str, Any], issuer: str, /) -> None:
    if claims.get("sts") == "pending":
        raise InvalidTokenError(
            "the Clerk session is pending (sts 'pending': the user has a session task to finish, such "
            "as choosing an organization), which Clerk treats as signed out; pass "
            "treat_pending_as_signed_out=False to providers.clerk() to accept pending sessions",
            code="invalid_claim",
            issuer=issuer,
        )


def authgear(
    endpoint: str, *, audience: str | Sequence[str] | None = None, **options: Any
) -> tuple[Issuer, ...]:
    """Authgear: the project endpoint is the issuer and, by default, the access tokens' audience."""
    issuer = endpoint.rstrip("/")
    defaults = {
        "jwks_uri": f"{issuer}/oauth2/jwks",
        "audience": audience if audience is not None else issuer,
        "claims": "authgear",
    }
    return (_issuer(issuer, defaults=defaults, options=options),)


# -- the rest of the market --------------------------------------------------------------------


def _host(name: str, value: str) -> str:
    """``value`` as a bare host name: ``https://`` and trailing slashes are accepted and removed."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a host name such as 'example.com', got {value!r}")
    host = value.strip().removeprefix("https://").rstrip("/")
    if not host or "/" in host or "://" in host:
        raise ValueError(f"{name} must be a host name such as 'example.com', got {value!r}")
    return host


def _claims(preset: str, claims: str | ClaimMapper | None) -> str | ClaimMapper:
    return preset if claims is None else claims


def auth0(
    domain: str,
    audience: str | Sequence[str],
    *,
    namespace: str | None = None,
    claims: str | ClaimMapper | None = None,
    **options: Any,
) -> tuple[Issuer, ...]:
    """Auth0: ``https://<domain>/`` (trailing slash included) signs access tokens for your API.

    ``domain`` is your tenant (``my-tenant.us.auth0.com``) or custom domain; ``audience`` your API
    identifier. ``namespace`` is the prefix of your Actions' custom claims
    (``https://myapp.example.com``): roles come from ``<namespace>/roles``.
    """
    host = _host("domain", domain)
    if not audience:
        raise ValueError("auth0() needs your API identifier as audience, e.g. 'https://api.example.com'")
    mapper = (
        _claims("auth0", claims)
        if namespace is None or claims is not None
        else auth0_claims(namespace=namespace)
    )
    defaults = {
        "jwks_uri": f"https://{host}/.well-known/jwks.json",
        "audience": audience,
        "claims": mapper,
        "userinfo_uri": f"https://{host}/userinfo",
    }
    return (_issuer(f"https://{host}/", defaults=defaults, options=options),)


def keycloak(
    server_url: str,
    realm: str,
    *,
    client_id: str | None = None,
    audience: str | Sequence[str] | None = None,
    claims: str | ClaimMapper | None = None,
    **options: Any,
) -> tuple[Issuer, ...]:
    """Keycloak: the realm URL is the issuer; keys at ``/protocol/openid-connect/certs``.

    ``server_url`` is where Keycloak serves (add ``/auth`` for Keycloak 16 and older). ``client_id``
    is your API's client: its ``resource_access`` roles are read as plain roles. Keycloak puts
    ``aud: "account"`` in access tokens unless an audience mapper adds yours: set ``audience`` once
    it does.
    """
    if not realm or "/" in realm:
        raise ValueError(f"realm must be the realm's name, got {realm!r}")
    issuer = f"{server_url.rstrip('/')}/realms/{realm}"
    mapper = (
        _claims("keycloak", claims)
        if client_id is None or claims is not None
        else keycloak_claims(client_id=client_id)
    )
    defaults = {
        "jwks_uri": f"{issuer}/protocol/openid-connect/certs",
        "audience": audience,
        "claims": mapper,
        "userinfo_uri": f"{issuer}/protocol/openid-connect/userinfo",
    }
    return (_issuer(issuer, defaults=defaults, options=options),)


_COGNITO_POOL: Final = re.compile(r"(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)_[A-Za-z0-9]+")


def cognito(
    user_pool_id: str,
    client_id: str | Sequence[str],
    *,
    token_use: Literal["access", "id"] | Sequence[Literal["access", "id"]] = "access",  # noqa: S107
    claims: str | ClaimMapper | None = None,
    **options: Any,
) -> tuple[Issuer, ...]:
    """Amazon Cognito user pools: ``https://cognito-idp.<region>.amazonaws.com/<user_pool_id>``.

    ``token_use`` is what the API accepts (``"access"``, ``"id"`` or both); access tokens carry no
    ``aud``, so the app client is checked in ``client_id`` on access tokens and in ``aud`` on ID
    tokens (as ``aws-jwt-verify`` does).
    """
    match = _COGNITO_POOL.fullmatch(user_pool_id) if isinstance(user_pool_id, str) else None
    if match is None:
        raise ValueError(f"user_pool_id must look like 'us-east-1_AbC123xyz', got {user_pool_id!r}")
    issuer = f"https://cognito-idp.{match['region']}.amazonaws.com/{user_pool_id}"
    return (
        _issuer(
            issuer,
            defaults={"jwks_uri": f"{issuer}/.well-known/jwks.json", "claims": _claims("cognito", claims)},
            checks=(CognitoTokenUse(token_use, client_id),),
            options=options,
            owned={"audience": "cognito() checks the app client itself: pass client_id=, not audience="},
        ),
    )


_GUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MICROSOFT_ACCOUNTS_TENANT: Final = "9188040d-6c67-4c5b-b112-36a304b66dad"
"""The tenant of personal Microsoft accounts (``consumers``)."""


def entra(
    tenant: str,
    client_id: str | None = None,
    *,
    audience: str | Sequence[str] | None = None,
    versions: Sequence[Literal[1, 2]] = (1, 2),
    tenants: str | Sequence[str] | None = None,
    any_tenant: bool = False,
    authority_host: str = "login.microsoftonline.com",
    claims: str | ClaimMapper | None = None,
    **options: Any,
) -> tuple[Issuer, ...]:
    """Microsoft Entra ID (Azure AD): v2.0 and v1.0 access tokens for your API.

    ``tenant`` is your directory (tenant) id; ``"organizations"`` or ``"common"`` make a
    multi-tenant API, which needs ``tenants=[...]`` (the tenant ids you serve) or an explicit
    ``any_tenant=True``. ``audience`` defaults to ``client_id`` (v2.0 tokens) and
    ``api://<client_id>`` (v1.0 tokens, the default App ID URI). ``versions`` picks the token
    versions accepted: v1.0 tokens are what an app registration issues unless its manifest sets
    ``accessTokenAcceptedVersion: 2``.
    """
    multi = tenant in ("organizations", "common")
    if tenant == "consumers":
        tenant = MICROSOFT_ACCOUNTS_TENANT
    if not multi and not (isinstance(tenant, str) and _GUID.fullmatch(tenant)):
        raise ValueError(
            f"tenant must be your directory (tenant) id, a GUID, or 'organizations'/'common' for a "
            f"multi-tenant API; got {tenant!r} (tokens name the tenant by id, never by domain)"
        )
    if not multi and (tenants is not None or any_tenant):
        raise ValueError("tenants= and any_tenant= are for tenant='organizations' or 'common'")
    if multi and tenants is None and not any_tenant:
        raise ValueError(
            f"entra({tenant!r}) would accept tokens from every Entra tenant: list the tenant ids you "
            "serve with tenants=[...], or pass any_tenant=True if any organization may call your API"
        )
    if audience is None:
        if not client_id:
            raise ValueError("entra() needs client_id= (your API's application id) or audience=")
        audience = (client_id, f"api://{client_id}")
    chosen = tuple(dict.fromkeys(versions))
    if not chosen or any(version not in (1, 2) for version in chosen):
        raise ValueError(f"versions must be 1, 2 or both, got {versions!r}")
    host = _host("authority_host", authority_host)
    issuer_tenant = TENANT_PLACEHOLDER if multi else tenant
    keys_tenant = "common" if multi else tenant
    tenancy: dict[str, Any] = {"tenants": tenants, "any_tenant": any_tenant} if multi else {}
    found: list[Issuer] = []
    for version in chosen:
        if version == 2:
            issuer = f"https://{host}/{issuer_tenant}/v2.0"
            jwks_uri = f"https://{host}/{keys_tenant}/discovery/v2.0/keys"
        else:
            issuer = f"https://sts.windows.net/{issuer_tenant}/"
            jwks_uri = f"https://{host}/{keys_tenant}/discovery/keys"
        defaults = {"jwks_uri": jwks_uri, "audience": audience, "claims": _claims("entra", claims), **tenancy}
        found.append(_issuer(issuer, defaults=defaults, options=options))
    return tuple(found)


def okta(
    domain: str,
    *,
    audience: str | Sequence[str] = "api://default",
    authorization_server: str = "default",
    client_id: str | Sequence[str] | None = None,
    claims: str | ClaimMapper | None = None,
    **options: Any,
) -> tuple[Issuer, ...]:
    """Okta: a custom authorization server, ``https://<domain>/oauth2/<authorization_server>``.

    The ``default`` server's audience is ``api://default``. ``client_id`` restricts the clients
    whose tokens are accepted (the ``cid`` claim), as Okta's ``assertClaims: {cid: ...}``. The org
    authorization server's access tokens are meant for Okta's own APIs and are not supported.
    """
    host = _host("domain", domain)
    if not authorization_server or "/" in authorization_server:
        raise ValueError(
            f"authorization_server must be a server id such as 'default', got {authorization_server!r}"
        )
    issuer = f"https://{host}/oauth2/{authorization_server}"
    defaults = {
        "jwks_uri": f"{issuer}/v1/keys",
        "audience": audience,
        "claims": _claims("okta", claims),
        "userinfo_uri": f"{issuer}/v1/userinfo",
    }
    checks = (ClaimIn("cid", client_id, code="unauthorized_party"),) if client_id is not None else ()
    return (_issuer(issuer, defaults=defaults, checks=checks, options=options),)


def supabase(
    project_url: str,
    *,
    audience: str | Sequence[str] = "authenticated",
    algorithms: Sequence[str] = ("ES256", "RS256"),
    claims: str | ClaimMapper | None = None,
    **options: Any,
) -> tuple[Issuer, ...]:
    """Supabase Auth: ``<project_url>/auth/v1`` with its asymmetric JWT signing keys.

    Only projects using JWT signing keys (ES256 or RS256) can be verified with a JWKS; tokens
    signed with the legacy shared JWT secret (HS256) cannot. Signed-in users' tokens carry
    ``aud: "authenticated"``.
    """
    base = project_url.rstrip("/") if isinstance(project_url, str) else ""
    issuer = base if base.endswith("/auth/v1") else f"{base}/auth/v1"
    defaults = {
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "audience": audience,
        "algorithms": algorithms,
        "claims": _claims("supabase", claims),
    }
    return (_issuer(issuer, defaults=defaults, options=options),)


FIREBASE_JWKS: Final = (
    "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"
)


def firebase(
    project_id: str, *, claims: str | ClaimMapper | None = None, **options: Any
) -> tuple[Issuer, ...]:
    """Firebase Authentication ID tokens: issuer ``https://securetoken.google.com/<project_id>``.

    ``aud`` is the project id; keys are Google's ``securetoken`` service account JWKS.
    """
    if not isinstance(project_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,62}", project_id):
        raise ValueError(
            f"project_id must be your Firebase project id, e.g. 'my-app-1234', got {project_id!r}"
        )
    return (
        _issuer(
            f"https://securetoken.google.com/{project_id}",
            defaults={
                "jwks_uri": FIREBASE_JWKS,
                "audience": project_id,
                "claims": _claims("firebase", claims),
            },
            checks=(_firebase_uid,),
            options=options,
            owned={"audience": "firebase() checks aud against project_id itself: leave out audience="},
        ),
    )


def _firebase_uid(claims: Mapping[str, Any], issuer: str, /) -> None:
    """A Firebase uid is 1 to 128 characters; ``verifyIdToken`` refuses any other ``sub``."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 0 < len(sub) <= 128:
        raise InvalidTokenError(
            "the Firebase ID token's `sub` (the user's uid) must be 1 to 128 characters, as every "
            "Firebase uid is; Firebase Admin's verifyIdToken() refuses this token too",
            code="invalid_claim",
            issuer=issuer,
        )


def custom_jwt(
    *,
    issuer: str,
    jwks: str,
    algorithm: str = "RS256",
    application_id: str | Sequence[str] | None = None,
    claims: str | ClaimMapper = "oidc",
    **options: Any,
) -> tuple[Issuer, ...]:
    """Convex's ``customJwt`` provider, field for field: ``issuer`` (exact, as tokens spell it),
    ``jwks`` (the key set's URL, or a ``data:`` URI holding it), ``algorithm`` and
    ``application_id`` (the required ``aud``; omitted, the audience is not checked, as in Convex).
    """
    defaults = {"jwks_uri": jwks, "algorithms": (algorithm,), "audience": application_id, "claims": claims}
    return (_issuer(issuer, defaults=defaults, options=options),)
