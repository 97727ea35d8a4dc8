"""A Starlette endpoint decorator that refuses like the middleware (RFC 6750 401/403).

Starlette's own ``@requires("authenticated")`` and ``@requires("<permission>")`` already work
unchanged (they answer 403 with no ``WWW-Authenticate``); ``@require(...)`` answers 401 with a
Bearer challenge when signed out and 403 ``insufficient_scope`` when ``auth.has(...)`` fails, on
HTTP and WebSocket endpoints.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, Unpack

from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal, send_refusal
from . import framework_missing

try:
    from starlette.requests import HTTPConnection
    from starlette.responses import Response
    from starlette.websockets import WebSocket
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("starlette", "Starlette") from exc

__all__ = ["require"]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def require(
    *,
    realm: str | None = None,
    **conditions: Unpack[Conditions],
) -> Callable[[Endpoint], Endpoint]:
    """Guard a Starlette endpoint function (request or websocket, sync or async, or a method)."""
    requirement = Requirement(**conditions)

    def decorate(endpoint: Endpoint) -> Endpoint:
        if not inspect.iscoroutinefunction(endpoint):

            @functools.wraps(endpoint)
            def sync_endpoint(*args: Any, **kwargs: Any) -> Any:
                connection = _connection(args, kwargs)
                error = check(get_auth(connection), requirement)
                if error is not None:
                    return _response(Refusal.of(error, realm_of(connection, realm)))
                return endpoint(*args, **kwargs)

            return sync_endpoint  # type: ignore[return-value]

        @functools.wraps(endpoint)
        async def async_endpoint(*args: Any, **kwargs: Any) -> Any:
            connection = _connection(args, kwargs)
            error = check(get_auth(connection), requirement)
            if error is None:
                return await endpoint(*args, **kwargs)
            if isinstance(connection, WebSocket):
                await send_refusal(connection.scope, connection.send, error, realm_of(connection, realm))
                return None
            return _response(Refusal.of(error, realm_of(connection, realm)))

        return async_endpoint  # type: ignore[return-value]

    return decorate


def _connection(args: tuple[Any, ...], kwargs: dict[str, Any]) -> HTTPConnection:
    for value in (*args, *kwargs.values()):
        if isinstance(value, HTTPConnection):
            return value
    raise TypeError("@require(...) guards Starlette endpoints: the endpoint takes no Request or WebSocket")


def _response(answer: Refusal) -> Response:
    return Response(answer.body, answer.status, headers=answer.headers)
