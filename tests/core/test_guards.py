"""get_auth and the raw-ASGI requires() guard: 401 signed out, 403 insufficient_scope, 503 passed on."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
import pytest

from asgi_authinfo import AuthInfoMiddleware, NoAuthInfo, TokenVerifier, get_auth, requires
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio


async def ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_get_auth_reads_scopes_and_objects_with_scope() -> None:
    auth = NoAuthInfo()

    class Request:
        scope: ClassVar = {"type": "http", "auth": auth}

    assert get_auth({"auth": auth}) is auth
    assert get_auth(Request()) is auth
    with pytest.raises(RuntimeError, match="AuthInfoMiddleware"):
        get_auth({"type": "http"})
    with pytest.raises(TypeError, match=r"builtins\.object has neither"):
        get_auth(object())  # not "wrap your app in AuthInfoMiddleware": that is not what is wrong


async def test_requires_guard(clock: Clock) -> None:
    with FakeIssuer(now=clock) as fake:
        verifier = TokenVerifier([fake.issuer_config()], now=clock, clock=clock)
        app = AuthInfoMiddleware(
            requires(permission="posts:write")(ok), verifier=verifier, on_invalid="anonymous"
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            signed_out = await client.get("/")
            refused = await client.get("/", headers={"Authorization": "Bearer x.y.z"})
            member = await client.get(
                "/", headers={"Authorization": f"Bearer {fake.token(permissions=['posts:read'])}"}
            )
            writer = await client.get(
                "/", headers={"Authorization": f"Bearer {fake.token(permissions=['posts:write'])}"}
            )
    assert signed_out.status_code == 401 and signed_out.headers["www-authenticate"] == 'Bearer realm="api"'
    assert refused.status_code == 401 and refused.json()["error_code"] == "malformed"
    assert member.status_code == 403
    assert member.headers["www-authenticate"].startswith('Bearer realm="api", error="insufficient_scope"')
    assert 'scope="posts:write"' in member.headers["www-authenticate"]
    assert member.json()["error_code"] == "insufficient_scope"
    assert writer.status_code == 200


async def test_guards_answer_with_the_middlewares_realm(clock: Clock) -> None:
    with FakeIssuer(now=clock) as fake:
        verifier = TokenVerifier([fake.issuer_config()], now=clock, clock=clock)
        app = AuthInfoMiddleware(requires(permission="posts:write")(ok), verifier=verifier, realm="orders")
        pinned = AuthInfoMiddleware(
            requires(permission="posts:write", realm="pinned")(ok), verifier=verifier, realm="orders"
        )
        for wrapped, realm in ((app, "orders"), (pinned, "pinned")):
            transport = httpx.ASGITransport(app=wrapped)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/")
            assert response.headers["www-authenticate"] == f'Bearer realm="{realm}"'


def test_a_misspelt_requirement_is_refused_when_built() -> None:
    with pytest.raises(TypeError, match="unknown requirement \\['permision'\\]"):
        requires(permision="posts:write")  # type: ignore[call-arg]
