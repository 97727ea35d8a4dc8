"""Reading the auth back from a request, and guarding raw ASGI apps on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope

from ._auth_info import AuthInfo, NoAuthInfo
from ._errors import AuthError, InsufficientScopeError, MissingTokenError
from ._responses import send_refusal

__all__ = ["Requirement", "check", "get_auth", "realm_of", "requires"]


def get_auth(source: Any) -> AuthInfo | NoAuthInfo:
    """The ``AuthInfo``/``NoAuthInfo`` of an ASGI scope, or of anything with a ``.scope``.

    Works with Starlette/FastAPI/Litestar/Quart requests and websockets and Django's
    ``ASGIRequest``. Raises ``RuntimeError`` naming ``AuthInfoMiddleware`` when it is missing.
    """
    scope = source if isinstance(source, dict) else getattr(source, "scope", None)
    auth = scope.get("auth") if isinstance(scope, dict) else None
    if isinstance(auth, AuthInfo | NoAuthInfo):
        return auth
    raise RuntimeError(
        "no auth on this request: wrap your ASGI app in asgi_authinfo.AuthInfoMiddleware "
        "(app = AuthInfoMiddleware(app, issuers=[...])) so it fills scope['auth']"
    )


def realm_of(source: Any, realm: str | None = None) -> str:
    """The realm a refusal names: ``realm`` when given, else the middleware's, else ``"api"``."""
    if realm is not None:
        return realm
    scope = source if isinstance(source, dict) else getattr(source, "scope", None)
    found = scope.get("auth_realm") if isinstance(scope, dict) else None
    return found if isinstance(found, str) else "api"


class Requirement:
    """What a route requires: a signed-in caller for whom ``auth.has(**conditions)`` holds."""

    __slots__ = ("conditions",)

    def __init__(
        self,
        *,
        permission: str | None = None,
        role: str | None = None,
        feature: str | None = None,
        entitlement: str | None = None,
        scope: str | None = None,
    ) -> None:
        self.conditions = {
            key: value
            for key, value in (
                ("permission", permission),
                ("role", role),
                ("feature", feature),
                ("entitlement", entitlement),
                ("scope", scope),
            )
            if value is not None
        }

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}={value!r}" for key, value in self.conditions.items())
        return f"Requirement({inner})"


def check(auth: AuthInfo | NoAuthInfo, requirement: Requirement) -> AuthError | None:
    """None when ``auth`` meets ``requirement``; else the error to answer with (401/403/503)."""
    if auth.user is None:
        return auth.error or MissingTokenError(
            "this route requires a signed-in caller; send Authorization: Bearer <token>"
        )
    if requirement.conditions and not auth.has(**requirement.conditions):
        wanted = " and ".join(f"{key} {value!r}" for key, value in requirement.conditions.items())
        return InsufficientScopeError(
            f"this route requires {wanted}, which the token does not grant",
            scope=requirement.conditions.get("scope") or requirement.conditions.get("permission"),
        )
    return None


def requires(
    *,
    permission: str | None = None,
    role: str | None = None,
    feature: str | None = None,
    entitlement: str | None = None,
    scope: str | None = None,
    realm: str | None = None,
) -> Callable[[Any], Any]:
    """Guard a raw ASGI app: 401 when signed out, 403 ``insufficient_scope`` when ``has()`` fails.

    ``app = requires(permission="posts:write")(app)``, inside ``AuthInfoMiddleware``.
    """
    requirement = Requirement(
        permission=permission, role=role, feature=feature, entitlement=entitlement, scope=scope
    )

    def decorate(app: Any) -> Any:
        async def guarded(scope_: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
            if scope_["type"] in ("http", "websocket"):
                error = check(get_auth(scope_), requirement)
                if error is not None:
                    await send_refusal(scope_, send, error, realm_of(scope_, realm))
                    return
            await app(scope_, receive, send)

        return guarded

    return decorate
