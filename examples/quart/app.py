"""Quart: ``get_auth(request)``/``get_auth(websocket)`` and ``@require(...)`` on routes and websockets.

AUTHINFO_ISSUER=... uvicorn --factory examples.quart.app:create_app
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from quart import Quart, request, websocket

from asgi_authinfo import AuthInfoMiddleware, Issuer, get_auth
from asgi_authinfo.contrib.quart import require
from examples.settings import issuers_from_env


def create_app(
    issuers: Sequence[Issuer] | None = None, *, on_invalid: Literal["reject", "anonymous"] = "reject"
) -> AuthInfoMiddleware:
    app = Quart(__name__)

    @app.get("/me")
    async def me() -> dict[str, Any]:
        auth = get_auth(request)
        name = None if auth.user is None else auth.user.display_name
        return {"signed_in": auth.is_signed_in, "user_id": auth.user_id, "name": name}

    @app.post("/posts")
    @require(permission="posts:write")
    async def create_post() -> tuple[dict[str, Any], int]:
        return {"author": get_auth(request).user_id}, 201

    @app.websocket("/ws")
    @require()
    async def feed() -> None:
        await websocket.accept()
        await websocket.send(json.dumps({"user_id": get_auth(websocket).user_id}))

    # Wrap the whole app (passes mypy --strict; lifespan passes through to Quart's startup/shutdown)
    return AuthInfoMiddleware(app, issuers=issuers or issuers_from_env(), on_invalid=on_invalid)
