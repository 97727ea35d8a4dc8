"""``assert_refused`` and ``assert_signed_in``: what a test checks about a response, in the one
refusal shape (``{"error", "error_code", "error_description"}``) every part of asgi-authinfo answers.

They read an HTTP response (httpx, Starlette's ``TestClient``), a WebSocket handshake denied with an
HTTP answer (Starlette's ``WebSocketDenialResponse``) or a WebSocket closed before it was accepted
(an exception with ``code`` and ``reason``, such as Starlette's ``WebSocketDisconnect``; its reason
is ``"<error_code>: <error_description>"``, cut to 123 bytes).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ._refusal_hints import FIXTURE_HINTS

__all__ = ["assert_refused", "assert_signed_in"]

_REFUSALS = (401, 403, 503)
_CLOSE_CODES = (1008, 1013)


def _hint(body: dict[str, Any]) -> str:
    """The fixture hint for a refusal whose description does not carry it already (an issuer that
    is not a fake's ``issuer_config()``, or a WebSocket close reason cut short)."""
    hint = FIXTURE_HINTS.get(body["error_code"])
    if not hint or hint in str(body.get("error_description")):
        return ""
    return f"\n  hint: {hint}"


def _unwrapped(response: Any) -> Any:
    """The exception a ``pytest.raises`` block caught, or ``response`` itself."""
    return response.value if isinstance(response, pytest.ExceptionInfo) else response


def _http_body(response: Any) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError, AttributeError):
        return None
    return body if isinstance(body, dict) else None


def _refusal(response: Any) -> tuple[int, dict[str, Any]] | None:
    """``(status or close code, refusal body)`` when ``response`` is a refusal, else None."""
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        body = _http_body(response)
        if status in _REFUSALS and body is not None and "error_code" in body:
            return status, body
        return None
    code, reason = getattr(response, "code", None), getattr(response, "reason", None)
    if code in _CLOSE_CODES and isinstance(reason, str):
        error_code, _, description = reason.partition(": ")
        return code, {"error": None, "error_code": error_code, "error_description": description}
    return None


def _described(response: Any) -> str:
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        text = getattr(response, "text", "")
        return f"HTTP {status} {text[:300]!r}"
    return repr(response)


def assert_refused(response: Any, code: str | None = None, *, status: int | None = None) -> dict[str, Any]:
    """Assert ``response`` is an asgi-authinfo refusal (with the stable ``error_code`` ``code`` and
    the HTTP ``status``, when given); return its body (``error``, ``error_code``,
    ``error_description``).

    ``assert_refused(client.get("/"), "missing_token")``; for a WebSocket, pass the denial response
    or the ``pytest.raises`` result of the rejected connection.
    """
    __tracebackhide__ = True
    response = _unwrapped(response)
    refusal = _refusal(response)
    if refusal is None:
        raise AssertionError(f"expected an asgi-authinfo refusal, got {_described(response)}")
    got_status, body = refusal
    if code is not None and body["error_code"] != code:
        raise AssertionError(
            f"expected the refusal {code!r}, got {body['error_code']!r}: {body['error_description']}"
            + _hint(body)
        )
    if status is not None and got_status != status:
        raise AssertionError(f"expected status {status}, got {got_status}: {body['error_description']}")
    return body


def assert_signed_in(response: Any) -> None:
    """Assert ``response`` was not refused by asgi-authinfo; if it was, say why (the refusal's
    ``error_code`` and description, which name what to fix)."""
    __tracebackhide__ = True
    response = _unwrapped(response)
    refusal = _refusal(response)
    if refusal is not None:
        got_status, body = refusal
        raise AssertionError(
            f"the request was refused ({got_status} {body['error_code']}): {body['error_description']}"
            + _hint(body)
        )
    status = getattr(response, "status_code", None)
    if isinstance(status, int) and status >= 400:
        raise AssertionError(f"expected a signed-in answer, got {_described(response)}")
    if isinstance(response, BaseException):
        raise AssertionError(f"expected a signed-in answer, got {response!r}")
