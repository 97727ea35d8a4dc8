"""Issuers resolved at run time: an async ``(iss) -> Issuer | None`` asked for an ``iss`` the static
list does not know (multi-tenant apps whose tenants are added while the app runs).

Answers are cached (LRU, ``max_issuers``), an ``Issuer`` for ``ttl`` seconds, ``None`` for
``negative_ttl``; concurrent tokens with one unknown ``iss`` share one call. The resolver is asked
about at most ``max_new_issuers`` never-seen issuers per ``window`` seconds: tokens with random
``iss`` values cannot force unbounded calls or key fetches (each fetch needs a resolved Issuer);
past the limit an unknown issuer gets a 503 until the window ends (an ``iss`` no Issuer can have,
not an http(s) URL or too long, is never asked about). A resolver that raises or
times out is a 503 (logged once per issuer and failure), never a 401 and never a crash.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Final, TypeAlias

import anyio

from ._durations import check_seconds
from ._errors import IssuerUnavailableError, shown
from ._fetch_policy import FAILURE_BACKOFF, SingleFlight
from ._issuer import Issuer, flatten_issuers
from ._issuer_keys import IssuerKeys

__all__ = ["IssuerResolver", "Issuers", "Resolve", "ResolvedIssuers", "split_issuers"]

logger = logging.getLogger("asgi_authinfo")

Resolve: TypeAlias = Callable[[str], Awaitable[Issuer | None]]
"""An async function from a token's ``iss`` to the :class:`Issuer` that trusts it, or ``None``."""

DEFAULT_TTL: Final = 600.0
DEFAULT_NEGATIVE_TTL: Final = 60.0
DEFAULT_MAX_ISSUERS: Final = 1000
DEFAULT_MAX_NEW_ISSUERS: Final = 100
DEFAULT_WINDOW: Final = 60.0
DEFAULT_TIMEOUT: Final = 5.0
MAX_ISS_LENGTH: Final = 1024
"""An ``iss`` longer than this, or not an http(s) URL, is never passed to the resolver (nor cached)."""


@dataclass(frozen=True, slots=True)
class IssuerResolver:
    """``resolve`` with its cache settings; pass it in ``issuers=`` (a bare async function gets
    the defaults). Times are seconds; ``max_new_issuers`` calls for never-seen issuers per ``window``.
    """

    resolve: Resolve
    ttl: float = DEFAULT_TTL
    negative_ttl: float = DEFAULT_NEGATIVE_TTL
    max_issuers: int = DEFAULT_MAX_ISSUERS
    max_new_issuers: int = DEFAULT_MAX_NEW_ISSUERS
    window: float = DEFAULT_WINDOW
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if not _is_async(self.resolve):
            raise ValueError(
                f"resolve must be an async function (iss) -> Issuer | None, got {self.resolve!r}"
            )
        for name in ("ttl", "negative_ttl", "window", "timeout"):
            check_seconds(name, getattr(self, name), positive=True)
        for name in ("max_issuers", "max_new_issuers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")


Issuers: TypeAlias = (
    Issuer | IssuerResolver | Resolve | Iterable[Issuer | IssuerResolver | Resolve | Iterable[Issuer]]
)
"""What ``issuers=`` accepts: Issuers (or lists of them, as providers return), and one resolver."""


def split_issuers(issuers: Issuers) -> tuple[tuple[Issuer, ...], IssuerResolver | None]:
    """The static issuers and the resolver (at most one) in what ``issuers=`` was given."""
    one = isinstance(issuers, Issuer | IssuerResolver) or callable(issuers)
    items = [issuers] if one else list(issuers)  # type: ignore[arg-type]
    resolvers = [item for item in items if isinstance(item, IssuerResolver) or _is_function(item)]
    if len(resolvers) > 1:
        raise ValueError("issuers= takes at most one resolver; resolve every issuer in one function")
    static = [item for item in items if not (isinstance(item, IssuerResolver) or _is_function(item))]
    if not resolvers:
        return flatten_issuers(static), None  # type: ignore[arg-type]
    resolver = resolvers[0]
    config = resolver if isinstance(resolver, IssuerResolver) else IssuerResolver(resolver)  # type: ignore[arg-type]
    return (flatten_issuers(static) if static else ()), config  # type: ignore[arg-type]


def _is_async(resolve: object) -> bool:
    """An async function, or an object whose ``__call__`` is one (a class-based resolver)."""
    return inspect.iscoroutinefunction(resolve) or (
        callable(resolve) and inspect.iscoroutinefunction(type(resolve).__call__)
    )


def _is_function(item: object) -> bool:
    return callable(item) and not isinstance(item, Issuer | type)


@dataclass(slots=True)
class _Answer:
    keys: IssuerKeys | None
    expires_at: float
    error: str | None = None  # the resolver failed: a 503 until expires_at


class ResolvedIssuers:
    """One verifier's cache of resolved issuers, each with its own keys (dropped when evicted)."""

    __slots__ = (
        "_answers",
        "_calls",
        "_clock",
        "_flight",
        "_keys_for",
        "_on_resolved",
        "_spent_logged",
        "_window_start",
        "calls",
        "config",
    )

    def __init__(
        self,
        config: IssuerResolver,
        *,
        keys_for: Callable[[Issuer], IssuerKeys],
        clock: Callable[[], float],
        on_resolved: Callable[[Issuer], None] | None = None,
    ) -> None:
        self.config = config
        self._keys_for = keys_for
        self._clock = clock
        self._on_resolved = on_resolved
        self._answers: OrderedDict[str, _Answer] = OrderedDict()
        self._flight: SingleFlight[str] = SingleFlight()
        self._window_start = -math.inf
        self._calls = 0  # calls for never-seen issuers in the current window
        self._spent_logged = False
        self.calls = 0
        """How many times the resolver was called (for tests and metrics)."""

    def __len__(self) -> int:
        return len(self._answers)

    def cached(self, iss: str) -> Issuer | None:
        """The resolved Issuer cached for ``iss`` (fresh or not), without calling the resolver."""
        answer = self._answers.get(iss)
        return None if answer is None or answer.keys is None else answer.keys.issuer

    def holds(self, iss: str, keys: IssuerKeys) -> bool:
        """Whether the resolver's answer for ``iss`` is fresh and is ``keys``: a token verified with
        them may still be answered from the token cache (else it is verified again, which asks)."""
        answer = self._answers.get(iss)
        return answer is not None and answer.keys is keys and answer.expires_at > self._clock()

    async def keys_for(self, iss: str) -> IssuerKeys | None:
        """The keys of the Issuer the resolver gives for ``iss``; ``None`` when it trusts no such issuer.

        Raises :class:`IssuerUnavailableError` (503) when the resolver failed or its limit is spent.
        """
        if len(iss) > MAX_ISS_LENGTH or not iss.startswith(("https://", "http://")):
            return None  # no Issuer can have it (they are URLs): no call, no budget, no cache entry
        answer = self._answers.get(iss)
        if answer is None or answer.expires_at <= self._clock():
            if (answer is None or answer.keys is None) and not self._flight.pending(iss):
                self._spend(iss)  # never seen, or not trusted last time: a call from the budget
            await self._flight.run(iss, lambda: self._call(iss))
            answer = self._answers.get(iss)
            if answer is None:  # the call was cancelled, or newer answers evicted this one meanwhile
                raise IssuerUnavailableError(
                    f"the issuer resolver gave no answer for {shown(iss)}; retry", retry_after=1, issuer=iss
                )
        self._answers.move_to_end(iss)
        if answer.error is not None:
            raise IssuerUnavailableError(
                f"the issuer resolver failed for {shown(iss)} ({answer.error}); retry later",
                retry_after=math.ceil(answer.expires_at - self._clock()),
                issuer=iss,
            )
        return answer.keys

    def _spend(self, iss: str) -> None:
        """Count a call for a never-seen issuer; a 503 when this window's calls are spent."""
        config, now = self.config, self._clock()
        if now - self._window_start >= config.window:
            self._window_start, self._calls, self._spent_logged = now, 0, False
        if self._calls >= config.max_new_issuers:
            if not self._spent_logged:
                self._spent_logged = True
                logger.warning(
                    "issuer resolver: %d calls for never-seen issuers in %g s (max_new_issuers); tokens "
                    "from other unknown issuers get 503 until the window ends (flooding, or raise the limit)",
                    self._calls,
                    config.window,
                )
            raise IssuerUnavailableError(
                f"the issuer {shown(iss)} is not known yet and the issuer resolver's limit of new "
                "issuers is spent for now; retry later",
                retry_after=math.ceil(self._window_start + config.window - now),
                issuer=iss,
            )
        self._calls += 1

    async def _call(self, iss: str) -> None:
        config = self.config
        self.calls += 1
        error = None
        try:
            with anyio.fail_after(config.timeout):
                issuer = await config.resolve(iss)
            if issuer is not None and not isinstance(issuer, Issuer):
                error = f"it returned {type(issuer).__name__}, not an Issuer or None"
            elif issuer is not None and issuer.issuer != iss and issuer.tenant_of(iss) is None:
                error = f"it returned the Issuer {issuer.issuer!r}, which does not match this iss"
        except TimeoutError:
            error = f"no answer within {config.timeout:g} s"
        except Exception as exc:  # the resolver's failure is ours, not the caller's: a 503
            error = f"it raised {type(exc).__name__}"
        now = self._clock()
        previous = self._answers.get(iss)
        if error is not None:
            retry_at = now + min(config.negative_ttl, FAILURE_BACKOFF)
            if previous is not None and previous.keys is not None:  # stale-if-error: keep the issuer
                logger.warning(
                    "issuer resolver failed for %s: %s; keeping its last answer", shown(iss), error
                )
                self._store(iss, _Answer(previous.keys, retry_at))
                return
            logger.warning("issuer resolver failed for %s: %s; answering 503", shown(iss), error)
            self._store(iss, _Answer(None, retry_at, error))
            return
        if issuer is None:
            self._store(iss, _Answer(None, now + config.negative_ttl))
            return
        same = previous is not None and previous.keys is not None and previous.keys.issuer == issuer
        keys = previous.keys if same and previous is not None else self._keys_for(issuer)  # keep warm keys
        self._store(iss, _Answer(keys, now + config.ttl))
        if self._on_resolved is not None:
            self._on_resolved(issuer)

    def _store(self, iss: str, answer: _Answer) -> None:
        answers = self._answers
        answers[iss] = answer
        answers.move_to_end(iss)
        while len(answers) > self.config.max_issuers:
            # the least recently used answer that trusts nothing goes first, so floods of made-up
            # iss values cannot push trusted tenants out; else the least recently used issuer
            untrusted = next((key for key, kept in answers.items() if kept.keys is None), None)
            if untrusted is None:
                answers.popitem(last=False)
            else:
                del answers[untrusted]
