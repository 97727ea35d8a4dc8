"""End to end: a real uvicorn on 127.0.0.1, JWKS from a real loopback server, HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from websockets.exceptions import InvalidStatus

from asgi_authinfo import AuthInfoMiddleware, BearerHeader, QueryParam, get_auth
from pytest_plugin import FakeIssuer


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    auth = get_auth(scope)
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps({"user_id": auth.user_id})})
        await send({"type": "websocket.close", "code": 1000})
        return
    body = json.dumps({"user_id": auth.user_id, "signed_in": auth.is_signed_in}).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


@contextmanager
def running(asgi_app: Any) -> Iterator[str]:
    """Serve ``asgi_app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL."""
    sock = socket.socket(
        socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )  # IPPROTO_TCP: asyncio sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(asgi_app, log_level="warning", lifespan="on", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def protected_by(serve: Callable[[Any], AbstractContextManager[str]]) -> Iterator[tuple[FakeIssuer, str]]:
    """``app`` behind the middleware (header and query tokens) served by ``serve``, with its issuer."""
    fake = FakeIssuer(audience="api://e2e")
    with fake.serve():
        protected = AuthInfoMiddleware(
            app,
            issuers=[fake.issuer_config()],
            token_sources=[BearerHeader(), QueryParam("access_token")],
        )
        with serve(protected) as address:
            yield fake, address


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[FakeIssuer, str]]:
    with protected_by(running) as served:
        yield served


def test_http_signed_in_refused_and_anonymous(stack: tuple[FakeIssuer, str]) -> None:
    fake, address = stack
    with httpx.Client(base_url=f"http://{address}") as client:
        ok = client.get("/", headers={"Authorization": f"Bearer {fake.token(sub='user_e2e')}"})
        expired = client.get("/", headers={"Authorization": f"Bearer {fake.token(exp=1)}"})
        anonymous = client.get("/")
    assert ok.status_code == 200 and ok.json() == {"user_id": "user_e2e", "signed_in": True}
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    assert expired.json()["error_code"] == "expired"
    assert anonymous.status_code == 200 and anonymous.json() == {"user_id": None, "signed_in": False}
    assert fake.jwks_fetches == 1


def test_websocket_with_and_without_token(stack: tuple[FakeIssuer, str]) -> None:
    fake, address = stack

    async def talk(url: str, **options: Any) -> Any:
        async with websockets.connect(url, **options) as ws:
            return json.loads(await ws.recv())

    token = fake.token(sub="user_ws")
    by_query = asyncio.run(talk(f"ws://{address}/ws?access_token={token}"))
    by_header = asyncio.run(
        talk(f"ws://{address}/ws", additional_headers={"Authorization": f"Bearer {token}"})
    )
    anonymous = asyncio.run(talk(f"ws://{address}/ws"))
    assert by_query == by_header == {"user_id": "user_ws"}
    assert anonymous == {"user_id": None}
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(talk(f"ws://{address}/ws?access_token={fake.token(exp=1)}"))
    assert refused.value.response.status_code == 401  # uvicorn supports the HTTP denial extension
