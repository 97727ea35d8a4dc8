"""Testing as a signed-in user: the ``signed_in_user`` fixture, its marker, and ``signed_out_user``."""

import httpx
import pytest

from asgi_authinfo import Cookie
from examples.testing.orders import create_app, summary

pytestmark = pytest.mark.anyio


@pytest.mark.signed_in_user(role="admin", organization_id="org_1", email="ada@example.com")
async def test_me_shows_the_signed_in_user(client, signed_in_user):
    response = await client.get("/me", headers=signed_in_user.headers)
    assert response.json() == {
        "user_id": signed_in_user.user_id,
        "email": "ada@example.com",
        "organization_id": "org_1",
        "role": "admin",
        "impersonated_by": None,
    }


@pytest.mark.signed_in_user(organization_id="org_1", permissions=["orders:read"])
async def test_reading_orders_needs_the_permission(client, signed_in_user):
    response = await client.get("/orders", headers=signed_in_user.headers)
    assert response.json() == {"organization_id": "org_1", "orders": []}


@pytest.mark.signed_in_user(permissions=["invoices:read"])
async def test_other_permissions_are_not_enough(client, signed_in_user):
    assert (await client.get("/orders", headers=signed_in_user.headers)).status_code == 403


@pytest.mark.parametrize(("caller", "status"), [("signed_in_user", 200), ("signed_out_user", 401)])
async def test_me_needs_a_signed_in_caller(client, request, caller, status):
    user = request.getfixturevalue(caller)
    assert (await client.get("/me", headers=user.headers)).status_code == status


@pytest.mark.signed_in_user(role="admin", impersonator="support@example.com")
async def test_impersonated_sessions_are_visible(client, signed_in_user):
    response = await client.get("/me", headers=signed_in_user.headers)
    assert response.json()["impersonated_by"] == "support@example.com"


@pytest.mark.signed_in_user(
    preset="workos", role="admin", organization_id="org_01H", permissions=["orders:read"]
)
async def test_workos_access_tokens(client, signed_in_user, fake_issuer):
    assert fake_issuer.issuer == "https://api.workos.com/user_management/client_01FAKE"
    assert (await client.get("/orders", headers=signed_in_user.headers)).status_code == 200
    assert (await client.delete("/orders/7", headers=signed_in_user.headers)).status_code == 204


@pytest.mark.signed_in_user(
    preset="clerk", role="admin", organization_id="org_2b", permissions=["orders:read"]
)
async def test_clerk_session_tokens(client, signed_in_user):
    assert signed_in_user.claims["o"] == {"id": "org_2b", "rol": "admin", "per": "read", "fpm": "1"}
    response = await client.get("/me", headers=signed_in_user.headers)
    assert response.json()["role"] == "org:admin"  # Clerk's own spelling of the role
    assert (await client.get("/orders", headers=signed_in_user.headers)).status_code == 200


@pytest.mark.signed_in_user(preset="authgear", roles=["admin"])
async def test_authgear_access_tokens(client, signed_in_user):
    assert (await client.delete("/orders/7", headers=signed_in_user.headers)).status_code == 204


@pytest.mark.signed_in_user(role="admin")
async def test_session_cookie(fake_issuer, signed_in_user):
    app = create_app(issuers=[fake_issuer.issuer_config()], token_sources=[Cookie()])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", cookies=signed_in_user.cookies
    ) as client:
        assert (await client.get("/me")).json()["user_id"] == signed_in_user.user_id


@pytest.mark.signed_in_user(role="admin", organization_id="org_1")
def test_code_that_takes_an_auth_info(signed_in_user):
    """``auth_info`` is what the middleware hands your code for this token: unit-test with it."""
    assert summary(signed_in_user.auth_info)["role"] == "admin"
