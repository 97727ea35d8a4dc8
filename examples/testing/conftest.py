"""Fixtures of the example suite: the app under test, wired to the plugin's fake issuer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from examples.testing.orders import create_app
from pytest_plugin import FakeIssuer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(fake_issuer: FakeIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the orders API, which trusts the test's fake issuer."""
    app = create_app(issuers=[fake_issuer.issuer_config()])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://orders.test"
    ) as client:
        yield client
