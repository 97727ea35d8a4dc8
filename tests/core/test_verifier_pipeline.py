"""The pipeline of named rules: one tuple run by ``verify()`` and by ``inspect``; bugs are 500s."""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import httpx
import pytest

from asgi_authinfo import AuthInfoMiddleware, Issuer, MappedClaims, TokenVerifier, get_auth
from asgi_authinfo._diagnosis import diagnose
from asgi_authinfo._errors import InvalidTokenError
from asgi_authinfo._render import render_text
from asgi_authinfo._rules import RULES, Rule, Token
from pytest_plugin import Clock, FakeIssuer

pytestmark = pytest.mark.anyio


def no_guests(token: Token) -> None:
    """A rule a user might add: refuse tokens whose ``role`` is ``guest``."""
    assert token.parsed is not None and token.issuer is not None
    if token.parsed.claims.get("role") == "guest":
        raise InvalidTokenError(
            "guests may not call this API", code="invalid_claim", issuer=token.issuer.issuer
        )


NO_GUESTS = Rule("no_guests", no_guests, claims=True)


async def test_a_rule_added_to_the_pipeline_runs_in_verify_and_shows_in_inspect(
    issuer: FakeIssuer, clock: Clock
) -> None:
    verifier = TokenVerifier([issuer.issuer_config()], now=clock, clock=clock, rules=(*RULES, NO_GUESTS))
    assert (await verifier.verify(issuer.token(role="admin"))).role == "admin"
    guest = issuer.token(role="guest")
    with pytest.raises(InvalidTokenError, match="guests may not call this API"):
        await verifier.verify(guest)

    refused = await diagnose(verifier, guest)
    (row,) = [check for check in refused.checks if check.name == "no_guests"]
    assert row.status == "failed" and row.explanation == "guests may not call this API"
    assert refused.error is not None and refused.error.description == "guests may not call this API"
    assert "  FAIL  no_guests" in render_text(refused)
    accepted = await diagnose(verifier, issuer.token(role="admin"))
    assert [check.status for check in accepted.checks if check.name == "no_guests"] == ["passed"]
    assert [check.name for check in accepted.checks][-3:] == ["no_guests", "mapping", "dpop"]
    await verifier.aclose()


def test_every_rule_has_its_own_name_and_the_built_in_ones_cannot_be_dropped() -> None:
    names = [rule.name for rule in RULES]
    assert len(set(names)) == len(names)
    assert names == [
        "size", "format", "issuer", "alg", "header", "typ", "key", "signature",
        "sub", "exp", "nbf", "iat", "aud", "azp", "required", "checks",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="missing: signature"):
        TokenVerifier(Issuer("https://a.example"), rules=[rule for rule in RULES if rule.name != "signature"])
    with pytest.raises(ValueError, match="Rule objects"):
        TokenVerifier(Issuer("https://a.example"), rules=(*RULES, no_guests))  # type: ignore[arg-type]


async def show_auth(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(get_auth(scope).subject).encode()})


async def answer(issuer: Issuer, clock: Clock, token: str) -> httpx.Response:
    app = AuthInfoMiddleware(show_auth, verifier=TokenVerifier([issuer], now=clock, clock=clock))
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {token}"})
    await app.verifier.aclose()
    return response


def bug_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "asgi_authinfo" and r.levelno == logging.ERROR]


async def test_a_claim_check_that_crashes_is_a_500_logged_with_issuer_and_rule(
    issuer: FakeIssuer, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression (issue 11): it answered 400 "the request's credentials are unreadable (TypeError)"."""
    config = issuer.issuer_config(claim_checks=[lambda c, i: len(None)])  # type: ignore[arg-type]
    token = issuer.token()
    response = await answer(config, clock, token)
    assert response.status_code == 500
    (record,) = bug_records(caplog)
    message = record.getMessage()
    assert config.issuer in message and "rule `checks`" in message and "TypeError" in message
    assert token not in message and token not in caplog.text


async def test_a_claims_mapper_that_crashes_is_a_500_logged_with_issuer_and_rule(
    issuer: FakeIssuer, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression (issue 11): a mapper bug was a 401 invalid_claim, blaming the client."""

    def broken(claims: Any) -> MappedClaims:
        raise KeyError("org")

    config = issuer.issuer_config(claims=broken)
    token = issuer.token()
    response = await answer(config, clock, token)
    assert response.status_code == 500
    (record,) = bug_records(caplog)
    message = record.getMessage()
    assert config.issuer in message and "rule `mapping`" in message and "KeyError" in message
    assert token not in caplog.text


async def test_a_claim_check_that_refuses_is_still_a_401(issuer: FakeIssuer, clock: Clock) -> None:
    def refuse(claims: Any, name: str) -> None:
        raise InvalidTokenError("not today", code="invalid_claim", issuer=name)

    response = await answer(issuer.issuer_config(claim_checks=[refuse]), clock, issuer.token())
    assert response.status_code == 401 and response.json()["error_description"] == "not today"


async def test_a_crashing_claim_check_never_passes_and_inspect_says_server_error(
    issuer: FakeIssuer, clock: Clock
) -> None:
    config = issuer.issuer_config(claim_checks=[lambda c, i: len(None)])  # type: ignore[arg-type]
    verifier = TokenVerifier([config], now=clock, clock=clock)
    with pytest.raises(TypeError):
        await verifier.verify(issuer.token())
    diagnosis = await diagnose(verifier, issuer.token())
    assert not diagnosis.accepted and diagnosis.error is None
    (row,) = [check for check in diagnosis.checks if check.status == "failed"]
    assert row.name == "checks" and diagnosis.bug is not None and "raised TypeError" in diagnosis.bug
    assert "result     SERVER ERROR: rule `checks` raised TypeError" in render_text(diagnosis)
    await verifier.aclose()


class Undecodable:
    """A token source whose client bytes do not decode: the one place a decoding error is the client's."""

    def token(self, scope: Any) -> str | None:
        return urllib.parse.unquote_to_bytes(scope["query_string"]).decode("ascii")


async def test_unreadable_credentials_in_the_token_source_are_still_a_400(issuer: FakeIssuer) -> None:
    app = AuthInfoMiddleware(show_auth, issuers=[issuer.issuer_config()], token_sources=[Undecodable()])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as client:
        response = await client.get("/?%FF")
    await app.verifier.aclose()
    assert response.status_code == 400
    assert "credentials are unreadable (UnicodeDecodeError)" in response.json()["error_description"]
