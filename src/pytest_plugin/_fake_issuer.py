"""``FakeIssuer``: a token issuer with real keys, a JWKS and a discovery document, for tests.

It answers its own URLs in-process through respx while active (other httpx traffic passes
through untouched), or as a real HTTP server on 127.0.0.1 with :meth:`FakeIssuer.serve`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import respx

from asgi_authinfo import Issuer

from ._keys import SigningKey, signing_key

__all__ = ["FakeIssuer", "RecordedRequest"]

DEFAULT_ISSUER = "https://fake-issuer.test"
_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request made to a fake issuer's endpoints."""

    method: str
    path: str
    headers: Mapping[str, str] = field(repr=False)
    at: float


class FakeIssuer:
    """An OIDC issuer for tests: real keys, JWKS, discovery, userinfo, and a token minter."""

    def __init__(
        self,
        issuer: str = DEFAULT_ISSUER,
        *,
        algorithm: str = "RS256",
        keys: int = 1,
        audience: str | None = None,
        claims: str = "oidc",
        now: Callable[[], float] = time.time,
        lifetime: int = 300,
    ) -> None:
        if keys < 1:
            raise ValueError("a fake issuer needs at least one key")
        self._base = issuer.rstrip("/")
        self._path_suffix = "/" if issuer.endswith("/") else ""
        self.algorithm = algorithm
        self.audience = audience
        self.claims_preset = claims
        self.now = now
        self.lifetime = lifetime
        self._generation = 0
        self._key_index = 0
        self.signing_keys: list[SigningKey] = [self._new_key() for _ in range(keys)]
        self.published_keys: list[SigningKey] = list(self.signing_keys)
        self.requests: list[RecordedRequest] = []
        self._router: respx.MockRouter | None = None
        self._lock = threading.Lock()

    # -- identity ---------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self._base + self._path_suffix

    @property
    def jwks_uri(self) -> str:
        return f"{self._base}/.well-known/jwks.json"

    @property
    def discovery_uri(self) -> str:
        return f"{self._base}/.well-known/openid-configuration"

    @property
    def userinfo_uri(self) -> str:
        return f"{self._base}/oauth2/userinfo"

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk for key in self.published_keys]}

    @property
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_uri,
            "userinfo_endpoint": self.userinfo_uri,
            "id_token_signing_alg_values_supported": [self.algorithm],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        }

    def issuer_config(self, **overrides: Any) -> Issuer:
        """The ``Issuer`` that trusts this fake issuer, with any option overridden."""
        options: dict[str, Any] = {
            "jwks_uri": self.jwks_uri,
            "audience": self.audience,
            "algorithms": (self.algorithm,),
            "claims": self.claims_preset,
        }
        options.update(overrides)
        return Issuer(self.issuer, **options)

    # -- keys -------------------------------------------------------------------------------

    def _new_key(self) -> SigningKey:
        index = self._key_index
        self._key_index += 1
        return signing_key(self.algorithm, index, kid=f"fake-{self.algorithm.lower()}-{index}")

    @property
    def key(self) -> SigningKey:
        """The key new tokens are signed with."""
        return self.signing_keys[0]

    def rotate_keys(self, *, keep_old: bool = True) -> SigningKey:
        """Sign with a new key from now on; keep the old one in the JWKS or remove it."""
        new = self._new_key()
        self.signing_keys.insert(0, new)
        self.published_keys = [new, *self.published_keys] if keep_old else [new]
        return new

    # -- tokens -----------------------------------------------------------------------------

    def default_claims(self, at: float | None = None) -> dict[str, Any]:
        now = int(self.now() if at is None else at)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "user_01FAKE0000000000000000000",
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "sid": "session_01FAKE000000000000000000",
            "jti": uuid.uuid4().hex,
        }
        if self.audience is not None:
            claims["aud"] = self.audience
        return claims

    def token(
        self,
        *,
        headers: Mapping[str, Any] | None = None,
        key: SigningKey | None = None,
        at: float | None = None,
        **claims: Any,
    ) -> str:
        """A signed token: sensible default claims, overridden by ``claims`` (``None`` drops one)."""
        payload = self.default_claims(at)
        for name, value in claims.items():
            if value is None:
                payload.pop(name, None)
            else:
                payload[name] = value
        return (key or self.key).sign(payload, dict(headers or {}))

    # -- answering --------------------------------------------------------------------------

    def answer(self, method: str, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, Any] | None]:
        """The status and JSON body for a request to one of this issuer's paths."""
        with self._lock:
            self.requests.append(RecordedRequest(method, path, dict(headers), time.time()))
        base_path = urlsplit(self._base).path
        if method != "GET":
            return 405, {"error": "method_not_allowed"}
        if path == base_path + "/.well-known/jwks.json":
            return 200, self.jwks
        if path == base_path + "/.well-known/openid-configuration":
            return 200, self.discovery
        if path == base_path + "/oauth2/userinfo":
            return self._userinfo(headers)
        return 404, {"error": "not_found"}

    def _userinfo(self, headers: Mapping[str, str]) -> tuple[int, dict[str, Any] | None]:
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return 401, {"error": "invalid_token"}
        import jwt

        try:
            claims = jwt.decode(auth[7:], options={"verify_signature": False})
        except jwt.PyJWTError:
            return 401, {"error": "invalid_token"}
        drop = {"iss", "aud", "exp", "iat", "nbf", "jti", "sid", "azp", "scope"}
        return 200, {name: value for name, value in claims.items() if name not in drop}

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path.endswith(path_suffix)]

    @property
    def jwks_fetches(self) -> int:
        return len(self.requests_to("/.well-known/jwks.json"))

    # -- respx ------------------------------------------------------------------------------

    def start(self) -> FakeIssuer:
        """Answer this issuer's URLs through respx; every other URL passes through."""
        if self._router is not None:
            return self
        router = respx.MockRouter(assert_all_called=False, assert_all_mocked=False)
        parts = urlsplit(self._base)
        patterns: dict[str, Any] = {"scheme": parts.scheme, "host": parts.hostname}
        if parts.port is not None:
            patterns["port"] = parts.port
        router.route(**patterns).mock(side_effect=self._respond)
        router.route().pass_through()
        router.start()
        self._router = router
        return self

    def stop(self) -> None:
        if self._router is not None:
            self._router.stop(quiet=True)
            self._router = None

    def __enter__(self) -> FakeIssuer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _respond(self, request: httpx.Request) -> httpx.Response:
        status, body = self.answer(request.method, request.url.path, request.headers)
        return httpx.Response(status, json=body)

    # -- real server ------------------------------------------------------------------------

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[FakeIssuer]:
        """Run as a real HTTP server on 127.0.0.1 (a free port by default) for out-of-process apps.

        Inside the block ``issuer``, ``jwks_uri`` and tokens use ``http://127.0.0.1:<port>``.
        """
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = fake.answer(
                    "GET", urlsplit(self.path).path, {k.lower(): v for k, v in self.headers.items()}
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name="fake-issuer", daemon=True)
        thread.start()
        previous = (self._base, self._path_suffix)
        self._base, self._path_suffix = f"http://127.0.0.1:{server.server_address[1]}", ""
        try:
            yield self
        finally:
            self._base, self._path_suffix = previous
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
