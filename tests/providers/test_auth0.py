"""Auth0: the ``auth0`` preset and ``providers.auth0()``.

Payload shapes from Auth0's docs: access token profiles
(https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles), RBAC permissions
(https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis),
organizations (https://auth0.com/docs/manage-users/organizations/using-tokens, whose ID token
example carries ``https://marketplace/roles``) and namespaced custom claims
(https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from asgi_authinfo import InvalidTokenError, providers
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.auth0 import map_claims, mapper

from ._support import ProviderIssuer, normalized, round_trip, verify
from .strategies import Case, auth0_tokens

DOMAIN = "travel0.us.auth0.com"
API = "https://api.travel0.example"

# An access token for a custom API with RBAC "Add Permissions in the Access Token" on, issued
# through an organization with organization names enabled, plus an Action's namespaced claims.
ACCESS_TOKEN: dict[str, Any] = {
    "iss": f"https://{DOMAIN}/",
    "sub": "auth0|602c0dcec1d0ec0068ac4c6c",
    "aud": [API, f"https://{DOMAIN}/userinfo"],
    "azp": "GlmkWz2cgoZ5nGC7ugcDnsSZ8RUdJJKs",
    "scope": "openid profile read:flights write:flights",
    "permissions": ["read:flights", "write:flights", "read:reports"],
    "org_id": "org_9ybsU1dN2dKfDkBi",
    "org_name": "travel0-corp",
    "https://travel0.example/roles": ["agent"],
    "https://travel0.example/email": "agent@travel0.example",
    "https://travel0.example/plan": "enterprise",
}


def test_registered_as_auth0() -> None:
    assert resolve("auth0") is map_claims


def test_access_token_without_namespace() -> None:
    mapped = map_claims(ACCESS_TOKEN)
    assert mapped.user.id == "auth0|602c0dcec1d0ec0068ac4c6c"
    assert mapped.user.email is None  # access tokens carry no profile claims by default
    assert mapped.permissions == ("read:flights", "write:flights", "read:reports")
    assert mapped.scopes == ("openid", "profile", "read:flights", "write:flights")
    assert mapped.organization_id == "org_9ybsU1dN2dKfDkBi"
    assert mapped.organization_slug == "travel0-corp"
    assert mapped.roles == ("agent",)  # the URL-named claim ending in /roles
    assert mapped.role == "agent"
    assert mapped.user.custom_attributes == {
        "https://travel0.example/roles": ("agent",),
        "https://travel0.example/email": "agent@travel0.example",
        "https://travel0.example/plan": "enterprise",
    }


def test_access_token_with_namespace() -> None:
    mapped = mapper(namespace="https://travel0.example/")(ACCESS_TOKEN)
    assert mapped.user.email == "agent@travel0.example"  # read from the namespace when absent
    assert mapped.roles == ("agent",)
    assert mapped.user.custom_attributes == {
        "roles": ("agent",),
        "email": "agent@travel0.example",
        "plan": "enterprise",
    }
    assert mapper(namespace="https://travel0.example")(ACCESS_TOKEN) == mapped


def test_id_token_example_of_the_organizations_docs() -> None:
    # The ID token example of https://auth0.com/docs/manage-users/organizations/using-tokens
    claims = {
        "https://marketplace/roles": ["marketplace-administrator"],
        "https://namespace.exampleco.com": "my custom claim",
        "nickname": "firstName.lastName",
        "name": "firstName.lastName@email.com",
        "picture": "https://s.gravatar.com/avatar/638",
        "updated_at": "2021-03-23T11:34:14.566z",
        "email": "username@exampleco.com",
        "email_verified": True,
        "sub": "auth0|602c0dcec1d0ec0068ac4c6c",
        "org_id": "org_9ybsU1dN2dKfDkBi",
    }
    mapped = map_claims(claims)
    assert mapped.roles == ("marketplace-administrator",)
    assert mapped.user.email == "username@exampleco.com"
    assert mapped.user.email_verified is True
    assert mapped.user.picture == "https://s.gravatar.com/avatar/638"
    assert mapped.organization_id == "org_9ybsU1dN2dKfDkBi"
    assert mapped.organization_slug is None
    assert mapped.user.custom_attributes["https://namespace.exampleco.com"] == "my custom claim"


def test_machine_to_machine_token() -> None:
    claims = {
        "sub": "GlmkWz2cgoZ5nGC7ugcDnsSZ8RUdJJKs@clients",
        "gty": "client-credentials",
        "scope": "read:all",
    }
    mapped = map_claims(claims)
    assert mapped.user.id.endswith("@clients")
    assert mapped.scopes == ("read:all",)
    assert mapped.roles == () and mapped.role is None


def test_several_roles_give_no_primary_role() -> None:
    mapped = map_claims({"sub": "u", "https://x.example/roles": ["b", "a"]})
    assert mapped.roles == ("b", "a") and mapped.role is None


def test_namespace_is_validated() -> None:
    with pytest.raises(ValueError, match="namespace"):
        mapper(namespace="/")


def test_helper_configuration() -> None:
    (issuer,) = providers.auth0(f"https://{DOMAIN}/", API)
    assert issuer.issuer == f"https://{DOMAIN}/"  # Auth0's issuer ends with a slash
    assert issuer.jwks_uri == f"https://{DOMAIN}/.well-known/jwks.json"
    assert issuer.audience == (API,)
    assert issuer.userinfo_uri == f"https://{DOMAIN}/userinfo"
    assert providers.auth0(DOMAIN, API)[0].issuer == issuer.issuer
    with pytest.raises(ValueError, match="API identifier"):
        providers.auth0(DOMAIN, "")
    with pytest.raises(ValueError, match="host name"):
        providers.auth0("https://travel0.us.auth0.com/path", API)


@pytest.mark.anyio
async def test_helper_verifies_an_auth0_token_end_to_end() -> None:
    issuers = providers.auth0(DOMAIN, API, namespace="https://travel0.example")
    fake = ProviderIssuer.like(issuers[0])
    token = fake.token(**{key: value for key, value in ACCESS_TOKEN.items() if key != "iss"})
    auth = await verify(issuers, via=fake, token=token)
    assert auth.issuer == f"https://{DOMAIN}/"
    assert auth.has(permission="write:flights")
    assert auth.has(role="agent")
    assert auth.organization_slug == "travel0-corp"
    assert auth.user.email == "agent@travel0.example"
    with pytest.raises(InvalidTokenError) as refused:
        await verify(issuers, via=fake, token=fake.token(aud="https://other-api.example"))
    assert refused.value.code == "audience_mismatch"


@pytest.mark.anyio
@given(case=auth0_tokens())
async def test_round_trip(case: Case) -> None:
    claims, expected = case
    auth = await round_trip("auth0", claims)
    assert normalized(auth) == expected
    assert auth.user_id == claims["sub"]
