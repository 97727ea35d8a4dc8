"""Userinfo enrichment: the issuer's OIDC userinfo answer merged into ``AuthInfo.user``.

Opt in per issuer with ``Issuer(userinfo=True)``. The endpoint is ``Issuer.userinfo_uri`` or the
discovery document's ``userinfo_endpoint``; it is called with the access token (OIDC Core §5.3).
Answers are cached per token until the token expires (a bounded LRU keyed by the token's
SHA-256, so tokens are not kept), concurrent requests with one token share one fetch, and a
failing endpoint is left alone for a few seconds.

When the endpoint fails the token's own claims are kept and ``AuthInfo.userinfo_error`` says why;
``Issuer(userinfo="required")`` refuses the request instead.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

import httpx

from ._auth_info import AuthInfo
from ._discovery import Discovery
from ._errors import AuthError, InvalidTokenError, IssuerUnavailableError
from ._fetch import FetchError, fetch_json
from ._fetch_policy import FAILURE_BACKOFF, Attempts, SingleFlight
from ._frozen import freeze
from ._issuer import Issuer
from ._user import User
from ._userinfo_store import UserinfoStore, shared_fetch

__all__ = ["DEFAULT_MAX_ENTRIES", "UserinfoEnricher"]

logger = logging.getLogger("asgi_authinfo")

DEFAULT_MAX_ENTRIES: Final = 4096
FAILURE_TTL: Final = 30.0
"""How long one token's failed lookup is remembered (at most until the token expires)."""
MAX_USERINFO_BYTES: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One token's userinfo lookup: the enriched user, or why there is none."""

    expires: float
    user: User | None = None
    document: Mapping[str, Any] | None = None
    error: str | None = None
    refused: bool = False
    """The endpoint refused the token (HTTP 401/403), as opposed to not answering usefully."""


class UserinfoEnricher:
    """Fetches, merges and caches userinfo answers for the issuers that opt in.

    ``now`` is the wall clock compared with token expiry; ``clock`` the monotonic clock of the
    endpoint backoff. One instance serves every issuer of a verifier.
    """

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        now: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        failure_ttl: float = FAILURE_TTL,
        backoff: float = FAILURE_BACKOFF,
        store: UserinfoStore | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._client = client
        self._now = now
        self._clock = clock
        self.max_entries = max_entries
        self._failure_ttl = failure_ttl
        self._backoff = backoff
        self._shared = store
        self._cache: OrderedDict[bytes, _Outcome] = OrderedDict()
        self._flights: SingleFlight[bytes] = SingleFlight()
        self._attempts: dict[str, Attempts] = {}
        self.fetches = 0

    def __len__(self) -> int:
        return len(self._cache)

    async def enrich(self, auth: AuthInfo, issuer: Issuer, *, discovery: Discovery | None = None) -> AuthInfo:
        """``auth`` with its user enriched from userinfo, or noting why it could not be.

        Works from ``auth`` alone (its token and read-only claims), so an ``AuthInfo`` taken from
        a cache of verified tokens can be enriched as well as a fresh one.
        """
        key = hashlib.sha256(auth.access_token.encode()).digest()
        outcome = await self._outcome(key, auth, auth.claims, issuer, discovery)
        if outcome.user is not None:
            return replace(auth, user=outcome.user, userinfo=outcome.document)
        error = outcome.error or "no userinfo"
        if issuer.userinfo == "required":
            raise self._refusal(outcome, error, issuer)
        return replace(auth, userinfo_error=error)

    async def _outcome(
        self,
        key: bytes,
        auth: AuthInfo,
        claims: Mapping[str, Any],
        issuer: Issuer,
        discovery: Discovery | None,
    ) -> _Outcome:
        while True:
            cached = self._cached(key)
            if cached is not None:
                return cached
            outcome = await self._flights.run(key, lambda: self._lookup(key, auth, claims, issuer, discovery))
            if outcome is not None:
                return outcome
            # another request with this token fetched: its outcome is cached now, unless it failed

    def _cached(self, key: bytes) -> _Outcome | None:
        outcome = self._cache.get(key)
        if outcome is None:
            return None
        if self._now() >= outcome.expires:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return outcome

    def _store(self, key: bytes, outcome: _Outcome) -> None:
        self._cache[key] = outcome
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)

    async def _lookup(
        self,
        key: bytes,
        auth: AuthInfo,
        claims: Mapping[str, Any],
        issuer: Issuer,
        discovery: Discovery | None,
    ) -> _Outcome:
        outcome = await self._fetch(auth, claims, issuer, discovery)
        self._store(key, outcome)
        return outcome

    async def _fetch(
        self, auth: AuthInfo, claims: Mapping[str, Any], issuer: Issuer, discovery: Discovery | None
    ) -> _Outcome:
        expires = auth.expires_at.timestamp() if auth.expires_at is not None else self._now()
        failed_until = min(expires, self._now() + self._failure_ttl)
        endpoint, error = await self._endpoint(issuer, discovery)
        if endpoint is None:
            return self._failed(issuer, error, failed_until)
        attempts = self._attempts.get(endpoint)
        if attempts is None:
            attempts = self._attempts[endpoint] = Attempts(backoff=self._backoff, clock=self._clock)
        if not attempts.may_attempt(0.0):
            return _Outcome(failed_until, error=f"{attempts.error} (not retried yet)")
        self.fetches += 1
        try:
            document = await shared_fetch(
                self._shared,
                auth.access_token,
                expires,
                lambda: fetch_json(
                    self._client,
                    endpoint,
                    timeout=issuer.userinfo_timeout,
                    what="userinfo",
                    max_bytes=MAX_USERINFO_BYTES,
                    headers={"Authorization": f"Bearer {auth.access_token}"},
                ),
            )
        except FetchError as exc:
            refused = exc.status in (401, 403)
            if not refused:
                attempts.failed_with(str(exc))
            return _Outcome(failed_until, error=str(exc), refused=refused)
        attempts.succeeded()
        if not isinstance(document, Mapping):
            return self._failed(
                issuer, f"the userinfo answer of {endpoint} is not a JSON object", failed_until
            )
        if document.get("sub") != claims.get("sub"):
            return self._failed(
                issuer,
                f"the userinfo answer of {endpoint} is about another subject than the token; "
                "its values are not used (OIDC Core §5.3.2)",
                failed_until,
            )
        try:
            user = issuer.mapper({**claims, **document}).user
        except Exception as exc:
            logger.exception("the claims mapper for issuer %s failed on the userinfo answer", issuer.issuer)
            return self._failed(
                issuer, f"the userinfo answer could not be mapped ({type(exc).__name__})", failed_until
            )
        return _Outcome(expires, user=user, document=freeze(document))

    async def _endpoint(self, issuer: Issuer, discovery: Discovery | None) -> tuple[str | None, str]:
        if issuer.userinfo_uri is not None:
            return issuer.userinfo_uri, ""
        if discovery is None:
            return None, f"issuer {issuer.issuer} has no userinfo_uri; configure Issuer(userinfo_uri=...)"
        try:
            metadata = await discovery.metadata()
        except AuthError as exc:
            return None, exc.description
        if metadata.userinfo_endpoint is None:
            return None, (
                f"the discovery document of {issuer.issuer} names no userinfo_endpoint; "
                "configure Issuer(userinfo_uri=...)"
            )
        return metadata.userinfo_endpoint, ""

    def _failed(self, issuer: Issuer, error: str, until: float) -> _Outcome:
        logger.warning("userinfo for issuer %s not used: %s", issuer.issuer, error)
        return _Outcome(until, error=error)

    def _refusal(self, outcome: _Outcome, error: str, issuer: Issuer) -> AuthError:
        if outcome.refused:
            return InvalidTokenError(
                f"the issuer's userinfo endpoint refused the token: {error}",
                code="userinfo_refused",
                issuer=issuer.issuer,
            )
        retry = max(1.0, outcome.expires - self._now())
        return IssuerUnavailableError(
            f"userinfo is required for issuer {issuer.issuer} but unavailable: {error}",
            retry_after=round(min(retry, self._failure_ttl)),
            issuer=issuer.issuer,
        )
