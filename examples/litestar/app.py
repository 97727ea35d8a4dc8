"""Litestar: ``AuthInfoPlugin``, ``request.auth``/``request.user`` and ``guards=[require(...)]``.

AUTHINFO_ISSUER=... uvicorn --factory examples.litestar.app:create_app
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from litestar import Litestar, get, post, websocket

from asgi_authinfo import Issuer
from asgi_authinfo.contrib.litestar import AuthInfoPlugin, AuthRequest, AuthWebSocket, require
from examples.settings import issuers_from_env


@get("/me")
async def me(request: AuthRequest) -> dict[str, Any]:
    return {
        "signed_in": request.user.is_authenticated,
        "user_id": request.auth.user_id,
        "name": request.user.display_name or None,
    }


@post("/posts", guards=[require(permission="posts:write")])
async def create_post(request: AuthRequest) -> dict[str, Any]:
    return {"author": request.user.identity}


@websocket("/ws", guards=[require()])
async def feed(socket: AuthWebSocket) -> None:
    await socket.accept()
    await socket.send_json({"user_id": socket.auth.user_id})
    await socket.close()


def create_app(
    issuers: Sequence[Issuer] | None = None, *, on_invalid: Literal["reject", "anonymous"] = "reject"
) -> Litestar:
    # The plugin mounts AuthInfoMiddleware (one JWKS cache for every route, closed at shutdown),
    # answers require()'s refusals with the middleware's JSON body, and documents the bearer scheme
    plugin = AuthInfoPlugin(issuers=issuers or issuers_from_env(), on_invalid=on_invalid)
    return Litestar([me, create_post, feed], plugins=[plugin])
