"""Quickstart: an admin can delete an order, a member can't, an expired token gets 401."""

import httpx
import pytest
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.responses import Response
from starlette.routing import Route

from asgi_authinfo import AuthInfoMiddleware


@requires("admin")
async def delete_order(request):
    return Response(status_code=204)


def create_app(issuer):
    api = Starlette(routes=[Route("/orders/{id}", delete_order, methods=["DELETE"])])
    return AuthInfoMiddleware(api, issuers=[issuer])


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("role", "expires_in", "status"), [("admin", 300, 204), ("member", 300, 403), ("admin", -60, 401)]
)
async def test_only_admins_delete_orders(fake_issuer, token_factory, role, expires_in, status):
    app = create_app(fake_issuer.issuer_config())
    token = token_factory(role=role, expires_in=expires_in)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.delete("/orders/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
