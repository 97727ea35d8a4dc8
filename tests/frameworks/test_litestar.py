"""Litestar: the adapter in process, and the example app end to end through uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from examples.litestar.app import create_app
from pytest_plugin import FakeIssuer

from ._end_to_end import EndToEnd
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
