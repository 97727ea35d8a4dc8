"""What every example app must show through a real uvicorn: one class, subclassed per framework.

Each framework module defines a module-scoped ``address`` fixture serving its example app, and a
``TestEndToEnd(EndToEnd)`` class saying what its WebSocket refusals look like.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from pytest_plugin import FakeIssuer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class EndToEnd:
    """Signed in, signed out, refused token, insufficient permission, WebSocket with/without token."""

    websockets: ClassVar[bool] = True
    ws_refusal_status: ClassVar[int] = 401
    """401 when the framework sends an HTTP denial response; 403 when it closes the handshake."""

    def error_code(self, body: Any) -> str:
        """Where the framework's error body carries the stable error code."""
        return str(body["error_code"])

    def test_signed_in(self, address: str, served_issuer: FakeIssuer) -> None:
        token = served_issuer.token(sub="user_e2e", name="Ada Lovelace")
        response = httpx.get(f"http://{address}/me", headers=bearer(token))
        assert response.status_code == 200
        assert response.json() == {"signed_in": True, "user_id": "user_e2e", "name": "Ada Lovelace"}

    def test_signed_out(self, address: str) -> None:
        response = httpx.get(f"http://{address}/me")
        assert response.status_code == 200
        assert response.json() == {"signed_in": False, "user_id": None, "name": None}

    def test_refused_token(self, address: str, served_issuer: FakeIssuer) -> None:
        response = httpx.get(f"http://{address}/me", headers=bearer(served_issuer.token(exp=1)))
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith('Bearer realm="api", error="invalid_token"')
        assert response.json()["error_code"] == "expired"

    def test_requirement_signed_out(self, address: str) -> None:
        response = httpx.post(f"http://{address}/posts")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer realm="api"'
        assert self.error_code(response.json()) == "missing_token"

    def test_insufficient_permission(self, address: str, served_issuer: FakeIssuer) -> None:
        token = served_issuer.token(permissions=["posts:read"])
        response = httpx.post(f"http://{address}/posts", headers=bearer(token))
        assert response.status_code == 403
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="api", error="insufficient_scope"')
        assert challenge.endswith('scope="posts:write"')
        assert self.error_code(response.json()) == "insufficient_scope"

    def test_refusals_are_not_logged_at_error(
        self, address: str, served_issuer: FakeIssuer, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO):
            httpx.post(f"http://{address}/posts")
            httpx.get(f"http://{address}/me", headers=bearer(served_issuer.token(exp=1)))
            httpx.post(f"http://{address}/posts", headers=bearer(served_issuer.token(permissions=["x"])))
        assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []

    def test_permission_granted(self, address: str, served_issuer: FakeIssuer) -> None:
        token = served_issuer.token(sub="user_writer", permissions=["posts:write"])
        response = httpx.post(f"http://{address}/posts", headers=bearer(token))
        assert response.status_code == 201
        assert response.json() == {"author": "user_writer"}

    def test_websocket_with_token(self, address: str, served_issuer: FakeIssuer) -> None:
        if not self.websockets:
            pytest.skip("this framework has no WebSockets")
        token = served_issuer.token(sub="user_ws")
        with connect(f"ws://{address}/ws", additional_headers=bearer(token), open_timeout=5) as ws:
            assert json.loads(ws.recv(timeout=5)) == {"user_id": "user_ws"}

    def test_websocket_without_token(self, address: str) -> None:
        if not self.websockets:
            pytest.skip("this framework has no WebSockets")
        with pytest.raises(InvalidStatus) as refused, connect(f"ws://{address}/ws", open_timeout=5):
            pass
        assert refused.value.response.status_code == self.ws_refusal_status
        if self.ws_refusal_status == 401:
            assert refused.value.response.headers["www-authenticate"] == 'Bearer realm="api"'
            assert refused.value.response.headers["content-type"] == "application/json"
            assert json.loads(refused.value.response.body)["error_code"] == "missing_token"

    def test_websocket_refused_token(self, address: str, served_issuer: FakeIssuer) -> None:
        if not self.websockets:
            pytest.skip("this framework has no WebSockets")
        headers = bearer(served_issuer.token(exp=1))
        with (
            pytest.raises(InvalidStatus) as refused,
            connect(f"ws://{address}/ws", additional_headers=headers, open_timeout=5),
        ):
            pass
        assert refused.value.response.status_code == 401  # the middleware answers before the framework
        assert 'error="invalid_token"' in refused.value.response.headers["www-authenticate"]
