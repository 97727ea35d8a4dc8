"""FastAPI: ``CurrentAuth``/``SignedIn`` and ``Depends(require(...))``; /docs shows Authorize.

AUTHINFO_ISSUER=... uvicorn --factory examples.fastapi.app:create_app
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, WebSocket

from asgi_authinfo import AuthInfo, AuthInfoMiddleware, Issuer
from asgi_authinfo.contrib.fastapi import (
    AuthRefused,
    CurrentAuth,
    SignedIn,
    document_refusals,
    refusal_handler,
    require,
)
from examples.settings import issuers_from_env

CanWrite = Annotated[AuthInfo, Depends(require(permission="posts:write"))]


def create_app(
    issuers: Sequence[Issuer] | None = None, *, on_invalid: Literal["reject", "anonymous"] = "reject"
) -> FastAPI:
    # refusal_handler answers require()'s refusals with the middleware's status, headers and JSON body
    app = FastAPI(title="asgi-authinfo example", exception_handlers={AuthRefused: refusal_handler})
    app.add_middleware(AuthInfoMiddleware, issuers=issuers or issuers_from_env(), on_invalid=on_invalid)
    document_refusals(app)  # the 401/403 answers in the OpenAPI schema

    @app.get("/me")
    async def me(auth: CurrentAuth) -> dict[str, Any]:
        name = None if auth.user is None else auth.user.display_name
        return {"signed_in": auth.is_signed_in, "user_id": auth.user_id, "name": name}

    @app.post("/posts", status_code=201)
    async def create_post(auth: CanWrite) -> dict[str, Any]:
        return {"author": auth.user_id}

    @app.websocket("/ws")
    async def feed(websocket: WebSocket, auth: SignedIn) -> None:
        await websocket.accept()
        await websocket.send_json({"user_id": auth.user_id})
        await websocket.close()

    return app
