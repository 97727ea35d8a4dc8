"""``JWKSCache``: an issuer's signing keys, fetched with httpx and never blocking the event loop.

Rules (see docs/security.md, "Slow, hostile and rotating issuers"):

- fresh keys (younger than ``max_age``) are used as they are;
- stale keys (up to ``max_stale`` more) are still used, while ONE refresh runs in the verifier's
  background (stale-while-revalidate): no request with a known key waits for the issuer; older
  keys, or none, make requests wait for the refresh (bounded by ``timeout``);
- an unknown ``kid`` causes one refetch per ``cooldown``, or one per failure backoff when the
  token was issued after our last fetch began (the key may have just been published); such a
  request waits at most ``unknown_kid_wait`` for the fetch, then gets 503 + Retry-After; a
  token newer than our keys is never refused as ``unknown_key`` before we refetched;
- concurrent callers share one fetch; a failed refresh keeps the last good key set.

The keys themselves, and which one a token names, are a :class:`~._key_set.KeySet`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Final

import anyio
import httpx

from ._background import Background
from ._errors import IssuerUnavailableError, shown
from ._fetch import fetch_json
from ._fetch_policy import FetchPolicy, backoff_for
from ._jose import VerifyingKey
from ._key_set import KeySet

__all__ = ["DEFAULT_MAX_STALE", "DEFAULT_UNKNOWN_KID_WAIT", "JWKSCache"]

DEFAULT_MAX_STALE: Final = 600.0
"""How long past ``max_age`` the last good keys are used while a background refresh runs (s)."""
DEFAULT_UNKNOWN_KID_WAIT: Final = 1.0
"""The longest a token with an unknown ``kid`` waits for a JWKS fetch (s)."""


class JWKSCache:
    """The key set at one ``jwks_uri``, shared by every issuer that names it.

    ``key_set`` is the adopted :class:`KeySet`; it is replaced (a new object) exactly when a fetch
    brings other keys, so ``entry.key_set is cache.key_set`` tells that nothing changed since.
    ``fresh_until`` is the ``clock`` time after which it is refreshed (in ``background`` when it
    is given, else in line), ``usable_until`` the time after which requests wait for that.
    ``now`` is the wall clock, compared with a token's ``iat``.
    """

    def __init__(
        self,
        uri: str,
        *,
        client: httpx.AsyncClient,
        max_age: float = 600.0,
        cooldown: float = 30.0,
        timeout: float = 5.0,
        max_stale: float = DEFAULT_MAX_STALE,
        unknown_kid_wait: float = DEFAULT_UNKNOWN_KID_WAIT,
        background: Background | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.uri = uri
        self._client = client
        self._cooldown = cooldown
        self._timeout = timeout
        self.max_stale = max_stale
        self.unknown_kid_wait = unknown_kid_wait
        self._background = background
        self._clock = clock
        self._now = now
        self._policy: FetchPolicy[KeySet] = FetchPolicy(
            self._load,
            what=f"key set for {uri}",
            clock=clock,
            backoff=backoff_for(cooldown),
            max_age=max_age,
            adopt=self._adopt,
        )
        self.key_set = KeySet(uri)
        self.fresh_until = self._policy.fresh_until
        self.usable_until = self.fresh_until
        self._retired: frozenset[str] = frozenset()
        self.fetch_started: float = -math.inf
        """Wall-clock time the last fetch began: a token issued after it may use a newer key."""

    @property
    def keys(self) -> tuple[VerifyingKey, ...]:
        """The usable keys of the last good fetch."""
        return self.key_set.keys

    @property
    def fetches(self) -> int:
        """How many fetches were started (a test's and a benchmark's count)."""
        return self._policy.fetches

    @property
    def reloading(self) -> bool:
        """Whether a fetch is under way."""
        return self._policy.reloading

    def holds(self, key: VerifyingKey) -> bool:
        """Whether ``key`` is still in the key set (a removed key invalidates what it verified)."""
        return self.key_set.holds(key)

    def revalidate(self) -> bool:
        """Stale but usable keys: start the one background refresh if it may start now.

        ``True`` when the keys may be used without waiting (a cache hit calls this).
        """
        if self._clock() >= self.usable_until or self._background is None:
            return False
        policy = self._policy
        if policy.may_refresh(policy.attempts.backoff):
            policy.refresh_in(self._background.start)
        return True

    async def key_for(
        self,
        kid: str | None,
        alg: str,
        *,
        issuer: str,
        allowed: tuple[str, ...] = (),
        issued_at: float | None = None,
        leeway: float = 0.0,
    ) -> VerifyingKey:
        """The key that must have signed a token with this ``kid``, ``alg`` and ``iat`` (unverified;
        ``allowed``: the issuer's algorithms, see :meth:`~._jose.VerifyingKey.fits`)."""
        policy = self._policy
        if self._clock() >= self.fresh_until and not self.revalidate():
            waits = not self.key_set.keys or self._background is not None  # else: old keys, no wait
            if policy.may_refresh(policy.attempts.backoff) or (waits and policy.reloading):
                await self._refetch(math.inf)
        key = self.key_set.find(kid, alg, issuer=issuer, allowed=allowed)
        if key is None and kid is not None:
            newer = self._newer_than_keys(kid, issued_at, leeway)
            if (
                policy.reloading
                or policy.may_refresh(self._cooldown)
                or (newer and policy.may_refresh(policy.attempts.backoff))
            ):
                await self._refetch(self.unknown_kid_wait)
                key = self.key_set.find(kid, alg, issuer=issuer, allowed=allowed)
                if key is None and policy.reloading:
                    raise self._unavailable(
                        f"the token's key id `kid` {shown(kid)} is not in the key set and the JWKS at "
                        f"{self.uri} did not answer within {self.unknown_kid_wait:g} s",
                        issuer,
                        kid,
                        retry_after=1,
                    )
                newer = self._newer_than_keys(kid, issued_at, leeway)
            if key is None and newer and self.key_set.keys and not policy.attempts.failed:
                # Issued after our last fetch began: its key may be newer than our copy of the
                # JWKS. A 401 would sign the user out; 503 tells the client to retry.
                raise self._unavailable(
                    f"the token's key id `kid` {shown(kid)} is not in the key set fetched before the "
                    f"token was issued; the JWKS at {self.uri} is fetched again shortly",
                    issuer,
                    kid,
                )
        if key is not None:
            return key
        attempts = policy.attempts
        if not self.key_set.keys:
            raise attempts.unavailable(
                f"no signing keys are available for issuer {issuer}: "
                f"{attempts.error or 'the key set is empty'}",
                issuer=issuer,
                kid=kid,
            )
        if kid is not None and attempts.failed:
            # The issuer may have rotated to this key while its JWKS is down: we cannot tell a
            # forgery from a new key, so the caller should retry, not sign in again.
            raise attempts.unavailable(
                f"the token's key id `kid` {shown(kid)} is not in the last good key set and the "
                f"JWKS at {self.uri} cannot be refreshed: {attempts.error}",
                issuer=issuer,
                kid=kid,
            )
        return self.key_set.lookup(kid, alg, issuer=issuer, allowed=allowed)  # raises the unknown_key refusal

    def _newer_than_keys(self, kid: str, issued_at: float | None, leeway: float) -> bool:
        """Whether a token issued at ``issued_at`` may be signed by a key published after our fetch.

        Strictly after the fetch began, by our clock: a token minted in the same second, or by an
        issuer whose clock runs behind ours, is not believed newer. Nor is a future ``iat`` (the
        token would be refused for it anyway), nor a ``kid`` we saw leave the JWKS.
        """
        if issued_at is None or kid in self._retired:
            return False
        return self.fetch_started < issued_at <= self._now() + leeway

    def _unavailable(
        self, description: str, issuer: str, kid: str, *, retry_after: int | None = None
    ) -> IssuerUnavailableError:
        if retry_after is None:
            attempts = self._policy.attempts
            waited = self._clock() - (attempts.ended_at or -math.inf)
            retry_after = max(1, math.ceil(attempts.backoff - waited))
        return IssuerUnavailableError(description, retry_after=retry_after, issuer=issuer, kid=kid)

    async def _refetch(self, wait: float) -> None:
        """Start a fetch (or join the one under way) and wait for it at most ``wait`` seconds.

        The fetch runs in the background when there is one, so a caller that stops waiting does
        not cancel it; without one it runs in line and is waited for.
        """
        policy = self._policy
        if self._background is None or not policy.refresh_in(self._background.start):
            await policy.refresh()
            return
        with anyio.move_on_after(wait):
            await policy.settled()

    def _adopt(self) -> None:
        """Take what the last fetch brought (called by the policy after every attempt)."""
        policy = self._policy
        if policy.value is not None and policy.value is not self.key_set:
            self._retired = frozenset(self.key_set.by_kid) - frozenset(policy.value.by_kid)
            self.key_set = policy.value
        self.fresh_until = policy.fresh_until
        self.usable_until = self.fresh_until + self.max_stale

    async def _load(self, previous: KeySet | None) -> KeySet:
        started = self._now()
        document = await fetch_json(self._client, self.uri, timeout=self._timeout, what="JWKS")
        key_set = KeySet.from_document(document, self.uri, previous)
        self.fetch_started = started
        return key_set
