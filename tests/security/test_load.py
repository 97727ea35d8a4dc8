"""Load: thousands of requests against the demo app (``examples/demo.py``) under uvicorn on 127.0.0.1
while the issuer rotates keys and its JWKS flaps. Every response must match its token's expected
outcome: no valid request refused, no forged request accepted, no 500. Bounded in count (``TOTAL``)
and time (``DEADLINE``).

Run alone to see the totals: ``pytest tests/security/test_load.py -s``. They are also printed at the
end of every run, so a CI log can be quoted.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from asgi_authinfo import AuthInfoMiddleware, Issuer
from examples.demo import app as demo_app
from pytest_plugin import FakeIssuer, SigningKey

from .conftest import attacker_key
from .forge import assemble, b64, split

pytestmark = pytest.mark.anyio

TOTAL = 6000  # requests, probes not included
DEADLINE = 90.0  # seconds: the run stops here even if TOTAL was not reached
CLIENTS = 4
CONCURRENCY = 32
AUDIENCE = "api://load"
DOWN_MODES = ("500", "slow", "empty", "garbage", "503", "404")
POOL = 24
PHASES = 4  # JWKS-down stretches, each followed by a key rotation

# class -> the outcomes a correct middleware may give it: (status, error_code or "signed_in"/"anonymous")
EXPECTED: Mapping[str, frozenset[tuple[int, str]]] = {
    "valid": frozenset({(200, "signed_in")}),
    "valid_previous_key": frozenset({(200, "signed_in")}),
    "expired": frozenset({(401, "expired")}),
    "wrong_audience": frozenset({(401, "audience_mismatch")}),
    "forged_issuer_kid": frozenset({(401, "bad_signature")}),
    # a kid the issuer never published: refused, or 503 while the JWKS cannot be refreshed
    "forged_unknown_kid": frozenset({(401, "unknown_key"), (503, "issuer_unavailable")}),
    "alg_none": frozenset({(401, "algorithm_not_allowed")}),
    "tampered": frozenset({(401, "bad_signature")}),
    "garbage": frozenset({(400, "invalid_request")}),
    "anonymous": frozenset({(200, "anonymous")}),
    # GET /orders: requires(permission="orders:read") in the demo app
    "orders_permitted": frozenset({(200, "signed_in")}),
    "orders_without_permission": frozenset({(403, "insufficient_scope")}),
    "orders_anonymous": frozenset({(401, "missing_token")}),
}
ORDERS = frozenset({"orders_permitted", "orders_without_permission", "orders_anonymous"})


class FlappingIssuer(FakeIssuer):
    """A FakeIssuer whose JWKS answer fails while ``down`` names a fault."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.down: str | None = None
        self.flaps: Counter[str] = Counter()

    def answer(self, method: str, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, Any] | None]:
        status, body = super().answer(method, path, headers)
        mode = self.down
        if mode is None or not path.endswith("/jwks.json"):
            return status, body
        self.flaps[mode] += 1
        if mode == "slow":  # longer than jwks_timeout: the verifier gives up first
            time.sleep(1.0)
            return status, body
        if mode == "empty":
            return 200, {"keys": []}
        if mode == "garbage":
            return 200, {"keys": "not a list"}
        return int(mode), {"error": "down"}


@contextmanager
def serving(asgi_app: Any) -> Iterator[str]:
    """uvicorn on a free 127.0.0.1 port, in a thread; yields the base URL."""
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it Nagle plus delayed ACKs add 40 ms to every response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(asgi_app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):
        if server.started:
            break
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Pools:
    """Pre-minted tokens per class (signing is the slow part), refreshed when the key rotates."""

    fake: FlappingIssuer
    signing: SigningKey
    rng: random.Random
    tokens: dict[str, list[tuple[str | None, str | None]]] = field(default_factory=dict)
    previous: list[tuple[str | None, str | None]] = field(default_factory=list)

    def mint(self, key: SigningKey) -> None:
        if self.tokens:
            self.previous = self.tokens["valid"][: POOL // 2]
        self.signing = key
        fake = self.fake
        subjects = [f"user_{self.rng.getrandbits(32):08x}" for _ in range(POOL)]
        valid = [(fake.token(key=key, sub=sub), sub) for sub in subjects]
        attacker = attacker_key("RS256")
        self.tokens = {
            "valid": valid,
            "valid_previous_key": self.previous or valid,
            "expired": [(fake.token(key=key, at=time.time() - 2 * fake.lifetime), None) for _ in range(4)],
            "wrong_audience": [(fake.token(key=key, aud="api://other"), None) for _ in range(4)],
            "forged_issuer_kid": [
                (fake.token(key=SigningKey(key.kid, "RS256", attacker.private_key), sub="admin"), None)
                for _ in range(4)
            ],
            "forged_unknown_kid": [
                (fake.token(key=SigningKey(f"kid-{index}", "RS256", attacker.private_key)), None)
                for index in range(POOL)
            ],
            "alg_none": [(assemble({"alg": "none", "kid": key.kid}, fake.default_claims()), None)],
            "tampered": [(tamper(token), None) for token, _ in valid[:4]],
            "garbage": [("not a token!", None), ("a.b.c d", None), ("\u00e9t\u00e9", None)],
            "anonymous": [(None, None)],
            "orders_permitted": [
                (fake.token(key=key, sub=sub, permissions=["orders:read"]), sub) for sub in subjects[:4]
            ],
            "orders_without_permission": valid[:4],
            "orders_anonymous": [(None, None)],
        }

    def pick(self) -> tuple[str, str | None, str | None]:
        kind = self.rng.choice(list(EXPECTED))
        token, sub = self.rng.choice(self.tokens[kind])
        return kind, token, sub


def tamper(token: str) -> str:
    """The same token with ``sub`` changed to admin and the original signature kept."""
    header, _, signature = token.split(".")
    claims = {**split(token)[1], "sub": "admin"}
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def outcome(response: httpx.Response) -> tuple[int, str, str | None]:
    """(status, error code or signed_in/anonymous, the subject the app saw)."""
    body = response.json()
    if response.status_code == 200:
        if response.url.path == "/orders":
            return 200, "signed_in", body["for"]
        return 200, "signed_in" if body.get("user") else "anonymous", body.get("subject")
    if response.status_code == 503:
        assert int(response.headers["retry-after"]) >= 1
    elif response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Bearer ")
    return response.status_code, body.get("error_code", "?"), None


@dataclass
class Tally:
    sent: int = 0
    probes: int = 0
    rotations: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)


async def test_load_with_rotation_and_flapping_jwks(capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20260101)
    fake = FlappingIssuer(audience=AUDIENCE, lifetime=3600)
    tally = Tally()
    started = time.monotonic()
    with fake.serve():
        issuer = Issuer(
            fake.issuer,
            jwks_uri=fake.jwks_uri,
            audience=AUDIENCE,
            jwks_max_age=0.5,  # refetch often, so fetches meet rotations and flaps
            jwks_cooldown=0.2,
            jwks_timeout=0.5,
        )
        protected = AuthInfoMiddleware(demo_app, issuers=[issuer])
        pools = Pools(fake, fake.key, rng)
        pools.mint(fake.key)
        with serving(protected) as base:
            clients = [
                httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=CONCURRENCY // CLIENTS))
                for _ in range(CLIENTS)
            ]
            done = anyio.Event()
            pace: list[tuple[int, anyio.Event]] = []

            async def send(client: httpx.AsyncClient, token: str | None, path: str = "/me") -> httpx.Response:
                headers = {} if token is None else {"authorization": f"Bearer {token}".encode()}
                return await client.get(path, headers=headers)

            async def worker(index: int) -> None:
                client = clients[index % CLIENTS]
                while tally.sent < TOTAL and time.monotonic() - started < DEADLINE:
                    tally.sent += 1
                    for target, reached in pace:
                        if tally.sent >= target:
                            reached.set()
                    kind, token, sub = pools.pick()
                    try:
                        response = await send(client, token, "/orders" if kind in ORDERS else "/me")
                        status, result, seen = outcome(response)
                    except Exception as exc:  # a broken response is a mismatch to report, not a crash
                        tally.mismatches.append(f"{kind} -> {exc!r}")
                        continue
                    tally.by_class[kind] += 1
                    tally.outcomes[f"{kind}: {status} {result}"] += 1
                    if (status, result) not in EXPECTED[kind] or (result == "signed_in" and seen != sub):
                        tally.mismatches.append(f"{kind} -> {status} {result} {seen} {response.text[:200]}")

            async def until_known(key: SigningKey) -> None:
                """Switch signing to a new key only once the middleware verifies it (as issuers do)."""
                probe = fake.token(key=key, sub="user_probe")
                while not done.is_set():
                    tally.probes += 1
                    response = await send(clients[0], probe)
                    if response.status_code == 200:
                        return
                    got = outcome(response)[:2]
                    if got not in {(401, "unknown_key"), (503, "issuer_unavailable")}:
                        tally.mismatches.append(f"probe -> {got}")
                    await anyio.sleep(0.05)

            async def after(count: int) -> None:
                """Until ``count`` more requests have been sent (or the run is over)."""
                pace.append((tally.sent + count, reached := anyio.Event()))
                await reached.wait()

            async def controller() -> None:
                """Paced by requests, not time: the JWKS fails for a stretch of requests (a different
                fault each time), then the key rotates while it is up, and again."""
                for phase in range(PHASES):
                    fake.down = DOWN_MODES[phase % len(DOWN_MODES)]
                    await after(TOTAL // (2 * PHASES + 1))
                    fake.down = None
                    new = fake.rotate_keys(keep_old=True)
                    await until_known(new)
                    pools.mint(new)
                    tally.rotations += 1
                    await after(TOTAL // (2 * PHASES + 1))

            # the service starts while its issuer is up (cold-start faults: test_jwks_faults.py)
            await until_known(fake.key)
            async with anyio.create_task_group() as group:
                group.start_soon(controller)
                async with anyio.create_task_group() as workers:
                    for index in range(CONCURRENCY):
                        workers.start_soon(worker, index)
                done.set()
                group.cancel_scope.cancel()  # the controller may be waiting for requests never sent
            fake.down = None
            for client in clients:
                await client.aclose()
    elapsed = time.monotonic() - started

    with capsys.disabled():
        print(
            f"\n[load] {tally.sent} requests (+{tally.probes} probes) in {elapsed:.1f} s, "
            f"{CONCURRENCY} concurrent over {CLIENTS} clients; {tally.rotations} key rotations; "
            f"JWKS fetches {fake.jwks_fetches}, failed on purpose {fake.flaps.total()} {dict(fake.flaps)}"
        )
        for line, count in sorted(tally.outcomes.items()):
            print(f"[load]   {line}: {count}")
        print(f"[load] mismatches = {len(tally.mismatches)}")
    assert tally.mismatches == [], tally.mismatches[:10]
    assert tally.sent >= min(TOTAL, 1000)
    assert set(tally.by_class) == set(EXPECTED)
    assert fake.flaps.total() > 0 and tally.rotations > 0
