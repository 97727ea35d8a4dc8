"""Falcon: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from asgi_authinfo import get_auth
from examples.falcon.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd
from ._server import serving
from .test_one_refusal import asgi3


@pytest.fixture(scope="module")
def address(served_issuer: FakeIssuer) -> Iterator[str]:
    with serving(create_app([served_issuer.issuer_config()])) as address:
        yield address


class TestEndToEnd(EndToEnd):
    ws_refusal_status = 401  # the hook closes; the middleware sends it as the denial response


def test_the_refusal_body_is_json_whatever_the_client_accepts(fake_issuer: FakeIssuer) -> None:
    app = create_app([fake_issuer.issuer_config()])
    with TestClient(asgi3(app)) as client:
        response = client.post("/posts", headers={"Accept": "application/xml"})
    assert response.status_code == 401 and response.headers["content-type"] == "application/json"
    assert response.json()["error_code"] == "missing_token"


def test_get_auth_says_what_to_pass_for_falcons_websocket() -> None:
    import asyncio

    import falcon.asgi

    async def socket() -> falcon.asgi.WebSocket:
        options = falcon.asgi.WebSocketOptions()
        return falcon.asgi.WebSocket(
            "2.3",
            {"type": "websocket", "auth": None},
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            options.media_handlers,
            options.max_receive_queue,
            options.default_close_reasons,
        )

    with pytest.raises(TypeError, match=r"on_websocket\(self, req, ws\) -> get_auth\(req\)"):
        get_auth(asyncio.run(socket()))
