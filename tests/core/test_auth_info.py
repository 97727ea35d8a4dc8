"""AuthInfo / NoAuthInfo / User: the contract of API.md, including type narrowing under mypy and pyright."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asgi_authinfo import ANONYMOUS_USER, AuthInfo, Impersonator, InvalidTokenError, NoAuthInfo, User


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
