"""Serving an ASGI app with a real uvicorn on a free 127.0.0.1 port, in a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn


@contextmanager
def serving(app: Any, *, lifespan: Literal["auto", "on", "off"] = "on", **config: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn until the block ends; yield ``host:port`` (``config``: more options)."""
    sock = socket.socket(
        socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )  # IPPROTO_TCP: asyncio sets TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, **{"log_level": "warning", "lifespan": lifespan, "ws": "websockets-sansio", **config}
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    ready = threading.Event()
    while not server.started and thread.is_alive():
        ready.wait(0.01)
    try:
        if not server.started:
            raise RuntimeError("uvicorn did not start")
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
