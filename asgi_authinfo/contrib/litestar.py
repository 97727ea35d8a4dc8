"""Litestar: typed ``request.auth``/``request.user``, and a guard for requirements.

``AuthInfoMiddleware`` fills the scope keys Litestar reads, so ``request.auth`` and
``request.user`` work as with Litestar's own auth middleware; ``guards=[require(...)]`` refuses
with the middleware's RFC 6750 headers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, Unpack

from .._auth_info import AnonymousUser, AuthInfo, NoAuthInfo, User
from .._guards import Conditions, Requirement, check, get_auth, realm_of
from ._refusal import Refusal, framework_missing

try:
    from litestar.connection import ASGIConnection, Request, WebSocket
    from litestar.enums import ScopeType
    from litestar.exceptions import HTTPException, WebSocketException
    from litestar.handlers.base import BaseRouteHandler
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("litestar", "Litestar") from exc

__all__ = ["AuthRequest", "AuthWebSocket", "require"]

AuthRequest: TypeAlias = Request[User | AnonymousUser, AuthInfo | NoAuthInfo, Any]
"""``request: AuthRequest`` types ``request.auth`` and ``request.user``."""

AuthWebSocket: TypeAlias = WebSocket[User | AnonymousUser, AuthInfo | NoAuthInfo, Any]
"""``socket: AuthWebSocket`` types ``socket.auth`` and ``socket.user``."""


def require(
    *,
    realm: str | None = None,
    **conditions: Unpack[Conditions],
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """A Litestar guard: 401 when signed out, 403 ``insufficient_scope`` when ``auth.has(...)`` fails.

    ``@get("/posts", guards=[require(permission="posts:write")])``. HTTP answers carry the RFC 6750
    headers and ``extra={"error", "error_code"}``; on a WebSocket Litestar closes the handshake
    (code 1008), which the server turns into a 403.
    """
    requirement = Requirement(**conditions)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        error = check(get_auth(connection), requirement)
        if error is None:
            return
        answer = Refusal.of(error, realm_of(connection, realm))
        if connection.scope["type"] == ScopeType.WEBSOCKET:
            raise WebSocketException(detail=answer.close_reason, code=answer.close_code)
        raise HTTPException(
            detail=answer.description,
            status_code=answer.status,
            headers=answer.headers,
            extra={"error": answer.payload["error"], "error_code": answer.code},
        )

    guard.__qualname__ = f"require({requirement!r})"
    return guard
