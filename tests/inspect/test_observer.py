"""The observer hook and the log lines: one outcome per token, one INFO line per refusal, key fetches."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import Any

import httpx
import pytest
from inspect_scenarios import AUDIENCE, FAKE, ISSUER, NOW, SCENARIOS, MakeVerifier

from asgi_authinfo import AuthError, AuthInfoMiddleware, Outcome, TokenVerifier
from asgi_authinfo._observer import fingerprint
from pytest_plugin import FakeIssuer

pytestmark = pytest.mark.anyio


def observed(outcomes: list[Outcome], **options: Any) -> TokenVerifier:
    """A verifier trusting the fake issuer (answered through respx), reporting to ``outcomes``."""
    return TokenVerifier(
        [FAKE.issuer_config()], now=lambda: NOW, clock=lambda: 7.0, observer=outcomes.append, **options
    )


@pytest.fixture
def fake() -> Any:
    with FAKE:
        yield FAKE


async def refuse(verifier: TokenVerifier, token: str) -> AuthError:
    with pytest.raises(AuthError) as refused:
        await verifier.verify(token)
    return refused.value


async def test_the_observer_sees_each_acceptance_and_refusal(fake: FakeIssuer) -> None:
    outcomes: list[Outcome] = []
    verifier = observed(outcomes)
    good, expired, stranger = (
        fake.token(),
        fake.token(exp=NOW - 60),
        fake.token(iss="https://elsewhere.example"),
    )
    await verifier.verify(good)
    await refuse(verifier, expired)
    await refuse(verifier, stranger)
    await refuse(verifier, "not-a-token")
    await verifier.aclose()
    assert outcomes == [
        Outcome(True, None, ISSUER, fake.key.kid, 0.0, fingerprint(good), 200),
        Outcome(False, "expired", ISSUER, fake.key.kid, 0.0, fingerprint(expired), 401),
        Outcome(False, "unknown_issuer", None, fake.key.kid, 0.0, fingerprint(stranger), 401),
        Outcome(False, "malformed", None, None, 0.0, fingerprint("not-a-token"), 401),
    ]
    assert [outcome.outcome for outcome in outcomes] == ["accepted", "refused", "refused", "refused"]
    assert fingerprint(good) == hashlib.sha256(good.encode()).hexdigest()[:8]


async def test_unavailable_keys_are_a_503_outcome() -> None:
    outcomes: list[Outcome] = []
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(500)))
    verifier = observed(outcomes, client=client)
    await refuse(verifier, FAKE.token())
    await client.aclose()
    assert outcomes[0].code == "issuer_unavailable" and outcomes[0].status == 503
    assert outcomes[0].issuer == ISSUER


async def test_the_middleware_passes_its_observer_to_its_verifier() -> None:
    outcomes: list[Outcome] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with FakeIssuer(audience=AUDIENCE) as fake:  # the middleware's verifier runs on the real clock
        middleware = AuthInfoMiddleware(app, issuers=[fake.issuer_config()], observer=outcomes.append)
        transport = httpx.ASGITransport(middleware)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            await client.get("/", headers={"Authorization": f"Bearer {fake.token()}"})
            await client.get("/", headers={"Authorization": f"Bearer {fake.token(aud='api://billing')}"})
            await client.get("/")  # no token: nothing to observe
        await middleware.verifier.aclose()
    assert [(outcome.outcome, outcome.code) for outcome in outcomes] == [
        ("accepted", None),
        ("refused", "audience_mismatch"),
    ]
    assert all(outcome.duration >= 0 for outcome in outcomes)


def test_an_observer_belongs_to_the_verifier_when_one_is_given() -> None:
    verifier = TokenVerifier([FAKE.issuer_config()])
    with pytest.raises(ValueError, match="pass observer= to the TokenVerifier"):
        AuthInfoMiddleware(lambda *_: None, verifier=verifier, observer=print)


async def test_a_failing_observer_is_logged_and_changes_nothing(
    fake: FakeIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(outcome: Outcome) -> None:
        raise RuntimeError("metrics backend down")

    verifier = TokenVerifier([fake.issuer_config()], now=lambda: NOW, observer=broken)
    auth = await verifier.verify(fake.token())
    await verifier.aclose()
    assert auth.issuer == ISSUER
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(failures) == 1 and "observer" in failures[0].getMessage()
    assert failures[0].exc_info is not None


async def test_one_info_line_per_refusal_with_code_issuer_kid_and_fingerprint(
    fake: FakeIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="asgi_authinfo")
    verifier = TokenVerifier([fake.issuer_config()], now=lambda: NOW, clock=lambda: 7.0)
    await verifier.verify(fake.token())  # accepted: DEBUG only
    caplog.clear()
    token = fake.token(exp=NOW - 240)
    error = await refuse(verifier, token)
    await verifier.aclose()
    (record,) = caplog.records
    assert record.levelno == logging.INFO and record.name == "asgi_authinfo"
    assert record.getMessage() == (
        f"token refused code=expired issuer={ISSUER} kid='{fake.key.kid}' fingerprint={fingerprint(token)} "
        f"duration_ms=0.0: {error.description}"
    )
    fields = {
        name: getattr(record, name) for name in ("auth_outcome", "auth_code", "auth_issuer", "auth_kid")
    }
    assert fields == {
        "auth_outcome": "refused",
        "auth_code": "expired",
        "auth_issuer": ISSUER,
        "auth_kid": f"'{fake.key.kid}'",
    }
    assert record.token_fingerprint == fingerprint(token)  # type: ignore[attr-defined]


async def test_acceptances_are_logged_at_debug(fake: FakeIssuer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="asgi_authinfo")
    verifier = TokenVerifier([fake.issuer_config()], now=lambda: NOW, clock=lambda: 7.0)
    token = fake.token()
    await verifier.verify(token)
    await verifier.aclose()
    accepted = [record for record in caplog.records if record.getMessage().startswith("token accepted")]
    assert [record.levelno for record in accepted] == [logging.DEBUG]
    assert f"fingerprint={fingerprint(token)}" in accepted[0].getMessage()


async def test_key_fetches_are_logged_with_timings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="asgi_authinfo")
    with FakeIssuer(audience=AUDIENCE, now=lambda: NOW) as fake:
        verifier = TokenVerifier([fake.issuer_config(jwks_uri=None)], now=lambda: NOW)
        await verifier.verify(fake.token())
        broken = TokenVerifier([fake.issuer_config(jwks_uri=fake.jwks_uri + "/gone")], now=lambda: NOW)
        await refuse(broken, fake.token())
        await verifier.aclose()
        await broken.aclose()
    lines = [(record.levelname, record.getMessage()) for record in caplog.records]
    fetched = [message for level, message in lines if level == "INFO" and message.startswith("fetched")]
    assert [message.split(" from ")[0] for message in fetched] == [
        "fetched OIDC discovery document",
        "fetched JWKS",
    ]
    assert all(" ms (" in message and message.endswith(" bytes)") for message in fetched)
    failed = [message for level, message in lines if level == "WARNING"]
    assert len(failed) == 1
    assert failed[0].startswith(f"fetching JWKS from {fake.jwks_uri}/gone failed after ")
    assert failed[0].endswith(" ms: HTTP 404")
    timed = [record for record in caplog.records if hasattr(record, "duration_ms")]
    assert all(record.duration_ms >= 0 for record in timed)  # type: ignore[attr-defined]


async def test_refusal_log_lines_never_hold_the_token(
    make_verifier: MakeVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="asgi_authinfo")
    for scenario in SCENARIOS:
        with contextlib.suppress(AuthError):
            await make_verifier(scenario).verify(scenario.token)
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert messages.count("token refused code=") == sum(1 for s in SCENARIOS if s.code is not None)
    for scenario in SCENARIOS:
        assert scenario.token not in messages
        assert scenario.token.rsplit(".", 1)[-1] not in messages
