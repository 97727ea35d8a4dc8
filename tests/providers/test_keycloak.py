"""Keycloak: the ``keycloak`` preset and ``providers.keycloak()``.

Claim names from Keycloak's token representations (``keycloak/keycloak``
``core/src/main/java/org/keycloak/representations/AccessToken.java``: ``realm_access``,
``resource_access``, ``allowed-origins``, ``scope``; ``IDToken.java``: ``sid``,
``preferred_username``, ``azp``), the organization mapper
(``services/src/main/java/org/keycloak/organization/protocol/mappers/oidc/OrganizationMembershipMapper.java``)
and the endpoints of https://www.keycloak.org/docs/latest/securing_apps/ (``/realms/<realm>``,
``/protocol/openid-connect/certs``, ``/protocol/openid-connect/userinfo``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from asgi_authinfo import AuthInfo, providers
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.keycloak import map_claims, mapper

from ._support import ProviderIssuer, normalized, round_trip, verify
from .strategies import Case, keycloak_tokens

SERVER = "https://sso.example.com"
REALM = "acme"

# A Keycloak 26 access token as the admin console's "Evaluate > Generated access token" shows it,
# for a user with two realm roles and a role on the orders-api client, in one organization.
ACCESS_TOKEN: dict[str, Any] = {
    "exp": 1735690000,
    "iat": 1735689700,
    "auth_time": 1735689690,
    "jti": "onrtac:0f1d8c2e-4b5a-4e8e-9c3a-2b9f6f0c1d2e",
    "iss": f"{SERVER}/realms/{REALM}",
    "aud": ["orders-api", "account"],
    "sub": "f1c4f64e-2c0c-4cda-8c9f-9f3f8f3a2b0e",
    "typ": "Bearer",
    "azp": "web-frontend",
    "sid": "4c0a3a8a-3a47-4f2f-8e89-9e5f9b0a0a0a",
    "acr": "1",
    "allowed-origins": ["https://app.example.com"],
    "realm_access": {"roles": ["default-roles-acme", "offline_access", "uma_authorization"]},
    "resource_access": {
        "orders-api": {"roles": ["orders:read", "orders:write"]},
        "account": {"roles": ["manage-account", "view-profile"]},
    },
    "scope": "openid profile email organization",
    "email_verified": True,
    "name": "Ada Lovelace",
    "preferred_username": "ada",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "email": "ada@example.com",
    "organization": ["acme-corp"],
}


def test_registered_as_keycloak() -> None:
    assert resolve("keycloak") is map_claims


def test_access_token() -> None:
    mapped = map_claims(ACCESS_TOKEN)
    assert mapped.user.id == "f1c4f64e-2c0c-4cda-8c9f-9f3f8f3a2b0e"
    assert mapped.user.name == "Ada Lovelace"
    assert mapped.user.email == "ada@example.com" and mapped.user.email_verified is True
    assert mapped.user.custom_attributes == {"preferred_username": "ada"}
    assert mapped.roles == (
        "default-roles-acme",
        "offline_access",
        "uma_authorization",
        "orders-api:orders:read",
        "orders-api:orders:write",
        "account:manage-account",
        "account:view-profile",
    )
    assert mapped.role is None
    assert mapped.scopes == ("openid", "profile", "email", "organization")
    assert mapped.session_id == "4c0a3a8a-3a47-4f2f-8e89-9e5f9b0a0a0a"
    assert mapped.organization_slug == "acme-corp"
    assert mapped.organization_id is None


def test_client_roles_of_your_api_read_plain() -> None:
    mapped = mapper(client_id="orders-api")(ACCESS_TOKEN)
    assert mapped.roles[:5] == (
        "default-roles-acme",
        "offline_access",
        "uma_authorization",
        "orders:read",
        "orders:write",
    )
    assert "account:manage-account" in mapped.roles
    assert "orders-api:orders:read" not in mapped.roles


@pytest.mark.parametrize(
    ("organization", "slug", "org_id"),
    [
        (
            {"acme-corp": {"id": "5d8c4a0e-1b2c-4d3e-8f9a-0b1c2d3e4f5a"}},
            "acme-corp",
            "5d8c4a0e-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
        ),
        ({"acme-corp": {}}, "acme-corp", None),
        (["acme-corp", "other"], None, None),  # several organizations: none is the active one
        ({"a": {}, "b": {}}, None, None),
        ("acme-corp", None, None),  # not a shape Keycloak sends
    ],
)
def test_organization_shapes(organization: Any, slug: str | None, org_id: str | None) -> None:
    mapped = map_claims({"sub": "u", "organization": organization})
    assert (mapped.organization_slug, mapped.organization_id) == (slug, org_id)


def test_old_session_state_claim() -> None:
    assert map_claims({"sub": "u", "session_state": "s-1"}).session_id == "s-1"


def test_wrong_typed_role_claims_read_as_absent() -> None:
    mapped = map_claims({"sub": "u", "realm_access": ["x"], "resource_access": {"c": "roles"}})
    assert mapped.roles == ()


def test_helper_configuration() -> None:
    (issuer,) = providers.keycloak(SERVER + "/", REALM, client_id="orders-api", audience="orders-api")
    assert issuer.issuer == f"{SERVER}/realms/{REALM}"
    assert issuer.jwks_uri == f"{SERVER}/realms/{REALM}/protocol/openid-connect/certs"
    assert issuer.userinfo_uri == f"{SERVER}/realms/{REALM}/protocol/openid-connect/userinfo"
    assert issuer.audience == ("orders-api",)
    assert providers.keycloak(SERVER, REALM)[0].claims == "keycloak"
    with pytest.raises(ValueError, match="realm"):
        providers.keycloak(SERVER, "a/b")


@pytest.mark.anyio
async def test_helper_verifies_a_keycloak_token_end_to_end() -> None:
    issuers = providers.keycloak(SERVER, REALM, client_id="orders-api", audience="orders-api")
    fake = ProviderIssuer.like(issuers[0])
    token = fake.token(
        **{key: value for key, value in ACCESS_TOKEN.items() if key not in ("iss", "exp", "iat")}
    )
    auth = await verify(issuers, via=fake, token=token)
    assert auth.has(role="orders:write")
    assert auth.has(role="account:view-profile")
    assert auth.user.display_name == "Ada Lovelace"
    assert fake.requests_to("/protocol/openid-connect/certs")


@pytest.mark.anyio
@given(case=keycloak_tokens())
async def test_round_trip(case: Case) -> None:
    claims, expected = case
    assert normalized(await round_trip("keycloak", claims)) == expected


def test_realm_and_client_roles_stay_apart() -> None:
    """Issue 18: a realm role and a client role of the same name are told apart."""
    token = {
        **ACCESS_TOKEN,
        "realm_access": {"roles": ["admin", "offline_access"]},
        "resource_access": {
            "orders-api": {"roles": ["admin", "orders:read"]},
            "account": {"roles": ["admin"]},
        },
    }
    for read in (map_claims, mapper(client_id="orders-api")):
        mapped = read(token)
        assert mapped.user.preferred_username == "ada"
        assert mapped.user.custom_attributes == {"preferred_username": "ada"}  # kept from before
        assert mapped.provider_roles == (
            "realm:admin",
            "realm:offline_access",
            "orders-api:admin",
            "orders-api:orders:read",
            "account:admin",
        )
        auth = AuthInfo(
            issuer="https://i", subject=mapped.user.id, access_token="t", **mapped.auth_info_fields()
        )
        assert auth.has(role="realm:admin") and auth.has(role="orders-api:admin")
        assert auth.has(role="admin")  # realm or your API's client, as before
        assert "realm:admin" in auth.scopes  # Starlette's requires("realm:admin")
    realm_only = mapper(client_id="orders-api")(
        {**token, "resource_access": {"orders-api": {"roles": ["orders:read"]}}}
    )
    auth = AuthInfo(issuer="https://i", subject="s", access_token="t", **realm_only.auth_info_fields())
    assert auth.has(role="realm:admin") and not auth.has(role="orders-api:admin")
    client_only = map_claims({**token, "realm_access": {"roles": []}})
    auth = AuthInfo(issuer="https://i", subject="s", access_token="t", **client_only.auth_info_fields())
    assert auth.has(role="orders-api:admin") and not auth.has(role="realm:admin")
