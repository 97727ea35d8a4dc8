"""Reading the auth back from a request, and guarding raw ASGI apps on it."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypedDict, Unpack

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope

from ._auth_info import AuthInfo, NoAuthInfo
from ._claim_checks import non_empty_strings
from ._errors import (
    AuthError,
    InsufficientScopeError,
    InvalidTokenError,
    MissingTokenError,
    ReverificationError,
    shown,
    with_hint,
)
from ._responses import send_refusal
from ._reverification import Reverification, ReverificationSpec

__all__ = ["Conditions", "Requirement", "check", "get_auth", "missing_token", "realm_of", "requires"]


def get_auth(source: Any) -> AuthInfo | NoAuthInfo:
    """The ``AuthInfo``/``NoAuthInfo`` of an ASGI scope, or of anything with a ``.scope``.

    Works with Starlette/FastAPI/Litestar/Quart requests and websockets and Django's
    ``ASGIRequest``. Raises ``RuntimeError`` naming ``AuthInfoMiddleware`` when it is missing.
    """
    scope = source if isinstance(source, dict) else getattr(source, "scope", None)
    auth = scope.get("auth") if isinstance(scope, dict) else None
    if isinstance(auth, AuthInfo | NoAuthInfo):
        return auth
    if not isinstance(scope, dict):
        raise TypeError(unreadable(source))
    raise RuntimeError(
        "no auth on this request: wrap your ASGI app in asgi_authinfo.AuthInfoMiddleware "
        "(app = AuthInfoMiddleware(app, issuers=[...])) so it fills scope['auth']"
    )


def unreadable(source: Any) -> str:
    """Why ``get_auth`` cannot read ``source``, and what to pass instead."""
    kind = type(source)
    if kind.__module__.startswith("falcon") and kind.__name__ == "WebSocket":
        return (
            "get_auth() cannot read Falcon's WebSocket: it does not keep the ASGI scope. "
            "Pass the request: on_websocket(self, req, ws) -> get_auth(req)"
        )
    return (
        f"get_auth() reads an ASGI scope dict, or a request/websocket with a .scope dict; "
        f"{kind.__module__}.{kind.__qualname__} has neither"
    )


def realm_of(source: Any, realm: str | None = None) -> str:
    """The realm a refusal names: ``realm`` when given, else the middleware's, else ``"api"``."""
    if realm is not None:
        return realm
    scope = source if isinstance(source, dict) else getattr(source, "scope", None)
    found = scope.get("auth_realm") if isinstance(scope, dict) else None
    return found if isinstance(found, str) else "api"


class Conditions(TypedDict, total=False):
    """The conditions a route can require, as ``AuthInfo.has()`` takes them (``None``: not required).

    ``issuer`` and ``audience`` (a string or a collection of them) restrict the route to tokens
    from those issuers (``iss``) or for one of those audiences (``aud``): others get a 401.
    """

    permission: str | None
    role: str | None
    feature: str | None
    entitlement: str | None
    scope: str | None
    plan: str | None
    reverification: ReverificationSpec | None
    issuer: str | Collection[str] | None
    audience: str | Collection[str] | None


_CONDITION_ORDER = tuple(Conditions.__annotations__)
_NOT_HAS = frozenset({"reverification", "issuer", "audience"})  # not AuthInfo.has() keywords


class Requirement:
    """What a route requires: a signed-in caller for whom ``auth.has(**conditions)`` holds."""

    __slots__ = ("audiences", "conditions", "issuers", "reverification")

    def __init__(self, **conditions: Unpack[Conditions]) -> None:
        given: dict[str, Any] = dict(conditions)
        unknown = sorted(set(given) - set(_CONDITION_ORDER))
        if unknown:  # a misspelt condition must not silently guard nothing
            raise TypeError(f"unknown requirement {unknown}: use {', '.join(_CONDITION_ORDER)}")
        self.conditions: dict[str, Any] = {
            key: given[key]
            for key in _CONDITION_ORDER
            if key not in _NOT_HAS and isinstance(given.get(key), str)
        }
        self.issuers = _allowed("issuer", given.get("issuer"))
        self.audiences = _allowed("audience", given.get("audience"))
        spec = given.get("reverification")
        self.reverification: tuple[Reverification, str | dict[str, object]] | None = (
            None if spec is None else _reverification(spec)
        )

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}={value!r}" for key, value in self.conditions.items())
        if self.reverification is not None:
            inner = ", ".join(filter(None, (inner, f"reverification={self.reverification[1]!r}")))
        for key, allowed in (("issuer", self.issuers), ("audience", self.audiences)):
            if allowed is not None:
                shown_ = allowed[0] if len(allowed) == 1 else list(allowed)
                inner = ", ".join(filter(None, (inner, f"{key}={shown_!r}")))
        return f"Requirement({inner})"


def _allowed(name: str, value: Any) -> tuple[str, ...] | None:
    """A route's allowed issuers or audiences, checked when the guard is built (``None``: any)."""
    if value is None:
        return None
    if not isinstance(value, str | Collection):
        raise ValueError(f"{name}= must be a string or a collection of strings, got {value!r}")
    return non_empty_strings(name, value)


def _route_trust(auth: AuthInfo, requirement: Requirement) -> InvalidTokenError | None:
    """The 401 for a token from an issuer, or for an audience, this route does not accept."""
    issuers, audiences = requirement.issuers, requirement.audiences
    if issuers is not None and auth.issuer not in issuers:
        return InvalidTokenError(
            f"this route accepts tokens from {' or '.join(issuers)}; this token is from {shown(auth.issuer)}",
            code="unknown_issuer",
            issuer=auth.issuer,
        )
    if audiences is not None:
        aud = auth.claims.get("aud")
        given = [aud] if isinstance(aud, str) else aud if isinstance(aud, list | tuple) else []
        if not any(item in audiences for item in given if isinstance(item, str)):
            got = ", ".join(shown(item) for item in given[:5]) if given else "no audience"
            return InvalidTokenError(
                f"this route accepts tokens for audience {' or '.join(audiences)}; this token is for {got}",
                code="audience_mismatch",
                issuer=auth.issuer,
            )
    return None


def _reverification(spec: Any) -> tuple[Reverification, str | dict[str, object]]:
    """The checked requirement and how Clerk's front end names it (a preset name, else an object)."""
    wanted = Reverification.of(spec)  # ValueError at start-up, never per request
    return wanted, spec if isinstance(spec, str) else wanted.as_clerk()


def check(auth: AuthInfo | NoAuthInfo, requirement: Requirement) -> AuthError | None:
    """None when ``auth`` meets ``requirement``; else the error to answer with (401/403/503)."""
    if auth.user is None:
        return auth.error or missing_token()
    if requirement.issuers is not None or requirement.audiences is not None:
        refused = _route_trust(auth, requirement)
        if refused is not None:
            return refused  # the route's own rule: the issuer-wide fixture advice would mislead
    if requirement.conditions and not auth.has(**requirement.conditions):
        wanted = " and ".join(f"{key} {value!r}" for key, value in requirement.conditions.items())
        lacking = InsufficientScopeError(
            f"this route requires {wanted}, which the token does not grant",
            scope=requirement.conditions.get("scope") or requirement.conditions.get("permission"),
        )
        return with_hint(lacking, auth.refusal_hint)
    if requirement.reverification is not None:
        wanted_age, named = requirement.reverification
        if not wanted_age.met_by(auth.factor_verification_age):
            return ReverificationError(
                f"this route requires the {wanted_age.level.replace('_', ' ')} verified in the last "
                f"{wanted_age.after_minutes:g} minutes; reverify (Clerk: useReverification()) and retry",
                reverification=named,
            )
    return None


def missing_token() -> MissingTokenError:
    """The refusal for a request with no token where a signed-in caller is required."""
    return MissingTokenError(
        "this route requires a signed-in caller and the request has no bearer token; "
        "send Authorization: Bearer <token>"
    )


def requires(
    *,
    realm: str | None = None,
    **conditions: Unpack[Conditions],
) -> Callable[[Any], Any]:
    """Guard a raw ASGI app: 401 when signed out, 403 ``insufficient_scope`` when ``has()`` fails.

    ``app = requires(permission="posts:write")(app)``, inside ``AuthInfoMiddleware``;
    ``requires(issuer="https://admin.example.com", audience="admin-api")`` answers tokens from
    another issuer or for another audience with 401 ``invalid_token``.
    """
    requirement = Requirement(**conditions)

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
