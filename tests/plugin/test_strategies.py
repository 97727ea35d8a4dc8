"""Hypothesis strategies: coherent claim sets, valid tokens, and invalid tokens whose labels the
real middleware confirms, kind by kind."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from asgi_authinfo import AuthInfo, Issuer, NoAuthInfo
from pytest_plugin import PRESETS, Clock, FakeIssuer, Persona
from pytest_plugin.strategies import KINDS, InvalidToken, claim_sets, invalid_tokens, personas, tokens

from .conftest import client_for, protected

STRICT = {
    "audience": "api://orders",
    "authorized_parties": ["https://app.example"],
    "token_type": "at+jwt",
    "required_claims": ["email"],
}


async def refusal_code(fake: FakeIssuer, token: str, **config: Any) -> tuple[int, str | None]:
    """The status and ``error_code`` the real middleware answers a request bearing ``token`` with."""
    app, _recorder = protected(fake.verifier(**config))
    async with client_for(app) as client:
        response = await client.get("/", headers={"Authorization": f"Bearer {token}"})
    await app.verifier.aclose()
    code = None if response.status_code == 200 else response.json()["error_code"]
    return response.status_code, code


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_refused_with_its_label(kind: str) -> None:
    fake = FakeIssuer(keys=2, now=Clock())
    strategy = invalid_tokens(fake, config=fake.issuer_config(**STRICT), kinds=[kind])

    @settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])
    @given(bad=strategy)
    def refused(bad: InvalidToken) -> None:
        assert bad.kind == kind
        assert anyio.run(_strict_code, fake, bad.token) == (401, bad.code), bad

    refused()


async def _strict_code(fake: FakeIssuer, token: str) -> tuple[int, str | None]:
    return await refusal_code(fake, token, **STRICT)


@pytest.mark.parametrize(
    ("algorithm", "preset"), [("ES256", "clerk"), ("EdDSA", "authgear"), ("PS256", "workos")]
)
def test_labels_hold_for_other_algorithms_and_presets(algorithm: str, preset: str) -> None:
    fake = FakeIssuer(algorithm=algorithm, preset=preset)

    @settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
    @given(bad=invalid_tokens(fake))
    def refused(bad: InvalidToken) -> None:
        assert anyio.run(refusal_code, fake, bad.token) == (401, bad.code), bad

    refused()


@pytest.mark.parametrize(
    "kind",
    [
        "wrong_audience",
        "audience_not_a_string",
        "unauthorized_party",
        "wrong_token_type",
        "missing_required_claim",
        "missing_kid",
    ],
)
def test_kinds_that_break_a_rule_the_config_lacks_are_not_drawn(kind: str) -> None:
    with pytest.raises(ValueError, match="do not apply"):
        invalid_tokens(FakeIssuer(), kinds=[kind])


def test_invalid_token_shows_its_label_not_the_whole_token() -> None:
    bad = InvalidToken(kind="oversized", code="token_too_large", why="big", token="x" * 5000)
    assert "5000 chars" in repr(bad)
    assert bad.headers == {"Authorization": "Bearer " + "x" * 5000}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kinds": ["nope"]}, "unknown invalid-token kinds"),
        ({"kinds": ["wrong_audience"]}, "do not apply"),
        ({"config": Issuer("https://fake-issuer.test", algorithms=["ES256"])}, "signs with RS256"),
    ],
)
def test_invalid_tokens_checks_its_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        invalid_tokens(FakeIssuer(), **options)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_claim_sets_have_coherent_times_and_provider_shapes(preset: str) -> None:
    @settings(max_examples=50)
    @given(claims=claim_sets(preset, now=1_800_000_000, tenant="t1", sid=None))
    def coherent(claims: dict[str, Any]) -> None:
        assert claims["iat"] <= claims.get("nbf", claims["iat"]) <= 1_800_000_000 < claims["exp"]
        assert claims["tenant"] == "t1"
        assert "sid" not in claims
        assert "iss" not in claims
        if preset == "clerk":
            assert claims["v"] == 2
            assert claims["sub"].startswith("user_2")
        if preset == "workos":
            assert claims["sub"].startswith("user_01")

    coherent()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_tokens_are_accepted(preset: str) -> None:
    fake = FakeIssuer(preset=preset, algorithm="EdDSA")

    @settings(max_examples=30)
    @given(token=tokens(fake))
    def accepted(token: str) -> None:
        assert anyio.run(refusal_code, fake, token) == (200, None)

    accepted()


def test_personas_shrink_to_a_plain_caller() -> None:
    smallest = find(personas("workos"), lambda persona: True)
    assert smallest == Persona(user_id="user_01" + "0" * 24, session_id="session_01" + "0" * 24)


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(auth=st.from_type(AuthInfo), nobody=st.from_type(NoAuthInfo))
def test_from_type_builds_verified_auth_infos(auth: AuthInfo, nobody: NoAuthInfo) -> None:
    assert auth.is_signed_in and auth.user.id == auth.subject
    assert auth.access_token.count(".") == 2
    assert auth.token_identifier == f"{auth.issuer}|{auth.subject}"
    assert nobody.user is None and not nobody.is_signed_in
