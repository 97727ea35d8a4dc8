"""When an issuer's documents are fetched again, and what callers get while a source fails.

One policy for the JWKS, OIDC discovery and userinfo, written once:

- single flight: concurrent callers share one fetch (:class:`SingleFlight`, one ``anyio.Event``
  per fetch, like jose's one pending promise);
- cooldown: a source that answered is fetched again at most once per ``cooldown`` on demand;
- backoff: a source that failed is left alone for ``backoff`` seconds (``FAILURE_BACKOFF`` at
  most), counted from the end of the failed attempt, so a source that hangs until the timeout is
  left alone too; ``retry_after`` is what a 503 tells the caller;
- stale-if-error: :class:`FetchPolicy` keeps the last good value when a refresh fails;
- the overall timeout, size cap and redirect rule live in :func:`~._fetch.fetch_json`.

Stale-while-revalidate: a caller holding a ``value`` that is no longer ``fresh`` starts the
refresh in the background (:meth:`FetchPolicy.refresh_in`) instead of awaiting it; the flight is
registered at once, so every other caller sees ``reloading`` and shares that one fetch, and a
caller that must have the outcome waits for it with a bound (:meth:`FetchPolicy.settled`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Hashable
from typing import Final, Generic, TypeVar

import anyio

from ._errors import IssuerUnavailableError
from ._fetch import FetchError

__all__ = ["FAILURE_BACKOFF", "Attempts", "FetchPolicy", "SingleFlight", "backoff_for"]

logger = logging.getLogger("asgi_authinfo")

FAILURE_BACKOFF: Final = 5.0
"""The longest a source that failed is left alone before it is tried again (seconds)."""

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")


def backoff_for(cooldown: float) -> float:
    """The failure backoff of a source refetched at most once per ``cooldown``: never longer."""
    return min(cooldown, FAILURE_BACKOFF)


class SingleFlight(Generic[K]):
    """Concurrent callers with one key share one call: the first runs it, the others wait for it."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending: dict[K, anyio.Event] = {}

    def pending(self, key: K) -> bool:
        """Whether a call for ``key`` is under way."""
        return key in self._pending

    async def wait(self, key: K) -> None:
        """Wait until the call for ``key`` under way (if any) has ended."""
        flight = self._pending.get(key)
        if flight is not None:
            await flight.wait()

    def open(self, key: K) -> anyio.Event:
        """Register a call for ``key`` that will run elsewhere; :meth:`close` it when it ends."""
        flight = self._pending[key] = anyio.Event()
        return flight

    def close(self, key: K, flight: anyio.Event) -> None:
        if self._pending.get(key) is flight:
            del self._pending[key]
        flight.set()

    async def run(self, key: K, call: Callable[[], Awaitable[R]]) -> R | None:
        """``call()``'s result, or ``None`` after waiting for the call another caller started.

        A caller that waited reads the outcome where the call stored it (a cache, a key set).
        """
        flight = self._pending.get(key)
        if flight is not None:
            await flight.wait()
            return None
        flight = self.open(key)
        try:
            return await call()
        finally:
            self.close(key, flight)


class Attempts:
    """When one source was last tried and whether it failed: the cooldown and backoff windows."""

    __slots__ = ("_clock", "backoff", "ended_at", "error")

    def __init__(self, *, backoff: float, clock: Callable[[], float]) -> None:
        self.backoff = backoff
        self._clock = clock
        self.ended_at: float | None = None
        self.error: str | None = None
        """Why the last attempt failed; ``None`` when it succeeded (or none was made)."""

    @property
    def failed(self) -> bool:
        return self.error is not None

    def may_attempt(self, wait: float) -> bool:
        """Whether the source may be tried now: ``wait`` after a success, ``backoff`` after a failure."""
        if self.ended_at is None:
            return True
        window = self.backoff if self.error is not None else wait
        return self._clock() - self.ended_at >= window

    def succeeded(self) -> None:
        self.ended_at = self._clock()
        self.error = None

    def failed_with(self, error: str) -> None:
        self.ended_at = self._clock()
        self.error = error

    @property
    def retry_after(self) -> int:
        """Whole seconds until the source may be tried again (at least 1), for ``Retry-After``."""
        waited = self._clock() - (self.ended_at or 0.0)
        return max(1, round(self.backoff - waited))

    def unavailable(self, description: str, *, issuer: str, kid: str | None = None) -> IssuerUnavailableError:
        """The 503 for a caller who needs the source now, telling it when to retry."""
        return IssuerUnavailableError(description, retry_after=self.retry_after, issuer=issuer, kid=kid)


class FetchPolicy(Generic[T]):
    """One source's last good value, fetched by ``load`` under the policy of this module.

    ``load(previous)`` fetches and checks a new value (``previous`` lets it reuse unchanged parts)
    and raises :class:`FetchError` when it cannot; the last good ``value`` is then kept. ``what``
    names the value in the log line saying so. ``adopt`` (optional) is called after every
    attempt, wherever it ran, so the owner can take the new value.
    """

    __slots__ = (
        "_adopt",
        "_clock",
        "_flight",
        "_load",
        "attempts",
        "fetched_at",
        "fetches",
        "max_age",
        "value",
        "what",
    )

    def __init__(
        self,
        load: Callable[[T | None], Awaitable[T]],
        *,
        what: str,
        clock: Callable[[], float],
        backoff: float,
        max_age: float = math.inf,
        adopt: Callable[[], None] | None = None,
    ) -> None:
        self._load = load
        self._adopt = adopt
        self.what = what
        self._clock = clock
        self.max_age = max_age
        self.attempts = Attempts(backoff=backoff, clock=clock)
        self._flight: SingleFlight[None] = SingleFlight()
        self.value: T | None = None
        self.fetched_at: float | None = None
        self.fetches = 0

    @property
    def fresh_until(self) -> float:
        """The ``clock`` time from which ``value`` is stale (``-inf`` before the first good fetch)."""
        return -math.inf if self.fetched_at is None else self.fetched_at + self.max_age

    @property
    def fresh(self) -> bool:
        return self._clock() < self.fresh_until

    @property
    def reloading(self) -> bool:
        """Whether a fetch is under way (a caller may wait for it rather than give up)."""
        return self._flight.pending(None)

    def may_refresh(self, wait: float) -> bool:
        """Whether a new fetch may start now: none under way, and ``wait`` (or the backoff) is over."""
        return not self.reloading and self.attempts.may_attempt(wait)

    async def refresh(self) -> None:
        """Fetch the value again, or wait for the fetch under way; a failure keeps the last good value."""
        await self._flight.run(None, self._fetch)

    def refresh_in(self, start: Callable[[Callable[[], Awaitable[None]]], bool]) -> bool:
        """Start a refresh with ``start`` (a :class:`~._background.Background`'s) unless one is under way.

        The flight is registered before the task runs, so callers arriving meanwhile share it.
        ``False`` when ``start`` refused (the owner is closed): nothing is under way then.
        """
        if self.reloading:
            return True
        flight = self._flight.open(None)

        async def run() -> None:
            try:
                await self._fetch()
            finally:
                self._flight.close(None, flight)

        if start(run):
            return True
        self._flight.close(None, flight)
        return False

    async def settled(self) -> None:
        """Wait until the fetch under way (if any) has ended; bound it with ``anyio.move_on_after``."""
        await self._flight.wait(None)

    async def _fetch(self) -> None:
        self.fetches += 1
        try:
            value = await self._load(self.value)
        except FetchError as exc:
            self.attempts.failed_with(str(exc))
            if self.value is not None:
                logger.warning("keeping the last good %s: %s", self.what, exc)
        else:
            self.value = value
            self.attempts.succeeded()
            self.fetched_at = self.attempts.ended_at
        if self._adopt is not None:
            self._adopt()
