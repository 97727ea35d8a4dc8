"""Shared pieces for the plugin tests: an ASGI app that records the AuthInfo it was given."""

from __future__ import annotations

import json
from typing import Any

import httpx

from asgi_authinfo import AuthInfo, AuthInfoMiddleware, NoAuthInfo, TokenVerifier, get_auth


class Recorder:
    """An ASGI app that answers 200 and keeps the ``scope["auth"]`` of every request."""

    def __init__(self) -> None:
        self.seen: list[AuthInfo | NoAuthInfo] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        auth = get_auth(scope)
        self.seen.append(auth)
        body = json.dumps({"user": scope["user"].display_name}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def protected(verifier: TokenVerifier) -> tuple[AuthInfoMiddleware, Recorder]:
    """The real middleware over a recording app."""
    recorder = Recorder()
    return AuthInfoMiddleware(recorder, verifier=verifier), recorder


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
