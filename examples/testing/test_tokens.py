"""Minting tokens for a test: ``token_factory`` and ``auth_clock`` (expiry without sleeping)."""

import httpx
import pytest

from examples.testing.orders import create_app

pytestmark = pytest.mark.anyio


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_per_request(client, token_factory):
    admin = token_factory(role="admin", organization_id="org_1")
    member = token_factory(role="member", organization_id="org_1")
    assert (await client.delete("/orders/1", headers=bearer(admin))).status_code == 204
    assert (await client.delete("/orders/1", headers=bearer(member))).status_code == 403


async def test_an_expired_token_gets_401_with_a_reason(client, token_factory):
    response = await client.get("/me", headers=bearer(token_factory(expires_in=-60)))
    assert response.status_code == 401
    assert response.json()["error_code"] == "expired"
    assert response.headers["www-authenticate"].startswith('Bearer realm="api", error="invalid_token"')


async def test_a_token_minted_yesterday(client, token_factory, auth_clock):
    response = await client.get("/me", headers=bearer(token_factory(at=auth_clock() - 86400)))
    assert response.json()["error_code"] == "expired"


async def test_time_moves_only_when_the_test_says(fake_issuer, token_factory, auth_clock):
    app = create_app(verifier=fake_issuer.verifier())  # the verifier runs on auth_clock too
    headers = bearer(token_factory())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/me", headers=headers)).status_code == 200
        auth_clock.advance(fake_issuer.lifetime + 10)
        assert (await client.get("/me", headers=headers)).json()["error_code"] == "expired"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ({"claims": {"sub": None}}, "missing_claim"),  # None drops a default claim
        ({"claims": {"iss": "https://evil.example"}}, "unknown_issuer"),
        ({"headers": {"kid": "not-published"}}, "unknown_key"),
    ],
)
async def test_broken_tokens_are_refused(client, token_factory, raw, code):
    response = await client.get("/me", headers=bearer(token_factory(**raw)))
    assert (response.status_code, response.json()["error_code"]) == (401, code)
