"""The ``authgear`` preset: Authgear JWT access tokens and UserInfo-shaped claims."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import AuthInfo, Impersonator, User
from asgi_authinfo._frozen import freeze
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.authgear import map_claims

MakeAuthInfo = Callable[..., AuthInfo]

ROLES = "https://authgear.com/claims/user/roles"

# The JWT access token example from Authgear's docs (authgear/docs
# api-reference/tokens/jwt-access-token.md), with the roles claim of authgear/authgear-server
# docs/specs/roles-groups.md and profile claims a JWT hook adds (shaped as the UserInfo example).
AUTHGEAR_ACCESS_TOKEN: dict[str, Any] = {
    "aud": ["https://my-project.authgear.cloud"],
    "client_id": "497d841ea22f33d3",
    "exp": 1696432809,
    "https://authgear.com/claims/user/can_reauthenticate": True,
    "https://authgear.com/claims/user/is_anonymous": False,
    "https://authgear.com/claims/user/is_verified": True,
    ROLES: ["store_manager", "salesperson"],
    "iat": 1696431009,
    "iss": "https://my-project.authgear.cloud",
    "jti": "820a487ac1ce118cade7e8eca68e68a9288cf312343b83a5678f8bfd091b4768",
    "sub": "e3079029-f123-4c56-80c1-c2cd63a5b6af",
    "email": "user@gmail.com",
    "email_verified": True,
    "given_name": "John",
    "family_name": "Doe",
    "phone_number": "+85298765432",
    "phone_number_verified": True,
    "custom_attributes": {
        "passport_number": "A123456",
        "address": {"city": "Hong Kong", "lines": ["1 Queen's Road", "Central"]},
        "tags": ["vip", {"since": 2020}],
    },
    "x_web3": {"accounts": []},
}


def test_registered_as_authgear() -> None:
    assert resolve("authgear") is map_claims


def test_access_token_maps_every_field(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims(AUTHGEAR_ACCESS_TOKEN)

    user = mapped.user
    assert user.id == "e3079029-f123-4c56-80c1-c2cd63a5b6af"
    assert user.email == "user@gmail.com"
    assert user.email_verified is True
    assert user.given_name == "John"
    assert user.family_name == "Doe"
    assert user.name is None
    assert user.picture is None
    assert user.phone_number == "+85298765432"
    assert user.phone_number_verified is True
    assert user.is_anonymous is False
    assert user.custom_attributes == {
        "passport_number": "A123456",
        "address": {"city": "Hong Kong", "lines": ("1 Queen's Road", "Central")},
        "tags": ("vip", {"since": 2020}),
    }
    assert user.display_name == "John Doe"
    assert mapped.session_id is None
    assert mapped.organization_id is None
    assert mapped.role is None  # two roles, and Authgear gives them no order
    assert mapped.roles == ("store_manager", "salesperson")
    assert mapped.permissions == ()
    assert mapped.entitlements == ()
    assert mapped.feature_flags == ()
    assert mapped.scopes == ()
    assert mapped.impersonator is None
    assert mapped.org_prefix is None

    auth = make_auth_info(mapped, AUTHGEAR_ACCESS_TOKEN)
    assert auth.has(role="store_manager")
    assert auth.has(role="salesperson")
    assert not auth.has(role="admin")
    assert not auth.has(role="org:store_manager")
    assert "store_manager" in auth.scopes
    assert auth.claims["https://authgear.com/claims/user/is_verified"] is True
    assert auth.to_dict()["user"]["custom_attributes"] == {
        "passport_number": "A123456",
        "address": {"city": "Hong Kong", "lines": ["1 Queen's Road", "Central"]},
        "tags": ["vip", {"since": 2020}],
    }


def test_custom_attributes_are_read_only_all_the_way_down() -> None:
    claims = copy.deepcopy(AUTHGEAR_ACCESS_TOKEN)
    attributes = map_claims(claims).user.custom_attributes

    assert isinstance(attributes, MappingProxyType)
    assert isinstance(attributes["address"], MappingProxyType)
    assert isinstance(attributes["address"]["lines"], tuple)
    assert isinstance(attributes["tags"][1], MappingProxyType)
    with pytest.raises(TypeError):
        attributes["passport_number"] = "B0"  # type: ignore[index]
    with pytest.raises(TypeError):
        attributes["address"]["city"] = "Kowloon"  # type: ignore[index]

    claims["custom_attributes"]["address"]["city"] = "Kowloon"
    claims["custom_attributes"]["tags"].append("new")
    assert attributes["address"]["city"] == "Hong Kong"
    assert attributes["tags"] == ("vip", {"since": 2020})


def test_anonymous_user(make_auth_info: MakeAuthInfo) -> None:
    claims = {"sub": "anon_1", "https://authgear.com/claims/user/is_anonymous": True}
    mapped = map_claims(claims)
    assert mapped.user == User(id="anon_1", is_anonymous=True)
    auth = make_auth_info(mapped, claims)
    assert auth.user.is_anonymous
    assert auth.user.is_authenticated  # signed in, as an anonymous user


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), ("true", True), (False, False), ("yes", False), (1, False)]
)
def test_is_anonymous_values(value: Any, expected: bool) -> None:
    claims = {"sub": "u", "https://authgear.com/claims/user/is_anonymous": value}
    assert map_claims(claims).user.is_anonymous is expected


def test_single_role_is_the_role(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims({"sub": "u", ROLES: ["admin"]})
    assert mapped.role == "admin"
    assert mapped.roles == ("admin",)
    assert make_auth_info(mapped).has(role="admin")


def test_plain_roles_claim_is_a_fallback() -> None:
    assert map_claims({"sub": "u", "roles": ["reader"]}).roles == ("reader",)
    assert map_claims({"sub": "u", "roles": ["reader"], ROLES: []}).roles == ()


def test_scope_sid_and_act() -> None:
    mapped = map_claims(
        {"sub": "u", "scope": "openid offline_access", "sid": "s1", "act": {"sub": "admin_1"}}
    )
    assert mapped.scopes == ("openid", "offline_access")
    assert mapped.session_id == "s1"
    assert mapped.impersonator == Impersonator(subject="admin_1")


def test_wrong_types_read_as_absent() -> None:
    mapped = map_claims(
        {
            "sub": "u",
            ROLES: "admin,reader",
            "custom_attributes": ["not", "an", "object"],
            "email": 42,
            "email_verified": "maybe",
        }
    )
    assert mapped.roles == ("admin,reader",)  # a lone string is one role, never split
    assert mapped.user == User(id="u")
    assert mapped.user.custom_attributes == {}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


def assert_frozen(value: Any) -> None:
    assert not isinstance(value, dict | list)
    if isinstance(value, Mapping):
        assert isinstance(value, MappingProxyType)
        for item in value.values():
            assert_frozen(item)
    elif isinstance(value, tuple):
        for item in value:
            assert_frozen(item)


@given(attributes=st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_custom_attributes_round_trip_frozen(attributes: dict[str, Any]) -> None:
    frozen = map_claims({"sub": "u", "custom_attributes": attributes}).user.custom_attributes
    assert_frozen(frozen)
    assert thaw(frozen) == attributes
    assert thaw(freeze(attributes)) == attributes
