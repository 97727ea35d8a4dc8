"""Django (ASGI): a view decorator for requirements, and lifespan for ``AuthInfoMiddleware``.

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

from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal
from . import framework_missing

try:
    from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("django", "Django") from exc

__all__ = ["require", "with_lifespan"]

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
