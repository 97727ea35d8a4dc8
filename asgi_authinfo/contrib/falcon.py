"""Falcon (ASGI): a ``before`` hook for requirements; ``get_auth(req)`` reads the auth.

``@falcon.before(require(permission=...))`` on a resource or responder answers HTTP with the
middleware's status, RFC 6750 headers and JSON body (whatever the client's ``Accept``). On
``on_websocket`` it closes the handshake, which the middleware sends as its denial response
(status, ``WWW-Authenticate``, body) on servers that have them, else the close code and reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Unpack

from .._guards import Conditions, Requirement, check, get_auth, realm_of
from .._responses import Refusal
from .._websocket_denial import REFUSAL_KEY
from . import framework_missing

try:
    import falcon
    import falcon.asgi
except ImportError as exc:  # pragma: no cover - exercised by the no-framework import test
    raise framework_missing("falcon", "Falcon") from exc

__all__ = ["AuthRefused", "require"]


class AuthRefused(falcon.HTTPStatus):
    """The middleware's refusal as Falcon's short-circuit: its status, headers and JSON body as they are.

    An ``HTTPStatus`` rather than an ``HTTPError``: Falcon's error serializer would pick the body
    from the client's ``Accept`` (XML, or none at all).
    """

    def __init__(self, answer: Refusal) -> None:
        super().__init__(
            falcon.code_to_http_status(answer.status), headers=dict(answer.headers), text=answer.body.decode()
        )
        self.answer = answer


def require(
    *,
    realm: str | None = None,
    **conditions: Unpack[Conditions],
) -> Callable[..., Awaitable[None]]:
    """A Falcon ASGI hook: 401 when signed out, 403 ``insufficient_scope`` when ``has(...)`` fails."""
    requirement = Requirement(**conditions)

    async def hook(req: falcon.asgi.Request, resp: Any, resource: Any, params: dict[str, Any]) -> None:
        error = check(get_auth(req), requirement)
        if error is None:
            return
        answer = Refusal.of(error, realm_of(req, realm))
        if isinstance(resp, falcon.asgi.WebSocket):
            req.scope[REFUSAL_KEY] = answer  # the middleware sends the close as this denial response
            await resp.close(answer.close_code, answer.close_reason)
            raise falcon.WebSocketDisconnected(answer.close_code)
        raise AuthRefused(answer)

    return hook
