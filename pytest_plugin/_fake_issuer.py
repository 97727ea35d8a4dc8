"""``FakeIssuer``: a token issuer with real keys, a JWKS and a discovery document, for tests.

The facade over one job per module: keys (``_keys``), claims (``_minting``), the endpoints' answers
(``_endpoints``), and the ways requests reach them (``_transports``): respx routes while started,
an injectable httpx transport (:meth:`FakeIssuer.transport`), or a real HTTP server on 127.0.0.1
(:meth:`FakeIssuer.serve`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from asgi_authinfo import AuthInfo, DpopRequest, Issuer, TokenVerifier
from asgi_authinfo._issuer import check_url
from asgi_authinfo.claims import ClaimMapper

from ._blocking import run_blocking
from ._callers import SignedInUser
from ._clock import Clock
from ._dpop import DpopKey, dpop_key
from ._endpoints import Origin, RecordedRequest, Reply, discovery_document, respond
from ._keys import KeyRing, SigningKey
from ._minting import Minter
from ._oauth import OAuthEndpoints
from ._presets import Preset, get_preset
from ._refusal_hints import FIXTURE_HINT
from ._transports import FakeRoutes, loopback_server, mock_transport

__all__ = ["DEFAULT_ISSUER", "FakeIssuer", "RecordedRequest"]

DEFAULT_ISSUER = "https://fake-issuer.test"
_UNSET: Any = object()


class FakeIssuer(OAuthEndpoints):
    """An OIDC issuer for tests: real keys, JWKS, discovery, userinfo, a token endpoint, and a minter.

    It answers its JWKS URLs (which may be on another host, as Firebase's are) and every URL under
    its issuer URL (unknown paths get 404); requests to other URLs, even on the same host, are not
    its business.

    ``preset`` shapes URLs and claims like a provider (``"oidc"``, ``"workos"``, ``"clerk"``,
    ``"auth0"``, ``"entra"``, ... see ``PRESETS``); ``issuer`` defaults to that provider's URL form
    and ``algorithm`` to the provider's (RS256, ES256 for Supabase). ``now`` is the clock tokens are
    minted with (a :class:`Clock` freezes it). ``authorized_party`` is the ``azp`` of minted tokens
    (default: the preset's; Clerk tokens have none, which ``providers.clerk(...,
    authorized_parties=[...])`` accepts, as Clerk's SDKs do; set it to test that check).
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
        authorized_party: str | None = None,
    ) -> None:
        if lifetime < 1:
            raise ValueError("lifetime must be at least 1 second")
        self.preset = get_preset(preset)
        url = issuer if issuer is not None else self.preset.default_issuer()
        check_url("issuer", url)
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise ValueError(f"issuer must be an absolute https:// URL, got {url!r}")
        self._origin = self._nominal_origin = f"{parts.scheme}://{parts.netloc}"
        self._issuer_path = parts.path
        self.algorithm = algorithm or self.preset.algorithm
        self._keys = KeyRing(self.algorithm, owner=self.preset.key_owner(url), count=keys)
        self._audience = audience
        self.claims_preset: str | ClaimMapper = claims if claims is not None else self.preset.claims
        self.now = now
        self.lifetime = lifetime
        self.userinfo = userinfo
        self.authorized_party = authorized_party
        self.requests: list[RecordedRequest] = []
        self._routes: FakeRoutes | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FakeIssuer({self.issuer!r}, preset={self.preset.name!r}, algorithm={self.algorithm!r})"

    # -- identity ---------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The ``iss`` of the tokens, exactly as the middleware's ``Issuer`` must name it."""
        return self._origin + self._issuer_path

    def _here(self, url: str) -> str:
        """A URL of the provider's, moved to the loopback server while :meth:`serve` runs."""
        if self._origin == self._nominal_origin:
            return url
        return self._origin + urlsplit(url).path

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
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

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
        userinfo = self.userinfo_uri if self.userinfo else None
        return discovery_document(
            self.issuer,
            jwks_uri=self.jwks_uri,
            algorithm=self.algorithm,
            userinfo_uri=userinfo,
            token_endpoint=self.token_endpoint,
            authorization_endpoint=self.authorization_endpoint,
        )

    def issuer_config(self, **overrides: Any) -> Issuer:
        """The ``Issuer`` that trusts this fake issuer, with any option overridden."""
        options: dict[str, Any] = {
            "jwks_uri": self.jwks_uri,
            "audience": self.accepted_audience,
            "algorithms": (self.algorithm,),
            "claims": self.claims_preset,
            "refusal_hint": FIXTURE_HINT,  # refusals name the fixture option that fixes them
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

    @property
    def signing_keys(self) -> list[SigningKey]:
        """The keys this issuer has signed with, the current one first."""
        return self._keys.signing

    @property
    def published_keys(self) -> list[SigningKey]:
        """The keys its JWKS lists."""
        return self._keys.published

    @property
    def key(self) -> SigningKey:
        """The key new tokens are signed with."""
        return self._keys.signing[0]

    def rotate_keys(self, *, keep_old: bool = True) -> SigningKey:
        """Sign with a new key from now on; keep the old one in the JWKS or remove it."""
        return self._keys.rotate(keep_old=keep_old)

    # -- tokens -----------------------------------------------------------------------------

    def _minter(self) -> Minter:
        return Minter(self.preset, self.issuer, self.audience, self.now, self.lifetime, self.authorized_party)

    def default_claims(self, at: float | None = None, *, expires_in: float | None = None) -> dict[str, Any]:
        """The claims every token starts from: ``iss``, ``sub``, the session, times, ``aud`` and the
        preset's own (Clerk's ``v``, Cognito's ``token_use``, ``auth_time``...).

        ``exp`` is ``at + expires_in`` (default: ``lifetime``); an already expired token still has
        ``iat``/``nbf`` one lifetime before its ``exp``.
        """
        return self._minter().default_claims(at, expires_in=expires_in)

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
        return (key or self.key).sign(self._minter().claims(claims, at=at), dict(headers or {}))

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
        return self._minter().claims_for(persona, at=at, expires_in=expires_in, claims=claims)

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
        return self.key.sign(payload, dict(headers or {}))

    def sign_in(
        self,
        *,
        headers: Mapping[str, Any] | None = None,
        at: float | None = None,
        claims: Mapping[str, Any] | None = None,
        dpop: bool | DpopKey = False,
        **persona: Any,
    ) -> SignedInUser:
        """A :class:`SignedInUser`: a token for the described caller and the ``AuthInfo`` it verifies to.

        The ``AuthInfo`` comes from running the real ``TokenVerifier`` (this issuer's
        :meth:`issuer_config`, on its clock) over the token; an ``AuthError`` says why a token
        described this way would be refused. ``dpop=True`` (or a ``DpopKey``) binds the token to
        a DPoP client key (``cnf.jkt``, RFC 9449): send it with ``headers_for`` or ``auth``.
        """
        key = (dpop_key() if dpop is True else dpop) or None
        if key is not None:
            claims = {"cnf": key.cnf, **(claims or {})}
        payload = self.claims_for(at=at, claims=claims, **persona)
        token = self.key.sign(payload, dict(headers or {}))
        auth_info = self.verify(token, dpop_key=key)
        return SignedInUser(token=token, claims=payload, auth_info=auth_info, issuer=self, dpop_key=key)

    def dpop_proof(
        self, method: str, url: str, *, token: str | None = None, key: DpopKey | None = None, **options: Any
    ) -> str:
        """A DPoP proof (RFC 9449) for ``method`` ``url`` and ``token``, made now on this issuer's clock."""
        options.setdefault("at", self.now())
        return (key or dpop_key()).proof(method, url, token=token, **options)

    def verify(self, token: str, *, dpop_key: DpopKey | None = None, **overrides: Any) -> AuthInfo:
        """Run the real ``TokenVerifier`` over ``token`` (blocking); requests made are not recorded.

        With ``dpop_key``, the token is sent the DPoP way, with a proof made by that key.
        """

        async def verify() -> AuthInfo:
            async with httpx.AsyncClient(transport=self.transport(record=False)) as client:
                verifier = TokenVerifier(
                    [self.issuer_config(**overrides)], client=client, now=self.now, clock=time.monotonic
                )
                if dpop_key is None:
                    return await verifier.verify(token)
                url = "https://api.example.test/"
                proof = dpop_key.proof("GET", url, token=token, at=self.now())
                return await verifier.verify(token, dpop=DpopRequest(token, proof, "GET", url))

        return run_blocking(verify)

    # -- answering --------------------------------------------------------------------------

    def answer(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        *,
        record: bool = True,
        origin: Origin | None = None,
        query: str = "",
        body: bytes = b"",
    ) -> Reply:
        """The status and JSON body for a request to one of this issuer's paths (on ``origin``,
        ``(scheme, host, port)``, when the caller knows it: a JWKS on another host is told apart);
        ``query`` and ``body`` (a form) are what ``/authorize`` and ``/token`` read."""
        if record:
            with self._lock:
                self.requests.append(RecordedRequest(method, path, dict(headers), time.time()))
        return respond(self, method, path, headers, origin, query=query, body=body)

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path.endswith(path_suffix)]

    @property
    def jwks_fetches(self) -> int:
        """How many times the JWKS was requested (at any of its URLs)."""
        paths = {urlsplit(uri).path for uri in self.jwks_uris}
        return sum(1 for request in self.requests if request.path in paths)

    def transport(self, *, record: bool = True) -> httpx.MockTransport:
        """An httpx transport answering this issuer's URLs (404 for others): inject it in a client."""
        return mock_transport(self, record=record)

    # -- respx ------------------------------------------------------------------------------

    def start(self) -> FakeIssuer:
        """Answer this issuer's URLs through respx; other URLs are left to other respx routers."""
        return self._start_on(FakeRoutes())

    def _start_on(self, routes: FakeRoutes) -> FakeIssuer:
        """Answer through ``routes`` (the plugin's router for the test) unless already started."""
        if self._routes is None:
            routes.add(self)
            self._routes = routes
        return self

    def stop(self) -> None:
        routes, self._routes = self._routes, None
        if routes is not None:
            routes.remove(self)

    @property
    def started(self) -> bool:
        return self._routes is not None

    def __enter__(self) -> FakeIssuer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeIssuer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    # -- real server ------------------------------------------------------------------------

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[FakeIssuer]:
        """Run as a real HTTP server on 127.0.0.1 (a free port by default) for out-of-process apps.

        Inside the block ``issuer``, ``jwks_uri`` and tokens use ``http://127.0.0.1:<port>``; the
        server is shut down and the URLs restored when the block ends.
        """
        with loopback_server(self, port) as bound:
            previous = self._origin
            self._origin = f"http://127.0.0.1:{bound}"
            try:
                yield self
            finally:
                self._origin = previous
