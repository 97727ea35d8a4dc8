"""Soak run for slow, hostile and rotating issuers (issue 17): bounded, loopback only.

``python benchmarks/soak.py [--quick]`` prints one table row per scenario: requests/s, p50/p99
latency, peak RSS growth and failures, ours next to a bare app in the same run. The issuer is a
real HTTP server on 127.0.0.1 (slow, trickling, gzip-bombing or rotating on demand); the apps
are driven in-process through ASGI by 16 concurrent clients, so the numbers measure the
middleware, not an HTTP client. Not covered here (see docs/security.md): uvicorn workers.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import _checkout  # noqa: F401 (first: this checkout, not an installed copy)
from apps import bare_app

from asgi_authinfo import AuthInfoMiddleware, Issuer, TokenVerifier
from pytest_plugin import FakeIssuer

CLIENTS = 16


class JWKSServer:
    """A loopback issuer whose JWKS answer is ``ok``, ``slow`` (10 s), ``trickle`` or ``bomb``."""

    def __init__(self, fake: FakeIssuer) -> None:
        self.fake = fake
        self.mode = "ok"
        self.fetches = 0
        self.bomb = gzip.compress(b'{"keys": [], "x": "' + b" " * (50 * 1024 * 1024) + b'"}', 9)
        self.port = 0

    async def start(self) -> None:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks.json"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                self.fetches += 1
                await self._answer(writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter) -> None:
        mode = self.mode
        body = json.dumps(self.fake.jwks).encode()
        encoding = b""
        if mode == "bomb":
            body, encoding = self.bomb, b"content-encoding: gzip\r\n"
        if mode == "slow":
            await asyncio.sleep(10)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            + encoding
            + b"content-length: %d\r\n\r\n" % len(body)
        )
        if mode == "trickle":
            for byte in body:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.5)
        else:
            writer.write(body)
        await writer.drain()


@dataclass
class Row:
    scenario: str
    app: str
    requests: int
    seconds: float
    latencies: list[float]
    failures: dict[int, int]
    rss_growth_kb: int = 0

    def line(self) -> str:
        lat = sorted(self.latencies) or [0.0]
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        failed = ", ".join(f"{status}: {count}" for status, count in sorted(self.failures.items())) or "0"
        return (
            f"{self.scenario:<22} {self.app:<9} {self.requests / self.seconds:>9.0f} "
            f"{p50:>8.2f} {p99:>8.2f} {self.rss_growth_kb / 1024:>8.1f}  {failed}"
        )


async def call(app: Any, token: str | None) -> int:
    headers = [] if token is None else [(b"authorization", b"Bearer " + token.encode())]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(
    scenario: str, name: str, app: Any, tokens: Callable[[int], str | None], seconds: float
) -> Row:
    latencies: list[float] = []
    failures: dict[int, int] = {}
    count = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal count
        index = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await call(app, tokens(index))
            latencies.append(time.perf_counter() - started)
            count += 1
            index += CLIENTS
            if status != 200:
                failures[status] = failures.get(status, 0) + 1
            await asyncio.sleep(0)

    began = time.perf_counter()
    await asyncio.gather(*(client(offset) for offset in range(CLIENTS)))
    return Row(scenario, name, count, time.perf_counter() - began, latencies, failures)


def ours(fake: FakeIssuer, server: JWKSServer, **options: Any) -> tuple[Any, TokenVerifier]:
    issuer = Issuer(
        fake.issuer,
        jwks_uri=server.uri,
        audience=fake.accepted_audience,
        algorithms=[fake.algorithm],
        **options,
    )
    verifier = TokenVerifier([issuer])
    return AuthInfoMiddleware(bare_app, verifier=verifier), verifier


async def main(quick: bool) -> list[Row]:
    seconds = 3.0 if quick else 15.0
    fake = FakeIssuer()
    server = JWKSServer(fake)
    await server.start()
    rows: list[Row] = []
    token = fake.token()

    # gzip bomb first: ru_maxrss only grows, so a later peak would hide this one
    server.mode = "bomb"
    app, verifier = ours(fake, server)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    row = await drive("gzip bomb", "ours", app, lambda _: token, 1.0)
    row.rss_growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    rows.append(row)
    await verifier.aclose()

    server.mode = "ok"
    rows.append(await drive("fresh keys", "bare", bare_app, lambda _: token, seconds))
    app, verifier = ours(fake, server, jwks_max_age=3, jwks_cooldown=1)
    await call(app, token)
    rows.append(await drive("fresh keys", "ours", app, lambda _: token, min(seconds, 2.5)))
    for mode in ("slow", "trickle"):
        app, verifier = ours(fake, server, jwks_max_age=3, jwks_cooldown=1)
        server.mode = "ok"
        await call(app, token)
        server.mode = mode
        await asyncio.sleep(3.2)  # the keys are stale now
        rows.append(await drive(f"{mode} JWKS, stale keys", "ours", app, lambda _: token, seconds))
        await verifier.aclose()
    server.mode = "ok"

    # rotation: the issuer publishes a new key and signs with it at once, 6 s after our fetch
    app, verifier = ours(fake, server)
    current = [fake.token()]
    await call(app, current[0])

    async def rotate() -> None:
        await asyncio.sleep(min(seconds, 6.0) / 2)
        fake.rotate_keys(keep_old=True)
        current[0] = fake.token()

    rotation = asyncio.ensure_future(rotate())
    rows.append(await drive("rotation", "ours", app, lambda _: current[0], min(seconds, 6.0)))
    await rotation
    await verifier.aclose()

    users = [fake.token(sub=f"user_{index}") for index in range(1000)]
    rows.append(await drive("1,000 users", "bare", bare_app, lambda i: users[i % 1000], seconds))
    app, verifier = ours(fake, server)
    for user in users:  # steady state: each user's token was verified once already
        await call(app, user)
    rows.append(await drive("1,000 users", "ours", app, lambda i: users[i % 1000], seconds))
    await verifier.aclose()
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 s per scenario (about 40 s in all)")
    result = asyncio.run(main(parser.parse_args().quick))
    print(f"{'scenario':<22} {'app':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'RSS +MB':>8}  failures")
    for row in result:
        print(row.line())
