"""FastAPI dependencies: the current auth, requirements, and the bearer scheme behind /docs' Authorize.

``auth: CurrentAuth`` gives the ``AuthInfo``/``NoAuthInfo``; ``Depends(require(permission=...))``
refuses with ``AuthRefused``; both put an HTTP bearer security scheme in the OpenAPI schema. Works
on HTTP and WebSocket routes. A dependency cannot answer by itself in FastAPI, so install the
handler that answers like the middleware (same status, headers and flat JSON body)::

    app = FastAPI(exception_handlers={AuthRefused: refusal_handler})
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Unpack

from .._auth_info import AuthInfo, NoAuthInfo
from .._errors import AuthError
from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal
from . import framework_missing

try:
    from fastapi import Depends, HTTPException, Security, WebSocketException
    from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
    from fastapi.security.base import SecurityBase
    from starlette.requests import HTTPConnection
    from starlette.responses import Response
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("fastapi", "FastAPI") from exc

__all__ = [
    "AuthRefused",
    "BearerAuth",
    "CurrentAuth",
    "SignedIn",
    "bearer_auth",
    "refusal",
    "refusal_handler",
    "require",
]


class BearerAuth(SecurityBase):
    """The OpenAPI HTTP bearer security scheme; as a dependency, the current ``AuthInfo``/``NoAuthInfo``.

    It reads what ``AuthInfoMiddleware`` put in the scope: the token is verified once, there.
    """

    def __init__(
        self,
        *,
        scheme_name: str = "BearerAuth",
        bearer_format: str | None = "JWT",
        description: str | None = "An access token from a trusted issuer: Authorization: Bearer <token>",
    ) -> None:
        self.model = HTTPBearerModel(bearerFormat=bearer_format, description=description)
        self.scheme_name = scheme_name

    async def __call__(self, connection: HTTPConnection) -> AuthInfo | NoAuthInfo:
        return get_auth(connection)


bearer_auth = BearerAuth()
"""The default scheme, shown as ``BearerAuth`` in the OpenAPI schema."""


def require(
    *,
    realm: str | None = None,
    scheme: BearerAuth = bearer_auth,
    **conditions: Unpack[Conditions],
) -> Callable[..., Awaitable[AuthInfo]]:
    """A dependency for a signed-in caller with ``auth.has(...)``: 401 signed out, 403 otherwise.

    ``Depends(require(permission="posts:write"))``; the dependency's value is the ``AuthInfo``.
    """
    requirement = Requirement(**conditions)
    current = Security(scheme)

    async def required(connection: HTTPConnection, auth: AuthInfo | NoAuthInfo = current) -> AuthInfo:
        error = check(auth, requirement)
        if error is not None:
            raise refusal(connection, error, realm)
        assert isinstance(auth, AuthInfo)
        return auth

    required.__qualname__ = f"require({requirement!r})"
    return required


class AuthRefused(HTTPException):
    """A refusal from ``require``: ``refusal_handler`` answers it exactly as the middleware does.

    Without the handler FastAPI still answers with its status and headers, with the body under
    ``"detail"``.
    """

    def __init__(self, answer: Refusal) -> None:
        super().__init__(status_code=answer.status, detail=answer.payload, headers=dict(answer.headers))
        self.answer = answer


async def refusal_handler(connection: HTTPConnection, exc: Exception) -> Response:
    """The exception handler for ``AuthRefused``: the middleware's status, headers and JSON body.

    ``FastAPI(exception_handlers={AuthRefused: refusal_handler})``, or
    ``app.add_exception_handler(AuthRefused, refusal_handler)``.
    """
    if not isinstance(exc, AuthRefused):
        raise exc
    return Response(exc.answer.body, exc.answer.status, headers=exc.answer.headers)


def refusal(connection: HTTPConnection, error: AuthError, realm: str | None = None) -> Exception:
    """The exception that makes FastAPI answer ``error`` like the middleware does.

    On HTTP, and on a WebSocket handshake when the server supports denial responses, an
    ``AuthRefused``; otherwise a ``WebSocketException`` with the middleware's close code and reason.
    """
    answer = Refusal.of(error, realm_of(connection, realm))
    if connection.scope["type"] == "websocket" and "websocket.http.response" not in (
        connection.scope.get("extensions") or {}
    ):
        return WebSocketException(code=answer.close_code, reason=answer.close_reason)
    return AuthRefused(answer)


CurrentAuth = Annotated[AuthInfo | NoAuthInfo, Security(bearer_auth)]
"""``auth: CurrentAuth``: the caller's ``AuthInfo``, or ``NoAuthInfo`` when signed out."""

SignedIn = Annotated[AuthInfo, Depends(require())]
"""``auth: SignedIn``: the caller's ``AuthInfo``; signed-out callers get 401."""
