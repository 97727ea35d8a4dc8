"""InMemoryRevocations and on_verified through a real TokenVerifier and middleware (real keys)."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import (
    AuthInfo,
    AuthInfoMiddleware,
    InMemoryRevocations,
    InsufficientScopeError,
    InvalidTokenError,
    Outcome,
    RevocationList,
    TokenVerifier,
)
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
    return TokenVerifier(
        [fake.issuer_config()],
        client=httpx.AsyncClient(transport=fake.transport()),
        now=clock,
        clock=clock,
        **options,
    )


async def refused_code(verifier: TokenVerifier, token: str) -> str | None:
    try:
        await verifier.verify(token)
    except Exception as error:
        return str(getattr(error, "code", type(error).__name__))
    return None


async def test_a_revoked_session_is_refused_even_when_its_token_is_cached(
    fake: FakeIssuer, clock: Clock
) -> None:
    outcomes: list[Outcome] = []
    revocations = InMemoryRevocations(now=clock)
    verifier = make_verifier(fake, clock, revocations=revocations, observer=outcomes.append)
    token, other = fake.token(sid="sess_1"), fake.token(sid="sess_2")
    assert await refused_code(verifier, token) is None
    assert await refused_code(verifier, token) is None  # now from the token cache
    revocations.revoke(sid="sess_1")
    with pytest.raises(InvalidTokenError) as refused:
        await verifier.verify(token)
    assert await refused_code(verifier, other) is None
    error = refused.value
    assert (error.status, error.error, error.code) == (401, "invalid_token", "revoked")
    assert error.description == "the session was signed out; sign in again"
    assert "sess_1" not in error.description
    assert [o.code for o in outcomes][-2:] == ["revoked", None]
    await verifier.aclose()


async def test_revoke_by_jti_and_by_subject_issued_before(fake: FakeIssuer, clock: Clock) -> None:
    revocations = InMemoryRevocations(now=clock)
    verifier = make_verifier(fake, clock, revocations=revocations)
    first, second = fake.token(sub="user_1"), fake.token(sub="user_1")
    revocations.revoke(jti=jti_of(first))
    assert await refused_code(verifier, first) == "revoked"
    assert await refused_code(verifier, second) is None
    clock.advance(10)
    revocations.revoke(sub="user_1")  # every token issued before now
    assert await refused_code(verifier, second) == "revoked"
    clock.advance(1)
    fresh = fake.token(sub="user_1")  # signed in again afterwards
    assert await refused_code(verifier, fresh) is None
    assert await refused_code(verifier, fake.token(sub="user_2")) is None
    no_iat = fake.token(sub="user_1", iat=None)
    revocations.revoke(sub="user_1", before=datetime.fromtimestamp(clock() + 1, UTC))
    assert await refused_code(verifier, no_iat) == "revoked"  # when it was issued is unknown
    await verifier.aclose()


def jti_of(token: str) -> str:
    payload = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"])


def test_entries_last_as_long_as_a_token_they_match(clock: Clock) -> None:
    revocations = InMemoryRevocations(max_token_lifetime=3600, now=clock)
    sid = revocations.revoke(sid="s")
    jti = revocations.revoke(jti="j", until=NOW + 60)  # the token's own exp
    sub = revocations.revoke(sub="u", before=NOW - 100)
    assert (sid.until, jti.until, sub.until, sub.before) == (NOW + 3600, NOW + 60, NOW + 3500, NOW - 100)
    assert len(revocations) == 3
    clock.advance(61)
    assert revocations.prune() == 1
    clock.advance(3540)
    assert revocations.prune() == 2
    assert len(revocations) == 0 and list(revocations.entries()) == []


def test_the_latest_subject_revocation_wins(clock: Clock) -> None:
    revocations = InMemoryRevocations(now=clock)
    revocations.revoke(sub="u", before=NOW - 10)
    revocations.revoke(sub="u", before=NOW - 50)
    [entry] = revocations.entries()
    assert entry.before == NOW - 10


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one"),
        ({"sid": "a", "jti": "b"}, "exactly one"),
        ({"sid": ""}, "non-empty"),
        ({"sid": "a", "before": NOW}, "only goes with sub"),
    ],
)
def test_a_revocation_names_exactly_one_thing(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        InMemoryRevocations().revoke(**options)


def test_configuration_is_checked_when_built() -> None:
    with pytest.raises(ValueError, match="max_token_lifetime"):
        InMemoryRevocations(max_token_lifetime=0)
    assert isinstance(InMemoryRevocations(), RevocationList)
    issuers = [FakeIssuer().issuer_config()]
    with pytest.raises(ValueError, match="revocations must be a RevocationList"):
        TokenVerifier(issuers, revocations={"sid": "sess_1"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="on_verified must be an async callable"):
        TokenVerifier(issuers, on_verified="audit")  # type: ignore[arg-type]


@given(iat=st.integers(0, 2 * 10**9), before=st.integers(0, 2 * 10**9))
def test_a_subject_revocation_refuses_exactly_the_tokens_issued_before(iat: int, before: int) -> None:
    revocations = InMemoryRevocations(max_token_lifetime=10**10, now=lambda: 0.0)
    revocations.revoke(sub="u", before=before)
    fake = FakeIssuer(audience=None)
    auth = AuthInfo(user=None, issuer=fake.issuer, subject="u", access_token="t", claims={"iat": iat})  # type: ignore[arg-type]
    assert (revocations.refusal(auth) is not None) == (iat < before)


async def test_on_verified_sees_each_new_token_once_and_can_refuse(fake: FakeIssuer, clock: Clock) -> None:
    seen: list[str] = []

    async def only_active_users(auth: AuthInfo) -> None:
        seen.append(auth.subject)
        if auth.subject == "fired":
            raise InsufficientScopeError("this account is disabled")

    verifier = make_verifier(fake, clock, on_verified=only_active_users)
    token = fake.token(sub="kept")
    assert await refused_code(verifier, token) is None
    assert await refused_code(verifier, token) is None  # a cache hit: not run again
    assert await refused_code(verifier, fake.token(sub="fired")) == "insufficient_scope"
    fired = fake.token(sub="fired")
    assert await refused_code(verifier, fired) == "insufficient_scope"
    assert await refused_code(verifier, fired) == "insufficient_scope"  # a refused token is never cached
    assert seen == ["kept", "fired", "fired", "fired"]
    await verifier.aclose()


async def test_a_failing_on_verified_is_a_logged_server_error(
    fake: FakeIssuer, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(auth: AuthInfo) -> None:
        raise RuntimeError("database down")

    token = fake.token()
    verifier = make_verifier(fake, clock, on_verified=broken)
    with caplog.at_level(logging.ERROR, logger="asgi_authinfo"), pytest.raises(RuntimeError):
        await verifier.verify(token)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert fake.issuer in record.getMessage() and token not in caplog.text
    await verifier.aclose()


async def test_the_middleware_takes_both_and_answers_401_revoked() -> None:
    fake = FakeIssuer(audience="api://orders")  # on the real clock, like the middleware

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    calls: list[str] = []

    async def record(auth: AuthInfo) -> None:
        calls.append(auth.subject)

    revocations = InMemoryRevocations()
    with fake:
        middleware = AuthInfoMiddleware(
            app, issuers=[fake.issuer_config()], revocations=revocations, on_verified=record
        )
        token = fake.token(sid="sess_mw")
        transport = httpx.ASGITransport(middleware)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = {"Authorization": f"Bearer {token}"}
            assert (await client.get("/", headers=headers)).status_code == 204
            revocations.revoke(sid="sess_mw")
            refused = await client.get("/", headers=headers)
        await middleware.verifier.aclose()
    assert refused.status_code == 401 and refused.json()["error_code"] == "revoked"
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert len(calls) == 1
    with pytest.raises(ValueError, match="revocations"):
        AuthInfoMiddleware(app, verifier=fake.verifier(), revocations=revocations)
