"""Adapters answer with exactly the status, headers and body the middleware sends."""

from __future__ import annotations

from typing import Any

import pytest

from asgi_authinfo import (
    AuthError,
    InsufficientScopeError,
    InvalidTokenError,
    IssuerUnavailableError,
    MissingTokenError,
)
from asgi_authinfo._responses import Refusal, send_refusal

ERRORS = [
    MissingTokenError("sign in"),
    InvalidTokenError("the token expired", code="expired"),
    InsufficientScopeError("needs posts:write", scope="posts:write"),
    IssuerUnavailableError("the JWKS did not answer", retry_after=7),
]


@pytest.mark.anyio
@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.code)
async def test_refusal_matches_the_middleware(error: AuthError) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await send_refusal({"type": "http"}, send, error, "orders")
    start, body = sent
    answer = Refusal.of(error, "orders")
    middleware_headers = {
        name.decode(): value.decode() for name, value in start["headers"] if name != b"content-length"
    }
    assert answer.status == start["status"]
    assert {name.lower(): value for name, value in answer.headers.items()} == middleware_headers
    assert answer.body == body["body"]
