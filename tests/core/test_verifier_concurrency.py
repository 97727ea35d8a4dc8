"""Many requests at once: one JWKS fetch serves them all, and unknown ``kid`` floods stay bounded."""

from __future__ import annotations

import random
from collections import Counter

import anyio
import httpx
import pytest

from asgi_authinfo import AuthError, TokenVerifier
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio

AUDIENCE = "api://orders"


class GatedJWKS:
    """An httpx transport answering the fake issuer's JWKS only once the test opens the gate."""

    def __init__(self, fake: FakeIssuer) -> None:
        self.fake = fake
        self.gate = anyio.Event()
        self.requests = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        await self.gate.wait()
        return httpx.Response(200, json=self.fake.jwks)


async def test_concurrent_cold_requests_share_one_fetch_even_when_they_arrive_during_it() -> None:
    fake = FakeIssuer(algorithm="EdDSA", audience=AUDIENCE)
    transport = GatedJWKS(fake)
    async with httpx.AsyncClient(transport=httpx.MockTransport(transport)) as client:
        verifier = TokenVerifier([fake.issuer_config()], client=client)
        tokens = [fake.token() for _ in range(200)]
        outcomes: Counter[str] = Counter()

        async def request(token: str) -> None:
            try:
                await verifier.verify(token)
                outcomes["accepted"] += 1
            except AuthError as error:
                outcomes[error.code] += 1

        async with anyio.create_task_group() as group:
            for token in tokens[:100]:
                group.start_soon(request, token)
            await anyio.wait_all_tasks_blocked()  # the fetch is in flight: the event loop is not blocked
            for token in tokens[100:]:
                group.start_soon(request, token)  # these arrive while the fetch is under way
            await anyio.wait_all_tasks_blocked()
            assert outcomes == Counter()
            transport.gate.set()

    assert outcomes == Counter(accepted=200)
    assert transport.requests == 1


async def test_a_flood_of_unknown_kids_costs_at_most_one_fetch_per_cooldown() -> None:
    clock = Clock(1000.0)
    rng = random.Random(7)
    with FakeIssuer(algorithm="EdDSA", audience=AUDIENCE) as fake:
        verifier = TokenVerifier([fake.issuer_config(jwks_cooldown=30)], clock=clock)
        tokens = [fake.token(headers={"kid": f"{rng.getrandbits(64):016x}"}) for _ in range(300)]
        codes: Counter[str] = Counter()
        for token in tokens:  # spread evenly over three 30 s cooldown windows
            try:
                await verifier.verify(token)
            except AuthError as error:
                codes[error.code] += 1
            clock.advance(90 / len(tokens))
        await verifier.aclose()
    assert codes == Counter(unknown_key=300)
    assert fake.jwks_fetches == 3
