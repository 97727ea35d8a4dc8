"""Quart: ``@require(...)`` on routes and WebSockets, ``protect(app_or_blueprint)`` for all of them.

``@require(permission=...)`` returns the middleware's refusal (status, RFC 6750 headers, JSON
body). On a WebSocket route Quart sends it as the handshake's HTTP answer when the server
supports denial responses, and closes the handshake otherwise. It works above or below
``@app.route``: written above, Quart registers the unguarded handler, which ``require`` marks, and
a listener on Quart's ``request_started``/``websocket_started`` signals enforces the mark.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar, Unpack

from .._errors import AuthError
from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal
from . import framework_missing

try:
    from quart import Blueprint, Quart, Response, abort, has_websocket_context, request, websocket
    from quart.signals import request_started, websocket_started
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("quart", "Quart") from exc

__all__ = ["protect", "require"]

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])

_UNGUARDED: Final = "__asgi_authinfo_unguarded__"
"""On a handler: the requirements of ``require`` decorators Quart did not register (written above)."""


def _refusal(requirement: Requirement, realm: str | None) -> Response | None:
    connection: Any = websocket if has_websocket_context() else request
    error: AuthError | None = check(get_auth(connection), requirement)
    if error is None:
        return None
    answer = Refusal.of(error, realm_of(connection, realm))
    return Response(answer.body, answer.status, dict(answer.headers))


def require(
    *,
    realm: str | None = None,
    **conditions: Unpack[Conditions],
) -> Callable[[Handler], Handler]:
    """Guard a Quart route or WebSocket handler: 401 signed out, 403 when ``auth.has(...)`` fails."""
    requirement = Requirement(**conditions)

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            refusal = _refusal(requirement, realm)
            return await handler(*args, **kwargs) if refusal is None else refusal

        guarded.__dict__.pop(_UNGUARDED, None)  # the guard Quart registers enforces itself
        marks: tuple[tuple[Requirement, str | None], ...] = getattr(handler, _UNGUARDED, ())
        setattr(handler, _UNGUARDED, (*marks, (requirement, realm)))
        return guarded  # type: ignore[return-value]

    return decorate


def protect(target: Quart | Blueprint, *, realm: str | None = None, **conditions: Unpack[Conditions]) -> None:
    """Guard every route and WebSocket of an app or blueprint (``protect(app)``: signed in)."""
    requirement = Requirement(**conditions)

    async def guard() -> Response | None:
        return _refusal(requirement, realm)

    target.before_request(guard)
    target.before_websocket(guard)


async def _enforce_unguarded(app: Quart, **_: Any) -> None:
    """Refuse when the registered handler carries a ``require`` written above ``@app.route``."""
    connection: Any = websocket if has_websocket_context() else request
    view = app.view_functions.get(connection.endpoint or "")
    for requirement, realm in getattr(view, _UNGUARDED, ()):
        refusal = _refusal(requirement, realm)
        if refusal is not None:
            abort(refusal)


request_started.connect(_enforce_unguarded, weak=False)
websocket_started.connect(_enforce_unguarded, weak=False)
