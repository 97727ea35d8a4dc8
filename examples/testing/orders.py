"""The app under test in these examples: a tiny orders API behind AuthInfoMiddleware.

Your own app takes the place of this module; the tests beside it show how to test it.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_authinfo import AuthInfo, AuthInfoMiddleware, get_auth


def summary(auth: AuthInfo) -> dict[str, Any]:
    """What ``GET /me`` shows about the caller (plain code that takes an ``AuthInfo``)."""
    return {
        "user_id": auth.user_id,
        "email": auth.user.email,
        "organization_id": auth.organization_id,
        "role": auth.role,
        "impersonated_by": auth.impersonator.email if auth.impersonator else None,
    }


async def me(request: Request) -> JSONResponse:
    auth = get_auth(request)
    if auth.user is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    return JSONResponse(summary(auth))


async def list_orders(request: Request) -> JSONResponse:
    auth = get_auth(request)
    if auth.user is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    if not auth.has(permission="orders:read"):
        return JSONResponse({"error": "you may not read orders"}, status_code=403)
    return JSONResponse({"organization_id": auth.organization_id, "orders": []})


@requires("admin")  # Starlette's own guard: the middleware's AuthInfo answers it
async def delete_order(request: Request) -> Response:
    return Response(status_code=204)


def create_app(**auth_options: Any) -> AuthInfoMiddleware:
    """The orders API; ``auth_options`` go to ``AuthInfoMiddleware`` (``issuers=`` or ``verifier=``)."""
    api = Starlette(
        routes=[
            Route("/me", me),
            Route("/orders", list_orders),
            Route("/orders/{order_id}", delete_order, methods=["DELETE"]),
        ]
    )
    return AuthInfoMiddleware(api, **auth_options)
