"""The one fetch policy behind the JWKS, discovery and userinfo: single flight, cooldown, failure
backoff, stale-if-error. Clocks are injected and fetches gated by events: nothing sleeps."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest

from asgi_authinfo import Issuer, IssuerUnavailableError
from asgi_authinfo._discovery import Discovery
from asgi_authinfo._fetch import FetchError
from asgi_authinfo._fetch_policy import FAILURE_BACKOFF, FetchPolicy, SingleFlight, backoff_for
from pytest_plugin import Clock

pytestmark = pytest.mark.anyio

ISSUER = "https://issuer.example"


class Source:
    """A ``load`` for :class:`FetchPolicy`: answers ``value`` (or raises ``failure``), optionally
    only once the test opens ``gate``; counts calls."""

    def __init__(self, value: Any = "v1") -> None:
        self.value = value
        self.failure: str | None = None
        self.gate: anyio.Event | None = None
        self.arrived = anyio.Event()
        self.calls = 0
        self.previous: list[Any] = []

    async def __call__(self, previous: Any) -> Any:
        self.calls += 1
        self.previous.append(previous)
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise FetchError(self.failure)
        return self.value


def policy(source: Source, clock: Clock, *, backoff: float = 5.0, max_age: float = 60.0) -> FetchPolicy[Any]:
    return FetchPolicy(source, what="test document", clock=clock, backoff=backoff, max_age=max_age)


def test_one_backoff_constant_never_longer_than_the_cooldown() -> None:
    assert FAILURE_BACKOFF == 5.0
    assert backoff_for(30.0) == FAILURE_BACKOFF
    assert backoff_for(1.0) == 1.0


@pytest.mark.parametrize("callers", [2, 100])
async def test_concurrent_callers_share_one_fetch(clock: Clock, callers: int) -> None:
    source = Source()
    source.gate = anyio.Event()
    fetching = policy(source, clock)
    seen: list[Any] = []

    async def one() -> None:
        await fetching.refresh()
        seen.append(fetching.value)

    async with anyio.create_task_group() as group:
        for _ in range(callers):
            group.start_soon(one)
        await source.arrived.wait()
        await anyio.wait_all_tasks_blocked()
        assert fetching.reloading and seen == []
        source.gate.set()
    assert source.calls == 1 and fetching.fetches == 1
    assert seen == ["v1"] * callers
    assert not fetching.reloading


async def test_single_flight_gives_the_result_to_its_caller_and_none_to_those_who_waited() -> None:
    flights: SingleFlight[str] = SingleFlight()
    gate = anyio.Event()
    calls: list[str] = []
    results: list[object] = []

    async def call() -> str:
        calls.append("called")
        await gate.wait()
        return "result"

    async def one(key: str) -> None:
        results.append(await flights.run(key, call))

    async with anyio.create_task_group() as group:
        for key in ("a", "a", "a", "b"):
            group.start_soon(one, key)
        await anyio.wait_all_tasks_blocked()
        assert flights.pending("a") and flights.pending("b") and len(calls) == 2  # one per key
        gate.set()
    assert (results.count("result"), results.count(None)) == (2, 2)
    assert not flights.pending("a") and not flights.pending("b")


async def test_a_failed_or_cancelled_call_releases_those_who_waited() -> None:
    flights: SingleFlight[str] = SingleFlight()
    gate = anyio.Event()

    async def broken() -> str:
        await gate.wait()
        raise RuntimeError("bug")

    async def waiter() -> None:
        assert await flights.run("k", broken) is None

    async def both() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(flights.run, "k", broken)
            await anyio.wait_all_tasks_blocked()
            group.start_soon(waiter)
            await anyio.wait_all_tasks_blocked()
            gate.set()

    with pytest.raises(ExceptionGroup) as caught:
        await both()
    assert caught.group_contains(RuntimeError, match="bug")
    assert not caught.group_contains(AssertionError)  # the waiter was released and passed
    assert not flights.pending("k")

    async with anyio.create_task_group() as group:
        group.start_soon(flights.run, "k", anyio.sleep_forever)
        await anyio.wait_all_tasks_blocked()
        group.cancel_scope.cancel()
    assert not flights.pending("k")
    assert await flights.run("k", _answer) == "again"


async def _answer() -> str:
    return "again"


async def test_a_failure_backs_off_then_retries(clock: Clock) -> None:
    source = Source()
    source.failure = "HTTP 500"
    fetching = policy(source, clock, backoff=5.0)
    await fetching.refresh()
    assert fetching.value is None and fetching.attempts.error == "HTTP 500"
    assert not fetching.may_refresh(0.0)  # even a caller that would never wait is held off
    assert fetching.attempts.retry_after == 5
    clock.advance(3.4)
    assert not fetching.may_refresh(0.0)
    assert fetching.attempts.retry_after == 2
    error = fetching.attempts.unavailable("down", issuer=ISSUER)
    assert isinstance(error, IssuerUnavailableError)
    assert (error.status, error.retry_after, error.issuer) == (503, 2, ISSUER)
    clock.advance(1.6)
    assert fetching.may_refresh(0.0)
    source.failure = None
    await fetching.refresh()
    assert (fetching.value, fetching.attempts.error, source.calls) == ("v1", None, 2)


async def test_cooldown_after_a_success(clock: Clock) -> None:
    source = Source()
    fetching = policy(source, clock, backoff=5.0)
    await fetching.refresh()
    assert not fetching.may_refresh(30.0)
    clock.advance(29.9)
    assert not fetching.may_refresh(30.0)
    assert fetching.may_refresh(5.0)
    clock.advance(0.1)
    assert fetching.may_refresh(30.0)


async def test_stale_if_error_keeps_the_last_good_value(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    source = Source({"keys": 1})
    fetching = policy(source, clock, max_age=60.0)
    assert not fetching.fresh and fetching.fresh_until == float("-inf")
    await fetching.refresh()
    assert fetching.fresh and fetching.fresh_until == clock() + 60.0
    good = fetching.value
    clock.advance(60)
    assert not fetching.fresh
    source.failure = "connection refused"
    with caplog.at_level(logging.WARNING, logger="asgi_authinfo"):
        await fetching.refresh()
    assert fetching.value is good  # served while the source fails
    assert not fetching.fresh  # still stale: the next caller past the backoff tries again
    assert fetching.attempts.failed
    assert "keeping the last good test document: connection refused" in caplog.text
    source.failure = None
    source.value = {"keys": 2}
    clock.advance(5)
    await fetching.refresh()
    assert fetching.value == {"keys": 2} and fetching.fresh
    assert source.previous == [None, good, good]  # ``load`` sees what it may reuse


# -- discovery uses it -------------------------------------------------------------------------------


class DiscoveryServer:
    def __init__(self) -> None:
        self.requests = 0
        self.status = 200
        self.gate: anyio.Event | None = None

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.status != 200:
            return httpx.Response(self.status)
        return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks.json"})


async def test_discovery_is_one_shared_fetch_with_backoff_and_retry_after(clock: Clock) -> None:
    server = DiscoveryServer()
    server.status = 503
    server.gate = anyio.Event()
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
        discovery = Discovery(Issuer(ISSUER, jwks_cooldown=30.0), client=client, clock=clock)
        errors: list[IssuerUnavailableError] = []

        async def one() -> None:
            with pytest.raises(IssuerUnavailableError) as caught:
                await discovery.metadata()
            errors.append(caught.value)

        async with anyio.create_task_group() as group:
            for _ in range(50):
                group.start_soon(one)
            await anyio.wait_all_tasks_blocked()
            server.gate.set()
        assert server.requests == 1 and len(errors) == 50
        assert {error.retry_after for error in errors} == {5}
        assert "could not be discovered" in errors[0].description and "HTTP 503" in errors[0].description
        clock.advance(4)
        with pytest.raises(IssuerUnavailableError) as caught:
            await discovery.metadata()
        assert caught.value.retry_after == 1 and server.requests == 1  # inside the backoff: no fetch
        server.status = 200
        clock.advance(1)
        assert (await discovery.metadata()).jwks_uri == f"{ISSUER}/jwks.json"
        clock.advance(10_000)
        await discovery.metadata()
        assert server.requests == 2  # fetched once, kept
