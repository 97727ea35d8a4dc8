"""AuthInfo / NoAuthInfo / User: the contract of API.md, including type narrowing under mypy and pyright."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asgi_authinfo import (
    ANONYMOUS_USER,
    Address,
    AuthInfo,
    Impersonator,
    InvalidTokenError,
    NoAuthInfo,
    User,
)


def make(**fields: object) -> AuthInfo:
    values: dict[str, object] = {
        "user": User(id="user_1", email="ada@example.com"),
        "issuer": "https://issuer.example",
        "subject": "user_1",
        "access_token": "token",
    }
    values.update(fields)
    return AuthInfo(**values)  # type: ignore[arg-type]


def test_signed_in_fields() -> None:
    auth = make(permissions=("a",), roles=("admin",), role="admin", scopes=("openid",))
    assert auth.is_signed_in is True
    assert auth.user_id == auth.subject == "user_1"
    assert auth.token_identifier == "https://issuer.example|user_1"
    assert auth.error is None
    assert auth.roles == ("admin",)
    assert isinstance(auth.permissions, tuple)
    assert auth.entitlements == () and auth.feature_flags == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        auth.subject = "other"  # type: ignore[misc]
    assert "token" not in repr(auth)


def test_no_auth_info_is_all_none() -> None:
    auth = NoAuthInfo()
    for name in (
        "user", "issuer", "subject", "access_token", "claims", "session_id", "organization_id",
        "organization_slug", "role", "roles", "permissions", "entitlements", "feature_flags",
        "impersonator", "expires_at", "token_identifier", "user_id", "error",
    ):  # fmt: skip
        assert getattr(auth, name) is None, name
    assert auth.scopes == ()  # empty, so that Starlette's requires() answers instead of crashing
    assert auth.is_signed_in is False
    assert auth.has(permission="a") is False
    error = InvalidTokenError("expired", code="expired")
    assert NoAuthInfo(error=error).error is error


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"permission": "posts:read"}, True),
        ({"permission": "posts:write"}, False),
        ({"role": "editor"}, True),
        ({"role": "admin"}, False),
        ({"feature": "beta"}, True),
        ({"entitlement": "sso"}, True),
        ({"scope": "openid"}, True),
        ({"scope": "posts:read"}, False),  # a permission is not an OAuth scope
        ({"permission": "posts:read", "role": "editor"}, True),
        ({"permission": "posts:read", "role": "admin"}, False),
        ({}, False),
    ],
)
def test_has(query: dict[str, str], expected: bool) -> None:
    auth = make(
        permissions=("posts:read",),
        role="editor",
        roles=("editor",),
        feature_flags=("beta",),
        entitlements=("sso",),
        scopes=("openid",),
    )
    assert auth.has(**query) is expected


def test_org_prefix_rules() -> None:
    auth = make(role="org:admin", roles=("org:admin",), permissions=("org:posts:read",), org_prefix="org:")
    assert auth.has(role="admin") and auth.has(role="org:admin")
    assert auth.has(permission="posts:read") and auth.has(permission="org:posts:read")
    assert not auth.has(role="member")


def test_scopes_answer_starlettes_requires() -> None:
    auth = make(permissions=("posts:write",), roles=("admin",), scopes=("openid",))
    assert "authenticated" in auth.scopes
    assert "posts:write" in auth.scopes and "admin" in auth.scopes
    assert "posts:delete" not in auth.scopes
    assert list(auth.scopes) == ["openid"]


def test_user_speaks_starlettes_user_api() -> None:
    user = User(id="u", given_name="Ada", family_name="Lovelace")
    assert user.is_authenticated is True
    assert user.display_name == "Ada Lovelace"
    assert user.identity == "u"
    assert User(id="u", email="a@b.c").display_name == "a@b.c"
    assert ANONYMOUS_USER.is_authenticated is False
    assert ANONYMOUS_USER.display_name == ""


def test_to_dict_is_json_ready() -> None:
    import json

    auth = make(impersonator=Impersonator(subject="admin_1", email="admin@example.com", reason="support"))
    data = json.loads(json.dumps(auth.to_dict()))
    assert data["impersonator"] == {"subject": "admin_1", "email": "admin@example.com", "reason": "support"}
    assert "access_token" not in data


def test_to_dict_covers_every_field() -> None:
    from datetime import UTC, datetime
    from types import MappingProxyType

    auth = make(
        user=User(
            id="user_1", email="ada@example.com", email_verified=True, name="Ada", given_name="Ada",
            family_name="Lovelace", picture="https://p.example/a.png", phone_number="+100",
            phone_number_verified=False, is_anonymous=False,
            custom_attributes=MappingProxyType({"plan": "pro", "tags": ("a",)}),
            middle_name="B", nickname="ada", preferred_username="ada.l", profile="https://p.example/ada",
            website="https://ada.example", gender="female", birthdate="1815-12-10", zoneinfo="Europe/London",
            locale="en-GB", address=Address(locality="London", country="UK"),
            updated_at=datetime(2030, 1, 1, tzinfo=UTC),
        ),
        claims=MappingProxyType({"sub": "user_1", "list": (1, MappingProxyType({"k": "v"}))}),
        session_id="sess_1", organization_id="org_1", organization_slug="acme", role="admin",
        roles=("admin",), permissions=("p",), entitlements=("e",), feature_flags=("f",),
        scopes=("openid",), impersonator=Impersonator(subject="admin_1"),
        expires_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), org_prefix="org:",
        userinfo=MappingProxyType({"sub": "user_1"}), userinfo_error="down", plans=("pro",),
        session_status="active", provider_role="admin", provider_roles=("realm:admin",),
        factor_verification_age=(1, -1),
        dpop_jkt="jkt_1",
    )  # fmt: skip
    assert auth.to_dict() == {
        "user": {
            "id": "user_1", "email": "ada@example.com", "email_verified": True, "name": "Ada",
            "given_name": "Ada", "family_name": "Lovelace", "picture": "https://p.example/a.png",
            "phone_number": "+100", "phone_number_verified": False, "is_anonymous": False,
            "custom_attributes": {"plan": "pro", "tags": ["a"]},
            "middle_name": "B", "nickname": "ada", "preferred_username": "ada.l",
            "profile": "https://p.example/ada", "website": "https://ada.example", "gender": "female",
            "birthdate": "1815-12-10", "zoneinfo": "Europe/London", "locale": "en-GB",
            "address": {"formatted": None, "street_address": None, "locality": "London", "region": None,
                        "postal_code": None, "country": "UK"},
            "updated_at": "2030-01-01T00:00:00+00:00",
        },
        "issuer": "https://issuer.example", "subject": "user_1",
        "token_identifier": "https://issuer.example|user_1", "session_id": "sess_1",
        "organization_id": "org_1", "organization_slug": "acme", "role": "admin", "roles": ["admin"],
        "permissions": ["p"], "entitlements": ["e"], "feature_flags": ["f"], "scopes": ["openid"],
        "impersonator": {"subject": "admin_1", "email": None, "reason": None},
        "expires_at": "2030-01-02T03:04:05+00:00", "plans": ["pro"], "session_status": "active",
        "provider_role": "admin", "provider_roles": ["realm:admin"], "factor_verification_age": [1, -1],
        "claims": {"sub": "user_1", "list": [1, {"k": "v"}]},
    }  # fmt: skip
    assert list(auth.to_dict()) == [
        "user", "issuer", "subject", "token_identifier", "session_id", "organization_id",
        "organization_slug", "role", "roles", "permissions", "entitlements", "feature_flags",
        "scopes", "impersonator", "expires_at", "plans", "session_status", "provider_role",
        "provider_roles", "factor_verification_age", "claims",
    ]  # fmt: skip
    # every field is either in the dict or deliberately left out (the token, the preset's org
    # prefix, the raw userinfo answer and its error, the DPoP key thumbprint, a test double's hint)
    left_out = {f.name for f in dataclasses.fields(AuthInfo)} - set(auth.to_dict())
    hidden = {"access_token", "org_prefix", "userinfo", "userinfo_error", "dpop_jkt", "refusal_hint"}
    assert left_out == hidden


def test_no_auth_info_mirrors_every_auth_info_field() -> None:
    mirrored = {f.name for f in dataclasses.fields(NoAuthInfo)}
    assert {f.name for f in dataclasses.fields(AuthInfo)} <= mirrored
    assert {"token_identifier", "user_id", "error"} <= mirrored  # AuthInfo's properties
    for name in mirrored - {"error", "scopes"}:
        assert getattr(NoAuthInfo(), name) is None, name


def test_anonymous_user_mirrors_every_user_field() -> None:
    from asgi_authinfo import ANONYMOUS_USER, AnonymousUser

    mirrored = {f.name for f in dataclasses.fields(AnonymousUser)}
    assert {f.name for f in dataclasses.fields(User)} == mirrored
    for name in mirrored - {"is_anonymous", "custom_attributes"}:
        assert getattr(ANONYMOUS_USER, name) is None, name  # request.user.nickname reads signed out too


def test_every_mapped_claim_is_an_auth_info_field() -> None:
    from asgi_authinfo import MappedClaims

    mapped = MappedClaims(user=User(id="u"), role="admin", roles=("admin",), scopes=("openid",))
    fields = mapped.auth_info_fields()
    assert set(fields) == {f.name for f in dataclasses.fields(MappedClaims)}
    assert set(fields) <= {f.name for f in dataclasses.fields(AuthInfo)}
    auth = AuthInfo(issuer="https://i.example", subject="u", access_token="t", **fields)
    assert all(getattr(auth, name) == value for name, value in fields.items())


def test_scopes_membership_and_iteration() -> None:
    auth = make(permissions=("posts:write",), roles=("editor",), role="owner", scopes=("openid", "email"))
    for granted in ("authenticated", "openid", "email", "posts:write", "editor", "owner"):
        assert granted in auth.scopes, granted
    assert "posts:read" not in auth.scopes and "" not in auth.scopes
    assert tuple(auth.scopes) == auth.scopes == ("openid", "email")
    assert repr(auth.scopes) == "('openid', 'email')" and len(auth.scopes) == 2
    assert not auth.has(scope="editor") and auth.has(scope="email")
    bare = make()
    assert "authenticated" in bare.scopes and "openid" not in bare.scopes and bare.scopes == ()


SNIPPET = textwrap.dedent(
    """
    from asgi_authinfo import AuthInfo, NoAuthInfo

    def greet(auth: AuthInfo | NoAuthInfo) -> str:
        if auth.user is None:
            return "signed out"
        return auth.user.id + auth.issuer + auth.token_identifier + ",".join(auth.permissions)
    """
)


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_user_is_none_narrows_the_type(checker: str, tmp_path: Path) -> None:
    executable = shutil.which(checker, path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip(f"{checker} is not installed")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    args = (
        [executable, "--strict", str(snippet)]
        if checker == "mypy"
        else [executable, "--pythonpath", sys.executable, str(snippet)]
    )
    if checker == "mypy":
        args += ["--cache-dir", str(tmp_path / ".mypy_cache")]
    result = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
