"""The Litestar example, tested in process with the plugin's ``fake_issuer`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from examples.litestar.app import create_app
from pytest_plugin import FakeIssuer


@pytest.fixture
def client(fake_issuer: FakeIssuer) -> Iterator[TestClient]:
    with TestClient(create_app([fake_issuer.issuer_config()])) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me_signed_in_and_out(client: TestClient, fake_issuer: FakeIssuer) -> None:
    token = fake_issuer.token(sub="user_1", name="Ada Lovelace")
    assert client.get("/me", headers=bearer(token)).json() == {
        "signed_in": True,
        "user_id": "user_1",
        "name": "Ada Lovelace",
    }
    assert client.get("/me").json() == {"signed_in": False, "user_id": None, "name": None}


def test_posts_need_the_permission(client: TestClient, fake_issuer: FakeIssuer) -> None:
    writer = fake_issuer.token(sub="user_1", permissions=["posts:write"])
    reader = fake_issuer.token(permissions=["posts:read"])
    assert client.post("/posts", headers=bearer(writer)).json() == {"author": "user_1"}
    response = client.post("/posts", headers=bearer(reader))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert response.json()["error_code"] == "insufficient_scope"
    assert client.post("/posts").status_code == 401


def test_websocket_needs_a_signed_in_user(client: TestClient, fake_issuer: FakeIssuer) -> None:
    with client.websocket_connect("/ws", headers=bearer(fake_issuer.token(sub="user_1"))) as ws:
        assert ws.receive_json() == {"user_id": "user_1"}
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws"):
        pass  # the framework closes the handshake; a server answers it with 403
