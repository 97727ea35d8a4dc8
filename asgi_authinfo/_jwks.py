"""``JWKSCache``: an issuer's signing keys, fetched with httpx and never blocking the event loop.

Rules: keys are refetched after ``max_age``; an unknown ``kid`` causes one refetch, then a
``cooldown`` so a flood of unknown kids costs at most one fetch per window; concurrent callers
share one fetch; a failed refresh keeps the last good key set (see ``_fetch_policy``). The keys
themselves, and which one a token names, are a :class:`~._key_set.KeySet`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from ._errors import shown
from ._fetch import fetch_json
from ._fetch_policy import FetchPolicy, backoff_for
from ._jose import VerifyingKey
from ._key_set import KeySet

__all__ = ["JWKSCache"]


class JWKSCache:
    """The key set at one ``jwks_uri``, shared by every issuer that names it.

    ``key_set`` is the adopted :class:`KeySet`; it is replaced (a new object) exactly when a fetch
    brings other keys, so ``entry.key_set is cache.key_set`` tells that nothing changed since.
    ``fresh_until`` is the ``clock`` time after which it is refetched before its next use.
    """

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
        self._cooldown = cooldown
        self._timeout = timeout
        self._clock = clock
        self._policy: FetchPolicy[KeySet] = FetchPolicy(
            self._load,
            what=f"key set for {uri}",
            clock=clock,
            backoff=backoff_for(cooldown),
            max_age=max_age,
        )
        self.key_set = KeySet(uri)
        self.fresh_until = self._policy.fresh_until

    @property
    def keys(self) -> tuple[VerifyingKey, ...]:
        """The usable keys of the last good fetch."""
        return self.key_set.keys

    @property
    def fetches(self) -> int:
        """How many fetches were started (a test's and a benchmark's count)."""
        return self._policy.fetches

    def holds(self, key: VerifyingKey) -> bool:
        """Whether ``key`` is still in the key set (a removed key invalidates what it verified)."""
        return self.key_set.holds(key)

    async def key_for(
        self, kid: str | None, alg: str, *, issuer: str, allowed: tuple[str, ...] = ()
    ) -> VerifyingKey:
        """The key that must have signed a token with this ``kid`` and ``alg`` (``allowed``: the
        issuer's algorithms, see :meth:`~._jose.VerifyingKey.fits`)."""
        policy = self._policy
        if self._clock() >= self.fresh_until and (
            policy.may_refresh(policy.attempts.backoff) or (not self.key_set.keys and policy.reloading)
        ):
            await self._refresh()  # with last good keys, a refresh under way is not waited for
        key = self.key_set.find(kid, alg, issuer=issuer, allowed=allowed)
        if key is None and kid is not None and (policy.reloading or policy.may_refresh(self._cooldown)):
            await self._refresh()
            key = self.key_set.find(kid, alg, issuer=issuer, allowed=allowed)
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

    async def _refresh(self) -> None:
        """Fetch the key set (or wait for the fetch under way), then adopt what it brought."""
        policy = self._policy
        await policy.refresh()
        if policy.value is not None:
            self.key_set = policy.value
        self.fresh_until = policy.fresh_until

    async def _load(self, previous: KeySet | None) -> KeySet:
        document = await fetch_json(self._client, self.uri, timeout=self._timeout, what="JWKS")
        return KeySet.from_document(document, self.uri, previous)
