"""``claims.mapping()``: a declarative claim mapping, validated at start-up."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import Issuer, claims, providers

from ._support import normalized, round_trip

KEYCLOAK_LIKE: dict[str, Any] = {
    "sub": "f1c4f64e",
    "realm_access": {"roles": ["admin", "user"]},
    "resource_access": {"my.api": {"roles": ["orders:write"]}},
    "https://example.com/perms": ["orders:read", "orders:write"],
    "https://example.com/org": {"id": "org_1", "slug": "acme"},
    "profile": {"mail": "ada@example.com", "verified": "true", "display": "Ada"},
    "tier": "gold",
    "scope": "openid api",
}


def test_paths_dotted_exact_and_segmented() -> None:
    mapper = claims.mapping(
        roles="realm_access.roles",
        permissions="https://example.com/perms",  # an exact claim name, dots and all
        entitlements=("resource_access", "my.api", "roles"),  # a name with a dot: segments
        organization_id="https://example.com/org.id",  # exact name first, then the path
        organization_slug="https://example.com/org.slug",
        email="profile.mail",
        email_verified="profile.verified",
        name="profile.display",
        custom_attributes={"tier": "tier", "missing": "no.such.claim"},
    )
    mapped = mapper(KEYCLOAK_LIKE)
    assert mapped.roles == ("admin", "user")
    assert mapped.permissions == ("orders:read", "orders:write")
    assert mapped.entitlements == ("orders:write",)
    assert (mapped.organization_id, mapped.organization_slug) == (
        None,
        None,
    )  # not a path: the name has no dot
    assert mapped.user.email == "ada@example.com"
    assert mapped.user.email_verified is True
    assert mapped.user.name == "Ada"
    assert mapped.user.custom_attributes == {"tier": "gold"}
    assert mapped.scopes == ("openid", "api")  # from the base preset, untouched


def test_base_preset_keeps_the_fields_not_named() -> None:
    mapper = claims.mapping(base="keycloak", roles=lambda c: [r.upper() for r in c["realm_access"]["roles"]])
    mapped = mapper(KEYCLOAK_LIKE)
    assert mapped.roles == ("ADMIN", "USER")
    assert mapped.scopes == ("openid", "api")


def test_absent_or_wrong_typed_sources_read_as_absent() -> None:
    mapper = claims.mapping(
        user_id="profile.oid",
        roles="tier",
        session_id="realm_access",
        is_anonymous="nope",
        custom_attributes="tier",
    )
    mapped = mapper(KEYCLOAK_LIKE)
    assert mapped.user.id == "f1c4f64e"  # user_id falls back to sub
    assert mapped.roles == ("gold",)  # a lone string is a one-element list
    assert mapped.session_id is None
    assert mapped.user.is_anonymous is False
    assert mapped.user.custom_attributes == {}


def test_remapped_roles_keep_a_consistent_primary_role() -> None:
    token = {
        "sub": "u",
        "roles": ["admin"],
        "groups": ["a", "b"],
        "group": ["admin", "x"],
        "primary": "owner",
    }
    assert claims.mapping(roles="groups")(token).role is None  # "admin" is no longer a role
    assert claims.mapping(roles="groups.0")({"sub": "u", "groups.0": ["solo"]}).role == "solo"
    assert claims.mapping(roles="group")(token).role == "admin"  # still one of the roles
    assert claims.mapping(roles="groups", role="primary")(token).role == "owner"  # named: as given


def test_user_id_can_come_from_another_claim() -> None:
    mapped = claims.mapping(base="okta", user_id="uid")({"sub": "ada@example.com", "uid": "00u1"})
    assert mapped.user.id == "00u1"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"permisions": "x"}, "no field 'permisions' \\(did you mean 'permissions'\\?\\)"),
        ({"roles": ""}, "claim path"),
        ({"roles": "a..b"}, "single dots"),
        ({"roles": ()}, "sequence of claim names"),
        ({"roles": 3}, "callable"),
        ({"base": "nope"}, "unknown claims preset 'nope'"),
        ({"custom_attributes": {"": "x"}}, "attribute names"),
        ({"custom_attributes": {"a": ["x", ""]}}, "custom_attributes\\['a'\\]"),
    ],
)
def test_invalid_mappings_fail_at_start_up(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        claims.mapping(**options)


def test_usable_wherever_a_preset_is() -> None:
    mapper = claims.mapping(roles="realm_access.roles")
    assert Issuer("https://issuer.example.com", claims=mapper).mapper is mapper
    assert providers.keycloak("https://sso.example.com", "acme", claims=mapper)[0].mapper is mapper


@pytest.mark.anyio
async def test_round_trip_through_a_fake_issuer() -> None:
    mapper = claims.mapping(base="oidc", roles="realm_access.roles", permissions="https://example.com/perms")
    auth = await round_trip(mapper, KEYCLOAK_LIKE)
    assert normalized(auth)["roles"] == ["admin", "user"]
    assert auth.has(permission="orders:write") and auth.has(role="admin")


names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=6)
values = st.lists(st.text(string.ascii_letters, min_size=1, max_size=5), max_size=3)


@given(
    path=st.lists(names, min_size=1, max_size=4),
    value=values,
    noise=st.dictionaries(names, values, max_size=3),
)
def test_any_nested_path_reads_its_value(
    path: list[str], value: list[str], noise: dict[str, list[str]]
) -> None:
    nested: Any = value
    for name in reversed(path):
        nested = {name: nested}
    token = {**noise, **nested, "sub": "u"} if path[0] != "sub" else {"sub": "u"}
    mapped = claims.mapping(permissions=".".join(path))(token)
    # a path through the token's own `sub` reads a lone string, or nothing under it
    expected = tuple(value) if path[0] != "sub" else ("u",) if len(path) == 1 else ()
    assert mapped.permissions == expected
    assert claims.mapping(permissions=path)(token).permissions == expected
