"""Starlette: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from asgi_authinfo import AuthInfoMiddleware
from asgi_authinfo.contrib.starlette import require
from examples.starlette.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 403  # Starlette's own @requires closes the handshake: uvicorn answers 403


@pytest.fixture
def client(fake_issuer: FakeIssuer) -> Iterator[TestClient]:
    """Starlette's own ``requires`` and ``@require`` on HTTP/WebSocket endpoints, sync and async."""

    @requires("posts:write")
    async def write(request: Request) -> JSONResponse:
        return JSONResponse({"user": request.user.display_name})

    @requires("admin")
    def admin(request: Request) -> JSONResponse:
        return JSONResponse({"admin": True})

    @requires("read:orders")
    async def orders(request: Request) -> JSONResponse:
        return JSONResponse({"scopes": list(request.auth.scopes)})

    @requires("posts:write")
    async def ws_native(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"user_id": websocket.user.identity})
        await websocket.close()

    @require(role="admin")
    def sync_guarded(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    @require()
    async def ws_guarded(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    app = Starlette(
        routes=[
            Route("/write", write),
            Route("/admin", admin),
            Route("/orders", orders),
            Route("/sync", sync_guarded),
            WebSocketRoute("/ws-native", ws_native),
            WebSocketRoute("/ws-guarded", ws_guarded),
        ],
        middleware=[Middleware(AuthInfoMiddleware, issuers=[fake_issuer.issuer_config()])],
    )
    with TestClient(app) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_starlettes_own_requires_reads_permissions_roles_and_scopes(
    client: TestClient, fake_issuer: FakeIssuer
) -> None:
    writer = bearer(fake_issuer.token(name="Wes", permissions=["posts:write"]))
    admin = bearer(fake_issuer.token(roles=["admin"], scope="read:orders openid"))
    assert client.get("/write", headers=writer).json() == {"user": "Wes"}
    assert client.get("/write", headers=admin).status_code == 403
    assert client.get("/write").status_code == 403  # Starlette's requires: 403, no challenge
    assert client.get("/admin", headers=admin).json() == {"admin": True}
    assert client.get("/admin", headers=writer).status_code == 403
    assert client.get("/orders", headers=admin).json() == {"scopes": ["read:orders", "openid"]}


def test_starlettes_own_requires_on_websockets(client: TestClient, fake_issuer: FakeIssuer) -> None:
    token = fake_issuer.token(sub="user_ws", permissions=["posts:write"])
    with client.websocket_connect("/ws-native", headers=bearer(token)) as ws:
        assert ws.receive_json() == {"user_id": "user_ws"}
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws-native"):
        pass


def test_require_answers_rfc6750_on_sync_endpoints_and_websockets(
    client: TestClient, fake_issuer: FakeIssuer
) -> None:
    assert client.get("/sync", headers=bearer(fake_issuer.token(roles=["admin"]))).json() == {"ok": True}
    forbidden = client.get("/sync", headers=bearer(fake_issuer.token()))
    assert forbidden.status_code == 403 and forbidden.json()["error_code"] == "insufficient_scope"
    signed_out = client.get("/sync")
    assert signed_out.status_code == 401 and signed_out.headers["www-authenticate"] == 'Bearer realm="api"'
    with pytest.raises(WebSocketDenialResponse) as refused, client.websocket_connect("/ws-guarded"):
        pass
    assert refused.value.status_code == 401
    assert refused.value.headers["www-authenticate"] == 'Bearer realm="api"'
