"""Litestar: ``AuthInfoPlugin``, typed ``request.auth``/``request.user``, a guard for requirements.

``Litestar(plugins=[AuthInfoPlugin(issuers=[...])])`` mounts the middleware, installs
``refusal_handler`` and registers the bearer scheme and 401/403 answers in the OpenAPI schema.
Without the plugin:

``AuthInfoMiddleware`` fills the scope keys Litestar reads, so ``request.auth`` and
``request.user`` work as with Litestar's own auth middleware; ``guards=[require(...)]`` refuses
with ``AuthRefused``. A guard cannot answer by itself in Litestar, so install the handler that
answers like the middleware (same status, headers and JSON body, also on ``str`` handlers)::

    Litestar([...], exception_handlers={AuthRefused: refusal_handler})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, TypeAlias, Unpack

from .._auth_info import AuthInfo, NoAuthInfo
from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._issuer_resolver import Issuers
from .._middleware import AuthInfoMiddleware
from .._responses import Refusal
from .._token_sources import BearerHeader, TokenSource
from .._user import AnonymousUser, User
from .._verifier import TokenVerifier
from .._websocket_denial import REFUSAL_KEY
from . import framework_missing

try:
    from litestar import Response
    from litestar.config.app import AppConfig
    from litestar.connection import ASGIConnection, Request, WebSocket
    from litestar.enums import ScopeType
    from litestar.exceptions import HTTPException, WebSocketException
    from litestar.handlers import HTTPRouteHandler
    from litestar.handlers.base import BaseRouteHandler
    from litestar.middleware import DefineMiddleware
    from litestar.openapi.datastructures import ResponseSpec
    from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme
    from litestar.plugins import InitPluginProtocol, ReceiveRoutePlugin
    from litestar.routes import BaseRoute
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("litestar", "Litestar") from exc

__all__ = ["AuthInfoPlugin", "AuthRefused", "AuthRequest", "AuthWebSocket", "refusal_handler", "require"]

_REQUIREMENT: Final = "__asgi_authinfo_requirement__"

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

    ``@get("/posts", guards=[require(permission="posts:write")])``; ``AuthInfoPlugin`` documents its
    401/403 answers in the OpenAPI schema. HTTP refusals are
    ``AuthRefused`` (answered by ``refusal_handler``); a WebSocket handshake gets the middleware's
    denial response (status, ``WWW-Authenticate``, body), or its close code on servers without.
    """
    requirement = Requirement(**conditions)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        error = check(get_auth(connection), requirement)
        if error is None:
            return
        answer = Refusal.of(error, realm_of(connection, realm))
        if connection.scope["type"] == ScopeType.WEBSOCKET:
            scope: Any = connection.scope
            scope[REFUSAL_KEY] = answer  # the middleware sends the close as this denial response
            raise WebSocketException(detail=answer.close_reason, code=answer.close_code)
        raise AuthRefused(answer)

    guard.__qualname__ = f"require({requirement!r})"
    setattr(guard, _REQUIREMENT, requirement)  # so AuthInfoPlugin documents 401/403 on the route
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


class AuthInfoPlugin(InitPluginProtocol, ReceiveRoutePlugin):
    """Everything a Litestar app needs: ``Litestar([...], plugins=[AuthInfoPlugin(issuers=[...])])``.

    Mounts ``AuthInfoMiddleware`` (one ``TokenVerifier`` for every route, closed at shutdown),
    answers ``require``'s refusals with ``refusal_handler`` (one JSON body shape, unless the app
    installs its own ``AuthRefused`` handler), and puts the HTTP bearer scheme in the OpenAPI
    schema, with 401/403 on every route a ``require`` guard protects (every route with
    ``required=True``). The other options are ``AuthInfoMiddleware``'s.
    """

    def __init__(
        self,
        *,
        issuers: Issuers | None = None,
        verifier: TokenVerifier | None = None,
        required: bool = False,
        on_invalid: Literal["reject", "anonymous"] = "reject",
        token_sources: Sequence[TokenSource] = (BearerHeader(),),
        realm: str = "api",
        security_scheme: str = "bearer",
    ) -> None:
        if (issuers is None) == (verifier is None):
            raise ValueError(
                "give AuthInfoPlugin either issuers=[Issuer(...)] or verifier=TokenVerifier(...)"
            )
        self.verifier = verifier if verifier is not None else TokenVerifier(issuers or ())
        self.options: dict[str, Any] = {
            "required": required,
            "on_invalid": on_invalid,
            "token_sources": tuple(token_sources),
            "realm": realm,
        }
        self.security_scheme = security_scheme

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.middleware.append(
            DefineMiddleware(AuthInfoMiddleware, verifier=self.verifier, **self.options)
        )
        app_config.exception_handlers = {AuthRefused: refusal_handler, **app_config.exception_handlers}
        app_config.on_shutdown.append(self.verifier.aclose)
        openapi = app_config.openapi_config
        if openapi is not None:
            scheme = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            ours = Components(security_schemes={self.security_scheme: scheme})
            theirs = openapi.components if isinstance(openapi.components, list) else [openapi.components]
            security: list[SecurityRequirement] = [{self.security_scheme: []}]
            if not self.options["required"]:
                security.append({})  # signed-out requests are answered too: the bearer scheme is optional
            openapi.components = [*theirs, ours]
            openapi.security = [*(openapi.security or []), *security]
        return app_config

    def receive_route(self, route: BaseRoute) -> None:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            layers = handler.ownership_layers  # not resolve_guards(): it caches, and routes are not final yet
            guarded = any(hasattr(guard, _REQUIREMENT) for layer in layers for guard in layer.guards or ())
            if not (guarded or self.options["required"]):
                continue
            answers = {
                401: ResponseSpec(RefusalBody, description="No token, or a token refused (WWW-Authenticate)"),
                403: ResponseSpec(RefusalBody, description="The token lacks what the route requires"),
            }
            handler.responses = {**answers, **(handler.responses or {})}
            if guarded:
                handler.security = [{self.security_scheme: []}]


@dataclasses.dataclass(frozen=True, slots=True)
class RefusalBody:
    """The JSON body of every refusal, for the OpenAPI schema."""

    error: str
    error_code: str
    error_description: str
