"""JWKS fault injection against a real HTTP server on 127.0.0.1 (``FaultServer``).

For each fault: every request ends within ``jwks_timeout`` (a 10 s guard turns a hang into a
failure, it measures nothing), at most one fetch per backoff window, the last good keys keep
serving, 503 with ``Retry-After`` when there are no keys to check a token with, no token is ever
accepted without a verified signature, and the verifier recovers once the issuer is back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from asgi_authinfo import AuthInfoMiddleware, Issuer, TokenVerifier

from .conftest import AUDIENCE, Clock, Reply, attacker_key, call, echo
from .faults import MODES, FaultServer
from .forge import assemble

pytestmark = pytest.mark.anyio

TIMEOUT = 1.0  # jwks_timeout: small, so stalls cost little, yet roomy for a loaded CI machine
COOLDOWN = 1.0  # jwks_cooldown; the failure backoff is min(cooldown, 5 s)
MAX_AGE = 60.0
GUARD = 10.0
FAULTS = [mode for mode in MODES if mode not in ("ok", "redirect-same-host")]


@dataclass
class Stack:
    fake: Any
    server: FaultServer
    other: FaultServer
    verifier: TokenVerifier
    app: AuthInfoMiddleware
    clock: Clock

    async def get(self, token: str | None) -> Reply:
        headers = [] if token is None else [(b"authorization", f"Bearer {token}".encode())]
        with anyio.fail_after(GUARD):  # a hang fails the test instead of stalling CI
            return await call(self.app, headers)

    def forged(self) -> str:
        """Signed by a key the issuer never published, under the issuer's own kid."""
        return self.fake.token(key=attacker_key("RS256", kid=self.fake.key.kid), sub="admin")

    def unsigned(self) -> str:
        return assemble({"alg": "none", "kid": self.fake.key.kid}, self.fake.default_claims())

    @property
    def fetches(self) -> int:
        return self.server.requests_to("/jwks.json")


@pytest.fixture
def servers(clock: Clock) -> Iterator[tuple[Any, FaultServer, FaultServer]]:
    from pytest_plugin import FakeIssuer

    fake = FakeIssuer("https://faulty-issuer.test", audience=AUDIENCE, now=clock)
    server = FaultServer(lambda: fake.jwks)
    other = FaultServer(lambda: fake.jwks)
    with server.running(), other.running():
        server.redirect_target = other.jwks_uri
        yield fake, server, other


@pytest.fixture
async def stack(servers: tuple[Any, FaultServer, FaultServer], clock: Clock) -> AsyncIterator[Stack]:
    fake, server, other = servers
    issuer = Issuer(
        fake.issuer,
        jwks_uri=server.jwks_uri,
        audience=AUDIENCE,
        jwks_timeout=TIMEOUT,
        jwks_cooldown=COOLDOWN,
        jwks_max_age=MAX_AGE,
    )
    verifier = TokenVerifier([issuer], now=clock, clock=clock)
    yield Stack(fake, server, other, verifier, AuthInfoMiddleware(echo, verifier=verifier), clock)
    await verifier.aclose()


def assert_unavailable(reply: Reply) -> None:
    assert (reply.status, reply.body["error_code"]) == (503, "issuer_unavailable")
    assert int(reply.headers["retry-after"]) >= 1
    assert "www-authenticate" not in reply.headers  # our failure, not the caller's credentials


@pytest.mark.parametrize("mode", FAULTS)
async def test_cold_start_fault_answers_503_then_recovers(stack: Stack, mode: str) -> None:
    stack.server.mode = mode
    for token in (stack.fake.token(), stack.forged()):
        assert_unavailable(await stack.get(token))
    attempts = stack.fetches
    assert 1 <= attempts <= 4  # one fetch (a redirect loop follows at most 3 hops)
    unsigned = await stack.get(stack.unsigned())  # refused from its header: no key needed
    assert (unsigned.status, unsigned.body["error_code"]) == (401, "algorithm_not_allowed")
    for _ in range(20):  # a burst inside the backoff window costs no fetch
        assert_unavailable(await stack.get(stack.fake.token()))
    assert stack.fetches == attempts
    assert (await stack.get(None)).status == 200  # no token: the app still serves anonymous requests
    assert stack.other.requests == []  # a redirect to another host is never followed
    assert stack.server.requests_to("/moved/jwks.json") == 0

    stack.server.mode = "ok"
    stack.clock.advance(COOLDOWN)
    reply = await stack.get(stack.fake.token(sub="user_back"))
    assert (reply.status, reply.body["sub"]) == (200, "user_back")
    forged = await stack.get(stack.forged())
    assert (forged.status, forged.body["error_code"]) == (401, "bad_signature")


@pytest.mark.parametrize("mode", FAULTS)
async def test_warm_fault_keeps_the_last_good_keys(stack: Stack, mode: str) -> None:
    before = stack.fake.token(sub="user_before")
    assert (await stack.get(before)).status == 200
    stack.server.mode = mode
    stack.clock.advance(MAX_AGE)  # the keys are stale: the next request tries to refresh them

    reply = await stack.get(stack.fake.token(sub="user_during"))
    assert (reply.status, reply.body["sub"]) == (200, "user_during")
    with anyio.fail_after(GUARD):
        await stack.verifier.background.wait()  # the refresh runs in the background
    assert stack.fetches >= 2
    forged = await stack.get(stack.forged())
    assert (forged.status, forged.body["error_code"]) == (401, "bad_signature")
    unsigned = await stack.get(stack.unsigned())
    assert unsigned.status == 401
    # the issuer rotated while its JWKS is failing: the new kid cannot be checked yet
    stack.fake.rotate_keys()
    assert_unavailable(await stack.get(stack.fake.token(sub="user_new_key")))
    attempts = stack.fetches
    for _ in range(20):
        assert (await stack.get(before)).status == 200
        assert_unavailable(await stack.get(stack.fake.token()))
    assert stack.fetches == attempts

    stack.server.mode = "ok"
    stack.clock.advance(COOLDOWN)
    reply = await stack.get(stack.fake.token(sub="user_new_key"))
    assert (reply.status, reply.body["sub"]) == (200, "user_new_key")
    assert (await stack.get(before)).status == 200  # the old key is still published


async def test_redirect_on_the_same_host_is_followed(stack: Stack) -> None:
    stack.server.mode = "redirect-same-host"
    reply = await stack.get(stack.fake.token(sub="user_moved"))
    assert (reply.status, reply.body["sub"]) == (200, "user_moved")
    assert stack.server.requests_to("/moved/jwks.json") == 1


async def test_a_stalled_refresh_delays_no_request(
    servers: tuple[Any, FaultServer, FaultServer], clock: Clock
) -> None:
    """With last good keys, no request queues behind a slow refresh, not even the one that found
    the keys stale: the refresh runs in the verifier's background (stale-while-revalidate)."""
    fake, server, _ = servers
    issuer = Issuer(fake.issuer, jwks_uri=server.jwks_uri, audience=AUDIENCE, jwks_timeout=GUARD / 2)
    verifier = TokenVerifier([issuer], now=clock, clock=clock)
    stack = Stack(fake, server, server, verifier, AuthInfoMiddleware(echo, verifier=verifier), clock)
    assert (await stack.get(fake.token())).status == 200
    server.mode = "hang"
    clock.advance(issuer.jwks_max_age)
    finished: list[tuple[str, int]] = []

    async def first() -> None:
        finished.append(("first", (await stack.get(fake.token(sub="user_first"))).status))

    with anyio.fail_after(GUARD):
        async with anyio.create_task_group() as group:
            group.start_soon(first)
            # wait until the refresh has reached the server and is stalled there
            assert await anyio.to_thread.run_sync(server.stall_started.wait, GUARD)
            for _ in range(20):
                finished.append(("other", (await stack.get(fake.token())).status))
            server.unstall()
    assert finished == [("first", 200)] + [("other", 200)] * 20
    await verifier.aclose()


async def test_concurrent_requests_during_a_stall_share_one_fetch(stack: Stack) -> None:
    stack.server.mode = "hang"
    replies: list[Reply] = []

    async def one(token: str) -> None:
        replies.append(await stack.get(token))

    async with anyio.create_task_group() as group:
        for index in range(100):
            group.start_soon(one, stack.fake.token() if index % 2 else stack.forged())
    assert len(replies) == 100
    for reply in replies:
        assert_unavailable(reply)
    assert stack.fetches == 1


async def test_flapping_issuer_never_lets_a_forgery_through(stack: Stack) -> None:
    """Up, down, up, down: valid tokens pass whenever keys are known; forgeries never do."""
    outcomes: dict[str, int] = {}
    for round_ in range(12):
        stack.server.mode = ("ok", "status-500", "reset", "invalid-json")[round_ % 4]
        stack.clock.advance(MAX_AGE if round_ % 3 == 0 else COOLDOWN)
        for token, kind in (
            (stack.fake.token(), "valid"),
            (stack.forged(), "forged"),
            (stack.unsigned(), "none"),
        ):
            reply = await stack.get(token)
            outcomes[f"{kind} {reply.status}"] = outcomes.get(f"{kind} {reply.status}", 0) + 1
    assert set(outcomes) == {"valid 200", "forged 401", "none 401"}, outcomes


# -- discovery ---------------------------------------------------------------------------------------


@pytest.fixture
async def discovered(clock: Clock) -> AsyncIterator[tuple[Any, FaultServer, TokenVerifier]]:
    from pytest_plugin import FakeIssuer

    fake = FakeIssuer("https://placeholder.test", audience=AUDIENCE, now=clock)
    document: dict[str, Any] = {}
    server = FaultServer(lambda: fake.jwks, discovery=lambda: document)
    with server.running():
        # the issuer is the loopback server itself, so discovery happens over real HTTP
        fake = FakeIssuer(server.base, audience=AUDIENCE, now=clock)
        server.jwks = lambda: fake.jwks
        document.update({"issuer": server.base, "jwks_uri": server.jwks_uri})
        issuer = Issuer(server.base, audience=AUDIENCE, jwks_timeout=TIMEOUT, jwks_cooldown=COOLDOWN)
        verifier = TokenVerifier([issuer], now=clock, clock=clock)
        yield fake, server, verifier
        await verifier.aclose()


@pytest.mark.parametrize(
    "fault",
    [
        "status-500",
        "hang",
        "reset",
        "invalid-json",
        "huge-declared",
        "redirect-other-name",
        "wrong-issuer",
        "evil-jwks-uri",
    ],
)
async def test_discovery_faults(
    discovered: tuple[Any, FaultServer, TokenVerifier], clock: Clock, fault: str
) -> None:
    fake, server, verifier = discovered
    app = AuthInfoMiddleware(echo, verifier=verifier)
    good = {"issuer": server.base, "jwks_uri": server.jwks_uri}
    if fault == "wrong-issuer":
        server.discovery = lambda: {**good, "issuer": server.base + "/"}
    elif fault == "evil-jwks-uri":
        server.discovery = lambda: {**good, "jwks_uri": "http://attacker.example/jwks.json"}
    else:
        server.discovery_mode = fault
    with anyio.fail_after(GUARD):
        assert_unavailable(await call(app, [(b"authorization", f"Bearer {fake.token()}".encode())]))
    assert server.requests_to("/jwks.json") == 0
    server.discovery, server.discovery_mode = (lambda: good), "ok"
    clock.advance(COOLDOWN)
    with anyio.fail_after(GUARD):
        reply = await call(app, [(b"authorization", f"Bearer {fake.token(sub='user_found')}".encode())])
    assert (reply.status, reply.body["sub"]) == (200, "user_found")
