"""No token in any log: uvicorn's real access log never shows a token, accepted or refused.

uvicorn writes the access line from the scope dict it hands the app; the middleware takes a query
token out of that dict in place once read. ``BearerSubprotocol`` keeps the token out of the URL.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn.config
import websockets
from websockets.exceptions import InvalidStatus

from asgi_authinfo import AuthInfoMiddleware, BearerHeader, BearerSubprotocol, QueryParam, get_auth
from pytest_plugin import FakeIssuer

from ._server import serving


async def echo(scope: Any, receive: Any, send: Any) -> None:
    """Answers with what the app sees of the request: user, query string, raw path, subprotocols."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    seen = {
        "user_id": get_auth(scope).user_id,
        "query_string": scope["query_string"].decode(),
        "raw_path": (scope.get("raw_path") or b"").decode(),
        "subprotocols": scope.get("subprotocols"),
        "headers": [value.decode() for _, value in scope["headers"]],
    }
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps(seen)})
        await send({"type": "websocket.close", "code": 1000})
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


@pytest.fixture
def access_log(tmp_path: Path) -> Path:
    return tmp_path / "uvicorn.log"


@pytest.fixture
def address(served_issuer: FakeIssuer, access_log: Path) -> Iterator[str]:
    """uvicorn with its own logging config, both its loggers writing to a file the test reads.

    uvicorn logs HTTP requests on ``uvicorn.access`` and WebSocket handshakes on ``uvicorn.error``.
    """
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for name in ("default", "access"):
        config["handlers"][name] = {
            "formatter": name,
            "class": "logging.FileHandler",
            "filename": str(access_log),
        }
    app = AuthInfoMiddleware(
        echo,
        issuers=[served_issuer.issuer_config()],
        token_sources=[BearerHeader(), QueryParam("access_token", websocket_only=False), BearerSubprotocol()],
    )
    try:
        with serving(app, log_level="info", access_log=True, log_config=config) as where:
            yield where
    finally:
        for name in ("uvicorn.error", "uvicorn.access"):
            for handler in logging.getLogger(name).handlers:
                handler.close()


async def talk(url: str, **options: Any) -> tuple[dict[str, Any], str | None]:
    async with websockets.connect(url, **options) as ws:
        return json.loads(await ws.recv()), ws.subprotocol


def test_query_tokens_never_reach_the_app_or_the_access_log(
    served_issuer: FakeIssuer, address: str, access_log: Path
) -> None:
    good = served_issuer.token(sub="user_logs")
    expired = served_issuer.token(sub="user_logs", exp=1)
    seen, _ = asyncio.run(talk(f"ws://{address}/ws?page=2&access_token={good}&x=%20y"))
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(talk(f"ws://{address}/ws?access_token={expired}"))
    with httpx.Client(base_url=f"http://{address}") as client:
        over_http = client.get(f"/items?access_token={good}&q=1").json()
        refused_http = client.get(f"/items?access_token={expired}")
    assert seen["user_id"] == "user_logs" and over_http["user_id"] == "user_logs"
    assert seen["query_string"] == "page=2&x=%20y" and over_http["query_string"] == "q=1"
    assert good not in json.dumps([seen, over_http])
    assert refused.value.response.status_code == 401 and refused_http.status_code == 401
    log = access_log.read_text()
    assert '"WebSocket /ws?page=2&x=%20y" [accepted]' in log
    assert '"WebSocket /ws" 401' in log and "GET /items?q=1 HTTP/1.1" in log
    assert "access_token" not in log and good not in log and expired not in log


def test_the_subprotocol_token_is_accepted_with_the_marker_and_hidden(
    served_issuer: FakeIssuer, address: str, access_log: Path
) -> None:
    good = served_issuer.token(sub="user_protocol")
    seen, accepted = asyncio.run(talk(f"ws://{address}/ws", subprotocols=["bearer", good]))  # type: ignore[list-item]
    assert seen["user_id"] == "user_protocol"
    assert accepted == "bearer"  # what a browser requires back, and not the token
    assert seen["subprotocols"] == ["bearer"] and good not in json.dumps(seen)
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(talk(f"ws://{address}/ws", subprotocols=["bearer", served_issuer.token(exp=1)]))  # type: ignore[list-item]
    assert refused.value.response.status_code == 401
    assert good not in access_log.read_text()
