"""``FakeIssuer``: a token issuer with real keys, a JWKS and a discovery document, for tests.

It answers its own URLs in-process through respx while active (every other URL is left to other
respx routers or the network), through an injectable httpx transport (:meth:`FakeIssuer.transport`),
or as a real HTTP server on 127.0.0.1 with :meth:`FakeIssuer.serve`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
import jwt
import respx
from respx.mocks import HTTPXMocker

from asgi_authinfo import AuthInfo, Issuer, TokenVerifier
from asgi_authinfo.claims import ClaimMapper

from ._blocking import run_blocking
from ._callers import SignedInUser
from ._clock import Clock
from ._keys import SigningKey, signing_key
from ._persona import Persona
from ._presets import Preset, get_preset

__all__ = ["DEFAULT_ISSUER", "FakeIssuer", "RecordedRequest"]

DEFAULT_ISSUER = "https://fake-issuer.test"
_UNSET: Any = object()
_LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_NOT_USERINFO: Final = frozenset(
    {"iss", "aud", "exp", "iat", "nbf", "jti", "sid", "azp", "scope", "scp", "client_id", "act"}
    | {"auth_time", "v", "fva", "sts", "o", "fea", "pla"}
)
# The respx routers of every started fake issuer: each passes unknown URLs on to the others.
_fake_routers: list[respx.MockRouter] = []


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request made to a fake issuer's endpoints."""

    method: str
    path: str
    headers: Mapping[str, str] = field(repr=False)
    at: float


class FakeIssuer:
    """An OIDC issuer for tests: real keys, JWKS, discovery, userinfo, and a token minter.

    It answers its JWKS URLs (which may be on another host, as Firebase's are) and every URL under
    its issuer URL (unknown paths get 404); requests to other URLs, even on the same host, are not
    its business.

    ``preset`` shapes URLs and claims like a provider (``"oidc"``, ``"workos"``, ``"clerk"``,
    ``"auth0"``, ``"entra"``, ... see ``PRESETS``); ``issuer`` defaults to that provider's URL form
    and ``algorithm`` to the provider's (RS256, ES256 for Supabase). ``now`` is the clock tokens are
    minted with (a :class:`Clock` freezes it).
    """

    def __init__(
        self,
        issuer: str | None = None,
        *,
        preset: str | Preset = "oidc",
        algorithm: str | None = None,
        keys: int = 1,
        audience: str | list[str] | None = _UNSET,
        claims: str | ClaimMapper | None = None,
        now: Callable[[], float] = time.time,
        lifetime: int = 300,
        userinfo: bool = True,
    ) -> None:
        if keys < 1:
            raise ValueError("a fake issuer needs at least one key")
        if lifetime < 1:
            raise ValueError("lifetime must be at least 1 second")
        self.preset = get_preset(preset)
        url = issuer if issuer is not None else self.preset.default_issuer()
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"issuer must be an absolute https:// URL, got {url!r}")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise ValueError(f"issuer must use https:// (http only on localhost), got {url!r}")
        self._origin = self._nominal_origin = f"{parts.scheme}://{parts.netloc}"
        self._issuer_path = parts.path
        self._key_owner = self.preset.key_owner(url)
        self.algorithm = algorithm or self.preset.algorithm
        self._audience = audience
        self.claims_preset: str | ClaimMapper = claims if claims is not None else self.preset.claims
        self.now = now
        self.lifetime = lifetime
        self.userinfo = userinfo
        self._key_index = 0
        self.signing_keys: list[SigningKey] = [self._new_key() for _ in range(keys)]
        self.published_keys: list[SigningKey] = list(self.signing_keys)
        self.requests: list[RecordedRequest] = []
        self._router: respx.MockRouter | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FakeIssuer({self.issuer!r}, preset={self.preset.name!r}, algorithm={self.algorithm!r})"

    # -- identity ---------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The ``iss`` of the tokens, exactly as the middleware's ``Issuer`` must name it."""
        return self._origin + self._issuer_path

    @property
    def _base(self) -> str:
        return self._origin + self._issuer_path.rstrip("/")

    def _here(self, url: str) -> str:
        """A URL of the provider's, moved to the loopback server while :meth:`serve` runs."""
        if self._origin == self._nominal_origin:
            return url
        parts = urlsplit(url)
        return self._origin + parts.path

    @property
    def jwks_uris(self) -> tuple[str, ...]:
        """Every URL this issuer's provider serves its keys at (Entra: the tenant's and ``common``)."""
        nominal = self._nominal_origin + self._issuer_path
        return tuple(self._here(url) for url in self.preset.jwks_uris(nominal))

    @property
    def jwks_uri(self) -> str:
        """The JWKS URL discovery lists (the provider's own, e.g. Google's for Firebase)."""
        return self.jwks_uris[0]

    @property
    def discovery_uri(self) -> str:
        return f"{self._base}/.well-known/openid-configuration"

    @property
    def userinfo_uri(self) -> str:
        return self._here(self.preset.userinfo_uri(self._nominal_origin + self._issuer_path))

    @property
    def audience(self) -> str | list[str] | None:
        """The ``aud`` of minted tokens and of :meth:`issuer_config` (the preset's default if unset)."""
        if self._audience is _UNSET:
            return self.preset.audience(self.issuer)
        value: str | list[str] | None = self._audience
        return value

    @property
    def accepted_audience(self) -> str | list[str] | None:
        """The audience :meth:`issuer_config` checks: ``audience`` when given, else what an API
        configured for the provider checks (Auth0: the API, not ``/userinfo``; Keycloak: none)."""
        if self._audience is _UNSET:
            return self.preset.accepted_audience(self.issuer)
        value: str | list[str] | None = self._audience
        return value

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk for key in self.published_keys]}

    @property
    def discovery(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_uri,
            "id_token_signing_alg_values_supported": [self.algorithm],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        }
        if self.userinfo:
            document["userinfo_endpoint"] = self.userinfo_uri
        return document

    def issuer_config(self, **overrides: Any) -> Issuer:
        """The ``Issuer`` that trusts this fake issuer, with any option overridden."""
        options: dict[str, Any] = {
            "jwks_uri": self.jwks_uri,
            "audience": self.accepted_audience,
            "algorithms": (self.algorithm,),
            "claims": self.claims_preset,
        }
        options.update(overrides)
        return Issuer(self.issuer, **options)

    def verifier(self, *, max_token_bytes: int | None = None, **overrides: Any) -> TokenVerifier:
        """A ``TokenVerifier`` trusting this issuer, on its clock, fetching keys through :meth:`transport`.

        Needs no respx: ``AuthInfoMiddleware(app, verifier=fake.verifier())``. When ``now`` is a
        :class:`Clock`, it is also the verifier's monotonic clock, so JWKS ages move with it.
        """
        clock = self.now if isinstance(self.now, Clock) else time.monotonic
        extra: dict[str, Any] = {} if max_token_bytes is None else {"max_token_bytes": max_token_bytes}
        return TokenVerifier(
            [self.issuer_config(**overrides)],
            client=httpx.AsyncClient(transport=self.transport()),
            now=self.now,
            clock=clock,
            **extra,
        )

    # -- keys -------------------------------------------------------------------------------

    def _new_key(self) -> SigningKey:
        index = self._key_index
        self._key_index += 1
        kid = f"fake-{self.algorithm.lower()}-{index}"
        return signing_key(self.algorithm, index, kid, owner=self._key_owner)

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

    def default_claims(self, at: float | None = None, *, expires_in: float | None = None) -> dict[str, Any]:
        """The claims every token starts from: ``iss``, ``sub``, the session, times, ``aud`` and the
        preset's own (Clerk's ``v``, Cognito's ``token_use``, ``auth_time``...).

        ``exp`` is ``at + expires_in`` (default: ``lifetime``); an already expired token still has
        ``iat``/``nbf`` one lifetime before its ``exp``.
        """
        return self.preset.finish(self._base_claims(at, expires_in), {})

    def _base_claims(self, at: float | None, expires_in: float | None) -> dict[str, Any]:
        """:meth:`default_claims` without the claims derived from the others."""
        preset = self.preset
        now = int(self.now() if at is None else at)
        exp = now + int(self.lifetime if expires_in is None else expires_in)
        issued = min(now, exp - self.lifetime)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": preset.subject,
            "iat": issued,
            "nbf": issued,
            "exp": exp,
            "jti": uuid.uuid4().hex,
        }
        for name in preset.omits:
            claims.pop(name, None)
        if preset.session_claim is not None and preset.session_id is not None:
            claims[preset.session_claim] = preset.session_id
        audience = self.audience
        if audience is not None:
            claims["aud"] = audience
        claims.update(json.loads(json.dumps(dict(preset.extra))))
        return claims

    def token(
        self,
        *,
        headers: Mapping[str, Any] | None = None,
        key: SigningKey | None = None,
        at: float | None = None,
        **claims: Any,
    ) -> str:
        """A signed token: sensible default claims, overridden by ``claims`` (``None`` drops one).

        ``headers`` overrides JOSE headers (``kid``, ``typ``, ...; ``None`` drops one).
        """
        return self._sign(self.preset.finish(self._base_claims(at, None), claims), headers, key)

    def claims_for(
        self,
        *,
        at: float | None = None,
        expires_in: float | None = None,
        claims: Mapping[str, Any] | None = None,
        **persona: Any,
    ) -> dict[str, Any]:
        """The claims this provider would send for a caller described in ``AuthInfo`` terms.

        ``persona`` fields: ``user_id``, ``email``, ``name``, ``session_id``, ``organization_id``,
        ``organization_slug``, ``role``, ``roles``, ``permissions``, ``entitlements``,
        ``feature_flags``, ``scopes``, ``impersonator``, ``custom_attributes``, ``is_anonymous``...
        ``claims`` are raw claims applied last (``None`` drops one).
        """
        encoded = self.preset.encode(Persona.of(**persona))
        base = self._base_claims(at, expires_in)
        return self.preset.finish({**base, **encoded}, dict(claims or {}))

    def token_for(
        self,
        *,
        headers: Mapping[str, Any] | None = None,
        at: float | None = None,
        expires_in: float | None = None,
        claims: Mapping[str, Any] | None = None,
        **persona: Any,
    ) -> str:
        """A signed token for a described caller: ``token_for(role="admin", organization_id="org_1")``."""
        payload = self.claims_for(at=at, expires_in=expires_in, claims=claims, **persona)
        return self._sign(payload, headers, None)

    def sign_in(
        self,
        *,
        headers: Mapping[str, Any] | None = None,
        at: float | None = None,
        claims: Mapping[str, Any] | None = None,
        **persona: Any,
    ) -> SignedInUser:
        """A :class:`SignedInUser`: a token for the described caller and the ``AuthInfo`` it verifies to.

        The ``AuthInfo`` comes from running the real ``TokenVerifier`` (this issuer's
        :meth:`issuer_config`, on its clock) over the token; an ``AuthError`` says why a token
        described this way would be refused.
        """
        payload = self.claims_for(at=at, claims=claims, **persona)
        token = self._sign(payload, headers, None)
        return SignedInUser(token=token, claims=payload, auth_info=self.verify(token), issuer=self)

    def verify(self, token: str, **overrides: Any) -> AuthInfo:
        """Run the real ``TokenVerifier`` over ``token`` (blocking); requests made are not recorded."""

        async def verify() -> AuthInfo:
            async with httpx.AsyncClient(transport=self.transport(record=False)) as client:
                verifier = TokenVerifier(
                    [self.issuer_config(**overrides)], client=client, now=self.now, clock=time.monotonic
                )
                return await verifier.verify(token)

        return run_blocking(verify)

    def _sign(
        self, payload: dict[str, Any], headers: Mapping[str, Any] | None, key: SigningKey | None
    ) -> str:
        return (key or self.key).sign(payload, dict(headers or {}))

    # -- answering --------------------------------------------------------------------------

    def _endpoints(self) -> list[tuple[str, str]]:
        endpoints = [("jwks", uri) for uri in self.jwks_uris]
        endpoints.append(("discovery", self.discovery_uri))
        if self.userinfo:
            endpoints.append(("userinfo", self.userinfo_uri))
        return endpoints

    def _endpoint(self, path: str, origin: tuple[str, str, int] | None = None) -> str | None:
        """Which endpoint ``path`` (on ``origin``; None: any of this issuer's) is: its JWKS, discovery,
        userinfo, ``"unknown"`` for any other path under the issuer URL (answered 404), or None for
        URLs that are not this issuer's."""
        for name, uri in self._endpoints():
            if urlsplit(uri).path == path and (origin is None or _origin_of(uri) == origin):
                return name
        prefix = self._issuer_path.rstrip("/")
        if origin is not None and origin != _origin_of(self._origin):
            return None
        if path == prefix or path.startswith(prefix + "/"):
            return "unknown"
        return None

    def answer(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        *,
        record: bool = True,
        origin: tuple[str, str, int] | None = None,
    ) -> tuple[int, dict[str, Any] | None]:
        """The status and JSON body for a request to one of this issuer's paths (on ``origin``,
        ``(scheme, host, port)``, when the caller knows it: a JWKS on another host is told apart)."""
        if record:
            with self._lock:
                self.requests.append(RecordedRequest(method, path, dict(headers), time.time()))
        endpoint = self._endpoint(path, origin)
        if endpoint is None or endpoint == "unknown":
            return 404, {"error": "not_found"}
        if method != "GET":
            return 405, {"error": "method_not_allowed"}
        if endpoint == "jwks":
            return 200, self.jwks
        if endpoint == "discovery":
            return 200, self.discovery
        return self._userinfo(headers)

    def _userinfo(self, headers: Mapping[str, str]) -> tuple[int, dict[str, Any] | None]:
        """OIDC userinfo: the profile claims of a token this issuer signed and that has not expired."""
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return 401, {"error": "invalid_token"}
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = next(k for k in self.published_keys if k.kid == kid)
            claims = jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=[key.alg],
                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except (jwt.PyJWTError, StopIteration):
            return 401, {"error": "invalid_token"}
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= self.now():
            return 401, {"error": "invalid_token"}
        return 200, {name: value for name, value in claims.items() if name not in _NOT_USERINFO}

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path.endswith(path_suffix)]

    @property
    def jwks_fetches(self) -> int:
        """How many times the JWKS was requested (at any of its URLs)."""
        paths = {urlsplit(uri).path for uri in self.jwks_uris}
        return sum(1 for request in self.requests if request.path in paths)

    def _respond(self, request: httpx.Request, *, record: bool = True) -> httpx.Response:
        status, body = self.answer(
            request.method, request.url.path, request.headers, record=record, origin=_url_origin(request.url)
        )
        return httpx.Response(status, json=body)

    def _owns(self, url: httpx.URL) -> bool:
        return self._endpoint(url.path, _url_origin(url)) is not None

    def transport(self, *, record: bool = True) -> httpx.MockTransport:
        """An httpx transport answering this issuer's URLs (404 for others): inject it in a client."""

        def handle(request: httpx.Request) -> httpx.Response:
            if not self._owns(request.url):
                return httpx.Response(404, json={"error": "not_found"})
            return self._respond(request, record=record)

        return httpx.MockTransport(handle)

    # -- respx ------------------------------------------------------------------------------

    def start(self) -> FakeIssuer:
        """Answer this issuer's URLs through respx; other URLs go to other routers or the network."""
        if self._router is not None:
            return self
        router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        router.route().mock(side_effect=self._route)
        router.start()
        _fake_routers.append(router)
        self._router = router
        return self

    def stop(self) -> None:
        router, self._router = self._router, None
        if router is not None:
            _fake_routers.remove(router)
            router.stop(quiet=True)

    @property
    def started(self) -> bool:
        return self._router is not None

    def __enter__(self) -> FakeIssuer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeIssuer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    def _route(self, request: httpx.Request) -> httpx.Response | httpx.Request | None:
        """respx side effect: answer our URLs; leave others to the user's routers, else pass through.

        Returning None makes respx try the next router; returning the request passes it through
        to the real transport, which only the last fake router does, and only when no other
        respx router is active (so the user's own respx mocks see every other request).
        """
        if self._owns(request.url):
            return self._respond(request)
        routers = HTTPXMocker.routers
        if any(all(router is not fake for fake in _fake_routers) for router in routers):
            return None
        return request if routers and routers[-1] is self._router else None

    # -- real server ------------------------------------------------------------------------

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[FakeIssuer]:
        """Run as a real HTTP server on 127.0.0.1 (a free port by default) for out-of-process apps.

        Inside the block ``issuer``, ``jwks_uri`` and tokens use ``http://127.0.0.1:<port>``; the
        server is shut down and the URLs restored when the block ends.
        """
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def _answer(self, method: str) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body = fake.answer(method, urlsplit(self.path).path, headers)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = _QuietServer(("127.0.0.1", port), Handler)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-issuer", daemon=True
        )
        thread.start()
        previous = self._origin
        self._origin = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            self._origin = previous
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def _origin_of(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``url``, the port made explicit."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)


def _url_origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 0)


class _QuietServer(ThreadingHTTPServer):
    """A loopback server that stays quiet when a client hangs up mid-answer (timeouts in tests)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)
