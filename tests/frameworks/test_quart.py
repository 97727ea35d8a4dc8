"""Quart: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from quart import Blueprint, Quart, request, websocket
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from asgi_authinfo import AuthInfoMiddleware, get_auth
from asgi_authinfo.contrib.quart import protect, require
from examples.quart.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd, bearer
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 401  # Quart sends the returned refusal as an HTTP denial response


def guards_in_every_order(issuer: Any) -> Quart:
    """``require`` above ``@app.route``, on both sides of it, and ``protect`` on a blueprint."""
    app = Quart(__name__)
    app.asgi_app = AuthInfoMiddleware(app.asgi_app, issuers=[issuer], on_invalid="anonymous")  # type: ignore[method-assign]

    @require(permission="posts:write")
    @app.post("/above")
    async def above() -> tuple[dict[str, Any], int]:
        return {"author": get_auth(request).user_id}, 201

    @require(permission="a")
    @app.post("/around")
    @require(permission="b")
    async def around() -> tuple[dict[str, Any], int]:
        return {"author": get_auth(request).user_id}, 201

    @require()
    @app.websocket("/ws")
    async def feed() -> None:
        await websocket.accept()
        await websocket.send(json.dumps({"user_id": get_auth(websocket).user_id}))

    admin = Blueprint("admin", __name__, url_prefix="/admin")
    protect(admin, role="admin")

    @admin.get("/stats")
    async def stats() -> dict[str, Any]:
        return {"user_id": get_auth(request).user_id}

    app.register_blueprint(admin)
    return app


@pytest.fixture(scope="module")
def any_order(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(guards_in_every_order(served_issuer.issuer_config())) as address:
        yield address


def test_require_above_the_route_still_guards_it(any_order: str, served_issuer: FakeIssuer) -> None:
    base = f"http://{any_order}"
    signed_out = httpx.post(f"{base}/above")
    reader = httpx.post(f"{base}/above", headers=bearer(served_issuer.token(permissions=["posts:read"])))
    writer = httpx.post(
        f"{base}/above", headers=bearer(served_issuer.token(sub="u1", permissions=["posts:write"]))
    )
    assert signed_out.status_code == 401 and signed_out.headers["www-authenticate"] == 'Bearer realm="api"'
    assert signed_out.headers["content-type"] == "application/json"
    assert signed_out.json()["error_code"] == "missing_token"
    assert reader.status_code == 403 and reader.json()["error_code"] == "insufficient_scope"
    assert writer.status_code == 201 and writer.json() == {"author": "u1"}


def test_require_on_both_sides_of_the_route_checks_both(any_order: str, served_issuer: FakeIssuer) -> None:
    base = f"http://{any_order}/around"
    only_a = httpx.post(base, headers=bearer(served_issuer.token(permissions=["a"])))
    only_b = httpx.post(base, headers=bearer(served_issuer.token(permissions=["b"])))
    both = httpx.post(base, headers=bearer(served_issuer.token(permissions=["a", "b"])))
    assert (only_a.status_code, only_b.status_code, both.status_code) == (403, 403, 201)


def test_require_above_a_websocket_route_refuses_the_handshake(
    any_order: str, served_issuer: FakeIssuer
) -> None:
    with pytest.raises(InvalidStatus) as refused, connect(f"ws://{any_order}/ws", open_timeout=5):
        pass
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["www-authenticate"] == 'Bearer realm="api"'
    with connect(
        f"ws://{any_order}/ws", additional_headers=bearer(served_issuer.token(sub="u2")), open_timeout=5
    ) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"user_id": "u2"}


def test_protect_guards_a_whole_blueprint(any_order: str, served_issuer: FakeIssuer) -> None:
    base = f"http://{any_order}/admin/stats"
    assert httpx.get(base).status_code == 401
    assert httpx.get(base, headers=bearer(served_issuer.token())).status_code == 403
    admin = httpx.get(base, headers=bearer(served_issuer.token(sub="boss", roles=["admin"])))
    assert admin.status_code == 200 and admin.json() == {"user_id": "boss"}
