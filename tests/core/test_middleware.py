"""AuthInfoMiddleware over HTTP, WebSocket and lifespan: outcomes users see (status, headers, body)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from asgi_authinfo import (
    ANONYMOUS_USER,
    AuthInfo,
    AuthInfoMiddleware,
    Cookie,
    Issuer,
    NoAuthInfo,
    QueryParam,
    TokenVerifier,
    User,
    get_auth,
)
from asgi_authinfo._token_sources import BearerHeader
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio

seen: list[dict[str, Any]] = []


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    """Answers with what the middleware put in the scope."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    auth = get_auth(scope)
    seen.append(scope)
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps(auth.to_dict())})
        await send({"type": "websocket.close", "code": 1000})
        return
    body = json.dumps({"auth": auth.to_dict(), "user": scope["user"].display_name}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeIssuer]:
    with FakeIssuer(audience="api://orders", now=clock) as issuer:
        yield issuer


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def middleware(fake: FakeIssuer, clock: Clock, **options: Any) -> AuthInfoMiddleware:
    verifier = TokenVerifier([fake.issuer_config()], now=clock, clock=clock)
    return AuthInfoMiddleware(echo_app, verifier=verifier, **options)


async def test_signed_in_request_fills_scope(fake: FakeIssuer, clock: Clock) -> None:
    async with client_for(middleware(fake, clock)) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {fake.token(name='Ada')}"})
    assert response.status_code == 200
    body = response.json()
    assert body["auth"]["subject"] == "user_01FAKE0000000000000000000"
    assert body["auth"]["token_identifier"] == f"{fake.issuer}|user_01FAKE0000000000000000000"
    assert body["user"] == "Ada"
    scope = seen[-1]
    assert isinstance(scope["auth"], AuthInfo)
    assert isinstance(scope["user"], User) and scope["user"].is_authenticated


async def test_no_token_passes_as_no_auth_info(fake: FakeIssuer, clock: Clock) -> None:
    async with client_for(middleware(fake, clock)) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert seen[-1]["auth"] == NoAuthInfo()
    assert seen[-1]["auth"].error is None
    assert seen[-1]["user"] is ANONYMOUS_USER


async def test_refused_token_gets_rfc6750_401(fake: FakeIssuer, clock: Clock) -> None:
    expired = fake.token(exp=int(clock.time) - 240)
    async with client_for(middleware(fake, clock)) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(
        'Bearer realm="api", error="invalid_token", error_description="the token expired 4 min ago'
    )
    assert response.json()["error"] == "invalid_token"
    assert response.json()["error_code"] == "expired"
    assert "expired 4 min ago" in response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"
    assert expired not in response.text and expired not in challenge


async def test_required_without_token_is_401_without_error_code(fake: FakeIssuer, clock: Clock) -> None:
    async with client_for(middleware(fake, clock, required=True, realm="orders")) as client:
        response = await client.get("/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="orders"'


async def test_anonymous_mode_passes_the_refusal_on(fake: FakeIssuer, clock: Clock) -> None:
    async with client_for(middleware(fake, clock, on_invalid="anonymous")) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {fake.token(aud='x')}"})
    assert response.status_code == 200
    auth = seen[-1]["auth"]
    assert isinstance(auth, NoAuthInfo)
    assert auth.error is not None and auth.error.code == "audience_mismatch"
    assert response.json()["auth"]["error"]["code"] == "audience_mismatch"


async def test_anonymous_mode_with_required_still_refuses(fake: FakeIssuer, clock: Clock) -> None:
    async with client_for(middleware(fake, clock, on_invalid="anonymous", required=True)) as client:
        response = await client.get("/", headers={"Authorization": "Bearer a.b.c"})
    assert response.status_code == 401
    assert response.json()["error_code"] == "malformed"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ([("authorization", "Bearer")], 400, "invalid_request"),
        ([("authorization", "Bearer a b")], 400, "invalid_request"),
        ([("authorization", "Bearer a"), ("authorization", "Bearer b")], 400, "invalid_request"),
        ([("authorization", "Basic dXNlcjpwdw==")], 200, None),
        ([("authorization", "bEaReR not-a-jwt")], 401, "malformed"),
    ],
)
async def test_header_parsing(
    fake: FakeIssuer, clock: Clock, headers: list[tuple[str, str]], status: int, code: str | None
) -> None:
    async with client_for(middleware(fake, clock)) as client:
        response = await client.get("/", headers=headers)
    assert response.status_code == status
    if code is not None:
        assert response.json()["error_code"] == code
    if status == 400:
        assert response.headers["www-authenticate"].startswith('Bearer realm="api", error="invalid_request"')


async def test_cookie_source_and_conflicting_tokens(fake: FakeIssuer, clock: Clock) -> None:
    app = middleware(fake, clock, token_sources=[BearerHeader(), Cookie("__session")])
    token = fake.token()
    async with client_for(app) as client:
        ok = await client.get("/", headers={"Cookie": f"theme=dark; __session={token}"})
        same = await client.get(
            "/", headers={"Cookie": f"__session={token}", "Authorization": f"Bearer {token}"}
        )
        other = fake.token(sub="someone-else")
        clash = await client.get(
            "/", headers={"Cookie": f"__session={other}", "Authorization": f"Bearer {token}"}
        )
    assert ok.status_code == 200 and ok.json()["auth"]["subject"]
    assert same.status_code == 200
    assert clash.status_code == 400 and clash.json()["error_code"] == "conflicting_tokens"


async def test_issuer_down_without_keys_is_503(clock: Clock) -> None:
    fake = FakeIssuer("https://down.example", now=clock)
    down = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(502)))
    verifier = TokenVerifier([fake.issuer_config()], client=down, now=clock, clock=clock)
    async with client_for(AuthInfoMiddleware(echo_app, verifier=verifier)) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {fake.token()}"})
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["error_code"] == "issuer_unavailable"


async def test_nothing_leaks_between_requests(fake: FakeIssuer, clock: Clock) -> None:
    async with client_for(middleware(fake, clock)) as client:
        await client.get("/", headers={"Authorization": f"Bearer {fake.token(sub='first')}"})
        await client.get("/")
    assert seen[-2]["auth"].subject == "first"
    assert seen[-1]["auth"].user is None


async def run_websocket(app: Any, scope_extra: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    inbox = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0) if inbox else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b"", **scope_extra}
    await app(scope, receive, send)
    return sent


async def test_websocket_signed_in_and_refused(fake: FakeIssuer, clock: Clock) -> None:
    app = middleware(fake, clock, token_sources=[BearerHeader(), QueryParam("access_token")])
    token = fake.token()
    accepted = await run_websocket(app, {"query_string": f"access_token={token}".encode()})
    assert accepted[0]["type"] == "websocket.accept"
    assert json.loads(accepted[1]["text"])["subject"] == "user_01FAKE0000000000000000000"

    refused = await run_websocket(app, {"headers": [(b"authorization", b"Bearer a.b.c")]})
    assert refused == [
        {"type": "websocket.close", "code": 1008, "reason": refused[0]["reason"]},
    ]
    assert refused[0]["reason"].startswith("malformed:")


async def test_websocket_denial_response_extension(fake: FakeIssuer, clock: Clock) -> None:
    app = middleware(fake, clock, required=True)
    sent = await run_websocket(app, {"extensions": {"websocket.http.response": {}}})
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 401
    assert sent[1]["type"] == "websocket.http.response.body"


async def test_query_param_is_ignored_on_http(fake: FakeIssuer, clock: Clock) -> None:
    app = middleware(fake, clock, token_sources=[BearerHeader(), QueryParam("access_token")])
    async with client_for(app) as client:
        response = await client.get("/", params={"access_token": fake.token()})
    assert response.status_code == 200
    assert response.json()["auth"]["user"] is None


async def test_lifespan_passes_through_and_closes_owned_client() -> None:
    app = AuthInfoMiddleware(echo_app, issuers=[Issuer("https://issuer.example")])
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert app.verifier.client.is_closed


async def test_given_client_is_not_closed(clock: Clock) -> None:
    async with httpx.AsyncClient() as client:
        app = AuthInfoMiddleware(echo_app, issuers=Issuer("https://issuer.example"), client=client)
        await app.verifier.aclose()
        assert not client.is_closed


def test_configuration_is_validated() -> None:
    with pytest.raises(ValueError, match="either issuers"):
        AuthInfoMiddleware(echo_app)
    with pytest.raises(ValueError, match="on_invalid"):
        AuthInfoMiddleware(echo_app, issuers=[Issuer("https://a.example")], on_invalid="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="token_sources"):
        AuthInfoMiddleware(echo_app, issuers=[Issuer("https://a.example")], token_sources=[])


async def test_asgi2_apps_are_wrapped(fake: FakeIssuer, clock: Clock) -> None:
    class Asgi2:
        def __init__(self, scope: Any) -> None:
            self.scope = scope

        async def __call__(self, receive: Any, send: Any) -> None:
            await echo_app(self.scope, receive, send)

    verifier = TokenVerifier([fake.issuer_config()], now=clock, clock=clock)
    async with client_for(AuthInfoMiddleware(Asgi2, verifier=verifier)) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {fake.token()}"})
    assert response.status_code == 200
