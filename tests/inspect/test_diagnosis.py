"""The diagnosis behind ``inspect``: same verdict as ``verify()`` and the middleware, each step explained."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from inspect_scenarios import AUDIENCE, BASE, FAKE, ISSUER, NOW, REFUSALS, SCENARIOS, MakeVerifier, Scenario

from asgi_authinfo import AuthInfoMiddleware, Issuer, MappedClaims, NoAuthInfo, TokenVerifier, get_auth
from asgi_authinfo._diagnosis import diagnose
from asgi_authinfo._render import render_json, render_text
from asgi_authinfo._responses import challenge
from pytest_plugin import FakeIssuer

pytestmark = pytest.mark.anyio


async def show_auth(scope: Any, receive: Any, send: Any) -> None:
    body = json.dumps(get_auth(scope).to_dict()).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def middleware_answer(verifier: TokenVerifier, token: str, **options: Any) -> httpx.Response:
    app = AuthInfoMiddleware(show_auth, verifier=verifier, **options)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as client:
        return await client.get("/", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.id for scenario in SCENARIOS])
async def test_diagnosis_says_what_the_middleware_says(
    scenario: Scenario, make_verifier: MakeVerifier
) -> None:
    diagnosis = await diagnose(make_verifier(scenario), scenario.token)
    answer = await middleware_answer(make_verifier(scenario), scenario.token)
    if scenario.code is None:
        assert diagnosis.accepted and diagnosis.error is None
        assert answer.status_code == 200
        assert diagnosis.auth is not None and answer.json() == diagnosis.auth.to_dict()
        assert {check.status for check in diagnosis.checks} <= {"passed", "skipped"}
        return
    error = diagnosis.error
    assert error is not None and error.code == scenario.code
    for phrase in scenario.says:
        assert phrase in error.description
    failed = [check for check in diagnosis.checks if check.status == "failed"]
    assert failed[0].name == scenario.check
    assert failed[0].explanation == error.description and failed[0].code == error.code
    assert answer.status_code == 401
    assert answer.json()["error_code"] == error.code
    assert answer.json()["error_description"] == error.description
    assert answer.headers["www-authenticate"] == challenge(error, "api")  # what inspect prints
    anonymous = await middleware_answer(make_verifier(scenario), scenario.token, on_invalid="anonymous")
    assert anonymous.json()["error"] == NoAuthInfo(error=error).to_dict()["error"]


@pytest.mark.parametrize("scenario", REFUSALS, ids=[scenario.id for scenario in REFUSALS])
async def test_steps_after_the_first_failure_are_not_reached(
    scenario: Scenario, make_verifier: MakeVerifier
) -> None:
    diagnosis = await diagnose(make_verifier(scenario), scenario.token)
    statuses = [check.status for check in diagnosis.checks]
    first = statuses.index("failed")
    names = [check.name for check in diagnosis.checks]
    claim_rules = {"sub", "exp", "nbf", "iat", "aud", "azp", "required", "checks"}
    if names[first] in claim_rules:  # claim rules are each run on their own: all of them show
        later = [c for c in diagnosis.checks[first + 1 :] if c.name not in claim_rules]
    else:
        later = list(diagnosis.checks[first + 1 :])
    assert all(check.status == "not_reached" for check in later)


async def test_every_failing_claim_rule_is_shown_not_only_the_first(make_verifier: MakeVerifier) -> None:
    scenario = SCENARIOS[0]
    token = FAKE.token(exp=NOW - 240, aud="api://billing", nbf=NOW + 600)
    diagnosis = await diagnose(make_verifier(scenario), token)
    failed = {check.name: check for check in diagnosis.checks if check.status == "failed"}
    assert set(failed) == {"exp", "nbf", "aud"}
    assert diagnosis.error is not None and diagnosis.error.code == "expired"
    assert failed["aud"].expected == f"one of {AUDIENCE!r}" and failed["aud"].actual == "'api://billing'"
    assert failed["exp"].actual == f"{NOW - 240} (2027-01-15T07:56:00Z, expired 4 min ago)"


async def test_a_rule_the_issuer_does_not_ask_for_is_skipped_with_the_tokens_value(
    make_verifier: MakeVerifier,
) -> None:
    scenario = SCENARIOS[0]
    loose = Scenario(
        "loose",
        None,
        None,
        FAKE.token(aud="api://anything"),
        (Issuer(ISSUER, jwks_uri=BASE["jwks_uri"]),),
        (),
    )
    diagnosis = await diagnose(make_verifier(loose), loose.token)
    aud = next(check for check in diagnosis.checks if check.name == "aud")
    assert diagnosis.accepted and scenario.code is None
    assert aud.status == "skipped" and aud.actual == "'api://anything'"
    assert aud.explanation == "not checked: the issuer sets no `audience=`"


async def test_a_failing_claims_mapper_is_a_server_error_in_the_mapping_step(
    make_verifier: MakeVerifier,
) -> None:
    def broken(claims: Any) -> MappedClaims:
        raise KeyError("org")

    issuer = Issuer(ISSUER, claims=broken, **BASE)
    scenario = Scenario("mapper", None, "mapping", FAKE.token(), (issuer,), ())
    diagnosis = await diagnose(make_verifier(scenario), scenario.token)
    assert diagnosis.error is None and not diagnosis.accepted
    assert [c.name for c in diagnosis.checks if c.status == "failed"] == ["mapping"]
    assert diagnosis.bug is not None and "the claims mapper raised KeyError" in diagnosis.bug
    text = render_text(diagnosis)
    assert "result     SERVER ERROR: the claims mapper raised KeyError" in text
    assert "the middleware answers HTTP 500" in text


async def test_without_issuers_the_token_is_only_decoded() -> None:
    diagnosis = await diagnose(None, FAKE.token(email="ada@example.com"))
    assert not diagnosis.accepted and diagnosis.error is None
    assert diagnosis.claims is not None and diagnosis.claims["email"] == "ada@example.com"
    assert [check.name for check in diagnosis.checks] == ["size", "format"]
    assert "NOT CHECKED: no issuer given" in render_text(diagnosis)


async def test_discovery_and_jwks_come_from_the_issuer_over_http() -> None:
    with FakeIssuer(audience=AUDIENCE, now=lambda: NOW) as fake:
        verifier = TokenVerifier([fake.issuer_config(jwks_uri=None)], now=lambda: NOW)
        diagnosis = await diagnose(verifier, fake.token())
        await verifier.aclose()
    assert diagnosis.accepted
    assert diagnosis.jwks_uri == fake.jwks_uri and diagnosis.jwks_kids == (fake.key.kid,)
    assert fake.jwks_fetches == 1  # verify() and the steps share one key fetch
    text = render_text(diagnosis)
    assert f"JWKS      {fake.jwks_uri} (kids: '{fake.key.kid}')" in text


async def test_json_form_has_the_verdict_the_response_and_readable_times(make_verifier: MakeVerifier) -> None:
    scenario = next(s for s in SCENARIOS if s.id == "expired")
    diagnosis = await diagnose(make_verifier(scenario), scenario.token)
    document = json.loads(render_json(diagnosis, realm="orders"))
    assert document["accepted"] is False and document["server_error"] is None
    assert document["error"]["code"] == "expired"
    assert document["error"]["response"]["status"] == 401
    assert document["error"]["response"]["headers"]["WWW-Authenticate"].startswith('Bearer realm="orders"')
    assert document["error"]["response"]["body"]["error_description"] == document["error"]["description"]
    assert document["times"]["exp"] == {
        "value": NOW - 240,
        "utc": "2027-01-15T07:56:00Z",
        "relative": "expired 4 min ago",
    }
    assert document["checked_at"] == NOW
    assert document["auth_info"] is None


async def test_an_issuer_that_extends_a_trusted_one_names_it_as_nearest(make_verifier: MakeVerifier) -> None:
    authkit = FakeIssuer("https://api.workos.com/user_management/client_1", now=lambda: NOW)
    sso_only = Issuer("https://api.workos.com/", jwks_uri="https://api.workos.com/sso/jwks/client_1")
    scenario = Scenario("workos-forms", "unknown_issuer", "issuer", authkit.token(), (sso_only,), ())
    diagnosis = await diagnose(make_verifier(scenario), scenario.token)
    assert diagnosis.error is not None and diagnosis.error.description.endswith(
        "(nearest: 'https://api.workos.com/', a prefix of it; issuers must match exactly, so trust "
        "'https://api.workos.com/user_management/client_1' too if it is yours)"
    )
