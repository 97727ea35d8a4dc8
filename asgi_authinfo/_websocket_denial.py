"""WebSocket parity: a framework guard's refusal reaches the client as the middleware's denial.

Litestar and Falcon can only refuse a handshake by closing it, which servers turn into a bare 403.
Their guards leave the ``Refusal`` in the scope and close; on a server with denial responses
(uvicorn, hypercorn) the middleware sends that close as the refusal's status, headers and body.
"""

from __future__ import annotations

from typing import Any, Final

from ._responses import Refusal

__all__ = ["REFUSAL_KEY", "denying"]

REFUSAL_KEY: Final = "auth_refusal"
"""The scope key a guard leaves its ``Refusal`` under before closing the handshake."""


def denying(scope: Any, send: Any) -> Any:
    """``send``, with a pre-accept close that follows a guard's refusal sent as the HTTP denial."""
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        return send
    accepted = False

    async def send_refusals_as_denials(message: Any) -> None:
        nonlocal accepted
        kind = message["type"]
        if kind == "websocket.accept":
            accepted = True
        elif kind == "websocket.close" and not accepted:
            refusal = scope.get(REFUSAL_KEY)
            if isinstance(refusal, Refusal):
                start = {"type": "websocket.http.response.start", "status": refusal.status}
                await send({**start, "headers": refusal.asgi_headers()})
                await send({"type": "websocket.http.response.body", "body": refusal.body})
                return
        await send(message)

    return send_refusals_as_denials
