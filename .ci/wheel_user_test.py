"""A user's test, run against the installed wheel (not the checkout): plugin, markers, py.typed, CLI."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import asgi_authinfo
import pytest_plugin
from asgi_authinfo import AuthInfoMiddleware, get_auth


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    auth = get_auth(scope)
    body = (auth.user_id or "signed out").encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_installed_from_the_wheel() -> None:
    assert "site-packages" in asgi_authinfo.__file__
    assert "site-packages" in pytest_plugin.__file__
    assert importlib.resources.files("asgi_authinfo").joinpath("py.typed").is_file()
    assert importlib.resources.files("pytest_plugin").joinpath("py.typed").is_file()


@pytest.mark.anyio
@pytest.mark.signed_in_user(user_id="user_wheel")
async def test_signed_in_user_through_the_middleware(fake_issuer, signed_in_user) -> None:  # type: ignore[no-untyped-def]
    wrapped = AuthInfoMiddleware(app, issuers=[fake_issuer.issuer_config()])
    transport = httpx.ASGITransport(app=wrapped)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/", headers=signed_in_user.headers)
        assert answer.text == "user_wheel"
        refused = await client.get("/", headers={"Authorization": "Bearer not.a.jwt"})
        assert refused.status_code == 401
        assert "invalid_token" in refused.headers["www-authenticate"]


def test_cli_help() -> None:
    cli = Path(sys.executable).parent / "asgi-authinfo"
    result = subprocess.run([cli, "inspect", "--help"], capture_output=True, text=True, check=True)
    assert "inspect" in result.stdout
