"""Clock: frozen until moved; shared by a fake issuer and a verifier it makes expiry testable."""

from __future__ import annotations

import pytest

from asgi_authinfo import AuthError
from pytest_plugin import Clock, FakeIssuer


def test_the_clock_only_moves_when_told() -> None:
    clock = Clock(1_800_000_000)
    assert clock() == clock.time == 1_800_000_000
    assert clock.advance(60) == 1_800_000_060
    assert clock.set(1_700_000_000) == clock() == 1_700_000_000
    assert repr(clock) == "Clock(1700000000.0)"
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


def test_a_fresh_clock_starts_at_the_real_time() -> None:
    import time

    before = time.time()
    assert before <= Clock()() <= time.time()


@pytest.mark.anyio
async def test_a_shared_clock_expires_tokens_without_sleeping() -> None:
    clock = Clock()
    fake = FakeIssuer(now=clock, lifetime=60)
    verifier = fake.verifier()
    token = fake.token()
    await verifier.verify(token)
    clock.advance(60 + fake.issuer_config().leeway)
    with pytest.raises(AuthError) as refused:
        await verifier.verify(token)
    assert refused.value.code == "expired"
