"""Quart: a route and WebSocket decorator for requirements; ``get_auth(request)`` reads the auth.

``@require(permission=...)`` returns the middleware's refusal (status, RFC 6750 headers, JSON
body). On a WebSocket route Quart sends it as the handshake's HTTP answer when the server
supports denial responses, and closes the handshake otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, Unpack

from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal
from . import framework_missing

try:
    from quart import Response, has_websocket_context, request, websocket
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("quart", "Quart") from exc

__all__ = ["require"]

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


def require(
    *,
    realm: str | None = None,
    **conditions: Unpack[Conditions],
) -> Callable[[Handler], Handler]:
    """Guard a Quart route or WebSocket handler: 401 signed out, 403 when ``auth.has(...)`` fails.

    Put it below ``@app.route``/``@app.websocket`` so Quart registers the guarded handler.
    """
    requirement = Requirement(**conditions)

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            connection: Any = websocket if has_websocket_context() else request
            error = check(get_auth(connection), requirement)
            if error is None:
                return await handler(*args, **kwargs)
            answer = Refusal.of(error, realm_of(connection, realm))
            return Response(answer.body, answer.status, dict(answer.headers))

        return guarded  # type: ignore[return-value]

    return decorate
