"""Django (ASGI): ``request.user`` from the token, a view decorator, lifespan and WebSockets.

``AuthInfoUserMiddleware`` (in ``MIDDLEWARE``) makes ``request.user`` the token's user, so
``login_required``/``permission_required`` and ``user.has_perm`` answer from the token; on API
requests (those that do not accept ``text/html``) their redirect to ``LOGIN_URL`` becomes the
middleware's 401 (403 when signed in). Without Channels, ``with_lifespan(app)`` also refuses
WebSocket handshakes with a 404 (close code 1000 when the server has no denial responses) instead
of Django's 500.

Views read the auth with ``get_auth(request)`` (Django's ``ASGIRequest`` keeps the ASGI scope).
``@require(permission=...)`` refuses with the middleware's status, RFC 6750 headers and JSON body,
on sync and async views alike. Django answers no ``lifespan`` scope; ``with_lifespan(app)`` does,
so the middleware can close its HTTP client when the server shuts down.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, Unpack

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope

from .._auth_info import AuthInfo, NoAuthInfo
from .._errors import AuthError, InsufficientScopeError
from .._guards import Conditions, Requirement, check, get_auth, missing_token, realm_of
from .._responses import Refusal
from . import framework_missing

try:
    from django.conf import settings  # type: ignore[import-untyped]
    from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]
    from django.shortcuts import resolve_url  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("django", "Django") from exc

__all__ = ["AuthInfoUserMiddleware", "TokenAnonymousUser", "TokenUser", "require", "with_lifespan"]

View = TypeVar("View", bound=Callable[..., Any])


def require(
    *,
    realm: str | None = None,
    **conditions: Unpack[Conditions],
) -> Callable[[View], View]:
    """Guard a Django view (function, sync or async): 401 signed out, 403 when ``has(...)`` fails."""
    requirement = Requirement(**conditions)

    def refused(request: HttpRequest) -> HttpResponse | None:
        error = check(get_auth(request), requirement)
        if error is None:
            return None
        answer = Refusal.of(error, realm_of(request, realm))
        return HttpResponse(answer.body, status=answer.status, headers=answer.headers)

    def decorate(view: View) -> View:
        if iscoroutinefunction(view):

            async def async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                refusal = refused(request)
                return refusal if refusal is not None else await view(request, *args, **kwargs)

            guarded: Any = markcoroutinefunction(functools.wraps(view)(async_view))
            return guarded  # type: ignore[no-any-return]

        def sync_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refusal = refused(request)
            return refusal if refusal is not None else view(request, *args, **kwargs)

        return functools.wraps(view)(sync_view)  # type: ignore[return-value]

    return decorate


def with_lifespan(app: Any) -> Callable[[Scope, ASGIReceiveCallable, ASGISendCallable], Any]:
    """Answer the ``lifespan`` scope Django refuses, and hand every other scope to ``app``.

    ``AuthInfoMiddleware(with_lifespan(get_asgi_application()), issuers=[...])``.
    """

    async def lifespan_aware(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] == "websocket":
            await _no_websockets(scope, receive, send)
            return
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return lifespan_aware


async def _no_websockets(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    """Django without Channels serves no WebSockets: a clean 404, not Django's 500 and traceback."""
    await receive()  # websocket.connect
    extensions: Any = scope.get("extensions") or {}
    if "websocket.http.response" in extensions:
        body = b'{"error": "not_found", "error_description": "this Django app serves no WebSockets"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "websocket.http.response.start", "status": 404, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body, "more_body": False})
    else:
        await send({"type": "websocket.close", "code": 1000, "reason": "no WebSockets here"})


class TokenUser:
    """The token's user as Django's views and decorators expect ``request.user`` to be.

    ``has_perm("posts:write")`` answers ``auth.has(permission=...)``; every ``User`` field
    (``email``, ``name``, ...) reads through. ``pk``/``username`` are the token's ``sub``.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, auth: AuthInfo) -> None:
        self.auth = auth
        self.pk = self.id = self.username = auth.user.id

    def __getattr__(self, name: str) -> Any:
        return getattr(self.auth.user, name)

    def __str__(self) -> str:
        return self.auth.user.display_name

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return obj is None and self.auth.has(permission=perm)

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return any(perm.startswith(f"{app_label}.") for perm in self.auth.permissions)


class TokenAnonymousUser:
    """``request.user`` without a token: Django's ``AnonymousUser`` API, without needing its models."""

    is_authenticated = False
    is_anonymous = True
    is_active = False
    is_staff = False
    is_superuser = False
    pk = id = None
    username = ""

    def __str__(self) -> str:
        return "AnonymousUser"

    def get_username(self) -> str:
        return ""

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class AuthInfoUserMiddleware:
    """Django middleware: ``request.user`` is the token's; API login redirects become 401/403.

    Put it in ``MIDDLEWARE`` after ``AuthenticationMiddleware`` (if you have it). A request that
    accepts ``text/html`` is a browser's and keeps Django's redirect to ``LOGIN_URL``.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        auth = self._sign_in(request)
        return self._answer(request, auth, self.get_response(request))

    async def _acall(self, request: HttpRequest) -> Any:
        auth = self._sign_in(request)
        return self._answer(request, auth, await self.get_response(request))

    @staticmethod
    def _sign_in(request: HttpRequest) -> AuthInfo | NoAuthInfo:
        auth = get_auth(request)
        request.user = TokenUser(auth) if isinstance(auth, AuthInfo) else TokenAnonymousUser()
        return auth

    @staticmethod
    def _answer(request: HttpRequest, auth: AuthInfo | NoAuthInfo, response: HttpResponse) -> HttpResponse:
        if response.status_code != 302 or "text/html" in request.headers.get("Accept", ""):
            return response
        login = resolve_url(settings.LOGIN_URL)
        if not response.get("Location", "").startswith(login):
            return response
        error: AuthError
        if isinstance(auth, AuthInfo):
            error = InsufficientScopeError("the token lacks a permission this view requires")
        else:
            error = auth.error or missing_token()
        answer = Refusal.of(error, realm_of(request))
        return HttpResponse(answer.body, status=answer.status, headers=answer.headers)
