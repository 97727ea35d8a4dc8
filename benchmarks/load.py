"""A small, bounded HTTP/1.1 load generator for loopback only: raw asyncio streams, keep-alive.

It stops at ``max_requests`` or ``max_seconds``, whichever comes first, refuses any host but
127.0.0.1, and checks every answer is a 200. Being cheaper per request than any HTTP client
library keeps the server, not the generator, the bottleneck on a small machine.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    failures: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


async def run_load(
    port: int,
    *,
    headers: dict[str, str],
    connections: int = 8,
    max_requests: int = 20_000,
    max_seconds: float = 5.0,
    host: str = "127.0.0.1",
) -> LoadResult:
    """Send GET / over ``connections`` keep-alive connections until a bound is reached."""
    if host != "127.0.0.1":
        raise ValueError("the load generator only targets 127.0.0.1")
    lines = [f"GET / HTTP/1.1\r\nhost: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    sent = 0
    failures = 0
    deadline = time.perf_counter() + max_seconds

    async def worker() -> None:
        nonlocal sent, failures
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while sent < max_requests and time.perf_counter() < deadline:
                sent += 1
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                if not head.startswith(b"HTTP/1.1 200"):
                    failures += 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return LoadResult(sent, time.perf_counter() - started, failures)
