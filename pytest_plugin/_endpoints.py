"""A fake issuer's endpoints as plain functions: a request (method, path, headers) → (status, JSON body).

No HTTP library here: the transports (respx, ``httpx.MockTransport``, the loopback server) turn their
requests into these calls. Userinfo checks the bearer token with PyJWT, as a provider's server would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeAlias
from urllib.parse import urlsplit

import jwt

from ._keys import SigningKey
from ._token_endpoint import GRANT_TYPES, TokenEndpoint

__all__ = [
    "DEFAULT_PORTS",
    "Origin",
    "RecordedRequest",
    "Reply",
    "Site",
    "discovery_document",
    "endpoint_at",
    "origin_of",
    "reply_headers",
    "respond",
    "userinfo",
]

Origin: TypeAlias = tuple[str, str, int]
"""``(scheme, host, port)``, the port made explicit."""
Reply: TypeAlias = tuple[int, dict[str, Any] | None]
"""An endpoint's answer: the HTTP status and the JSON body (a redirect's body names its ``location``)."""

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_NOT_USERINFO: Final = frozenset(
    {"iss", "aud", "exp", "iat", "nbf", "jti", "sid", "azp", "scope", "scp", "client_id", "act"}
    | {"auth_time", "v", "fva", "sts", "o", "fea", "pla"}
)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request made to a fake issuer's endpoints."""

    method: str
    path: str
    headers: Mapping[str, str] = field(repr=False)
    at: float


class Site(Protocol):
    """What the endpoints read from a fake issuer, at the moment of each request."""

    userinfo: bool
    now: Callable[[], float]

    @property
    def issuer(self) -> str: ...
    @property
    def jwks_uris(self) -> tuple[str, ...]: ...
    @property
    def discovery_uri(self) -> str: ...
    @property
    def userinfo_uri(self) -> str: ...
    @property
    def jwks(self) -> dict[str, Any]: ...
    @property
    def discovery(self) -> dict[str, Any]: ...
    @property
    def published_keys(self) -> list[SigningKey]: ...
    @property
    def token_endpoint(self) -> str: ...
    @property
    def authorization_endpoint(self) -> str: ...
    @property
    def oauth(self) -> TokenEndpoint: ...


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme, 0)


def discovery_document(
    issuer: str,
    *,
    jwks_uri: str,
    algorithm: str,
    userinfo_uri: str | None,
    token_endpoint: str,
    authorization_endpoint: str,
) -> dict[str, Any]:
    """The OIDC discovery document (``userinfo_endpoint`` only when there is one)."""
    document: dict[str, Any] = {
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "authorization_endpoint": authorization_endpoint,
        "token_endpoint": token_endpoint,
        "id_token_signing_alg_values_supported": [algorithm],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "grant_types_supported": list(GRANT_TYPES),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "authorization_response_iss_parameter_supported": True,
    }
    if userinfo_uri is not None:
        document["userinfo_endpoint"] = userinfo_uri
    return document


def endpoint_at(site: Site, path: str, origin: Origin | None = None) -> str | None:
    """Which endpoint ``path`` (on ``origin``; None: any of the site's) is: ``"jwks"``,
    ``"discovery"``, ``"userinfo"``, ``"token"``, ``"authorize"``, ``"unknown"`` for any other
    path under the issuer URL (answered 404), or None for URLs that are not the site's."""
    endpoints = [("jwks", uri) for uri in site.jwks_uris]
    endpoints.append(("discovery", site.discovery_uri))
    endpoints.append(("token", site.token_endpoint))
    endpoints.append(("authorize", site.authorization_endpoint))
    if site.userinfo:
        endpoints.append(("userinfo", site.userinfo_uri))
    for name, uri in endpoints:
        if urlsplit(uri).path == path and (origin is None or origin_of(uri) == origin):
            return name
    if origin is not None and origin != origin_of(site.issuer):
        return None
    prefix = urlsplit(site.issuer).path.rstrip("/")
    if path == prefix or path.startswith(prefix + "/"):
        return "unknown"
    return None


def respond(
    site: Site,
    method: str,
    path: str,
    headers: Mapping[str, str],
    origin: Origin | None = None,
    *,
    query: str = "",
    body: bytes = b"",
) -> Reply:
    """The answer of the endpoint at ``path``: 404 when there is none, 405 for anything but GET
    (the token endpoint takes POST, the authorization endpoint both)."""
    endpoint = endpoint_at(site, path, origin)
    if endpoint is None or endpoint == "unknown":
        return 404, {"error": "not_found"}
    if endpoint == "token":
        return site.oauth.answer_token(method, headers, body)
    if endpoint == "authorize" and method in ("GET", "POST"):
        return site.oauth.answer_authorize(query if method == "GET" else body.decode("utf-8", "replace"))
    if method != "GET":
        return 405, {"error": "method_not_allowed"}
    if endpoint == "jwks":
        return 200, site.jwks
    if endpoint == "discovery":
        return 200, site.discovery
    return userinfo(site.published_keys, site.now(), headers)


def reply_headers(status: int, body: dict[str, Any] | None) -> dict[str, str]:
    """The headers a reply implies: a redirect's ``Location``, ``Cache-Control: no-store`` on the token
    endpoint's answers (RFC 6749 §5.1) and the ``Basic`` challenge of ``invalid_client``."""
    if status in (302, 303) and body is not None and "location" in body:
        return {"Location": body["location"]}
    if body is None or not ("access_token" in body or "error_description" in body):
        return {}
    headers = {"Cache-Control": "no-store"}
    if status == 401 and body.get("error") == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="fake-issuer"'
    return headers


def userinfo(keys: list[SigningKey], now: float, headers: Mapping[str, str]) -> Reply:
    """OIDC userinfo: the profile claims of a bearer token signed by one of ``keys`` and not expired."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return 401, {"error": "invalid_token"}
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = next(k for k in keys if k.kid == kid)
        claims = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[key.alg],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except (jwt.PyJWTError, StopIteration):
        return 401, {"error": "invalid_token"}
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        return 401, {"error": "invalid_token"}
    return 200, {name: value for name, value in claims.items() if name not in _NOT_USERINFO}
