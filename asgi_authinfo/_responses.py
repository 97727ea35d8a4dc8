"""Turning an ``AuthError`` into what the client sees (RFC 6750 §3), over HTTP or a WebSocket.

The middleware, ``requires``, every ``contrib`` adapter and the ``inspect`` CLI answer with the same
``Refusal``: the same status, headers, JSON body and WebSocket close code and reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ._errors import AuthError, IssuerUnavailableError, quotable

__all__ = ["Refusal", "challenge", "error_body", "send_refusal"]

_UNAVAILABLE: Final = "the service cannot check tokens right now; retry after the Retry-After seconds"
"""What a client is told of a 503: the cause (a connection error, an issuer URL) is for the log only."""
_CLOSE_REASON_BYTES: Final = 123  # RFC 6455 §5.5: a close frame's payload is 125 bytes, 2 of them the code


def challenge(error: AuthError, realm: str) -> str:
    """The ``WWW-Authenticate`` value for ``error``."""
    parts = [f'realm="{quotable(realm)}"']
    if error.error is not None:
        parts.append(f'error="{error.error}"')
        parts.append(f'error_description="{quotable(public_description(error))}"')
        scope = getattr(error, "scope", None)
        if scope:
            parts.append(f'scope="{quotable(scope)}"')
    algs = getattr(error, "algs", None)  # DPoP challenges name the proof algorithms (RFC 9449 §7.1)
    if algs:
        parts.append(f'algs="{algs}"')
    return getattr(error, "scheme", "Bearer") + " " + ", ".join(parts)


def public_description(error: AuthError) -> str:
    """The description a client may read: a 503's internal cause goes to the log and observer only."""
    if isinstance(error, IssuerUnavailableError):
        return _UNAVAILABLE
    return error.description if error.hint is None else f"{error.description} ({error.hint})"


def error_body(error: AuthError) -> bytes:
    """The JSON body of every refusal: ``error``, ``error_code`` (stable) and ``error_description``."""
    body: dict[str, Any] = {
        "error": error.error or "unauthorized",
        "error_code": error.code,
        "error_description": public_description(error),
    }
    details = getattr(error, "details", None)
    if details is not None:  # ReverificationError: Clerk's machine-readable reason
        body.update(details())
    return json.dumps(body).encode()


@dataclass(frozen=True, slots=True)
class Refusal:
    """An ``AuthError`` as the client sees it, built once from the error and the realm.

    ``headers`` has ``WWW-Authenticate`` (or ``Retry-After`` on 503), ``Cache-Control: no-store``
    and ``Content-Type: application/json``. A WebSocket that cannot get an HTTP denial response is
    closed with ``close_code`` (1008 policy violation; 1013 try again later on 503) and
    ``close_reason`` (``"<code>: <description>"``, at most 123 bytes of UTF-8).
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    close_code: int
    close_reason: str

    @classmethod
    def of(cls, error: AuthError, realm: str) -> Refusal:
        if isinstance(error, IssuerUnavailableError):
            why = ("Retry-After", str(error.retry_after))
            close_code = 1013  # try again later: the failure is ours, not the caller's
        else:
            why = ("WWW-Authenticate", challenge(error, realm))
            close_code = 1008  # policy violation
        headers = dict((why, ("Cache-Control", "no-store"), ("Content-Type", "application/json")))
        nonce = getattr(error, "nonce", None)
        if nonce:  # RFC 9449 §8: the nonce the client's next proof must carry
            headers["DPoP-Nonce"] = nonce
        reason_bytes = f"{error.code}: {public_description(error)}".encode()[:_CLOSE_REASON_BYTES]
        close_reason = reason_bytes.decode("utf-8", "ignore")  # a cut inside a character drops it
        return cls(error.status, headers, error_body(error), close_code, close_reason)

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON body as a dict."""
        payload: dict[str, Any] = json.loads(self.body)
        return payload

    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers as an ASGI response start carries them, with ``content-length``."""
        headers = [(name.lower().encode(), value.encode("latin-1")) for name, value in self.headers.items()]
        headers.append((b"content-length", str(len(self.body)).encode()))
        return headers


async def send_refusal(scope: Any, send: Any, error: AuthError, realm: str) -> None:
    """Answer an HTTP request, or refuse a WebSocket handshake before it is accepted.

    A WebSocket gets the HTTP answer when the server supports ``websocket.http.response``, else
    the close code and reason.
    """
    answer = Refusal.of(error, realm)
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.asgi_headers()})
        await send({"type": "http.response.body", "body": answer.body})
    elif "websocket.http.response" in (scope.get("extensions") or {}):
        headers = answer.asgi_headers()
        await send({"type": "websocket.http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": answer.body})
    else:
        await send({"type": "websocket.close", "code": answer.close_code, "reason": answer.close_reason})
