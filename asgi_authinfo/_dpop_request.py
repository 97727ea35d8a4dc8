"""What a DPoP request (RFC 9449) presented: its token, its one proof, its method and URL.

The URL is the one the client called, without query and fragment, normalized (RFC 3986 §6) so it
compares with a proof's ``htu``; behind a proxy the public origin is configured, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from ._errors import InvalidDpopProofError
from ._token_sources import authorization_header, authorization_parts, is_token68

__all__ = ["DpopRequest", "dpop_request", "normalized_url", "read_dpop", "request_url"]

_DEFAULT_PORTS: Final = {"http": "80", "https": "443"}
_WEBSOCKET_SCHEMES: Final = {"ws": "http", "wss": "https"}
"""A WebSocket handshake is an HTTP GET: ``wss://host/x`` and ``https://host/x`` name the same resource."""
_PERCENT: Final = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def normalized_url(url: str) -> str | None:
    """``url`` without query and fragment, normalized per RFC 3986 §6.2.2 and §6.2.3; None if not absolute.

    Scheme and host are lowercased (``ws``/``wss`` read as ``http``/``https``), a default port
    dropped, an empty path becomes ``/``, percent escapes of unreserved characters are decoded and
    the others uppercased.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    scheme = _WEBSOCKET_SCHEMES.get(scheme, scheme)
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or str(port) == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _PERCENT.sub(_normal_escape, parts.path) or "/"
    return f"{scheme}://{netloc}{path}"


def _normal_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group()[1:], 16))
    return char if char in _UNRESERVED else match.group().upper()


@dataclass(frozen=True, slots=True)
class DpopRequest:
    """What a DPoP request presented: the access token, its proof, and the request it was made for."""

    token: str
    proof: str
    method: str
    url: str


def request_url(scope: Any, origin: str | None = None) -> str:
    """The URL a client called, without the query: ``origin`` (``https://api.example.com``) when
    given (behind a proxy), else the scope's scheme and the ``Host`` header (or ``server``)."""
    path = scope.get("root_path", "") + scope.get("path", "/")
    raw = scope.get("raw_path")
    if raw:
        path = raw.decode("latin-1").partition("?")[0]
    if origin is None:
        scheme = scope.get("scheme", "http")
        host = None
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1")
                break
        if host is None:
            server = scope.get("server") or ("localhost", None)
            host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
        origin = f"{scheme}://{host}"
    return normalized_url(origin.rstrip("/") + path) or origin + path


def read_dpop(scope: Any, origin: str | None = None) -> DpopRequest | None:
    """The DPoP token and proof of a request with ``Authorization: DPoP``; None for other schemes.

    Exactly one ``DPoP`` header must be sent (RFC 9449 §4.3 check 1), and one ``Authorization``.
    """
    authorization = authorization_header(scope)
    if authorization is None:
        return None  # a proof without a DPoP token has nothing to bind: the token sources decide
    scheme, credentials = authorization_parts(authorization)
    if scheme != "dpop":
        return None
    return dpop_request(scope, credentials, origin)


def dpop_request(scope: Any, token: str, origin: str | None = None) -> DpopRequest:
    """The DPoP request of a scope whose one ``Authorization`` header is ``DPoP <token>``."""
    if not token or not is_token68(token):
        raise InvalidDpopProofError(
            "the Authorization header says DPoP but carries no readable token "
            "(RFC 9449 §7.1: one token68 after 'DPoP ')",
            code="invalid_request",
        )
    proofs = [value for name, value in scope.get("headers", ()) if name.lower() == b"dpop"]
    if len(proofs) != 1:
        got = "no DPoP header" if not proofs else f"{len(proofs)} DPoP headers"
        raise InvalidDpopProofError(f"a DPoP request needs exactly one DPoP proof header; it has {got}")
    method = scope.get("method", "GET") if scope.get("type") == "http" else "GET"
    return DpopRequest(token, proofs[0].decode("latin-1").strip(" "), method, request_url(scope, origin))
