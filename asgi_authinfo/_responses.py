"""Turning an ``AuthError`` into what the client sees (RFC 6750 §3), over HTTP or a WebSocket."""

from __future__ import annotations

import json
from typing import Any

from ._errors import AuthError, IssuerUnavailableError

__all__ = ["challenge", "error_body", "send_refusal"]

WS_POLICY_VIOLATION = 1008
WS_TRY_AGAIN_LATER = 1013


def _quoted(text: str) -> str:
    # RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E.
    return "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "?" for ch in text)


def challenge(error: AuthError, realm: str) -> str:
    """The ``WWW-Authenticate`` value for ``error``."""
    parts = [f'realm="{_quoted(realm)}"']
    if error.error is not None:
        parts.append(f'error="{error.error}"')
        parts.append(f'error_description="{_quoted(error.description)}"')
        scope = getattr(error, "scope", None)
        if scope:
            parts.append(f'scope="{_quoted(scope)}"')
    return "Bearer " + ", ".join(parts)


def error_body(error: AuthError) -> bytes:
    body: dict[str, Any] = {
        "error": error.error or "unauthorized",
        "error_code": error.code,
        "error_description": error.description,
    }
    return json.dumps(body).encode()


def _headers(error: AuthError, realm: str, length: int) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(length).encode()),
        (b"cache-control", b"no-store"),
    ]
    if isinstance(error, IssuerUnavailableError):
        headers.append((b"retry-after", str(error.retry_after).encode()))
    else:
        headers.append((b"www-authenticate", challenge(error, realm).encode("latin-1")))
    return headers


async def send_refusal(scope: Any, send: Any, error: AuthError, realm: str) -> None:
    """Answer an HTTP request, or refuse a WebSocket handshake before it is accepted."""
    body = error_body(error)
    headers = _headers(error, realm, len(body))
    if scope["type"] == "websocket":
        if "websocket.http.response" in scope.get("extensions", {}) or {}:
            await send({"type": "websocket.http.response.start", "status": error.status, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
            return
        code = WS_TRY_AGAIN_LATER if isinstance(error, IssuerUnavailableError) else WS_POLICY_VIOLATION
        reason = f"{error.code}: {error.description}".encode()[:123].decode("utf-8", "ignore")
        await send({"type": "websocket.close", "code": code, "reason": reason})
        return
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
