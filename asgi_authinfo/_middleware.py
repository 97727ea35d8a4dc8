"""``AuthInfoMiddleware``: the thin ASGI layer over ``TokenVerifier``."""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any, Literal

import httpx
from asgiref.compatibility import guarantee_single_callable
from asgiref.typing import ASGISendCallable, ASGISendEvent

from ._auth_info import AuthInfo, NoAuthInfo
from ._bearer_subprotocol import SUBPROTOCOL_KEY
from ._dpop import DpopRequest, normalized_url, read_dpop
from ._dpop_request import dpop_request
from ._errors import AuthError, InvalidRequestError
from ._guards import missing_token
from ._issuer_resolver import Issuers
from ._observer import Observer
from ._responses import send_refusal
from ._revocation import OnVerified, RevocationList
from ._startup import StartupCheckError
from ._token_sources import (
    BearerHeader,
    TokenSource,
    authorization_header,
    authorization_parts,
    bearer_token,
    token_from,
)
from ._user import ANONYMOUS_USER
from ._verifier import TokenVerifier
from ._websocket_denial import denying

__all__ = ["AuthInfoMiddleware"]

_MISSING = NoAuthInfo()


class AuthInfoMiddleware:
    """Fills ``scope["auth"]`` and ``scope["user"]`` on every ``http`` and ``websocket`` scope.

    ``required=True`` refuses requests without a valid token. ``on_invalid="reject"`` answers a
    refused token with 401 (or 400/503); ``"anonymous"`` passes the request on with
    ``NoAuthInfo(error=...)`` so routes decide. ``lifespan`` passes through, and the httpx client
    the middleware owns is closed at lifespan shutdown. ``observer`` is called with the outcome of
    every token (for metrics); with ``verifier=``, give the observer to the ``TokenVerifier``.
    ``on_verified`` and ``revocations`` are the ``TokenVerifier``'s (see ``docs/revoking.md``).
    When the app reports lifespan start-up complete, every issuer's keys are fetched
    (``TokenVerifier.start``); a failure is a warning, or with ``strict_startup=True`` a failed
    start-up naming the issuer. ``startup_checks=False`` skips them.
    """

    def __init__(
        self,
        app: Any,
        *,
        issuers: Issuers | None = None,
        verifier: TokenVerifier | None = None,
        required: bool = False,
        on_invalid: Literal["reject", "anonymous"] = "reject",
        token_sources: Sequence[TokenSource] = (BearerHeader(),),
        client: httpx.AsyncClient | None = None,
        realm: str = "api",
        observer: Observer | None = None,
        on_verified: OnVerified | None = None,
        revocations: RevocationList | None = None,
        startup_checks: bool = True,
        strict_startup: bool = False,
        dpop_origin: str | None = None,
    ) -> None:
        if (issuers is None) == (verifier is None):
            raise ValueError(
                "give AuthInfoMiddleware either issuers=[Issuer(...)] or verifier=TokenVerifier(...)"
            )
        if verifier is not None and observer is not None:
            raise ValueError("with verifier=TokenVerifier(...), pass observer= to the TokenVerifier")
        if verifier is not None and (on_verified is not None or revocations is not None):
            raise ValueError("with verifier=TokenVerifier(...), pass on_verified= and revocations= to it")
        if on_invalid not in ("reject", "anonymous"):
            raise ValueError(f"on_invalid must be 'reject' or 'anonymous', got {on_invalid!r}")
        sources = tuple(token_sources)
        if not sources or not all(isinstance(source, TokenSource) for source in sources):
            raise ValueError("token_sources must be a non-empty list of TokenSource objects")
        self.app = guarantee_single_callable(app)  # type: ignore[no-untyped-call]
        self.verifier = (
            verifier
            if verifier is not None
            else TokenVerifier(
                issuers or (),
                client=client,
                observer=observer,
                on_verified=on_verified,
                revocations=revocations,
            )
        )
        self.required = required
        self.on_invalid = on_invalid
        self.token_sources = sources
        self._bearer_only = sources == (BearerHeader(),)  # the default: one header scan per request
        # a verifier whose verify() is ours answers a cached bearer token without an await
        self._answers_now = type(self.verifier).verify is TokenVerifier.verify
        self._hiding = tuple(source for source in sources if callable(getattr(source, "hide", None)))
        self.realm = realm
        self.startup_checks = startup_checks or strict_startup
        self.strict_startup = strict_startup
        if dpop_origin is not None and normalized_url(dpop_origin) != dpop_origin.rstrip("/") + "/":
            raise ValueError(
                f"dpop_origin must be the public origin, e.g. 'https://api.example.com', got {dpop_origin!r}"
            )
        self.dpop_origin = None if dpop_origin is None else dpop_origin.rstrip("/")

    # Any, on purpose: uvicorn, Hypercorn, httpx and Starlette type the ASGI 3 callables each their own
    # way (asgiref-like TypedDicts, MutableMapping, dict); only Any is accepted by all of them.
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, receive, self._closing_on_shutdown(send))
            return
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        now = self._authenticate_now(scope)
        auth = now if isinstance(now, (AuthInfo, NoAuthInfo)) else await now  # await: not cached
        user = auth.user
        if user is None:  # a signed-in AuthInfo has no error
            error = auth.error
            if error is not None and (self.required or self.on_invalid == "reject"):
                await send_refusal(scope, send, error, self.realm)
                return
            if self.required:
                await send_refusal(scope, send, missing_token(), self.realm)
                return
        scope_dict: Any = scope
        scope_dict["auth"] = auth
        scope_dict["auth_realm"] = self.realm  # so guards and adapters answer with the same realm
        scope_dict["user"] = ANONYMOUS_USER if user is None else user
        if kind == "websocket":
            send = denying(scope, send)
            if SUBPROTOCOL_KEY in scope_dict:
                send = _accepting_with(scope_dict[SUBPROTOCOL_KEY], send)
        await self.app(scope, receive, send)

    async def authenticate(self, scope: Any) -> AuthInfo | NoAuthInfo:
        """The auth for one request scope; never raises for anything the client sent.

        Only reading the token from the request decodes client bytes, so only there is a decoding
        error the client's (400). Anything else raised while verifying is a bug (say, in a claim
        check or mapper): the verifier logs it and it propagates, so the server answers 500.
        """
        auth = self._authenticate_now(scope)
        return auth if isinstance(auth, (AuthInfo, NoAuthInfo)) else await auth

    def _authenticate_now(
        self, scope: Any
    ) -> AuthInfo | NoAuthInfo | Coroutine[Any, Any, AuthInfo | NoAuthInfo]:
        """:meth:`authenticate` without an await when it needs none (no token, a bad header, or a
        bearer token the verifier's token cache answers); else the coroutine that verifies."""
        try:
            if self._bearer_only:  # what read_dpop and BearerHeader read, from one header scan
                dpop: DpopRequest | None = None
                token: str | None = None
                value = authorization_header(scope)
                if value is not None:
                    scheme, credentials = authorization_parts(value)
                    if scheme == "bearer":
                        cache = self.verifier.token_cache
                        cached = cache is not None and credentials in cache  # it parsed: token68
                        token = credentials if cached else bearer_token(credentials)
                    elif scheme == "dpop":
                        dpop = dpop_request(scope, credentials, self.dpop_origin)
                        token = dpop.token
            else:
                dpop = read_dpop(scope, self.dpop_origin)
                token = token_from(self.token_sources, scope) if dpop is None else dpop.token
        except AuthError as error:
            return NoAuthInfo(error=error)
        except (UnicodeError, ValueError, TypeError) as exc:
            return NoAuthInfo(
                error=InvalidRequestError(f"the request's credentials are unreadable ({type(exc).__name__})")
            )
        finally:
            for source in self._hiding:  # in place: the server logs from this very scope dict
                source.hide(scope)  # type: ignore[attr-defined]
        if token is None:
            return _MISSING
        if not self._answers_now:
            return _refusal_as_auth(self.verifier.verify(token, dpop=dpop))
        try:
            answer = self.verifier._answer_now(token, dpop)
        except AuthError as error:
            return NoAuthInfo(error=error)
        return answer if isinstance(answer, AuthInfo) else _refusal_as_auth(answer)

    def _closing_on_shutdown(self, send: ASGISendCallable) -> ASGISendCallable:
        async def send_then_close(message: ASGISendEvent) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self.verifier.aclose()
            if message["type"] == "lifespan.startup.complete" and self.startup_checks:
                try:
                    await self.verifier.start(strict=self.strict_startup)
                except StartupCheckError as error:
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
            await send(message)

        return send_then_close


async def _refusal_as_auth(verifying: Awaitable[AuthInfo]) -> AuthInfo | NoAuthInfo:
    try:
        return await verifying
    except AuthError as error:
        return NoAuthInfo(error=error)


def _accepting_with(subprotocol: str, send: ASGISendCallable) -> ASGISendCallable:
    """Accept a WebSocket with ``subprotocol`` unless the app names one (browsers require one)."""

    async def accept_with_subprotocol(message: ASGISendEvent) -> None:
        if message["type"] == "websocket.accept" and not message.get("subprotocol"):
            message = {**message, "subprotocol": subprotocol}
        await send(message)

    return accept_with_subprotocol
