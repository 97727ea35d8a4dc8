"""The fake issuer itself: ``fake_issuer``, ``make_fake_issuer``, rotation, request records, ``serve()``."""

import httpx
import pytest

from asgi_authinfo import providers
from examples.testing.orders import create_app
from pytest_plugin import FakeIssuer

pytestmark = pytest.mark.anyio


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_one_jwks_fetch_for_many_requests(client, fake_issuer, token_factory):
    headers = bearer(token_factory())
    for _ in range(100):
        assert (await client.get("/me", headers=headers)).status_code == 200
    assert fake_issuer.jwks_fetches == 1


@pytest.mark.fake_issuer(algorithm="ES256", audience="api://orders")
async def test_the_marker_configures_the_issuer(client, fake_issuer, token_factory):
    assert fake_issuer.jwks["keys"][0]["kty"] == "EC"
    assert (await client.get("/me", headers=bearer(token_factory()))).status_code == 200
    wrong_audience = token_factory(claims={"aud": "api://billing"})
    assert (await client.get("/me", headers=bearer(wrong_audience))).json()[
        "error_code"
    ] == "audience_mismatch"


async def test_key_rotation(fake_issuer, token_factory, auth_clock):
    app = create_app(verifier=fake_issuer.verifier())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        old = bearer(token_factory())
        assert (await client.get("/me", headers=old)).status_code == 200
        fake_issuer.rotate_keys(keep_old=False)
        auth_clock.advance(31)  # past the JWKS cache's refetch cooldown
        assert (await client.get("/me", headers=bearer(token_factory()))).status_code == 200
        assert (await client.get("/me", headers=old)).json()["error_code"] == "unknown_key"
    assert fake_issuer.jwks_fetches == 2


async def test_several_issuers_in_one_app(make_fake_issuer):
    workos, clerk = make_fake_issuer(preset="workos"), make_fake_issuer(preset="clerk")
    app = create_app(issuers=[workos.issuer_config(), clerk.issuer_config()])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for issuer in (workos, clerk):
            me = await client.get(
                "/me", headers=bearer(issuer.token_for(user_id=f"user_of_{issuer.preset.name}"))
            )
            assert me.json()["user_id"] == f"user_of_{issuer.preset.name}"


@pytest.mark.fake_issuer(preset="clerk", issuer="https://clerk.orders.example")
async def test_the_production_provider_config_works_unchanged(fake_issuer, token_factory):
    app = create_app(issuers=providers.clerk("https://clerk.orders.example"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/me", headers=bearer(token_factory()))).status_code == 200


def test_a_real_server_for_apps_in_another_process():
    with FakeIssuer().serve() as issuer:
        assert issuer.issuer.startswith("http://127.0.0.1:")
        discovery = httpx.get(f"{issuer.issuer}/.well-known/openid-configuration").json()
        assert httpx.get(discovery["jwks_uri"]).json() == issuer.jwks
    assert [request.path for request in issuer.requests] == [
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ]
