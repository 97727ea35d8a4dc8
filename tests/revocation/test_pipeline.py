"""Revocation in the rule pipeline: the ``revoked`` rule after mapping, observed like any refusal,
asked again on cache hits, shown by ``inspect``; ``on_verified`` bugs are 500s (real keys)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from asgi_authinfo import AuthInfo, AuthInfoMiddleware, InMemoryRevocations, Outcome, TokenVerifier
from asgi_authinfo._diagnosis import diagnose
from asgi_authinfo._render import render_text
from pytest_plugin import Clock, FakeIssuer

NOW = 1_800_000_000.0
pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def fake(clock: Clock) -> FakeIssuer:
    return FakeIssuer(audience="api://orders", now=clock)


def make_verifier(fake: FakeIssuer, clock: Clock, **options: Any) -> TokenVerifier:
    client = httpx.AsyncClient(transport=fake.transport())
    return TokenVerifier([fake.issuer_config()], client=client, now=clock, clock=clock, **options)


async def test_refusals_are_observed_with_the_kid_and_a_refused_token_is_never_cached(
    fake: FakeIssuer, clock: Clock
) -> None:
    outcomes: list[Outcome] = []
    revocations = InMemoryRevocations(now=clock)
    verifier = make_verifier(fake, clock, revocations=revocations, observer=outcomes.append)
    cache = verifier.token_cache
    assert cache is not None
    cached, fresh = fake.token(sid="sess_1"), fake.token(sid="sess_1")
    await verifier.verify(cached)
    await verifier.verify(cached)  # a cache hit
    revocations.revoke(sid="sess_1")
    for token in (cached, fresh, fresh):  # a cache hit, then a new token twice
        with pytest.raises(Exception, match="signed out"):
            await verifier.verify(token)
    assert len(cache) == 1  # only the token verified before the revocation
    kid = outcomes[0].kid
    assert kid is not None
    assert [(o.code, o.kid, o.status) for o in outcomes] == [
        (None, kid, 200),
        (None, kid, 200),
        *[("revoked", kid, 401)] * 3,
    ]
    await verifier.aclose()


async def test_inspect_shows_the_revoked_rule_after_mapping(fake: FakeIssuer, clock: Clock) -> None:
    hooked: list[str] = []

    async def hook(auth: AuthInfo) -> None:
        hooked.append(auth.subject)

    revocations = InMemoryRevocations(now=clock)
    verifier = make_verifier(fake, clock, revocations=revocations, on_verified=hook)
    token = fake.token(sid="sess_1")
    accepted = await diagnose(verifier, token)
    rows = [(c.name, c.status) for c in accepted.checks if c.name != "dpop"]  # dpop: a request's step
    assert rows[-2:] == [("mapping", "passed"), ("revoked", "passed")]
    assert accepted.accepted
    revocations.revoke(sid="sess_1")
    refused = await diagnose(verifier, token)
    row = next(c for c in refused.checks if c.name == "revoked")
    assert row.status == "failed" and row.code == "revoked" and not refused.accepted
    assert refused.error is not None and refused.error.code == "revoked"
    assert "  FAIL  revoked" in render_text(refused)
    elsewhere = await diagnose(verifier, fake.token(sid="sess_2", aud="api://other"))
    assert [(c.name, c.status) for c in elsewhere.checks if c.name != "dpop"][-2:] == [
        ("mapping", "not_reached"),
        ("revoked", "not_reached"),
    ]
    assert hooked == []  # inspect is not a request: on_verified does not run
    plain = make_verifier(fake, clock)
    assert "revoked" not in [c.name for c in (await diagnose(plain, token)).checks]
    await verifier.aclose()
    await plain.aclose()


@pytest.mark.parametrize("bug", [ValueError, TypeError, RuntimeError])
async def test_a_bug_in_on_verified_is_a_500_not_a_refusal(bug: type[Exception]) -> None:
    async def broken(auth: AuthInfo) -> None:
        raise bug("a bug in the hook")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    fake = FakeIssuer(audience="api://orders")
    with fake:
        middleware = AuthInfoMiddleware(app, issuers=[fake.issuer_config()], on_verified=broken)
        transport = httpx.ASGITransport(middleware, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get("/", headers={"Authorization": f"Bearer {fake.token()}"})
        await middleware.verifier.aclose()
    assert answer.status_code == 500
