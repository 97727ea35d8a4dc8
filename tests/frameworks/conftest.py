"""Shared fixtures: one loopback fake issuer for the whole framework suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_plugin import FakeIssuer

AUDIENCE = "api://frameworks"


@pytest.fixture(scope="session")
def served_issuer() -> Iterator[FakeIssuer]:
    """A fake issuer serving its JWKS over real HTTP on 127.0.0.1, shared by every uvicorn."""
    fake = FakeIssuer(audience=AUDIENCE)
    with fake.serve():
        yield fake
