"""Fixtures for the core tests: fake issuers per algorithm, a verifier with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from asgi_authinfo import TokenVerifier
from pytest_plugin import Clock, FakeIssuer

ALGORITHMS = ["RS256", "ES256", "EdDSA"]


@pytest.fixture
def clock() -> Clock:
    """A frozen wall clock, also used as the verifier's monotonic clock."""
    return Clock(1_800_000_000.0)


@pytest.fixture(params=ALGORITHMS)
def algorithm(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def issuer(algorithm: str, clock: Clock) -> Iterator[FakeIssuer]:
    """A fake issuer signing with ``algorithm``, answering through respx, on the test clock."""
    with FakeIssuer(algorithm=algorithm, audience="api://orders", now=clock) as fake:
        yield fake


@pytest.fixture
async def verifier(issuer: FakeIssuer, clock: Clock) -> AsyncIterator[TokenVerifier]:
    verifier = TokenVerifier([issuer.issuer_config()], now=clock, clock=clock)
    yield verifier
    await verifier.aclose()
