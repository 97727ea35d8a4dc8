"""The ``workos`` preset: WorkOS AuthKit access tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asgi_authinfo import AuthInfo, Impersonator, User
from asgi_authinfo.claims import resolve
from asgi_authinfo.claims.workos import map_claims

MakeAuthInfo = Callable[..., AuthInfo]

# The access token JWT example from https://workos.com/docs/reference/authkit/session-tokens,
# plus ``feature_flags`` (listed by authkit-nextjs ``getTokenClaims``).
WORKOS_ACCESS_TOKEN: dict[str, Any] = {
    "iss": "https://api.workos.com",
    "sub": "user_01HBEQKA6K4QJAS93VPE39W1JT",
    "act": {"sub": "admin@foocorp.com"},
    "org_id": "org_01HRDMC6CM357W30QMHMQ96Q0S",
    "role": "member",
    "roles": ["member"],
    "permissions": ["posts:read", "posts:write"],
    "entitlements": ["audit-logs"],
    "feature_flags": ["beta-dashboard"],
    "sid": "session_01HQSXZGF8FHF7A9ZZFCW4387R",
    "jti": "01HQSXZXPPFPKMDD32RKTFY6PV",
    "exp": 1709193857,
    "iat": 1709193557,
}


def test_registered_as_workos() -> None:
    assert resolve("workos") is map_claims


def test_access_token_maps_every_field(make_auth_info: MakeAuthInfo) -> None:
    mapped = map_claims(WORKOS_ACCESS_TOKEN)

    assert mapped.user == User(id="user_01HBEQKA6K4QJAS93VPE39W1JT")
    assert mapped.session_id == "session_01HQSXZGF8FHF7A9ZZFCW4387R"
    assert mapped.organization_id == "org_01HRDMC6CM357W30QMHMQ96Q0S"
    assert mapped.organization_slug is None
    assert mapped.role == "member"
    assert mapped.roles == ("member",)
    assert mapped.permissions == ("posts:read", "posts:write")
    assert mapped.entitlements == ("audit-logs",)
    assert mapped.feature_flags == ("beta-dashboard",)
    assert mapped.scopes == ()
    assert mapped.impersonator == Impersonator(subject="admin@foocorp.com", email="admin@foocorp.com")
    assert mapped.org_prefix is None

    auth = make_auth_info(mapped, WORKOS_ACCESS_TOKEN)
    assert auth.session_id == "session_01HQSXZGF8FHF7A9ZZFCW4387R"
    assert auth.has(permission="posts:read")
    assert auth.has(role="member", permission="posts:write")
    assert auth.has(entitlement="audit-logs")
    assert auth.has(feature="beta-dashboard")
    assert not auth.has(role="admin")
    assert not auth.has(permission="posts:delete")
    assert not auth.has(permission="org:posts:read")  # no org prefix convention for WorkOS
    assert not auth.has(feature="audit-logs")
    assert "posts:read" in auth.scopes  # Starlette's requires() sees permissions and roles
    assert "member" in auth.scopes


def test_impersonator_email_and_reason() -> None:
    mapped = map_claims(
        {
            "sub": "user_1",
            "act": {"sub": "user_admin", "email": "admin@foocorp.com", "reason": "Support #42"},
        }
    )
    assert mapped.impersonator == Impersonator(
        subject="user_admin", email="admin@foocorp.com", reason="Support #42"
    )


def test_impersonator_without_email() -> None:
    mapped = map_claims({"sub": "user_1", "act": {"sub": "user_admin"}})
    assert mapped.impersonator == Impersonator(subject="user_admin")


def test_profile_claims_from_a_jwt_template() -> None:
    mapped = map_claims(
        {
            "sub": "user_1",
            "email": "ada@example.com",
            "email_verified": True,
            "name": "Ada Lovelace",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "picture": "https://example.com/ada.png",
        }
    )
    assert mapped.user == User(
        id="user_1",
        email="ada@example.com",
        email_verified=True,
        name="Ada Lovelace",
        given_name="Ada",
        family_name="Lovelace",
        picture="https://example.com/ada.png",
    )


def test_role_and_roles_kept_as_sent(make_auth_info: MakeAuthInfo) -> None:
    # authkit-nextjs withAuth() gives `role` and `roles` as the token has them (issue 18).
    mapped = map_claims({"sub": "u", "role": "admin", "roles": ["billing", "support"]})
    assert mapped.role == "admin"
    assert mapped.roles == ("billing", "support")
    auth = make_auth_info(mapped)
    assert auth.has(role="support")
    assert auth.has(role="admin")
    assert "admin" in auth.scopes

    only_role = map_claims({"sub": "u", "role": "member"})
    assert only_role.role == "member"
    assert only_role.roles == ()
    assert make_auth_info(only_role).has(role="member")

    only_roles = map_claims({"sub": "u", "roles": ["billing"]})
    assert only_roles.role is None
    assert only_roles.roles == ("billing",)


def test_wrong_types_read_as_absent() -> None:
    mapped = map_claims(
        {
            "sub": "u",
            "sid": 7,
            "org_id": ["org_1"],
            "role": {"name": "admin"},
            "roles": "member",
            "permissions": [1, None, "posts:read", ""],
            "entitlements": {"a": 1},
            "feature_flags": None,
            "act": "admin@foocorp.com",
            "email": False,
        }
    )
    assert mapped.session_id is None
    assert mapped.organization_id is None
    assert mapped.role is None
    assert mapped.roles == ("member",)
    assert mapped.permissions == ("posts:read",)
    assert mapped.entitlements == ()
    assert mapped.feature_flags == ()
    assert mapped.impersonator is None
    assert mapped.user == User(id="u")


# The access-token payload of workos/workos-node src/user-management/session.spec.ts at
# 13c4f7f0b0b2e296f670c0670c077bc9e3906fec ("refresh ... returns a successful response"), decoded;
# Session.authenticate() answers sessionId, organizationId, role, permissions and no roles for it.
WORKOS_NODE_SESSION: dict[str, Any] = {
    "sub": "1234567890",
    "name": "John Doe",
    "iat": 1516239022,
    "sid": "session_123",
    "org_id": "org_123",
    "role": "member",
    "permissions": ["posts:create", "posts:delete"],
}


@pytest.mark.anyio
async def test_workos_node_session_fixture() -> None:
    from tests.providers._support import round_trip

    auth = await round_trip("workos", WORKOS_NODE_SESSION)
    assert (auth.session_id, auth.organization_id) == ("session_123", "org_123")
    assert (auth.role, auth.roles) == ("member", ())
    assert auth.permissions == ("posts:create", "posts:delete")
    assert auth.user.name == "John Doe"
    assert auth.has(role="member") and auth.has(permission="posts:delete")
