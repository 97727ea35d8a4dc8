"""Adapters answer with exactly the status, headers and body the middleware sends."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_authinfo import (
    AuthError,
    InsufficientScopeError,
    InvalidTokenError,
    IssuerUnavailableError,
    MissingTokenError,
)
from asgi_authinfo._responses import Refusal, send_refusal

CHALLENGE = re.compile(r'Bearer realm="[^"\\]*"(, [a-z_]+="[^"\\]*")*')
"""RFC 6750 §3: auth-params, each a quoted-string without a quote or backslash inside."""

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


@pytest.mark.anyio
@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.code)
async def test_websockets_get_the_denial_response_or_the_close_code(error: AuthError) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    answer = Refusal.of(error, "api")
    denial = {"type": "websocket", "extensions": {"websocket.http.response": {}}}
    await send_refusal(denial, send, error, "api")
    await send_refusal({"type": "websocket", "extensions": None}, send, error, "api")
    start, body, close = sent
    assert (start["type"], start["status"], body["body"]) == (
        "websocket.http.response.start",
        answer.status,
        answer.body,
    )
    assert close == {"type": "websocket.close", "code": answer.close_code, "reason": answer.close_reason}
    assert answer.close_code == (1013 if answer.status == 503 else 1008)


def test_issuer_unavailable_is_temporarily_unavailable_with_retry_after_and_no_challenge() -> None:
    answer = Refusal.of(IssuerUnavailableError("the JWKS did not answer", retry_after=7), "api")
    assert answer.payload == {
        "error": "temporarily_unavailable",
        "error_code": "issuer_unavailable",
        "error_description": "the service cannot check tokens right now; retry after the Retry-After seconds",
    }  # the cause ("the JWKS did not answer") is for the log and the observer, not the client
    assert dict(answer.headers) == {
        "Retry-After": "7",
        "Cache-Control": "no-store",
        "Content-Type": "application/json",
    }


@given(description=st.text(), realm=st.text(), scope=st.text())
def test_any_text_makes_a_sendable_refusal(description: str, realm: str, scope: str) -> None:
    """Headers are printable ASCII without stray quotes; the close reason is <= 123 bytes of UTF-8."""
    for error in (
        InvalidTokenError(description, code="expired"),
        InsufficientScopeError(description, scope=scope),
        MissingTokenError(description),
    ):
        answer = Refusal.of(error, realm)
        for value in answer.headers.values():
            assert value.isascii() and value.isprintable()
        assert CHALLENGE.fullmatch(answer.headers["WWW-Authenticate"])
        reason = answer.close_reason.encode()
        assert len(reason) <= 123 and f"{error.code}: {description}".encode().startswith(reason)
        assert answer.payload["error_description"] == description
