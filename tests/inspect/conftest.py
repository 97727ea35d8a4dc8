"""Fixtures for the inspect, observer and logging tests: verifiers on a fixed clock, offline keys."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from inspect_scenarios import FAKE, NOW, MakeVerifier, Scenario

from asgi_authinfo import TokenVerifier


def jwks_transport() -> httpx.MockTransport:
    """Answers every key request with the fake issuer's JWKS, as ``inspect --jwks-file`` does."""
    return httpx.MockTransport(lambda request: httpx.Response(200, json=FAKE.jwks))


@pytest.fixture
async def make_verifier() -> AsyncIterator[MakeVerifier]:
    """A ``TokenVerifier`` for a scenario, on the scenarios' clock, with the JWKS answered offline."""
    client = httpx.AsyncClient(transport=jwks_transport())

    def make(scenario: Scenario) -> TokenVerifier:
        return TokenVerifier(
            scenario.issuers, client=client, now=lambda: NOW, max_token_bytes=scenario.max_token_bytes
        )

    async with client:
        yield make
