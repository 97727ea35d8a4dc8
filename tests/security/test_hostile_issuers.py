"""Slow, hostile and rotating issuers (issue 17): every finding of the soak run, as behaviour.

Slow issuers are modelled by a JWKS transport held at an ``anyio.Event`` gate, never by sleeping;
time moves only through the injected clock.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from asgi_authinfo import AuthError, AuthInfo, TokenVerifier
from asgi_authinfo._background import Background
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio

START = 1_800_000_000.0
GUARD = 10.0  # a hang fails the test instead of stalling CI; never an assertion on duration


class GatedIssuer:
    """The fake issuer's JWKS and discovery answers, held at ``gate`` while it is closed."""

    def __init__(self, fake: FakeIssuer) -> None:
        self.fake = fake
        self.gate = anyio.Event()
        self.gate.set()
        self.requests: list[httpx.Request] = []
        self.answer: httpx.Response | None = None

    def close_gate(self) -> None:
        self.gate = anyio.Event()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        await self.gate.wait()
        if self.answer is not None:
            return self.answer
        if request.url.path.endswith("openid-configuration"):
            return httpx.Response(200, json=self.fake.discovery)
        return httpx.Response(200, json=self.fake.jwks)

    @property
    def fetches(self) -> int:
        return len(self.requests)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def fake(clock: Clock) -> FakeIssuer:
    return FakeIssuer(now=clock)


@pytest.fixture
def gated(fake: FakeIssuer) -> GatedIssuer:
    return GatedIssuer(fake)


@pytest.fixture
async def verifier(fake: FakeIssuer, gated: GatedIssuer, clock: Clock) -> AsyncIterator[TokenVerifier]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(gated.handle))
    verifier = TokenVerifier(
        [fake.issuer_config(jwks_max_age=60, jwks_cooldown=30, jwks_max_stale=600)],
        client=client,
        now=clock,
        clock=clock,
    )
    yield verifier
    gated.gate.set()
    await verifier.aclose()
    await client.aclose()


async def outcome(verifier: TokenVerifier, token: str) -> AuthInfo | AuthError:
    try:
        with anyio.fail_after(GUARD):
            return await verifier.verify(token)
    except AuthError as error:
        return error


# -- 1. stale keys never make a known-key request wait -----------------------------------------


async def test_stale_keys_serve_every_known_key_request_while_one_background_refresh_runs(
    fake: FakeIssuer, gated: GatedIssuer, verifier: TokenVerifier, clock: Clock
) -> None:
    cached = fake.token(sub="cached")
    known = await verifier.verify(cached)
    gated.close_gate()
    clock.advance(61)  # stale, within max_stale
    for index in range(20):  # each would hang on the closed gate if it waited for the refresh
        assert await outcome(verifier, cached) is known  # served from the token cache
        fresh = await outcome(verifier, fake.token(sub=f"user_{index}"))
        assert isinstance(fresh, AuthInfo)  # an uncached token with a known key: no wait either
    assert len(verifier.background) == 1
    await anyio.wait_all_tasks_blocked()  # the refresh reaches the issuer and hangs at the gate
    assert gated.fetches == 2  # the warm-up, then ONE refresh for all forty requests
    gated.gate.set()
    with anyio.fail_after(GUARD):
        await verifier.background.wait()
    assert len(verifier.background) == 0
    clock.advance(1)
    assert await outcome(verifier, cached) is known
    assert gated.fetches == 2  # fresh again: nothing more to fetch


async def test_past_the_maximum_staleness_requests_wait_for_the_refresh(
    fake: FakeIssuer, gated: GatedIssuer, verifier: TokenVerifier, clock: Clock
) -> None:
    await verifier.verify(fake.token())
    gated.close_gate()
    clock.advance(60 + 600)  # max_age + max_stale: too old to serve without the refresh
    finished: list[str] = []

    async def request() -> None:
        assert isinstance(await outcome(verifier, fake.token()), AuthInfo)
        finished.append("request")

    async with anyio.create_task_group() as group:
        group.start_soon(request)
        await anyio.wait_all_tasks_blocked()  # the request and its refresh wait at the gate
        assert gated.fetches == 2 and finished == []
        finished.append("issuer answered")
        gated.gate.set()
    assert finished == ["issuer answered", "request"]


async def test_aclose_cancels_the_background_refresh_and_none_starts_after_it(
    fake: FakeIssuer, gated: GatedIssuer, verifier: TokenVerifier, clock: Clock
) -> None:
    cached = fake.token()
    known = await verifier.verify(cached)
    gated.close_gate()
    clock.advance(61)
    assert await outcome(verifier, cached) is known
    assert len(verifier.background) == 1
    with anyio.fail_after(GUARD):
        await verifier.aclose()  # the refresh is stalled at the gate: cancelled, not awaited forever
    assert len(verifier.background) == 0
    clock.advance(61)
    assert await outcome(verifier, cached) is known  # still within max_stale: served
    assert len(verifier.background) == 0 and gated.fetches == 2  # but no refresh after shutdown


# -- 2. no decompression bombs -----------------------------------------------------------------


def gzip_bomb(megabytes: int) -> bytes:
    """A few KB of gzip that inflate to ``megabytes`` MB of JSON."""
    document = b'{"keys": [], "padding": "' + b" " * (megabytes * 1024 * 1024) + b'"}'
    return gzip.compress(document, compresslevel=9)


@pytest.mark.parametrize("document", ["jwks", "discovery"])
async def test_a_gzip_bomb_is_refused_without_being_inflated(
    fake: FakeIssuer, gated: GatedIssuer, clock: Clock, document: str
) -> None:
    bomb = gzip_bomb(40)
    assert len(bomb) < 100 * 1024
    gated.answer = httpx.Response(
        200, content=bomb, headers={"content-encoding": "gzip", "content-type": "application/json"}
    )
    jwks_uri = fake.jwks_uri if document == "jwks" else None
    async with httpx.AsyncClient(transport=httpx.MockTransport(gated.handle)) as client:
        verifier = TokenVerifier(
            [fake.issuer_config(jwks_uri=jwks_uri)], client=client, now=clock, clock=clock
        )
        tracemalloc.start()
        try:
            error = await outcome(verifier, fake.token())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        await verifier.aclose()
    assert isinstance(error, AuthError) and error.code == "issuer_unavailable"
    assert error.status == 503
    assert "gzip-encoded; only identity encoding is accepted" in error.description
    assert peak < 5 * 1024 * 1024  # 40 MB were never allocated
    assert all(request.headers["accept-encoding"] == "identity" for request in gated.requests)


# -- 3. unknown kids wait at most a short bound ------------------------------------------------


async def test_an_unknown_kid_waits_at_most_the_bound_then_gets_503_and_one_fetch_per_cooldown(
    fake: FakeIssuer, gated: GatedIssuer, clock: Clock
) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(gated.handle)) as client:
        issuer = fake.issuer_config(jwks_cooldown=30, jwks_unknown_kid_wait=0.01)
        verifier = TokenVerifier([issuer], client=client, now=clock, clock=clock)
        await verifier.verify(fake.token())
        gated.close_gate()
        clock.advance(30)
        for index in range(50):  # a flood of made-up kids while the issuer hangs
            error = await outcome(verifier, fake.token(headers={"kid": f"made-up-{index}"}))
            assert isinstance(error, AuthError)
            assert (error.code, error.status) == ("issuer_unavailable", 503)
            assert isinstance(error, AuthError) and getattr(error, "retry_after", None) == 1
        assert gated.fetches == 2  # one fetch for the whole flood, still stalled at the gate
        gated.gate.set()
        with anyio.fail_after(GUARD):
            await verifier.background.wait()
        clock.advance(1)
        old = fake.token(headers={"kid": "made-up"}, iat=int(START))  # issued before our last fetch
        error = await outcome(verifier, old)
        assert isinstance(error, AuthError) and error.code == "unknown_key"
        assert gated.fetches == 2
        await verifier.aclose()


# -- 4. a key the issuer has just published never signs a user out -----------------------------


async def test_a_token_from_a_just_published_key_is_never_refused_as_unknown(
    fake: FakeIssuer, gated: GatedIssuer, verifier: TokenVerifier, clock: Clock
) -> None:
    await verifier.verify(fake.token())  # keys fetched at START
    clock.advance(2)
    fake.rotate_keys(keep_old=True)  # published 2 s after our fetch, inside the cooldown
    new = fake.token(sub="rotated")  # iat START+2: newer than our copy of the JWKS
    error = await outcome(verifier, new)
    assert isinstance(error, AuthError)
    assert (error.code, error.status) == ("issuer_unavailable", 503)  # retry, not sign in again
    assert getattr(error, "retry_after", None) == 3  # when the failure-backoff window ends
    assert gated.fetches == 1
    clock.advance(3)  # one early refetch per backoff window (5 s), long before the 30 s cooldown
    accepted = await outcome(verifier, new)
    assert isinstance(accepted, AuthInfo) and accepted.subject == "rotated"
    assert gated.fetches == 2


async def test_made_up_kids_cost_one_fetch_per_window_and_old_ones_a_401(
    fake: FakeIssuer, gated: GatedIssuer, verifier: TokenVerifier, clock: Clock
) -> None:
    await verifier.verify(fake.token())
    for second in range(1, 16):
        clock.advance(1)
        for index in range(10):  # fresh iat: might be a new key, so 503 or an early refetch
            error = await outcome(verifier, fake.token(headers={"kid": f"new-{second}-{index}"}))
            assert isinstance(error, AuthError) and error.code in ("issuer_unavailable", "unknown_key")
            assert error.status != 401 or error.code == "unknown_key"
        old = fake.token(headers={"kid": "old"}, iat=int(START) - 60)  # older than our keys
        error = await outcome(verifier, old)
        assert isinstance(error, AuthError) and error.code == "unknown_key"
    assert gated.fetches <= 1 + 15 // 5  # at most one fetch per 5 s backoff window


# -- 5. the token cache's memory accounting is conservative for every claim shape --------------

SHAPES: dict[str, Any] = {
    "many-small-objects": {"groups": [{"i": i} for i in range(400)]},
    "nested-arrays": {"tree": [[[i, i + 1], [str(i)]] for i in range(300)]},
    "long-strings": {"note": "x" * 6000},
    "many-claims": {f"c{i}": i for i in range(500)},
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_the_cache_byte_count_is_at_least_the_memory_its_entries_hold(
    fake: FakeIssuer, gated: GatedIssuer, clock: Clock, shape: str
) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(gated.handle)) as client:
        verifier = TokenVerifier([fake.issuer_config()], client=client, now=clock, clock=clock)
        await verifier.verify(fake.token())
        tokens = [fake.token(sub=f"user_{index}", **SHAPES[shape]) for index in range(40)]
        cache = verifier.token_cache
        assert cache is not None
        counted = cache.estimated_bytes
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            for token in tokens:
                await verifier.verify(token)
            after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(cache) == 41
        held = after - before  # the entries, and the tokens' strings (already held by the test)
        assert cache.estimated_bytes - counted >= held
        await verifier.aclose()


def test_json_document_of_the_bomb_is_what_it_claims() -> None:
    assert json.loads(gzip.decompress(gzip_bomb(1)))["keys"] == []


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_the_background_runs_and_is_cancelled_on_both_backends(anyio_backend: str) -> None:
    background = Background()
    started = anyio.Event()

    async def hang() -> None:
        started.set()
        await anyio.sleep_forever()

    assert background.start(hang)
    with anyio.fail_after(GUARD):
        await started.wait()
        await background.aclose()
    assert len(background) == 0
    assert not background.start(hang)  # nothing starts after shutdown
