"""Refusals of a fake issuer's tokens name the fixture option that fixes them, in the response itself
(``Issuer(refusal_hint=...)``, which ``FakeIssuer.issuer_config()`` sets); other issuers never do."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import Depends, FastAPI
from starlette.testclient import TestClient

from asgi_authinfo import AuthError, AuthInfoMiddleware, Issuer, TokenVerifier, requires
from asgi_authinfo.contrib.fastapi import AuthRefused, refusal_handler, require
from pytest_plugin import FakeIssuer, SignedInUser, assert_refused

from .conftest import Recorder

IN_TESTS = "(in tests: "


def plain_issuer(fake: FakeIssuer, **options: Any) -> Issuer:
    """An ``Issuer`` trusting ``fake``'s keys as a production config would: no hint."""
    return Issuer(fake.issuer, **{"jwks": fake.jwks, "audience": fake.accepted_audience, **options})


def client(issuer: Issuer, app: Any = None) -> TestClient:
    return TestClient(AuthInfoMiddleware(app or Recorder(), issuers=[issuer], required=True))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_only_test_doubles_set_a_hint(fake_issuer: FakeIssuer) -> None:
    assert Issuer("https://auth.example.com").refusal_hint is None
    assert fake_issuer.issuer_config().refusal_hint is not None
    assert fake_issuer.issuer_config(refusal_hint=None).refusal_hint is None


@pytest.mark.fake_issuer(audience="api://orders")
def test_an_audience_mismatch_names_the_marker(fake_issuer: FakeIssuer) -> None:
    token = fake_issuer.token(aud="api://billing")
    response = client(fake_issuer.issuer_config()).get("/", headers=bearer(token))
    body = assert_refused(response, "audience_mismatch", status=401)
    production = "the token's audience 'api://billing' is not the expected ['api://orders']"
    assert body["error_description"].startswith(production)  # the production advice comes first
    assert "(in tests: set the audience" in body["error_description"]
    assert "@pytest.mark.fake_issuer(audience=...)" in body["error_description"]
    assert "@pytest.mark.fake_issuer(audience=...)" in response.headers["www-authenticate"]


def test_the_same_refusal_from_a_plain_issuer_has_no_hint(fake_issuer: FakeIssuer) -> None:
    token = fake_issuer.token(aud="api://billing")
    response = client(plain_issuer(fake_issuer, audience="api://orders")).get("/", headers=bearer(token))
    body = assert_refused(response, "audience_mismatch", status=401)
    assert IN_TESTS not in body["error_description"]
    assert "pytest" not in response.headers["www-authenticate"]


@pytest.mark.parametrize("hinted", [True, False], ids=["fake", "plain"])
def test_a_forgotten_permissions_marker_says_the_default_user_has_none(
    fake_issuer: FakeIssuer, signed_in_user: SignedInUser, hinted: bool
) -> None:
    issuer = fake_issuer.issuer_config() if hinted else plain_issuer(fake_issuer)
    guarded = requires(permission="posts:write")(Recorder())
    response = client(issuer, guarded).get("/", headers=signed_in_user.headers)
    body = assert_refused(response, "insufficient_scope", status=403)
    assert body["error_description"].startswith("this route requires permission 'posts:write'")
    said = "the default signed-in user has no roles or permissions" in body["error_description"]
    assert said is hinted
    assert ("@pytest.mark.signed_in_user(permissions=[...]" in body["error_description"]) is hinted


def test_a_framework_guard_carries_the_hint_too(
    fake_issuer: FakeIssuer, signed_in_user: SignedInUser
) -> None:
    app = FastAPI(exception_handlers={AuthRefused: refusal_handler})
    app.add_middleware(AuthInfoMiddleware, issuers=[fake_issuer.issuer_config()])

    @app.post("/posts", dependencies=[Depends(require(permission="posts:write"))])
    async def write() -> dict[str, str]:
        return {}

    response = TestClient(app).post("/posts", headers=signed_in_user.headers)
    body = assert_refused(response, "insufficient_scope", status=403)
    assert "@pytest.mark.signed_in_user(permissions=[...]" in body["error_description"]


def test_the_app_refuses_the_default_audience(
    fake_issuer: FakeIssuer, signed_in_user: SignedInUser
) -> None:
    app_config = plain_issuer(fake_issuer, audience="api://orders")  # the app's own audience
    response = client(app_config).get("/", headers=signed_in_user.headers)
    assert_refused(response, "audience_mismatch", status=401)


@pytest.mark.fake_issuer(audience="api://orders")
def test_the_marker_the_hint_names_fixes_the_refusal(
    fake_issuer: FakeIssuer, signed_in_user: SignedInUser
) -> None:
    app_config = plain_issuer(fake_issuer, audience="api://orders")  # unchanged: the marker fixes it
    response = client(app_config).get("/", headers=signed_in_user.headers)
    assert response.status_code == 200


def test_a_token_from_another_issuer_names_issuer_config(fake_issuer: FakeIssuer) -> None:
    # the app trusts the fake; the token names an issuer it does not know (the serve() mix-up)
    token = fake_issuer.token(iss="http://127.0.0.1:8000")
    response = client(fake_issuer.issuer_config()).get("/", headers=bearer(token))
    body = assert_refused(response, "unknown_issuer", status=401)
    assert "(in tests: trust fake_issuer.issuer_config()" in body["error_description"]


def test_refusals_without_a_fixture_fix_are_unchanged(fake_issuer: FakeIssuer) -> None:
    forged = fake_issuer.token()[:-4] + "AAAA"
    body = assert_refused(
        client(fake_issuer.issuer_config()).get("/", headers=bearer(forged)), "bad_signature"
    )
    assert IN_TESTS not in body["error_description"]


@pytest.mark.anyio
async def test_the_error_itself_keeps_the_production_description(fake_issuer: FakeIssuer) -> None:
    verifier = fake_issuer.verifier(audience="api://orders")
    try:
        with pytest.raises(AuthError) as refused:
            await verifier.verify(fake_issuer.token(aud="api://billing"))
    finally:
        await verifier.aclose()
    assert refused.value.code == "audience_mismatch"
    assert IN_TESTS not in refused.value.description  # logs and observers read this
    assert refused.value.hint is not None and "fake_issuer(audience=...)" in refused.value.hint


@pytest.mark.anyio
async def test_a_verifier_without_hinting_issuers_adds_none(fake_issuer: FakeIssuer) -> None:
    verifier = TokenVerifier([plain_issuer(fake_issuer, audience="api://orders")])
    try:
        with pytest.raises(AuthError) as refused:
            await verifier.verify(fake_issuer.token(aud="api://billing"))
    finally:
        await verifier.aclose()
    assert refused.value.hint is None
