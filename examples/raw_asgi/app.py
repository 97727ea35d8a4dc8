"""Raw ASGI: ``get_auth(scope)`` in any ASGI callable, ``requires(...)`` around one.

AUTHINFO_ISSUER=... uvicorn --factory examples.raw_asgi.app:create_app
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from asgi_authinfo import AuthInfoMiddleware, Issuer, get_auth, requires
from examples.settings import issuers_from_env


async def send_json(send: Any, data: dict[str, Any], status: int = 200) -> None:
    body = json.dumps(data).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def me(scope: Any, receive: Any, send: Any) -> None:
    auth = get_auth(scope)
    name = None if auth.user is None else auth.user.display_name
    await send_json(send, {"signed_in": auth.is_signed_in, "user_id": auth.user_id, "name": name})


@requires(permission="posts:write")
async def create_post(scope: Any, receive: Any, send: Any) -> None:
    await send_json(send, {"author": get_auth(scope).user_id}, status=201)


@requires()
async def feed(scope: Any, receive: Any, send: Any) -> None:
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"user_id": get_auth(scope).user_id})})
    await send({"type": "websocket.close", "code": 1000})


async def not_found(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
    else:
        await send_json(send, {"error": "not_found"}, status=404)


ROUTES = {("http", "/me"): me, ("http", "/posts"): create_post, ("websocket", "/ws"): feed}


async def router(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await ROUTES.get((scope["type"], scope["path"]), not_found)(scope, receive, send)


def create_app(
    issuers: Sequence[Issuer] | None = None, *, on_invalid: Literal["reject", "anonymous"] = "reject"
) -> AuthInfoMiddleware:
    return AuthInfoMiddleware(router, issuers=issuers or issuers_from_env(), on_invalid=on_invalid)
