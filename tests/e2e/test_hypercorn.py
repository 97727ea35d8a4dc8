"""End to end: a real Hypercorn on 127.0.0.1, JWKS from a real loopback server, HTTP and WebSocket.

The same app and checks as ``test_uvicorn.py``, served by the other common ASGI server; Hypercorn
also implements the WebSocket denial response extension, so a refused handshake is an HTTP 401.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config

from pytest_plugin import FakeIssuer

from .test_uvicorn import (  # the same checks, collected here with this module's Hypercorn `stack`
    protected_by,
    test_http_signed_in_refused_and_anonymous,
    test_websocket_with_and_without_token,
)

__all__ = ["test_http_signed_in_refused_and_anonymous", "test_websocket_with_and_without_token"]


@contextmanager
def running(asgi_app: Any) -> Iterator[str]:
    """Serve ``asgi_app`` with Hypercorn on a free 127.0.0.1 port in a thread; yield its address."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))  # bound here and handed over: no window for another process
    port = listener.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{listener.detach()}"]  # Hypercorn owns the socket from here, and closes it
    config.loglevel = "WARNING"
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    started = threading.Event()

    async def main() -> None:
        async def trigger() -> None:
            started.set()
            await stop.wait()

        await serve(asgi_app, config, shutdown_trigger=trigger)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    started.wait(10)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            threading.Event().wait(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[FakeIssuer, str]]:
    with protected_by(running) as served:
        yield served
