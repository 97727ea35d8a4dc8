"""The asgi-authinfo pytest plugin: a fake issuer with real keys, token factories and fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._fake_issuer import FakeIssuer, RecordedRequest
from ._keys import SigningKey

__all__ = ["FakeIssuer", "RecordedRequest", "SigningKey", "fake_issuer"]


@pytest.fixture
def fake_issuer() -> Iterator[FakeIssuer]:
    """A running fake issuer (RS256) answering its URLs through respx."""
    with FakeIssuer() as issuer:
        yield issuer
