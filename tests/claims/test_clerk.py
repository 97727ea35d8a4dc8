"""The ``clerk`` preset: Clerk session tokens v1 and v2, and ``has()`` as Clerk's ``has()``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import AuthInfo, Impersonator, User
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.clerk import map_claims

MakeAuthInfo = Callable[..., AuthInfo]

# Version 2 default claims, from https://clerk.com/docs/guides/sessions/session-tokens (the claim
# table's examples, and the "Decode o.fpm manually" example: fea ``o:dashboard,o:teams``,
# o.per ``manage,read``, o.fpm ``3,2`` → dashboard:manage, dashboard:read, teams:read).
CLERK_V2: dict[str, Any] = {
    "azp": "https://example.com",
    "exp": 1713158400,
    "fva": [7, -1],
    "iat": 1713158400,
    "iss": "https://clerk.your-site.com",
    "nbf": 1713158400,
    "sid": "sess_123",
    "sub": "user_123",
    "v": 2,
    "pla": "u:free,o:pro",
    "fea": "o:dashboard,o:teams",
    "sts": "active",
    "o": {"id": "org_123", "slg": "my-org", "rol": "admin", "per": "manage,read", "fpm": "3,2"},
}

# Version 1 default claims, from the "Version 1" tab of the same page.
CLERK_V1: dict[str, Any] = {
    "azp": "https://example.com",
    "exp": 1713158400,
    "iat": 1713158400,
    "iss": "https://clerk.your-site.com",
    "nbf": 1713158400,
    "org_id": "org_123",
    "org_permissions": ["org:sys_memberships:manage", "org:posts:read"],
    "org_role": "org:admin",
    "org_slug": "my-org",
    "sid": "sess_123",
    "sub": "user_123",
    "act": {"sub": "user_456", "sid": "sess_456", "iss": "https://clerk.your-site.com"},
}


def v2(fea: str, per: Any, fpm: Any, **org: Any) -> dict[str, Any]:
    return {"sub": "user_1", "v": 2, "fea": fea, "o": {"id": "org_1", "per": per, "fpm": fpm, **org}}


def test_registered_as_clerk() -> None:
    assert resolve("clerk") is map_claims


def test_v2_maps_every_field(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims(CLERK_V2)

    assert mapped.user == User(id="user_123")
    assert mapped.session_id == "sess_123"
    assert mapped.organization_id == "org_123"
    assert mapped.organization_slug == "my-org"
    assert mapped.role == "org:admin"
    assert mapped.roles == ("org:admin",)
    assert mapped.permissions == ("org:dashboard:manage", "org:dashboard:read", "org:teams:read")
    assert mapped.feature_flags == ("dashboard", "org:dashboard", "teams", "org:teams")
    assert mapped.entitlements == ("free", "user:free", "pro", "org:pro")
    assert mapped.scopes == ()
    assert mapped.impersonator is None
    assert mapped.org_prefix == "org:"

    auth = make_auth_info(mapped, CLERK_V2)
    assert auth.has(role="admin")
    assert auth.has(role="org:admin")
    assert not auth.has(role="member")
    assert not auth.has(role="org:member")
    assert auth.has(permission="org:dashboard:read")
    assert auth.has(permission="dashboard:manage")  # Clerk prefixes "org:" like this too
    assert not auth.has(permission="org:teams:manage")
    assert auth.has(role="admin", permission="org:teams:read")
    assert auth.has(feature="dashboard")
    assert auth.has(feature="org:teams")
    assert not auth.has(feature="user:teams")
    assert auth.has(entitlement="pro")
    assert auth.has(entitlement="org:pro")
    assert auth.has(entitlement="user:free")
    assert not auth.has(entitlement="user:pro")


def test_v2_fpm_with_mixed_bits_user_features_and_a_short_fpm() -> None:
    # Org features are the ``o``-scoped entries only (u:chat is skipped): posts, billing, reports,
    # audit. fpm 5 = 0b101 → per[0], per[2]; 2 = 0b10 → per[1]; "x" grants nothing; audit has no
    # fpm entry.
    mapped = map_claims(v2("u:chat,o:posts,uo:billing,o:reports,o:audit", "read,write,delete", "5,2,x"))
    assert mapped.permissions == ("org:posts:read", "org:posts:delete", "org:billing:write")
    assert mapped.feature_flags == (
        *("chat", "user:chat", "posts", "org:posts"),
        *("billing", "org:billing", "user:billing"),
        *("reports", "org:reports", "audit", "org:audit"),
    )


@pytest.mark.parametrize(
    ("fea", "per", "fpm", "expected"),
    [
        pytest.param("o:a", "", "3", (), id="per-empty"),
        pytest.param("o:a", None, "3", (), id="per-missing"),
        pytest.param("o:a", "r,w", "", (), id="fpm-empty"),
        pytest.param("o:a", "r,w", 3, (), id="fpm-not-a-string"),
        pytest.param("o:a", "r,w", "0", (), id="no-bits"),
        pytest.param("o:a", "r,w", "3,3,3", ("org:a:r", "org:a:w"), id="fpm-longer"),
        pytest.param("o:a,o:b", "r,w", "2", ("org:a:w",), id="fpm-shorter"),
        pytest.param("o:a", "r", "7", ("org:a:r",), id="bits-past-per-ignored"),
        pytest.param("o:a,o:b", "r,w", " 003 , 2 ", ("org:a:r", "org:a:w", "org:b:w"), id="trim"),
        pytest.param("u:x,o:a", "r", "1", ("org:a:r",), id="user-feature-not-indexed"),
        pytest.param("o,o:a", "r", "1,1", ("org:a:r",), id="nameless-feature-keeps-place"),
        pytest.param("o:a", " r , ,w", "7", ("org:a:r", "org:a:w"), id="blank-permission-names"),
        pytest.param("o:a,o:b", "r", "-1,1", ("org:b:r",), id="negative"),
        pytest.param("o:a,o:b", "r", "+1,1", ("org:b:r",), id="plus-sign"),
        pytest.param("o:a,o:b", "r", "1_1,1", ("org:b:r",), id="underscore"),
        pytest.param("o:a,o:b", "r", "\u0661,1", ("org:b:r",), id="non-ascii-digit"),
        pytest.param("o:a,o:b", "r", "1.0,1", ("org:b:r",), id="decimal-point"),
        pytest.param("o:a,o:a", "r", "1,1", ("org:a:r",), id="duplicates-once"),
    ],
)
def test_v2_fpm_edges(fea: str, per: Any, fpm: Any, expected: tuple[str, ...]) -> None:
    assert map_claims(v2(fea, per, fpm)).permissions == expected


def test_v2_fpm_beyond_the_int_digit_limit() -> None:
    huge = "1" + "0" * 5999 + "5"  # 10**6000 + 5: int() refuses > 4300 digits; mod 8 it is 5
    mapped = map_claims(v2("o:a", "read,write,delete", huge))
    assert mapped.permissions == ("org:a:read", "org:a:delete")


def test_v2_role_prefix_is_normalised(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims(v2("", "", "", rol="org:org:member"))
    assert mapped.role == "org:member"
    assert make_auth_info(mapped).has(role="member")


def test_v2_without_active_organization(make_auth_info: MakeAuthInfo) -> None:
    claims = {"sub": "user_1", "sid": "sess_1", "v": 2, "fea": "u:premium", "pla": "u:free"}
    mapped = map_claims(claims)
    assert mapped.organization_id is None
    assert mapped.organization_slug is None
    assert mapped.role is None
    assert mapped.roles == ()
    assert mapped.permissions == ()
    assert mapped.feature_flags == ("premium", "user:premium")
    assert mapped.entitlements == ("free", "user:free")

    auth = make_auth_info(mapped, claims)
    assert auth.has(feature="premium")
    assert auth.has(feature="user:premium")
    assert not auth.has(feature="org:premium")
    assert auth.has(entitlement="free")
    assert not auth.has(role="admin")


def test_v2_org_feature_premium(make_auth_info: MakeAuthInfo) -> None:
    auth = make_auth_info(map_claims(v2("o:premium", "", "")))
    assert auth.has(feature="premium")
    assert auth.has(feature="org:premium")
    assert not auth.has(feature="user:premium")


def test_v2_organization_without_id_grants_no_role_or_permissions() -> None:
    claims = {"sub": "u", "v": 2, "fea": "o:a", "o": {"rol": "admin", "per": "r", "fpm": "1"}}
    mapped = map_claims(claims)
    assert mapped.role is None
    assert mapped.permissions == ()
    assert mapped.feature_flags == ("a", "org:a")


def test_v2_ignores_v1_org_claims() -> None:
    mapped = map_claims({"sub": "u", "v": 2, "org_id": "org_9", "org_role": "org:admin"})
    assert mapped.organization_id is None
    assert mapped.role is None


@pytest.mark.parametrize(("version", "is_v2"), [(2, True), (2.0, True), ("2", False), (True, False)])
def test_version_claim(version: Any, is_v2: bool) -> None:
    claims = {"sub": "u", "v": version, "o": {"id": "org_2"}, "org_id": "org_1"}
    assert map_claims(claims).organization_id == ("org_2" if is_v2 else "org_1")


def test_v1_maps_every_field(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims(CLERK_V1)

    assert mapped.user == User(id="user_123")
    assert mapped.session_id == "sess_123"
    assert mapped.organization_id == "org_123"
    assert mapped.organization_slug == "my-org"
    assert mapped.role == "org:admin"
    assert mapped.roles == ("org:admin",)
    assert mapped.permissions == ("org:sys_memberships:manage", "org:posts:read")
    assert mapped.feature_flags == ()
    assert mapped.entitlements == ()
    assert mapped.impersonator == Impersonator(subject="user_456")
    assert mapped.org_prefix == "org:"

    auth = make_auth_info(mapped, CLERK_V1)
    assert auth.has(role="admin")
    assert auth.has(role="org:admin")
    assert not auth.has(role="member")
    assert auth.has(permission="org:posts:read")
    assert auth.has(permission="posts:read")
    assert not auth.has(permission="org:posts:write")
    assert auth.user_id == "user_123"


def test_v1_unprefixed_role_and_no_org(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims({"sub": "u", "org_id": "org_1", "org_role": "admin"})
    assert mapped.role == "org:admin"
    assert make_auth_info(mapped).has(role="org:admin")

    signed_in_without_org = map_claims({"sub": "u", "org_role": "org:admin"})
    assert signed_in_without_org.role is None


def test_custom_profile_claims() -> None:
    mapped = map_claims({"sub": "user_1", "email": "ada@example.com", "name": "Ada", "v": 2})
    assert mapped.user == User(id="user_1", email="ada@example.com", name="Ada")


def test_wrong_types_read_as_absent() -> None:
    claims = {
        "sub": "u",
        "v": 2,
        "sid": 1,
        "fea": ["o:a"],
        "pla": {"o": "pro"},
        "o": {"id": 5, "slg": [], "rol": {}, "per": ["r"], "fpm": [1]},
        "act": ["user_2"],
    }
    mapped = map_claims(claims)
    assert mapped.session_id is None
    assert mapped.organization_id is None
    assert mapped.organization_slug is None
    assert mapped.role is None
    assert mapped.permissions == ()
    assert mapped.feature_flags == ()
    assert mapped.entitlements == ()
    assert mapped.impersonator is None


# ---- the fpm decoding against a plain transliteration of Clerk's SDK ----------------------------


def clerk_reference(fea: str, per: str, fpm: str) -> set[str]:
    """``parsePermissions`` + ``splitByScope`` + ``buildOrgPermissions``, as in
    clerk/javascript packages/shared/src/jwtPayloadParser.ts (LSB first, bits bounded by per)."""
    if not per or not fpm:
        return set()
    permissions = [name.strip() for name in per.split(",")]
    feature_bits = []
    for item in fpm.split(","):
        digits = item.strip()
        ok = re.fullmatch(r"[0-9]+", digits) is not None
        feature_bits.append([int(bit) for bit in reversed(bin(int(digits))[2:])] if ok else [])
    entries = [entry.strip().split(":") for entry in fea.split(",")] if fea else []
    org_features = [parts[1] for parts in entries if "o" in parts[0]]
    granted = set()
    for index, feature in enumerate(org_features):
        if index >= len(feature_bits):
            continue
        for position, bit in enumerate(feature_bits[index]):
            if position < len(permissions) and bit == 1:
                granted.add(f"org:{feature}:{permissions[position]}")
    return granted


names = st.text(alphabet="abcdefgh_-", min_size=1, max_size=4)
fea_strings = st.lists(st.tuples(st.sampled_from(["o", "u", "uo"]), names), max_size=6).map(
    lambda entries: ",".join(f"{scope}:{name}" for scope, name in entries)
)
per_strings = st.lists(names, max_size=6).map(",".join)
fpm_strings = st.lists(
    st.integers(min_value=0, max_value=2**70).map(str) | st.sampled_from(["", "x", "-1", " 3 "]),
    max_size=8,
).map(",".join)


@given(fea=fea_strings, per=per_strings, fpm=fpm_strings)
def test_fpm_matches_clerk_sdk(fea: str, per: str, fpm: str) -> None:
    permissions = map_claims(v2(fea, per, fpm, rol="member")).permissions
    assert len(set(permissions)) == len(permissions)
    assert set(permissions) == clerk_reference(fea, per, fpm)
