"""Hypothesis strategies for provider-shaped claim sets, each with the AuthInfo fields it must give.

Each strategy draws the values a provider would put in a token, builds the claims the way that
provider spells them, and returns ``(claims, expected)`` where ``expected`` is what
``normalized(auth)`` must equal. Expectations are written from the providers' documented
semantics, not by calling the presets.
"""

from __future__ import annotations

import string
from typing import Any, TypeAlias

from hypothesis import strategies as st

from ._support import auth_fields, user_fields

Case: TypeAlias = tuple[dict[str, Any], dict[str, Any]]

ids = st.text(string.ascii_letters + string.digits, min_size=1, max_size=24)
slugs = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=16)
scope_words = st.text(string.ascii_lowercase + string.digits + ":._-/", min_size=1, max_size=16)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=16)
emails = st.builds(lambda local, domain: f"{local}@{domain}.example", ids, slugs)
phones = st.from_regex(r"\+[1-9][0-9]{6,12}", fullmatch=True)
urls = st.builds(lambda path: f"https://cdn.example.com/{path}.png", slugs)
uuids = st.uuids().map(str)
json_scalars = st.one_of(st.booleans(), st.integers(-(2**31), 2**31), texts)
json_objects = st.dictionaries(ids, st.one_of(json_scalars, st.lists(json_scalars, max_size=3)), max_size=3)


def unique(elements: st.SearchStrategy[str], max_size: int = 4) -> st.SearchStrategy[list[str]]:
    return st.lists(elements, unique=True, max_size=max_size)


def optional(elements: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), elements)


def _put(claims: dict[str, Any], **values: Any) -> None:
    """Add the claims whose value was drawn (None means the provider left it out)."""
    claims.update({name: value for name, value in values.items() if value is not None})


def _sole(roles: list[str]) -> str | None:
    return roles[0] if len(roles) == 1 else None


@st.composite
def auth0_tokens(draw: st.DrawFn) -> Case:
    """Auth0 access tokens for an API with RBAC permissions, organizations and an Action's roles."""
    sub = draw(st.sampled_from(["auth0|", "google-oauth2|", "samlp|acme|"])) + draw(ids)
    permissions, scopes, roles = draw(unique(scope_words)), draw(unique(scope_words)), draw(unique(texts))
    org_id, org_name = draw(optional(ids.map("org_".__add__))), draw(optional(slugs))
    email = draw(optional(emails))
    claims: dict[str, Any] = {
        "sub": sub,
        "azp": draw(ids),
        "scope": " ".join(scopes),
        "permissions": permissions,
        "https://myapp.example.com/roles": roles,
    }
    _put(claims, org_id=org_id, org_name=org_name, email=email)
    user = user_fields(sub, email=email, custom_attributes={"https://myapp.example.com/roles": roles})
    expected = auth_fields(
        user,
        organization_id=org_id,
        organization_slug=org_name,
        role=_sole(roles),
        roles=roles,
        permissions=permissions,
        scopes=scopes,
    )
    return claims, expected


_names = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=12)


@st.composite
def keycloak_tokens(draw: st.DrawFn) -> Case:
    """Keycloak access tokens: realm roles, per-client roles, organizations."""
    sub = draw(uuids)
    realm_roles = draw(unique(_names))
    clients = draw(st.dictionaries(_names, unique(_names), max_size=3))
    username, sid, scopes = draw(optional(_names)), draw(optional(uuids)), draw(unique(scope_words))
    organization = draw(
        st.one_of(
            st.none(),
            _names.map(lambda alias: ([alias], alias, None)),
            st.tuples(_names, uuids).map(lambda pair: ({pair[0]: {"id": pair[1]}}, pair[0], pair[1])),
        )
    )
    claims: dict[str, Any] = {
        "sub": sub,
        "typ": "Bearer",
        "azp": "frontend",
        "realm_access": {"roles": realm_roles},
        "resource_access": {client: {"roles": roles} for client, roles in clients.items()},
        "scope": " ".join(scopes),
    }
    _put(claims, preferred_username=username, sid=sid)
    if organization is not None:
        claims["organization"] = organization[0]
    roles = list(dict.fromkeys([*realm_roles, *(f"{c}:{r}" for c, rs in clients.items() for r in rs)]))
    user = user_fields(
        sub,
        preferred_username=username,
        custom_attributes={} if username is None else {"preferred_username": username},
    )
    expected = auth_fields(
        user,
        session_id=sid,
        organization_slug=None if organization is None else organization[1],
        organization_id=None if organization is None else organization[2],
        role=_sole(roles),
        roles=roles,
        scopes=scopes,
        provider_roles=list(
            dict.fromkeys(
                [*(f"realm:{r}" for r in realm_roles), *(f"{c}:{r}" for c, rs in clients.items() for r in rs)]
            )
        ),
    )
    return claims, expected


COGNITO_CLIENT = "1example23456789"


@st.composite
def cognito_tokens(draw: st.DrawFn) -> Case:
    """Cognito access and ID tokens of one app client, with groups and custom attributes."""
    sub, groups, origin = draw(uuids), draw(unique(_names)), draw(uuids)
    username = draw(_names)
    claims: dict[str, Any] = {
        "sub": sub,
        "cognito:groups": groups,
        "origin_jti": origin,
        "event_id": draw(uuids),
    }
    if draw(st.booleans()):
        scopes = draw(unique(scope_words))
        claims.update(token_use="access", client_id=COGNITO_CLIENT, scope=" ".join(scopes), username=username)
        custom: dict[str, Any] = {"username": username}
        user = user_fields(sub, custom_attributes=custom)
    else:
        scopes = []
        email, verified = draw(emails), draw(st.booleans())
        extra = draw(st.dictionaries(_names, texts, max_size=2))
        claims.update(
            token_use="id",
            aud=COGNITO_CLIENT,
            email=email,
            email_verified=verified,
            **{"cognito:username": username},
            **{f"custom:{name}": value for name, value in extra.items()},
        )
        custom = {"username": username, **extra}
        user = user_fields(sub, email=email, email_verified=verified, custom_attributes=custom)
    expected = auth_fields(user, session_id=origin, role=_sole(groups), roles=groups, scopes=scopes)
    return claims, expected


@st.composite
def entra_tokens(draw: st.DrawFn) -> Case:
    """Entra ID v2.0 access tokens: delegated (scp) or app-only (roles)."""
    sub, oid, tid = draw(ids), draw(uuids), draw(uuids)
    roles = draw(unique(st.text(string.ascii_letters + ".", min_size=1, max_size=16)))
    scopes = draw(unique(scope_words))
    name, username = draw(optional(texts)), draw(optional(emails))
    claims: dict[str, Any] = {
        "sub": sub,
        "oid": oid,
        "tid": tid,
        "ver": "2.0",
        "azp": draw(uuids),
        "roles": roles,
    }
    if scopes:
        claims["scp"] = " ".join(scopes)
    _put(claims, name=name, preferred_username=username)
    custom = {"oid": oid} | ({} if username is None else {"preferred_username": username})
    user = user_fields(sub, name=name, preferred_username=username, custom_attributes=custom)
    expected = auth_fields(user, organization_id=tid, role=_sole(roles), roles=roles, scopes=scopes)
    return claims, expected


@st.composite
def okta_tokens(draw: st.DrawFn) -> Case:
    """Okta custom authorization server access tokens, with a groups claim."""
    uid, groups, scopes = "00u" + draw(ids), draw(unique(texts)), draw(unique(scope_words))
    sub = draw(st.one_of(emails, st.just(uid)))
    claims: dict[str, Any] = {"ver": 1, "sub": sub, "uid": uid, "cid": "0oa" + draw(ids), "scp": scopes}
    if groups:
        claims["groups"] = groups
    user = user_fields(sub, custom_attributes={"uid": uid})
    return claims, auth_fields(user, role=_sole(groups), roles=groups, scopes=scopes)


_amr_methods = st.sampled_from(["password", "oauth", "otp", "totp", "magiclink", "anonymous", "sso/saml"])


@st.composite
def supabase_tokens(draw: st.DrawFn) -> Case:
    """Supabase Auth access tokens, with OAuth profile data in user_metadata."""
    sub, session = draw(uuids), draw(uuids)
    role = draw(st.sampled_from(["authenticated", "anon", "service_role"]))
    aal = draw(st.sampled_from(["aal1", "aal2"]))
    methods = draw(st.lists(_amr_methods, min_size=1, max_size=3))
    amr: list[Any] = (
        [{"method": method, "timestamp": 1700000000 + i} for i, method in enumerate(methods)]
        if draw(st.booleans())
        else list(methods)
    )
    email, phone = draw(optional(emails)), draw(optional(phones))
    anonymous = draw(st.booleans())
    full_name, avatar = draw(optional(texts)), draw(optional(urls))
    verified = draw(optional(st.booleans()))
    metadata: dict[str, Any] = draw(json_objects)
    for key in ("full_name", "name", "avatar_url", "picture", "email_verified"):
        metadata.pop(key, None)
    _put(metadata, full_name=full_name, avatar_url=avatar, email_verified=verified)
    app_metadata = {"provider": "email", "providers": ["email"]}
    claims: dict[str, Any] = {
        "sub": sub,
        "aud": "authenticated",
        "role": role,
        "aal": aal,
        "amr": amr,
        "session_id": session,
        "email": email or "",
        "phone": phone or "",
        "is_anonymous": anonymous,
        "app_metadata": app_metadata,
        "user_metadata": metadata,
    }
    user = user_fields(
        sub,
        email=email,
        email_verified=verified,
        name=full_name,
        picture=avatar,
        phone_number=phone,
        is_anonymous=anonymous,
        custom_attributes={
            "app_metadata": app_metadata,
            "user_metadata": metadata,
            "aal": aal,
            "amr": methods,
        },
    )
    return claims, auth_fields(user, session_id=session, role=role, roles=[role])


@st.composite
def firebase_tokens(draw: st.DrawFn) -> Case:
    """Firebase ID tokens: any sign-in provider, optional tenant, custom role claims."""
    uid = draw(st.text(string.ascii_letters + string.digits, min_size=28, max_size=28))
    provider = draw(st.sampled_from(["password", "google.com", "phone", "anonymous", "custom", "github.com"]))
    tenant = draw(optional(slugs.map(lambda name: f"{name}-x1y2z")))
    email, name, picture = draw(optional(emails)), draw(optional(texts)), draw(optional(urls))
    roles = draw(unique(_names))
    identities = {} if email is None else {"email": [email]}
    firebase: dict[str, Any] = {"identities": identities, "sign_in_provider": provider}
    _put(firebase, tenant=tenant)
    claims: dict[str, Any] = {"sub": uid, "user_id": uid, "auth_time": 1700000000, "firebase": firebase}
    _put(claims, email=email, name=name, picture=picture)
    if email is not None:
        claims["email_verified"] = True
    if roles:
        claims["roles"] = roles
    user = user_fields(
        uid,
        email=email,
        email_verified=None if email is None else True,
        name=name,
        picture=picture,
        is_anonymous=provider == "anonymous",
        custom_attributes={"sign_in_provider": provider, "identities": identities},
    )
    return claims, auth_fields(user, organization_id=tenant, role=_sole(roles), roles=roles)
