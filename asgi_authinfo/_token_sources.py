"""Where a request's token comes from: the ``Authorization`` header, a cookie, a query parameter.

Each source reads the ASGI scope and returns the token, ``None`` when it has none, or raises
``InvalidRequestError`` (400) when the credentials are there but unreadable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, runtime_checkable
from urllib.parse import parse_qsl

from ._errors import InvalidRequestError
from ._token_hiding import hide_query_param

__all__ = [
    "BearerHeader",
    "Cookie",
    "QueryParam",
    "TokenSource",
    "authorization_header",
    "authorization_parts",
    "bearer_token",
    "token_from",
]

_TOKEN68_CHARS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"


def is_token68(text: str) -> bool:
    """RFC 7235 token68, ``[A-Za-z0-9-._~+/]+=*``, checked at C speed (a regex costs ~1 µs per token)."""
    body = text.rstrip("=")
    return bool(body) and body.isascii() and not body.encode("ascii").translate(None, _TOKEN68_CHARS)


def authorization_header(scope: Any) -> bytes | None:
    """The request's one ``Authorization`` header value; two of them are an ``invalid_request``."""
    value: bytes | None = None
    for name, header in scope.get("headers", ()):
        # ASGI lowercases names; be lenient anyway (the length test spares a lower() per header)
        if len(name) == 13 and name.lower() == b"authorization":
            if value is not None:
                raise InvalidRequestError(
                    "the request has more than one Authorization header", code="invalid_request"
                )
            value = header
    return value


def authorization_parts(value: bytes) -> tuple[str, str]:
    """``(scheme in lower case, credentials)`` of an ``Authorization`` header value, spaces trimmed."""
    if value.startswith(b"Bearer ") and len(value) > 7 and value[7] != 32 and value[-1] != 32:
        return "bearer", value[7:].decode("latin-1")  # the common spelling: nothing to trim
    scheme, _, credentials = value.decode("latin-1").strip(" ").partition(" ")
    return scheme.lower(), credentials.strip(" ")


def bearer_token(credentials: str) -> str:
    """The credentials of ``Authorization: Bearer``, if they are one token68 (RFC 6750 §2.1)."""
    if not credentials:
        raise InvalidRequestError(
            "the Authorization header says Bearer but carries no token", code="invalid_request"
        )
    if not is_token68(credentials):
        raise InvalidRequestError(
            "the Authorization header's bearer token has characters a token cannot have "
            "(RFC 6750 §2.1: one token68 after 'Bearer ')",
            code="invalid_request",
        )
    return credentials


@runtime_checkable
class TokenSource(Protocol):
    """Reads a token from an ``http`` or ``websocket`` scope."""

    def token(self, scope: Any) -> str | None: ...


@dataclass(frozen=True, slots=True)
class BearerHeader:
    """``Authorization: Bearer <token>`` (RFC 6750 §2.1); the scheme is case-insensitive."""

    def token(self, scope: Any) -> str | None:
        value = authorization_header(scope)
        if value is None:
            return None
        scheme, credentials = authorization_parts(value)
        if scheme != "bearer":
            return None  # another scheme (Basic, DPoP, ...) is not ours to judge
        return bearer_token(credentials)


@dataclass(frozen=True, slots=True)
class Cookie:
    """A cookie holding the token, such as Clerk's ``__session`` (opt-in)."""

    name: str = "__session"

    def token(self, scope: Any) -> str | None:
        found: str | None = None
        for name, header in scope.get("headers", ()):
            if name.lower() != b"cookie":
                continue
            for pair in header.decode("latin-1").split(";"):
                key, sep, value = pair.strip().partition("=")
                if sep and key == self.name:
                    value = value.strip().strip('"')
                    if found is not None and value != found:
                        raise InvalidRequestError(
                            f"the request sends the {self.name} cookie twice with different values",
                            code="invalid_request",
                        )
                    found = value
        return found or None


@dataclass(frozen=True, slots=True)
class QueryParam:
    """A query parameter, read on WebSocket handshakes only (browsers cannot set headers there).

    The middleware removes the parameter from the scope once read (on HTTP too), so neither the
    app nor the server's access log sees it. ``BearerSubprotocol`` keeps the token out of URLs.
    """

    name: str = "access_token"
    websocket_only: bool = True

    def token(self, scope: Any) -> str | None:
        if self.websocket_only and scope.get("type") != "websocket":
            return None
        query = scope.get("query_string", b"")
        if not query:
            return None
        values = {
            value
            for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if key == self.name
        }
        if len(values) > 1:
            raise InvalidRequestError(
                f"the query string has more than one {self.name} value", code="invalid_request"
            )
        return values.pop() or None if values else None

    def hide(self, scope: Any) -> None:
        """Take the parameter out of ``query_string`` and ``raw_path``: no app or access log sees it."""
        hide_query_param(scope, self.name)


def token_from(sources: Sequence[TokenSource], scope: Any) -> str | None:
    """The one token the request carries; two different tokens in two sources is a 400."""
    found: str | None = None
    for source in sources:
        token = source.token(scope)
        if token is None:
            continue
        if found is not None and token != found:
            raise InvalidRequestError(
                "the request carries two different tokens (e.g. header and cookie); send one",
                code="conflicting_tokens",
            )
        found = token
    return found
