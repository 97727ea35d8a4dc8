"""Litestar: typed ``request.auth``/``request.user``, and a guard for requirements.

``AuthInfoMiddleware`` fills the scope keys Litestar reads, so ``request.auth`` and
``request.user`` work as with Litestar's own auth middleware; ``guards=[require(...)]`` refuses
with ``AuthRefused``. A guard cannot answer by itself in Litestar, so install the handler that
answers like the middleware (same status, headers and JSON body, also on ``str`` handlers)::

    Litestar([...], exception_handlers={AuthRefused: refusal_handler})
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, Unpack

from .._auth_info import AnonymousUser, AuthInfo, NoAuthInfo, User
from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal
from . import framework_missing

try:
    from litestar import Response
    from litestar.connection import ASGIConnection, Request, WebSocket
    from litestar.enums import ScopeType
    from litestar.exceptions import HTTPException, WebSocketException
    from litestar.handlers.base import BaseRouteHandler
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("litestar", "Litestar") from exc

__all__ = ["AuthRefused", "AuthRequest", "AuthWebSocket", "refusal_handler", "require"]

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

    ``@get("/posts", guards=[require(permission="posts:write")])``. HTTP refusals are
    ``AuthRefused`` (answered by ``refusal_handler``); on a WebSocket Litestar closes the handshake
    with the middleware's close code and reason, which the server turns into a 403.
    """
    requirement = Requirement(**conditions)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        error = check(get_auth(connection), requirement)
        if error is None:
            return
        answer = Refusal.of(error, realm_of(connection, realm))
        if connection.scope["type"] == ScopeType.WEBSOCKET:
            raise WebSocketException(detail=answer.close_reason, code=answer.close_code)
        raise AuthRefused(answer)

    guard.__qualname__ = f"require({requirement!r})"
    return guard


class AuthRefused(HTTPException):
    """A refusal from ``require``: ``refusal_handler`` answers it exactly as the middleware does.

    Without the handler Litestar still answers with its status and headers, in its own body
    (``{"status_code", "detail", "extra": {"error", "error_code"}}``).
    """

    def __init__(self, answer: Refusal) -> None:
        payload = answer.payload
        super().__init__(
            detail=payload["error_description"],
            status_code=answer.status,
            headers=dict(answer.headers),
            extra={"error": payload["error"], "error_code": payload["error_code"]},
        )
        self.answer = answer


def refusal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The exception handler for ``AuthRefused``: the middleware's status, headers and JSON body.

    ``Litestar([...], exception_handlers={AuthRefused: refusal_handler})``.
    """
    if not isinstance(exc, AuthRefused):
        raise exc
    return Response(exc.answer.body, status_code=exc.answer.status, headers=dict(exc.answer.headers))
