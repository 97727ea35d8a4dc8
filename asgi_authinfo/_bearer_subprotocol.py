"""``BearerSubprotocol``: a browser's WebSocket token, offered as ``Sec-WebSocket-Protocol``.

Browsers cannot set headers on a WebSocket handshake; ``new WebSocket(url, ["bearer", token])``
sends the token in the subprotocol header instead of the URL, so it never reaches an access log or
a proxy's URL log. The middleware removes the token from the scope and accepts the handshake with
the marker (``"bearer"``) as the subprotocol, which the browser requires and which is not the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._errors import InvalidRequestError
from ._token_hiding import hide_subprotocol
from ._token_sources import is_token68

__all__ = ["SUBPROTOCOL_KEY", "BearerSubprotocol"]

SUBPROTOCOL_KEY = "auth_subprotocol"
"""The scope key naming the subprotocol the middleware accepts the handshake with."""


@dataclass(frozen=True, slots=True)
class BearerSubprotocol:
    """The subprotocol right after ``marker`` in the offered list is the token (WebSocket only)."""

    marker: str = "bearer"

    def __post_init__(self) -> None:
        if not self.marker or not is_token68(self.marker):
            raise ValueError(f"BearerSubprotocol marker must be a plain protocol name, got {self.marker!r}")

    def _offered_token(self, scope: Any) -> str | None:
        if scope.get("type") != "websocket":
            return None
        offered = scope.get("subprotocols") or ()
        if self.marker not in offered:
            return None
        index = list(offered).index(self.marker) + 1
        return str(offered[index]) if index < len(offered) else ""

    def token(self, scope: Any) -> str | None:
        token = self._offered_token(scope)
        if token is None:
            return None
        if not token or not is_token68(token):
            raise InvalidRequestError(
                f"the WebSocket offers the {self.marker!r} subprotocol but no token after it "
                f"(new WebSocket(url, [{self.marker!r}, token]))",
                code="invalid_request",
            )
        return token

    def hide(self, scope: Any) -> None:
        """Remove the token from ``subprotocols`` and the header; accept with the marker."""
        token = self._offered_token(scope)
        if token is None:
            return
        if token:
            hide_subprotocol(scope, token)
        scope[SUBPROTOCOL_KEY] = self.marker
