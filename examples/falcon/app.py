"""Falcon (ASGI): ``get_auth(req)`` in responders and ``@falcon.before(require(...))``.

AUTHINFO_ISSUER=... uvicorn --factory examples.falcon.app:create_app
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import falcon
import falcon.asgi

from asgi_authinfo import AuthInfoMiddleware, Issuer, get_auth
from asgi_authinfo.contrib.falcon import require
from examples.settings import issuers_from_env


class Me:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        auth = get_auth(req)
        name = None if auth.user is None else auth.user.display_name
        resp.media = {"signed_in": auth.is_signed_in, "user_id": auth.user_id, "name": name}


class Posts:
    @falcon.before(require(permission="posts:write"))
    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.status = 201
        resp.media = {"author": get_auth(req).user_id}


class Feed:
    @falcon.before(require())
    async def on_websocket(self, req: falcon.asgi.Request, ws: falcon.asgi.WebSocket) -> None:
        await ws.accept()
        await ws.send_media({"user_id": get_auth(req).user_id})
        await ws.close()


def create_app(
    issuers: Sequence[Issuer] | None = None, *, on_invalid: Literal["reject", "anonymous"] = "reject"
) -> AuthInfoMiddleware:
    app = falcon.asgi.App()
    app.add_route("/me", Me())
    app.add_route("/posts", Posts())
    app.add_route("/ws", Feed())
    return AuthInfoMiddleware(app, issuers=issuers or issuers_from_env(), on_invalid=on_invalid)
