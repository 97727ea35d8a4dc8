"""``assert_refused`` / ``assert_signed_in`` over HTTP (httpx, Starlette's TestClient) and WebSockets
(token in a header, a cookie or the query string; denied with an HTTP answer or a close)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from asgi_authinfo import AuthInfoMiddleware, BearerHeader, Cookie, Issuer, QueryParam, get_auth
from asgi_authinfo.contrib.starlette import require
from pytest_plugin import FakeIssuer, SignedInUser, assert_refused, assert_signed_in


@require(permission="posts:write")
async def write(request: Request) -> JSONResponse:
    return JSONResponse({"user": get_auth(request).user_id})


async def me(request: Request) -> JSONResponse:
    return JSONResponse({"user": get_auth(request).user_id})


async def live(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": get_auth(websocket).user_id})
    await websocket.close()


def app_for(fake: FakeIssuer) -> Any:
    routes = [Route("/me", me), Route("/posts", write, methods=["POST"]), WebSocketRoute("/live", live)]
    app = Starlette(routes=routes)
    return AuthInfoMiddleware(
        app,
        issuers=[fake.issuer_config()],
        required=True,
        token_sources=(BearerHeader(), Cookie(), QueryParam()),
    )


@pytest.fixture
def client(fake_issuer: FakeIssuer) -> TestClient:
    return TestClient(app_for(fake_issuer))


def test_http_with_starlette_testclient(client: TestClient, signed_in_user: SignedInUser) -> None:
    assert_signed_in(client.get("/me", headers=signed_in_user.headers))
    body = assert_refused(client.get("/me"), "missing_token", status=401)
    assert body["error"] == "unauthorized"  # RFC 6750 §3.1: no error code when no token was sent
    assert_refused(client.post("/posts", headers=signed_in_user.headers), "insufficient_scope", status=403)


@pytest.mark.anyio
async def test_http_with_httpx(fake_issuer: FakeIssuer, signed_in_user: SignedInUser) -> None:
    transport = httpx.ASGITransport(app=app_for(fake_issuer))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert_signed_in(await client.get("/me", headers=signed_in_user.headers))
        assert_refused(await client.get("/me", headers={"Authorization": "Bearer x.y.z"}), "malformed")


@pytest.mark.parametrize("carrier", ["header", "cookie", "query"])
def test_websocket_token_carriers(client: TestClient, signed_in_user: SignedInUser, carrier: str) -> None:
    if carrier == "header":
        connect = client.websocket_connect("/live", headers=signed_in_user.headers)
    elif carrier == "cookie":
        client.cookies.update(signed_in_user.cookies)
        connect = client.websocket_connect("/live")
    else:
        connect = client.websocket_connect(f"/live?access_token={signed_in_user.token}")
    with connect as websocket:
        assert websocket.receive_json() == {"user": signed_in_user.user_id}


def test_websocket_denials(client: TestClient) -> None:
    with pytest.raises(WebSocketDenialResponse) as denied:
        client.websocket_connect("/live").__enter__()
    assert_refused(denied, "missing_token", status=401)
    closed = WebSocketDisconnect(1008, "token_expired: the token expired 60 s ago")
    body = assert_refused(closed, "token_expired")
    assert body["error_description"] == "the token expired 60 s ago"


def test_helpers_say_what_went_wrong(client: TestClient, signed_in_user: SignedInUser) -> None:
    with pytest.raises(AssertionError, match=r"refused \(401 missing_token\): this route requires"):
        assert_signed_in(client.get("/me"))
    with pytest.raises(AssertionError, match="expected an asgi-authinfo refusal, got HTTP 200"):
        assert_refused(client.get("/me", headers=signed_in_user.headers))
    with pytest.raises(AssertionError, match="expected the refusal 'token_expired', got 'missing_token'"):
        assert_refused(client.get("/me"), "token_expired")


@pytest.mark.fake_issuer(audience="api://other")
def test_a_fake_caused_refusal_names_the_fixture_option(fake_issuer: FakeIssuer) -> None:
    client = TestClient(app_for(fake_issuer))
    token = fake_issuer.token(aud="api://orders")
    hint = r"audience_mismatch.*\(in tests: .*fake_issuer\(audience=\.\.\.\)"
    with pytest.raises(AssertionError, match=hint) as failed:
        assert_signed_in(client.get("/me", headers={"Authorization": f"Bearer {token}"}))
    assert "\n  hint:" not in str(failed.value)  # the response carries it: said once
    body = client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert "@pytest.mark.fake_issuer(audience=...)" in body["error_description"]


def test_the_helpers_add_the_hint_when_the_response_lacks_it(fake_issuer: FakeIssuer) -> None:
    # an app trusting the fake through a plain Issuer: its refusals carry no hint, the helpers do
    plain = Issuer(fake_issuer.issuer, jwks=fake_issuer.jwks, audience="api://other")
    client = TestClient(AuthInfoMiddleware(Starlette(routes=[Route("/me", me)]), issuers=[plain]))
    response = client.get("/me", headers={"Authorization": f"Bearer {fake_issuer.token(aud='api://orders')}"})
    assert "pytest" not in response.json()["error_description"]
    with pytest.raises(AssertionError, match=r"\n  hint: .*fake_issuer\(audience=\.\.\.\)"):
        assert_signed_in(response)


def test_a_forgotten_marker_says_the_default_user_has_no_permissions(
    client: TestClient, signed_in_user: SignedInUser
) -> None:
    with pytest.raises(AssertionError, match=r"default signed-in user has no roles or permissions"):
        assert_signed_in(client.post("/posts", headers=signed_in_user.headers))
