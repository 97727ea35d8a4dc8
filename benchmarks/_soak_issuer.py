"""The soak run's issuer: a real HTTP/1.1 server on 127.0.0.1 that misbehaves on demand.

Each route ``/<name>/jwks.json`` has its own mode, so the apps under test can share one issuer
while each sees its own behaviour: ``ok`` answers the JWKS at once, ``slow`` after 10 s,
``trickle`` one byte per 0.5 s, ``bomb`` sends 50 MB of JSON gzipped to ~50 KB (with
``Content-Encoding: gzip``). It runs on the caller's event loop; rotating the ``FakeIssuer``'s
keys changes what every route serves from the next answer on.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from functools import cached_property

from pytest_plugin import FakeIssuer

MODES = ("ok", "slow", "trickle", "bomb")
SLOW_SECONDS = 10.0
TRICKLE_INTERVAL = 0.5


class SoakIssuer:
    """JWKS routes on 127.0.0.1 whose answers are set per route with :meth:`set_mode`."""

    def __init__(self, fake: FakeIssuer) -> None:
        self.fake = fake
        self.modes: dict[str, str] = {}
        self.fetches: dict[str, int] = {}
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @cached_property
    def bomb(self) -> bytes:
        return gzip.compress(b'{"keys": [], "x": "' + b" " * (50 * 1024 * 1024) + b'"}', 9)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()

    def route(self, name: str, mode: str = "ok") -> str:
        """Add route ``name`` in ``mode``; its JWKS URI."""
        self.set_mode(name, mode)
        self.fetches.setdefault(name, 0)
        return f"http://127.0.0.1:{self.port}/{name}/jwks.json"

    def set_mode(self, name: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.modes[name] = mode

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("latin-1")
                name = path.strip("/").split("/", 1)[0]
                if name not in self.modes:
                    writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                    continue
                self.fetches[name] += 1
                await self._answer(writer, self.modes[name])
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, IndexError):
            pass
        except asyncio.CancelledError:  # shutting down: end quietly (asyncio would log a cancelled handler)
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, mode: str) -> None:
        body = json.dumps(self.fake.jwks).encode()
        encoding = b""
        if mode == "bomb":
            body, encoding = self.bomb, b"content-encoding: gzip\r\n"
        if mode == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            + encoding
            + b"content-length: %d\r\n\r\n" % len(body)
        )
        if mode == "trickle":
            for byte in body:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(TRICKLE_INTERVAL)
        else:
            writer.write(body)
        await writer.drain()
