"""The ``oidc`` preset, and the properties every preset must keep for any JSON claim values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import AuthInfo, Impersonator, MappedClaims, User
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.oidc import map_claims

MakeAuthInfo = Callable[..., AuthInfo]

PRESETS = ("oidc", "workos", "clerk", "authgear")

# An ID-token-like claim set: OIDC Core 1.0 §5.1 standard claims plus common authorization claims.
OIDC_CLAIMS: dict[str, Any] = {
    "iss": "https://auth.example.com",
    "sub": "248289761001",
    "aud": "api://orders",
    "exp": 1311281970,
    "iat": 1311280970,
    "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
    "name": "Jane Doe",
    "given_name": "Jane",
    "family_name": "Doe",
    "email": "janedoe@example.com",
    "email_verified": True,
    "picture": "http://example.com/janedoe/me.jpg",
    "phone_number": "+1 (425) 555-1212",
    "phone_number_verified": "false",
    "scope": "openid profile orders:read",
    "roles": ["reader", "editor"],
    "permissions": ["orders:read"],
    "org_id": "org_42",
    "act": {"sub": "admin_7"},
}


def test_standard_claims_map_to_every_field(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims(OIDC_CLAIMS)

    assert mapped.user == User(
        id="248289761001",
        email="janedoe@example.com",
        email_verified=True,
        name="Jane Doe",
        given_name="Jane",
        family_name="Doe",
        picture="http://example.com/janedoe/me.jpg",
        phone_number="+1 (425) 555-1212",
        phone_number_verified=False,
    )
    assert mapped.session_id == "08a5019c-17e1-4977-8f42-65a12843ea02"
    assert mapped.organization_id == "org_42"
    assert mapped.organization_slug is None
    assert mapped.role == "reader"
    assert mapped.roles == ("reader", "editor")
    assert mapped.permissions == ("orders:read",)
    assert mapped.entitlements == ()
    assert mapped.feature_flags == ()
    assert mapped.scopes == ("openid", "profile", "orders:read")
    assert mapped.impersonator == Impersonator(subject="admin_7")
    assert mapped.org_prefix is None

    auth = make_auth_info(mapped, OIDC_CLAIMS)
    assert auth.has(scope="orders:read")
    assert auth.has(role="editor", permission="orders:read")
    assert not auth.has(role="admin")
    assert not auth.has(permission="org:orders:read")
    assert not auth.has()


def test_scp_list_and_lone_role() -> None:
    mapped = map_claims({"sub": "u", "scp": ["a", "b", 3], "role": "owner", "roles": ["member"]})
    assert mapped.scopes == ("a", "b")
    assert mapped.role == "owner"
    assert mapped.roles == ("owner", "member")


def test_only_sub() -> None:
    assert map_claims({"sub": "u"}) == MappedClaims(user=User(id="u"))


# ---- properties of every preset -----------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["", "true", "false", "o:x,u:y", "read,write", "1,2,3", "org:admin"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "slg", "rol", "per", "fpm", "sub", "email", "reason"])
            | st.text(max_size=6),
            children,
            max_size=5,
        )
    ),
    max_leaves=16,
)

CLAIM_NAMES = (
    *("email", "email_verified", "name", "given_name", "family_name", "picture"),
    *("phone_number", "phone_number_verified", "sid", "scope", "scp", "act"),
    *("org_id", "org_slug", "org_role", "org_permissions", "role", "roles", "permissions"),
    *("entitlements", "feature_flags", "v", "o", "fea", "pla", "custom_attributes"),
    "https://authgear.com/claims/user/is_anonymous",
    "https://authgear.com/claims/user/roles",
)

claim_sets = st.builds(
    lambda known, extra, sub: {**extra, **known, "sub": sub},
    st.fixed_dictionaries(
        {},
        optional={
            **dict.fromkeys(CLAIM_NAMES, json_values),
            "v": st.sampled_from([1, 2, 2.0, "2", True]) | json_values,
        },
    ),
    st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    st.text(min_size=1),
)

TUPLE_FIELDS = ("roles", "permissions", "entitlements", "feature_flags", "scopes")
OPTIONAL_STR_FIELDS = ("session_id", "organization_id", "organization_slug", "role", "org_prefix")


@pytest.mark.parametrize("preset", PRESETS)
@given(claims=claim_sets)
def test_any_json_claims_map_to_well_typed_fields(
    preset: str, claims: dict[str, Any], make_auth_info: MakeAuthInfo
) -> None:
    mapped = resolve(preset)(claims)

    assert isinstance(mapped, MappedClaims)
    assert mapped.user.id == claims["sub"]
    for name in TUPLE_FIELDS:
        value = getattr(mapped, name)
        assert type(value) is tuple, name
        assert all(type(item) is str and item for item in value), name
    for name in OPTIONAL_STR_FIELDS:
        value = getattr(mapped, name)
        assert value is None or (type(value) is str and value), name
    assert isinstance(mapped.user.is_anonymous, bool)
    for flag in (mapped.user.email_verified, mapped.user.phone_number_verified):
        assert flag is None or isinstance(flag, bool)
    assert mapped.impersonator is None or isinstance(mapped.impersonator.subject, str)

    auth = make_auth_info(mapped, claims)
    for role in (*mapped.roles, "admin"):
        auth.has(role=role, permission="org:x:y", feature="x", entitlement="x", scope="x")


@pytest.mark.parametrize("preset", PRESETS)
@given(claims=claim_sets)
def test_mapping_is_deterministic(preset: str, claims: dict[str, Any]) -> None:
    mapper = resolve(preset)
    assert mapper(claims) == mapper(claims)
