"""``JWKSCache``: an issuer's signing keys, fetched with httpx and never blocking the event loop.

Rules: keys are refetched after ``max_age``; an unknown ``kid`` causes one refetch, then a
``cooldown`` so a flood of unknown kids costs at most one fetch per window; concurrent callers
share one fetch (single flight); a failed refresh keeps the last good key set; malformed, weak
or non-signing keys are skipped.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

import anyio
import httpx

from ._errors import InvalidTokenError, IssuerUnavailableError, shown
from ._fetch import FetchError, fetch_json
from ._jose import VerifyingKey, key_from_jwk

__all__ = ["JWKSCache"]

logger = logging.getLogger("asgi_authinfo")

FAILURE_BACKOFF: Final = 5.0


class JWKSCache:
    """The key set at one ``jwks_uri``, shared by every issuer that names it."""

    def __init__(
        self,
        uri: str,
        *,
        client: httpx.AsyncClient,
        max_age: float = 600.0,
        cooldown: float = 30.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.uri = uri
        self._client = client
        self._max_age = max_age
        self._cooldown = cooldown
        self._backoff = min(cooldown, FAILURE_BACKOFF)
        self._timeout = timeout
        self._clock = clock
        self._by_kid: dict[str, tuple[VerifyingKey, ...]] = {}
        self._by_source: dict[str, VerifyingKey] = {}
        self._keys: tuple[VerifyingKey, ...] = ()
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_failed = False
        self._last_error: str | None = None
        self._attempts = 0
        self._lock: anyio.Lock | None = None
        self._in_flight = False
        self.fetches = 0

    @property
    def keys(self) -> tuple[VerifyingKey, ...]:
        """The usable keys of the last good fetch."""
        return self._keys

    @property
    def fresh_until(self) -> float:
        """The ``clock`` time after which the key set is refetched before its next use."""
        return -math.inf if self._fetched_at is None else self._fetched_at + self._max_age

    def holds(self, key: VerifyingKey) -> bool:
        """Whether ``key`` is still in the key set (a removed key invalidates what it verified)."""
        return any(candidate is key for candidate in self._by_kid.get(key.kid or "", self._keys))

    async def key_for(self, kid: str | None, alg: str, *, issuer: str) -> VerifyingKey:
        """The key that must have signed a token with this ``kid`` and ``alg``."""
        now = self._clock()
        if self._is_stale(now) and (
            self._may_attempt(now, self._backoff) or (not self._keys and self._fetching())
        ):
            await self._refresh()  # with last good keys, a refresh in flight is not waited for
        key = self._lookup(kid, alg, issuer)
        if (
            key is None
            and kid is not None
            and (self._fetching() or self._may_attempt(self._clock(), self._cooldown))
        ):
            await self._refresh()
            key = self._lookup(kid, alg, issuer)
        if key is not None:
            return key
        if not self._keys:
            waited = self._clock() - (self._attempted_at or 0.0)
            raise IssuerUnavailableError(
                f"no signing keys are available for issuer {issuer}: "
                f"{self._last_error or 'the key set is empty'}",
                retry_after=max(1, round(self._backoff - waited)),
                issuer=issuer,
                kid=kid,
            )
        if kid is not None and self._last_failed:
            # The issuer may have rotated to this key while its JWKS is down: we cannot tell a
            # forgery from a new key, so the caller should retry, not sign in again.
            raise IssuerUnavailableError(
                f"the token's key id `kid` {shown(kid)} is not in the last good key set and the "
                f"JWKS at {self.uri} cannot be refreshed: {self._last_error}",
                retry_after=max(1, round(self._backoff - (self._clock() - (self._attempted_at or 0.0)))),
                issuer=issuer,
                kid=kid,
            )
        if kid is None:
            fitting = sum(1 for candidate in self._keys if candidate.fits(alg))
            raise InvalidTokenError(
                f"the token has no `kid` header and the issuer's JWKS has {fitting} {alg} keys; "
                "it cannot be matched to a key",
                code="unknown_key",
                issuer=issuer,
            )
        known = ", ".join(shown(k) for k in list(self._by_kid)[:10]) or "none"
        raise InvalidTokenError(
            f"the token's key id `kid` {shown(kid)} is not in the issuer's JWKS at {self.uri} "
            f"(known kids: {known}); the token was signed by a key this issuer does not publish",
            code="unknown_key",
            issuer=issuer,
            kid=kid,
        )

    def _lookup(self, kid: str | None, alg: str, issuer: str) -> VerifyingKey | None:
        if kid is None:
            fitting = [key for key in self._keys if key.fits(alg)]
            return fitting[0] if len(fitting) == 1 else None
        candidates = self._by_kid.get(kid)
        if not candidates:
            return None
        for key in candidates:
            if key.fits(alg):
                return key
        first = candidates[0]
        raise InvalidTokenError(
            f"the token's alg {shown(alg)} does not fit key {shown(kid)}, which is a {first.kty} key"
            + (f" for {first.alg}" if first.alg else ""),
            code="algorithm_not_allowed",
            issuer=issuer,
            kid=kid,
        )

    def _is_stale(self, now: float) -> bool:
        return self._fetched_at is None or now - self._fetched_at >= self._max_age

    def _may_attempt(self, now: float, wait: float) -> bool:
        if self._attempted_at is None:
            return True
        window = self._backoff if self._last_failed else wait
        return now - self._attempted_at >= window

    async def _refresh(self) -> None:
        if self._lock is None:
            self._lock = anyio.Lock()
        attempts_seen = self._attempts
        async with self._lock:
            if self._attempts != attempts_seen:
                return  # another caller fetched while this one waited: share its result
            self._attempted_at = self._clock()
            self.fetches += 1
            self._in_flight = True
            try:
                document = await fetch_json(self._client, self.uri, timeout=self._timeout, what="JWKS")
                keys, by_source = _keys_of(document, self.uri, self._by_source)
            except FetchError as exc:
                self._last_failed = True
                self._last_error = str(exc)
                if self._keys:
                    logger.warning("keeping the last good key set for %s: %s", self.uri, exc)
                return
            finally:
                self._attempts += 1  # counted once done, so callers that waited share this fetch
                self._in_flight = False
            self._last_failed = False
            self._last_error = None
            self._set(keys)
            self._by_source = by_source
            self._fetched_at = self._clock()

    def _fetching(self) -> bool:
        """Whether a fetch is in flight: a caller then waits for it rather than give up or refetch."""
        return self._in_flight

    def _set(self, keys: tuple[VerifyingKey, ...]) -> None:
        by_kid: dict[str, tuple[VerifyingKey, ...]] = {}
        for key in keys:
            if key.kid is not None:
                by_kid[key.kid] = (*by_kid.get(key.kid, ()), key)
        self._keys = keys
        self._by_kid = by_kid


def _keys_of(
    document: Any, uri: str, previous: Mapping[str, VerifyingKey]
) -> tuple[tuple[VerifyingKey, ...], dict[str, VerifyingKey]]:
    """The usable keys of a JWKS document, reusing the key object of every unchanged entry.

    Reuse keeps what those keys verified valid in the token cache, and skips rebuilding them.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise FetchError(f"the JWKS at {uri} is not a JSON object with a `keys` list")
    entries = document["keys"]
    by_source: dict[str, VerifyingKey] = {}
    keys: list[VerifyingKey] = []
    for entry in entries:
        try:
            source = json.dumps(entry, sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            continue
        key = previous.get(source) or key_from_jwk(entry)
        if key is not None:
            by_source[source] = key
            keys.append(key)
    skipped = len(entries) - len(keys)
    if skipped:
        logger.warning(
            "skipped %d of %d keys in the JWKS at %s (malformed, not for signing, or weak)",
            skipped,
            len(entries),
            uri,
        )
    if not keys:
        raise FetchError(f"the JWKS at {uri} has no usable signing keys")
    return tuple(keys), by_source
