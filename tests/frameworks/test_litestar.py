"""Litestar: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from asgi_authinfo import AuthInfoMiddleware
from asgi_authinfo.contrib.litestar import AuthRequest
from examples.litestar.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd, bearer
from ._server import serving


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 403  # Litestar closes the handshake on a guard's exception: uvicorn answers 403


def test_guard_closes_websocket_handshakes_with_1008(fake_issuer: FakeIssuer) -> None:
    client = TestClient(create_app([fake_issuer.issuer_config()]))
    with client, pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
        pass
    assert refused.value.code == 1008
    assert refused.value.reason.startswith("missing_token: ")


@get("/name")
async def name(request: AuthRequest) -> dict[str, Any]:
    return {"name": request.user.name, "email": request.user.email, "id": request.user.id}


def test_a_signed_out_user_has_the_users_fields_as_none(served_issuer: FakeIssuer) -> None:
    app = AuthInfoMiddleware(Litestar([name]), issuers=[served_issuer.issuer_config()])
    with serving(app) as address:
        signed_out = httpx.get(f"http://{address}/name")
        signed_in = httpx.get(
            f"http://{address}/name", headers=bearer(served_issuer.token(sub="u", name="Ada"))
        )
    assert signed_out.status_code == 200 and signed_out.json() == {"name": None, "email": None, "id": None}
    assert signed_in.json()["name"] == "Ada"
