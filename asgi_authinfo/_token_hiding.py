"""Taking a token out of the ASGI scope once it is read, so no app, framework or access log sees it.

Servers such as uvicorn write their access log line from the very scope dict they pass on, when the
response starts; editing that dict in place (never replacing it) keeps the token out of the line.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

__all__ = ["hide_query_param", "hide_subprotocol", "without_param"]


def without_param(query: bytes, name: str) -> bytes:
    """``query`` without any ``name=...`` pair; every other pair is kept byte for byte."""
    kept = [
        pair for pair in query.split(b"&") if unquote_plus(pair.partition(b"=")[0].decode("latin-1")) != name
    ]
    return b"&".join(kept)


def hide_query_param(scope: Any, name: str) -> None:
    """Remove ``name`` from ``scope["query_string"]`` and from a ``raw_path`` that carries a query."""
    query = scope.get("query_string")
    if query:
        kept = without_param(query, name)
        if kept != query:
            scope["query_string"] = kept
    raw_path = scope.get("raw_path")
    if isinstance(raw_path, bytes) and b"?" in raw_path:
        path, _, raw_query = raw_path.partition(b"?")
        rest = without_param(raw_query, name)
        scope["raw_path"] = path + b"?" + rest if rest else path


def hide_subprotocol(scope: Any, token: str) -> None:
    """Remove the offered subprotocol that is the token from ``subprotocols`` and the header."""
    offered = scope.get("subprotocols")
    if isinstance(offered, list) and token in offered:
        offered[:] = [protocol for protocol in offered if protocol != token]
    headers = scope.get("headers")
    if headers is None:
        return
    kept: list[Any] = []
    for name, value in headers:
        if name.lower() == b"sec-websocket-protocol" and token.encode("latin-1") in value:
            rest = [part.strip() for part in value.split(b",") if part.strip() != token.encode("latin-1")]
            if not rest:
                continue
            value = b", ".join(rest)
        kept.append((name, value))
    scope["headers"] = kept
