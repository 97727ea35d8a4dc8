"""``TokenCache``: tokens this process already verified, so a reused token costs a dict lookup.

A session token is sent again and again until it expires (Clerk ~60 s, WorkOS ~5 min); checking
its signature each time is the expensive part of verification. An entry is the immutable
``AuthInfo`` built the first time, plus what is needed to re-check the token on every hit:

- time: ``exp``, ``nbf`` and ``iat`` are compared with the wall clock on every hit, with the
  issuer's leeway, by the verifier's own time rules (``_claim_rules.expired`` and ``too_early``),
  so an entry never outlives its token;
- keys: the entry is valid while the key set it was checked against still holds the key that
  verified it (a refetch that drops the key drops the entry). Once the key set is older than its
  ``max_age`` the entry is still served while the keys are within ``max_stale`` and one refresh
  runs in the verifier's background (stale-while-revalidate, as for uncached tokens); past that,
  the token is verified again in full, so a cached token is never trusted longer than an
  uncached one.

Memory is bounded twice: at most ``max_entries`` tokens (least recently used evicted first) and
at most ``max_bytes``, each entry counted as ``ENTRY_OVERHEAD_BYTES`` plus the measured
:func:`~._footprint.footprint` of its token and twice that of its claims (the claims, and the
fields mapped from them), taken once at insert: the verifier passes the payload's JSON text, and
:func:`~._footprint.json_bound` bounds its claims from a few byte counts. Shared objects are
counted in every entry, so the count errs high for any claim shape.
Entries are only ever made from tokens that verified, so only the trusted issuers can fill the
cache. It is meant for one event loop, like the verifier that owns it.
"""

from __future__ import annotations

import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ._auth_info import AuthInfo
from ._claim_rules import expired, too_early
from ._construct import constructor
from ._footprint import footprint, json_bound
from ._issuer_keys import IssuerKeys
from ._jose import VerifyingKey
from ._jwks import JWKSCache
from ._key_set import KeySet

__all__ = [
    "BYTES_PER_TOKEN_CHAR",
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_CACHE_SIZE",
    "ENTRY_OVERHEAD_BYTES",
    "TokenCache",
]

DEFAULT_CACHE_SIZE: Final = 10_000
DEFAULT_CACHE_BYTES: Final = 128 * 1024 * 1024
ENTRY_OVERHEAD_BYTES: Final = 1024
"""The entry object, its LRU slot and allocator slack, on top of the measured footprint."""
BYTES_PER_TOKEN_CHAR: Final = 10
"""The floor of an entry's count per token character (the measured footprint is usually higher)."""
_NEVER: Final = float("-inf")


@dataclass(slots=True, eq=False)
class Entry:
    """One verified token: its ``AuthInfo`` and header ``kid`` (for the observer), and what a hit
    re-checks. Mutable only to refresh its key-set snapshot after a JWKS refetch."""

    auth: AuthInfo
    exp: float
    start: float
    leeway: float
    jwks: JWKSCache
    key: VerifyingKey
    kid: str | None
    cost: int
    key_set: KeySet
    fresh_until: float
    fingerprint: str | None = None
    """The token's, for the observer: hashed on first use."""
    resolved: IssuerKeys | None = None
    """The keys of an issuer the issuer resolver gave: a hit needs its answer to still hold."""


_new_entry: Final = constructor(Entry)


class TokenCache:
    """An LRU of verified tokens keyed by the exact token string; see the module docstring.

    ``now`` is the wall clock for ``exp``/``nbf``/``iat`` and ``clock`` the monotonic clock of
    the JWKS caches (the verifier passes its own, so tests can inject both).
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_CACHE_SIZE,
        *,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        now: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be a whole number >= 1, got {max_entries!r}")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise ValueError(f"max_bytes must be a whole number >= 1, got {max_bytes!r}")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._now = now
        self._clock = clock
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: object) -> bool:
        """Whether ``token`` is remembered, valid or not (no time check; not counted as a hit or miss)."""
        return token in self._entries

    @property
    def estimated_bytes(self) -> int:
        """The estimated memory the entries hold (what ``max_bytes`` bounds)."""
        return self._bytes

    def get(self, token: str) -> AuthInfo | None:
        """The ``AuthInfo`` of a token verified before and still valid now, else ``None``."""
        entry = self.lookup(token)
        return None if entry is None else entry.auth

    def lookup(self, token: str) -> Entry | None:
        """The entry of a token verified before and still valid now, else ``None``."""
        entry = self._entries.get(token)
        if entry is not None:
            now = self._now()
            leeway = entry.leeway
            if (
                not expired(entry.exp, now, leeway)
                and not too_early(entry.start, now, leeway)
                and (
                    (entry.key_set is entry.jwks.key_set and self._clock() < entry.fresh_until)
                    or self._keys_still_hold(entry)
                )
            ):
                self._entries.move_to_end(token)
                self.hits += 1
                return entry
            self._drop(token)
        self.misses += 1
        return None

    def put(
        self,
        token: str,
        auth: AuthInfo,
        *,
        exp: float,
        nbf: float | None,
        iat: float | None,
        leeway: float,
        jwks: JWKSCache,
        key: VerifyingKey,
        kid: str | None = None,
        claims_json: bytes | None = None,
        resolved: IssuerKeys | None = None,
    ) -> None:
        """Remember a token that just verified with ``key`` from ``jwks``, under the issuer's ``leeway``.

        ``claims_json`` is the token's payload as JSON text, when the caller has it: its claims
        are then counted by :func:`~._footprint.json_bound` (a few byte counts) instead of a walk.
        """
        floor = BYTES_PER_TOKEN_CHAR * len(token)
        if ENTRY_OVERHEAD_BYTES + floor > self.max_bytes:
            return
        claims = footprint(auth.claims) if claims_json is None else json_bound(claims_json)
        measured = sys.getsizeof(token) + 2 * claims  # the claims, and fields mapped from them
        cost = ENTRY_OVERHEAD_BYTES + (floor if floor > measured else measured)
        if cost > self.max_bytes:
            return
        start = max(_NEVER if nbf is None else nbf, _NEVER if iat is None else iat)
        entries = self._entries
        replaced = entries.pop(token, None)
        if replaced is not None:
            self._bytes -= replaced.cost
        entries[token] = _new_entry(
            (auth, exp, start, leeway, jwks, key, kid, cost, jwks.key_set, jwks.fresh_until, None, resolved)
        )
        self._bytes += cost
        while len(entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = entries.popitem(last=False)
            self._bytes -= evicted.cost

    def clear(self) -> None:
        """Forget every token (the next request with each one is verified in full)."""
        self._entries.clear()
        self._bytes = 0

    def _keys_still_hold(self, entry: Entry) -> bool:
        """The slow half of a hit: the key survived a refetch, and the keys are fresh or usable stale."""
        jwks = entry.jwks
        if not jwks.holds(entry.key):
            return False
        if self._clock() < jwks.fresh_until:
            entry.key_set = jwks.key_set
            entry.fresh_until = jwks.fresh_until
            return True
        return jwks.revalidate()  # stale: served while one background refresh runs

    def discard(self, token: str) -> None:
        """Forget ``token`` (its next request is verified in full)."""
        self._drop(token)

    def _drop(self, token: str) -> None:
        entry = self._entries.pop(token, None)
        if entry is not None:
            self._bytes -= entry.cost
