"""Starlette: ``request.auth``/``request.user``, Starlette's own ``@requires``, and ``@require``.

AUTHINFO_ISSUER=... uvicorn --factory examples.starlette.app:create_app
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from asgi_authinfo import AuthInfoMiddleware, Issuer, get_auth
from asgi_authinfo.contrib.starlette import require
from examples.settings import issuers_from_env


async def me(request: Request) -> JSONResponse:
    auth = get_auth(request)  # the same object as request.auth, typed
    user = request.user  # asgi_authinfo.User, or ANONYMOUS_USER when signed out
    return JSONResponse(
        {"signed_in": user.is_authenticated, "user_id": auth.user_id, "name": user.display_name or None}
    )


@require(permission="posts:write")  # RFC 6750: 401 + Bearer challenge signed out, 403 insufficient_scope
async def create_post(request: Request) -> JSONResponse:
    return JSONResponse({"author": request.user.identity}, status_code=201)


@requires("admin")  # Starlette's own decorator: 403 unless "admin" is a role, permission or scope
async def admin(request: Request) -> JSONResponse:
    return JSONResponse({"admin": request.user.identity})


@requires("authenticated")  # Starlette's own decorator on a WebSocket: closes the handshake (403)
async def feed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user_id": websocket.user.identity})
    await websocket.close()


def create_app(
    issuers: Sequence[Issuer] | None = None, *, on_invalid: Literal["reject", "anonymous"] = "reject"
) -> Starlette:
    return Starlette(
        routes=[
            Route("/me", me),
            Route("/posts", create_post, methods=["POST"]),
            Route("/admin", admin),
            WebSocketRoute("/ws", feed),
        ],
        middleware=[
            Middleware(AuthInfoMiddleware, issuers=issuers or issuers_from_env(), on_invalid=on_invalid)
        ],
    )
