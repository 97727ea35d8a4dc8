"""asgi-authinfo benchmarks: everything measured in ONE run, so the ratios compare like with like.

    python benchmarks/run.py            # full run (about two minutes on 2 cores)
    python benchmarks/run.py --quick    # fewer rounds, smaller batches
    python benchmarks/run.py --profile  # also cProfile the new-token and reused-token paths

Per algorithm (RS256, ES256, EdDSA), in-process, µs per request (best round of several; rounds
interleave the scenarios so machine noise hits them alike; the garbage collector stays on):
(a) cryptography's signature verify alone, (b) PyJWT's ``jwt.decode`` alone, (c) a bare ASGI app,
(d) that app behind Starlette's ``AuthenticationMiddleware`` with a PyJWT backend (keys fetched
beforehand), (d0) the same with one key known in advance (the cheapest hand-roll, the baseline of
the targets), (e) behind ``AuthInfoMiddleware`` with a new token per request, (f) with one token
reused, (f1) reused with a no-op observer set; and the JOSE pieces alone: (p) the strict parse,
(s) ``verify_signature``. Then: requests/s through uvicorn on 127.0.0.1 (bare vs middleware,
reused token), memory per cached token (tracemalloc over 10,000 tokens), 1,000 concurrent cold
requests, and a flood of unknown ``kid``s. Every ratio is taken between rows of the same run.
The markdown report is printed and written to ``benchmarks/results/latest.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import importlib.util
import io
import json
import os
import platform
import pstats
import random
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import _checkout  # noqa: F401 (first: this checkout, not an installed copy)
import cryptography
import httpx
import jwt
import starlette
import uvicorn
from apps import bare_app, no_op_observer, our_app, peer_app, prefetched_client
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from load import LoadResult, run_load

import asgi_authinfo
from asgi_authinfo import AuthError, TokenVerifier
from asgi_authinfo._jose import key_from_jwk, parse, verify_signature
from pytest_plugin import FakeIssuer

LOAD_BEFORE = os.getloadavg()[0]
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ALGORITHMS = ("RS256", "ES256", "EdDSA")
AUDIENCE = "api://orders"
TARGETS = {  # issue 11 ("Core v2"): ratios between rows of one run
    "new_vs_handroll": {"RS256": 0.6, "ES256": 0.8, "EdDSA": 0.8},  # new-token overhead / (d0 - c)
    "new_vs_floor": {"RS256": 2.5},  # new-token overhead / (a)
    "reused_us": 3.0,  # reused-token overhead, µs
    "reused_observed_us": 5.0,  # the same with an observer set, µs
    "cached_token_kb": 3.0,  # memory per cached token (tracemalloc)
    "uvicorn_ratio": 0.90,  # middleware requests/s >= 90 % of bare
}


@dataclass(frozen=True, slots=True)
class Settings:
    rounds: int
    batch: int
    new_tokens: int
    uvicorn_seconds: float
    uvicorn_requests: int
    uvicorn_rounds: int
    cached_tokens: int
    cold_requests: int
    unknown_kids: int


FULL = Settings(15, 2000, 1000, 2.0, 40_000, 9, 10_000, 1000, 10_000)
QUICK = Settings(5, 500, 300, 1.0, 20_000, 3, 2000, 1000, 10_000)


# -- in-process timings -------------------------------------------------------------------


def claims_of_a_session() -> dict[str, Any]:
    """Claims shaped like a WorkOS/Clerk session token (what the apps really receive)."""
    return {
        "email": "ada@example.com",
        "org_id": "org_01HZ000000000000000000000",
        "role": "admin",
        "permissions": ["orders:read", "orders:write"],
        "scope": "openid profile email",
    }


def scope_for(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/orders",
        "raw_path": b"/orders",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"api.example.com"),
            (b"user-agent", b"bench/1.0"),
            (b"accept", b"application/json"),
            (b"authorization", b"Bearer " + token.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


def _check_answer(loop: asyncio.AbstractEventLoop, app: Any, scope: dict[str, Any]) -> None:
    """Each scenario must really answer 200 (a refused token would be a much cheaper 401)."""
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    loop.run_until_complete(app(dict(scope), _receive, send))
    status = sent[0]["status"]
    if status != 200:
        raise SystemExit(f"benchmark app answered {status}: {sent}")


@dataclass
class Scenario:
    """One row of the table: a timed batch (µs per item) and an optional per-round reset."""

    name: str
    run: Callable[[], float]
    reset: Callable[[], None] = lambda: None
    samples: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.samples)


def _timed_sync(call: Callable[[Any], Any], items: list[Any]) -> float:
    start = time.perf_counter_ns()
    for item in items:
        call(item)
    return (time.perf_counter_ns() - start) / len(items) / 1000


def _timed_asgi(loop: asyncio.AbstractEventLoop, app: Any, scopes: list[dict[str, Any]]) -> float:
    async def batch() -> int:
        start = time.perf_counter_ns()
        for scope in scopes:
            await app(dict(scope), _receive, _send)
        return time.perf_counter_ns() - start

    return loop.run_until_complete(batch()) / len(scopes) / 1000


def signature_floor(alg: str, public_key: Any) -> Callable[[Any], Any]:
    """cryptography's verify for ``alg`` on the parsed token, nothing else."""
    if alg == "RS256":
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
        return lambda p: public_key.verify(p.signature, p.signing_input, pkcs1, sha256)
    if alg == "ES256":
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        ecdsa = ec.ECDSA(hashes.SHA256())

        def es256(p: Any) -> None:
            r, s = int.from_bytes(p.signature[:32], "big"), int.from_bytes(p.signature[32:], "big")
            public_key.verify(encode_dss_signature(r, s), p.signing_input, ecdsa)

        return es256
    return lambda p: public_key.verify(p.signature, p.signing_input)


def time_algorithm(alg: str, settings: Settings, loop: asyncio.AbstractEventLoop) -> dict[str, float]:
    fake = FakeIssuer(algorithm=alg, audience=AUDIENCE)
    with fake:
        issuer = fake.issuer_config()
        claims = claims_of_a_session()
        new_tokens = [fake.token(**claims) for _ in range(settings.new_tokens)]
        reused = fake.token(**claims)
        public_key = fake.key.private_key.public_key()
        parsed = parse(reused)

        bare = bare_app
        peer = peer_app(
            prefetched_client(fake.jwks_uri, fake.jwks), algorithm=alg, issuer=fake.issuer, audience=AUDIENCE
        )
        peer_one_key = peer_app(public_key, algorithm=alg, issuer=fake.issuer, audience=AUDIENCE)
        ours = our_app(issuer)
        ours_uncached = our_app(issuer, cache_size=0)
        ours_observed = our_app(issuer, observer=no_op_observer)
        assert ours.verifier.token_cache is not None
        cache = ours.verifier.token_cache
        key = key_from_jwk(fake.key.public_jwk)
        assert key is not None
        for app in (bare, peer, peer_one_key, ours, ours_uncached, ours_observed):
            _check_answer(loop, app, scope_for(reused))  # also fetches the JWKS once, outside timing

        floor = signature_floor(alg, public_key)
        decode_options: dict[str, Any] = {"algorithms": [alg], "audience": AUDIENCE, "issuer": fake.issuer}
        reused_scopes = [scope_for(reused)] * settings.batch
        new_scopes = [scope_for(token) for token in new_tokens]
        reused_scope = scope_for(reused)

        def warm() -> None:
            _check_answer(loop, ours, reused_scope)

        def warm_observed() -> None:
            _check_answer(loop, ours_observed, reused_scope)

        def signature(p: Any) -> None:
            if not verify_signature(p, alg, key):
                raise SystemExit("verify_signature refused the benchmark token")

        n_new = len(new_scopes)
        scenarios = [
            Scenario("a", lambda: _timed_sync(floor, [parsed] * settings.batch)),
            Scenario(
                "b",
                lambda: _timed_sync(lambda t: jwt.decode(t, public_key, **decode_options), new_tokens),
            ),
            Scenario("c", lambda: _timed_asgi(loop, bare, reused_scopes)),
            Scenario("d", lambda: _timed_asgi(loop, peer, new_scopes)),
            Scenario("d0", lambda: _timed_asgi(loop, peer_one_key, new_scopes)),
            Scenario("e", lambda: _timed_asgi(loop, ours, new_scopes), reset=cache.clear),
            Scenario("e0", lambda: _timed_asgi(loop, ours_uncached, new_scopes[: n_new // 2])),
            Scenario("f", lambda: _timed_asgi(loop, ours, reused_scopes), reset=warm),
            Scenario("f1", lambda: _timed_asgi(loop, ours_observed, reused_scopes), reset=warm_observed),
            Scenario("p", lambda: _timed_sync(parse, new_tokens)),
            Scenario("s", lambda: _timed_sync(signature, [parsed] * settings.batch)),
        ]
        for round_ in range(settings.rounds):
            order = scenarios[round_ % len(scenarios) :] + scenarios[: round_ % len(scenarios)]
            for scenario in order:
                scenario.reset()
                gc.collect()  # start each batch clean; the collector stays on, as in a server
                scenario.samples.append(scenario.run())
        hits_ok = cache.hits > 0
        if not hits_ok:
            raise SystemExit("the reused-token scenario never hit the cache")
    return {scenario.name: scenario.best for scenario in scenarios}


# -- profiles -----------------------------------------------------------------------------


def profile_paths(loop: asyncio.AbstractEventLoop) -> str:
    """cProfile of the middleware with new tokens and with one reused token (RS256)."""
    out = io.StringIO()
    with FakeIssuer(algorithm="RS256", audience=AUDIENCE) as fake:
        ours = our_app(fake.issuer_config())
        claims = claims_of_a_session()
        tokens = [fake.token(**claims) for _ in range(1000)]
        _check_answer(loop, ours, scope_for(tokens[0]))
        for title, scopes in (
            ("new token per request (1,000 requests)", [scope_for(t) for t in tokens[1:]]),
            ("one token reused (20,000 requests)", [scope_for(tokens[0])] * 20_000),
        ):
            profiler = cProfile.Profile()
            profiler.enable()
            _timed_asgi(loop, ours, scopes)
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(14)
            lines = [line.replace(str(Path.cwd()) + "/", "") for line in text.getvalue().splitlines()]
            kept = [line for line in lines if line.strip() and not line.startswith(("Ordered", "List"))]
            out.write(f"\n#### cProfile: {title}, sorted by own time\n\n```\n")
            out.write("\n".join(kept[:22]) + "\n```\n")
    return out.getvalue()


# -- memory -------------------------------------------------------------------------------


def memory_with_cached_tokens(count: int, loop: asyncio.AbstractEventLoop) -> dict[str, float]:
    """Retained and peak traced memory for ``count`` tokens in the cache (RS256, session claims)."""
    with FakeIssuer(algorithm="RS256", audience=AUDIENCE) as fake:
        verifier = TokenVerifier([fake.issuer_config()], cache_size=count)
        claims = claims_of_a_session()
        tokens = [fake.token(**claims) for _ in range(count)]
        token_chars = sum(map(len, tokens)) / count
        loop.run_until_complete(verifier.verify(tokens[0]))
        assert verifier.token_cache is not None
        verifier.token_cache.clear()
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]

        async def fill() -> None:
            for token in tokens:
                await verifier.verify(token)

        loop.run_until_complete(fill())
        tokens.clear()  # now only the cache holds them, as in a server
        gc.collect()
        retained, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        cached = len(verifier.token_cache)
        estimate = verifier.token_cache.estimated_bytes
        loop.run_until_complete(verifier.aclose())
    return {
        "tokens": cached,
        "token_chars": token_chars,
        "retained_mb": (retained - before) / 1e6,
        "peak_mb": (peak - before) / 1e6,
        "per_token_kb": (retained - before) / cached / 1e3,
        "estimate_mb": estimate / 1e6,
    }


# -- cold start and unknown kids ----------------------------------------------------------


@contextmanager
def slow_jwks_server(jwks: dict[str, Any], delay: float) -> Iterator[tuple[str, list[float]]]:
    """A JWKS endpoint on 127.0.0.1 that answers after ``delay`` s; yields its URL and hit times."""
    hits: list[float] = []
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(time.perf_counter())
            time.sleep(delay)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def cold_start(count: int, loop: asyncio.AbstractEventLoop, delay: float = 0.2) -> dict[str, Any]:
    """``count`` requests with distinct tokens arrive over the first 50 ms while the JWKS is fetched."""
    fake = FakeIssuer(algorithm="EdDSA", audience=AUDIENCE)
    tokens = [fake.token(**claims_of_a_session()) for _ in range(count)]
    with slow_jwks_server(fake.jwks, delay) as (jwks_uri, hits):
        middleware: Any = our_app(fake.issuer_config(jwks_uri=jwks_uri))
        statuses: Counter[int] = Counter()

        async def request(token: str, at: float) -> None:
            await asyncio.sleep(at)

            async def send(message: Any) -> None:
                if message["type"] == "http.response.start":
                    statuses[message["status"]] += 1

            await middleware(scope_for(token), _receive, send)

        async def main() -> float:
            started = time.perf_counter()
            await asyncio.gather(*(request(t, 0.05 * i / count) for i, t in enumerate(tokens)))
            elapsed = time.perf_counter() - started
            await middleware.verifier.aclose()
            return elapsed

        elapsed = loop.run_until_complete(main())
    return {
        "requests": count,
        "fetches": len(hits),
        "statuses": dict(statuses),
        "delay_ms": delay * 1000,
        "elapsed_ms": elapsed * 1000,
    }


async def _longest_stall(app: Any, token: str) -> float:
    """Run one request beside a 1 ms ticker; the longest extra wait any tick saw, in seconds."""
    gaps: list[float] = []
    statuses: list[int] = []
    done = asyncio.Event()

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def ticker() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            gaps.append(time.perf_counter() - start - 0.001)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    await app(scope_for(token), _receive, send)
    done.set()
    await tick
    if statuses != [200]:
        raise SystemExit(f"a cold request was answered {statuses}")
    return max(gaps)


def loop_stall_during_fetch(loop: asyncio.AbstractEventLoop, delay: float = 0.2) -> dict[str, float]:
    """The longest event-loop stall while one cold request waits for a slow JWKS: ours vs ``PyJWKClient``.

    A 1 ms ticker runs beside one request whose key set must first be fetched from a loopback
    server answering after ``delay``; a stall near ``delay`` means the fetch blocked the loop.
    One unmeasured cold request first loads httpx's connection machinery (a one-time import).
    """
    fake = FakeIssuer(algorithm="RS256", audience=AUDIENCE)
    token = fake.token(**claims_of_a_session())
    results: dict[str, float] = {"delay_ms": delay * 1000}
    with slow_jwks_server(fake.jwks, delay) as (jwks_uri, _):
        warm_up = our_app(fake.issuer_config(jwks_uri=jwks_uri))
        loop.run_until_complete(_longest_stall(warm_up, token))
        ours = our_app(fake.issuer_config(jwks_uri=jwks_uri))
        peer = peer_app(jwt.PyJWKClient(jwks_uri), algorithm="RS256", issuer=fake.issuer, audience=AUDIENCE)
        results["ours_ms"] = loop.run_until_complete(_longest_stall(ours, token)) * 1000
        results["peer_ms"] = loop.run_until_complete(_longest_stall(peer, token)) * 1000
        for app in (warm_up, ours):
            loop.run_until_complete(app.verifier.aclose())
    return results


class SteppedClock:
    """A monotonic clock the benchmark advances itself, to spread requests over cooldown windows."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def unknown_kids(count: int, loop: asyncio.AbstractEventLoop, windows: int = 5) -> dict[str, Any]:
    """``count`` tokens with random unknown ``kid``s spread evenly over ``windows`` cooldowns."""
    with FakeIssuer(algorithm="EdDSA", audience=AUDIENCE) as fake:
        cooldown = 30.0
        clock = SteppedClock()
        verifier = TokenVerifier([fake.issuer_config(jwks_cooldown=cooldown)], clock=clock)
        rng = random.Random(5)
        tokens = [fake.token(headers={"kid": f"{rng.getrandbits(64):016x}"}) for _ in range(count)]
        codes: Counter[str] = Counter()
        step = cooldown * windows / count

        async def flood() -> None:
            for token in tokens:
                try:
                    await verifier.verify(token)
                    codes["accepted"] += 1
                except AuthError as error:
                    codes[error.code] += 1
                clock.value += step

        loop.run_until_complete(flood())
        loop.run_until_complete(verifier.aclose())
        fetches = fake.jwks_fetches
    return {"requests": count, "windows": windows, "fetches": fetches, "codes": dict(codes)}


# -- uvicorn ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Child:
    """A uvicorn child process: where it listens, and how much CPU it has used so far."""

    port: int
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process (Linux ``/proc``; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def uvicorn_child(*args: str) -> Iterator[Child]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    process = subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, str(HERE / "serve.py"), args[0], str(port), *args[1:]],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the uvicorn child did not start") from None
                time.sleep(0.05)
        yield Child(port, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def through_uvicorn(settings: Settings, loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    """Requests/s, bare vs middleware with one reused token, one uvicorn worker each.

    Both servers run side by side (an idle one costs nothing) and are loaded in alternating
    slices, so the pairs compare like with like even when the machine's load drifts. Besides
    wall-clock requests/s, each slice records the server's own CPU time: requests per server
    CPU-second is what one worker sustains on a core of its own, and other jobs on the machine
    barely move it.
    """
    fake = FakeIssuer(algorithm="RS256", audience=AUDIENCE)
    results: dict[str, list[LoadResult]] = {"bare": [], "authinfo": []}
    per_cpu: dict[str, list[float]] = {"bare": [], "authinfo": []}
    with fake.serve():
        token = fake.token(**claims_of_a_session())
        headers = {"authorization": f"Bearer {token}", "accept": "application/json"}
        with (
            uvicorn_child("bare") as bare,
            uvicorn_child("authinfo", fake.issuer, fake.jwks_uri, AUDIENCE, "RS256") as ours,
        ):
            children = {"bare": bare, "authinfo": ours}
            for name, child in children.items():
                # warm up: the first request fetches the JWKS and fills the token cache
                warm = httpx.get(f"http://127.0.0.1:{child.port}/", headers=headers, timeout=10)
                if warm.status_code != 200:
                    raise SystemExit(f"uvicorn {name} answered {warm.status_code}")
                loop.run_until_complete(
                    run_load(child.port, headers=headers, max_requests=500, max_seconds=1)
                )
            for round_ in range(settings.uvicorn_rounds):
                order = list(children) if round_ % 2 == 0 else list(reversed(children))
                for name in order:
                    child = children[name]
                    cpu_before = child.cpu_seconds()
                    result = loop.run_until_complete(
                        run_load(
                            child.port,
                            headers=headers,
                            max_requests=settings.uvicorn_requests,
                            max_seconds=settings.uvicorn_seconds,
                        )
                    )
                    cpu_after = child.cpu_seconds()
                    if result.failures:
                        raise SystemExit(f"{result.failures} requests to uvicorn {name} failed")
                    results[name].append(result)
                    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
                        per_cpu[name].append(result.requests / (cpu_after - cpu_before))
    best = {name: max(r.per_second for r in runs) for name, runs in results.items()}
    pairs = sorted(
        ours.per_second / bare.per_second
        for bare, ours in zip(results["bare"], results["authinfo"], strict=True)
    )
    cpu = {name: sorted(values)[len(values) // 2] for name, values in per_cpu.items() if values}
    return {
        "bare_rps": best["bare"],
        "authinfo_rps": best["authinfo"],
        "best_ratio": best["authinfo"] / best["bare"],
        "ratio": pairs[len(pairs) // 2],
        "pairs": pairs,
        "bare_per_cpu": cpu.get("bare"),
        "authinfo_per_cpu": cpu.get("authinfo"),
        "requests": sum(r.requests for runs in results.values() for r in runs),
    }


# -- report -------------------------------------------------------------------------------


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def report(
    timings: dict[str, dict[str, float]],
    memory: dict[str, float] | None,
    cold: dict[str, Any] | None,
    stall: dict[str, float] | None,
    kids: dict[str, Any] | None,
    served: dict[str, Any] | None,
    profile: str,
    settings: Settings,
    command: str,
) -> tuple[str, bool]:
    algs = list(timings)
    lines = [
        "# asgi-authinfo benchmark",
        "",
        f"`{command}` on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; asgi-authinfo {asgi_authinfo.__version__}, "
        f"PyJWT {jwt.__version__}, cryptography {cryptography.__version__}, "
        f"Starlette {starlette.__version__}, uvicorn {uvicorn.__version__}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average before the run "
        f"{LOAD_BEFORE:.2f}.",
        "",
        f"µs per request, best of {settings.rounds} interleaved rounds, garbage collector on. "
        f"(b), (d), (d0), (e), (e0) and (p) run over {settings.new_tokens} distinct tokens (the token "
        f"cache is emptied before each (e) round); (a), (c), (f), (f1) and (s) over batches of "
        f"{settings.batch}. "
        "Session-shaped claims (email, org, role, 2 permissions, scope).",
        "",
        "| | " + " | ".join(algs) + " |",
        "|---|" + "---:|" * len(algs),
    ]
    rows = [
        ("a", "(a) signature verify alone (cryptography)"),
        ("b", "(b) `jwt.decode` alone (PyJWT)"),
        ("c", "(c) bare ASGI app"),
        ("d", "(d) Starlette `AuthenticationMiddleware` + PyJWT backend (`PyJWKClient`, keys cached)"),
        ("d0", "(d0) same backend with one key known in advance (the hand-roll of the targets)"),
        ("e", "(e) `AuthInfoMiddleware`, new token per request"),
        ("e0", "(e0) same, token cache off (`cache_size=0`)"),
        ("f", "(f) `AuthInfoMiddleware`, one token reused"),
        ("f1", "(f1) same, with a no-op observer set"),
        ("p", "(p) the strict JOSE `parse` alone, new tokens"),
        ("s", "(s) `verify_signature` alone (compare with a)"),
    ]
    for key, title in rows:
        lines.append(f"| {title} | " + " | ".join(f"{timings[a][key]:.1f}" for a in algs) + " |")

    def over(alg: str, key: str) -> float:
        return timings[alg][key] - timings[alg]["c"]

    lines += ["", "Middleware overhead over the bare app (µs per request):", ""]
    lines += ["| | " + " | ".join(algs) + " |", "|---|" + "---:|" * len(algs)]
    for key, title in (
        ("d", "peer (d - c)"),
        ("d0", "hand-roll with a known key (d0 - c)"),
        ("e", "new token (e - c)"),
        ("f", "reused token (f - c)"),
        ("f1", "reused token, observer set (f1 - c)"),
    ):
        lines.append(f"| {title} | " + " | ".join(f"{over(a, key):.1f}" for a in algs) + " |")

    lines += ["", "Targets (ratios from this one run; a cell without a mark is shown for reference):", ""]
    lines += ["| target | " + " | ".join(algs) + " |", "|---|" + "---:|" * len(algs)]
    all_ok = True

    def target_row(title: str, values: dict[str, float], fmt: str, limits: dict[str, float]) -> None:
        """One row of ratios or µs; a cell is checked (lower is better) where ``limits`` has its alg."""
        nonlocal all_ok
        cells = []
        for alg in algs:
            cell = f"{values[alg]:{fmt}}"
            if alg in limits:
                good = values[alg] <= limits[alg]
                all_ok &= good
                cell += f" (≤ {limits[alg]:g}) {_mark(good)}"
            cells.append(cell)
        lines.append(f"| {title} | " + " | ".join(cells) + " |")

    target_row(
        "new-token overhead ÷ hand-roll with a known key (e - c) / (d0 - c)",
        {a: over(a, "e") / over(a, "d0") for a in algs},
        ".2f",
        TARGETS["new_vs_handroll"],
    )
    target_row(
        "new-token overhead ÷ signature verify alone (e - c) / a",
        {a: over(a, "e") / timings[a]["a"] for a in algs},
        ".2f",
        TARGETS["new_vs_floor"],
    )
    target_row(
        "reused-token overhead, µs (f - c)",
        {a: over(a, "f") for a in algs},
        ".1f",
        dict.fromkeys(algs, TARGETS["reused_us"]),
    )
    target_row(
        "reused-token overhead with an observer set, µs (f1 - c)",
        {a: over(a, "f1") for a in algs},
        ".1f",
        dict.fromkeys(algs, TARGETS["reused_observed_us"]),
    )
    target_row(
        "(reference) new-token overhead ÷ `jwt.decode` (e - c) / b",
        {a: over(a, "e") / timings[a]["b"] for a in algs},
        ".2f",
        {},
    )
    target_row(
        "(reference) `PyJWKClient` peer overhead ÷ new-token overhead (d - c) / (e - c)",
        {a: over(a, "d") / over(a, "e") for a in algs},
        ".2f",
        {},
    )
    target_row(
        "(reference) `parse` + `verify_signature` ÷ signature verify alone (p + s) / a",
        {a: (timings[a]["p"] + timings[a]["s"]) / timings[a]["a"] for a in algs},
        ".2f",
        {},
    )
    lines.append("")
    lines.append(
        "The baseline is the strongest peer variant, (d0): Starlette's `AuthenticationMiddleware` with "
        "`jwt.decode` and the key known in advance (no `kid` lookup, no JWKS)."
    )
    if served is not None:
        ok = served["ratio"] >= TARGETS["uvicorn_ratio"]
        all_ok &= ok
        lines += [
            "",
            "### Through uvicorn (one worker each on 127.0.0.1, "
            f"{'httptools' if importlib.util.find_spec('httptools') else 'h11'} + "
            f"{'uvloop' if importlib.util.find_spec('uvloop') else 'asyncio'}; keep-alive load generator "
            "in the benchmark process)",
            "",
            "| app | requests/s |",
            "|---|---:|",
            f"| bare | {served['bare_rps']:,.0f} |",
            f"| `AuthInfoMiddleware`, one RS256 token reused | {served['authinfo_rps']:,.0f} |",
            f"| ratio of the bests | {served['best_ratio']:.1%} |",
            f"| median ratio of back-to-back pairs (target ≥ 90 %) | {served['ratio']:.1%} {_mark(ok)} |",
        ]
        if served["bare_per_cpu"] and served["authinfo_per_cpu"]:
            cpu_ratio = served["authinfo_per_cpu"] / served["bare_per_cpu"]
            lines += [
                f"| bare, requests per server CPU-second (median slice) | {served['bare_per_cpu']:,.0f} |",
                f"| `AuthInfoMiddleware`, per CPU-second | {served['authinfo_per_cpu']:,.0f} |",
                f"| ratio per CPU-second (target ≥ 90 %) | {cpu_ratio:.1%} {_mark(cpu_ratio >= 0.9)} |",
            ]
        lines += [
            "",
            f"Best of {settings.uvicorn_rounds} alternating slices per app, each bounded to "
            f"{settings.uvicorn_requests:,} requests or {settings.uvicorn_seconds:g} s over 8 keep-alive "
            f"connections ({served['requests']:,} requests in all); pair ratios: "
            + ", ".join(f"{ratio:.0%}" for ratio in served["pairs"])
            + ".",
        ]
    if memory is not None:
        ok = memory["per_token_kb"] <= TARGETS["cached_token_kb"]
        all_ok &= ok
        lines += [
            "",
            f"### Memory with {memory['tokens']:,.0f} cached tokens (RS256, "
            f"{memory['token_chars']:.0f}-character session tokens)",
            "",
            f"- per cached token (tracemalloc, retained after `gc.collect()`): "
            f"**{memory['per_token_kb']:.2f} KB** (target ≤ {TARGETS['cached_token_kb']:g} KB) {_mark(ok)}",
            f"- retained by the cache (tokens, `AuthInfo`s, entries): {memory['retained_mb']:.1f} MB; "
            f"traced peak while filling: {memory['peak_mb']:.1f} MB",
            f"- the cache's own estimate (what `cache_max_bytes` bounds): {memory['estimate_mb']:.1f} MB",
        ]
    if cold is not None:
        ok = cold["fetches"] == 1 and set(cold["statuses"]) == {200}
        all_ok &= ok
        lines += [
            "",
            "### Cold start and unknown key ids",
            "",
            f"- {cold['requests']:,} requests with distinct tokens arriving over 50 ms while the JWKS "
            f"(a loopback server answering after {cold['delay_ms']:.0f} ms) is fetched: "
            f"**{cold['fetches']} fetch**, statuses {cold['statuses']} {_mark(ok)}; all answered in "
            f"{cold['elapsed_ms']:.0f} ms.",
        ]
    if stall is not None:
        ok = stall["ours_ms"] < stall["delay_ms"] / 4
        all_ok &= ok
        lines.append(
            f"- Longest event-loop stall while one cold request waits {stall['delay_ms']:.0f} ms for "
            f"the JWKS (1 ms ticker beside it): `AuthInfoMiddleware` {stall['ours_ms']:.1f} ms {_mark(ok)}; "
            f"the `PyJWKClient` peer {stall['peer_ms']:.1f} ms (its fetch blocks the loop)."
        )
    if kids is not None:
        ok = kids["fetches"] <= kids["windows"]
        all_ok &= ok
        lines.append(
            f"- {kids['requests']:,} requests with random unknown `kid`s spread over {kids['windows']} "
            f"cooldown windows (30 s each, injected clock): **{kids['fetches']} JWKS fetches** "
            f"(target ≤ {kids['windows']}) {_mark(ok)}; refusals {kids['codes']}."
        )
    if profile:
        lines += ["", "### Profiles", profile]
    return "\n".join(lines) + "\n", all_ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller batches")
    parser.add_argument("--no-uvicorn", action="store_true", help="skip the uvicorn throughput run")
    parser.add_argument("--profile", action="store_true", help="append cProfile output of both paths")
    parser.add_argument(
        "--output", type=Path, default=RESULTS / "latest.md", help="where to write the report"
    )
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    command = "python benchmarks/run.py" + "".join(
        f" {flag}"
        for flag, on in (
            ("--quick", args.quick),
            ("--no-uvicorn", args.no_uvicorn),
            ("--profile", args.profile),
        )
        if on
    )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    step: Callable[[str], None] = lambda what: print(f"… {what}", file=sys.stderr, flush=True)  # noqa: E731
    timings = {}
    for alg in ALGORITHMS:
        step(f"timing {alg}")
        timings[alg] = time_algorithm(alg, settings, loop)
    served = None
    if not args.no_uvicorn:
        step("uvicorn throughput")
        served = through_uvicorn(settings, loop)
    step("memory")
    memory = memory_with_cached_tokens(settings.cached_tokens, loop)
    step("cold start")
    cold = cold_start(settings.cold_requests, loop)
    stall = loop_stall_during_fetch(loop)
    step("unknown kids")
    kids = unknown_kids(settings.unknown_kids, loop)
    profile = ""
    if args.profile:
        step("profiles")
        profile = profile_paths(loop)
    loop.close()
    text, all_ok = report(timings, memory, cold, stall, kids, served, profile, settings, command)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"written to {args.output}")
    if not all_ok:
        print("some targets were missed (see ❌ above)", file=sys.stderr)


if __name__ == "__main__":
    main()
