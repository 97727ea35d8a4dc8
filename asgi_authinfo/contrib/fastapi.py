"""FastAPI dependencies: the current auth, requirements, and the bearer scheme behind /docs' Authorize.

``auth: CurrentAuth`` gives the ``AuthInfo``/``NoAuthInfo``; ``Depends(require(permission=...))``
refuses with ``AuthRefused``; both put an HTTP bearer security scheme in the OpenAPI schema. Works
on HTTP and WebSocket routes. A dependency cannot answer by itself in FastAPI, so install the
handler that answers like the middleware (same status, headers and flat JSON body)::

    app = FastAPI(exception_handlers={AuthRefused: refusal_handler})

``document_refusals(app)`` lists those 401/403 answers in the OpenAPI schema of every route that
depends on the caller's auth (dependencies cannot declare responses themselves).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final, Unpack

from .._auth_info import AuthInfo, NoAuthInfo
from .._errors import AuthError
from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal
from . import framework_missing

try:
    from fastapi import Depends, FastAPI, HTTPException, Security, WebSocketException
    from fastapi.dependencies.models import Dependant
    from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
    from fastapi.routing import APIRoute
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
    "document_refusals",
    "refusal",
    "refusal_handler",
    "refusal_responses",
    "require",
]

_REFUSES: Final = "__asgi_authinfo_refuses__"  # marks require()'s dependencies for document_refusals


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
    forbids = bool(requirement.conditions) or requirement.reverification is not None  # else 401 only
    setattr(required, _REFUSES, forbids)
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

_BODY: Final[dict[str, Any]] = {
    "application/json": {
        "schema": {
            "title": "Refusal",
            "type": "object",
            "required": ["error", "error_code", "error_description"],
            "properties": {
                "error": {"type": "string", "description": "The RFC 6750 error code"},
                "error_code": {"type": "string", "description": "asgi-authinfo's stable error code"},
                "error_description": {"type": "string"},
            },
        }
    }
}
_UNAUTHORIZED: Final[dict[str, Any]] = {
    "description": "No token where one is required, or a token refused (see WWW-Authenticate)",
    "content": _BODY,
}
refusal_responses: Final[dict[int | str, dict[str, Any]]] = {
    401: _UNAUTHORIZED,
    403: {"description": "The token lacks what the route requires", "content": _BODY},
}
"""The 401/403 answers of ``require``, for ``APIRouter(responses=refusal_responses)`` or a route."""


def document_refusals(app: FastAPI) -> None:
    """List the refusal answers in ``app``'s OpenAPI schema, on every route that reads the auth.

    Routes that depend on ``require(...)`` with conditions get 401 and 403; routes that read
    ``CurrentAuth`` or ``SignedIn`` get 401 (the middleware refuses a bad token on any route). Answers a route
    declares itself are kept. The routes are read when the schema is first built, so routes added
    after this call are documented too.
    """
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for route in app.routes:
                if isinstance(route, APIRoute):
                    _document(route)
        return build_schema()

    app.openapi = openapi  # type: ignore[method-assign]


def _document(route: APIRoute) -> None:
    reads_auth, forbids = _reads(route.dependant)
    if reads_auth:
        answers: dict[int | str, dict[str, Any]] = refusal_responses if forbids else {401: _UNAUTHORIZED}
        route.responses = {**answers, **route.responses}


def _reads(dependant: Dependant) -> tuple[bool, bool]:
    """Whether ``dependant`` (or anything under it) reads the auth, and whether it can answer 403."""
    reads_auth = isinstance(dependant.call, BearerAuth)
    forbids = getattr(dependant.call, _REFUSES, False)
    for dependency in dependant.dependencies:
        sub_reads, sub_forbids = _reads(dependency)
        reads_auth, forbids = reads_auth or sub_reads, forbids or sub_forbids
    return reads_auth, forbids
