"""A revocation list shared by every process through Redis or Valkey, checked in process memory.

``RedisRevocations`` is a :class:`~asgi_authinfo.RevocationList`: each process keeps every entry
in an :class:`~asgi_authinfo.InMemoryRevocations`, so a request never waits on Redis. A
background task keeps that copy in sync:

- entries live in one sorted set (``<prefix>``): the member names the entry (``sid:<value>``,
  ``jti:<value>``, ``sub:<before>:<value>``), the score is when it can be forgotten; members past
  their score are removed by whichever process resyncs next;
- :meth:`RedisRevocations.revoke` adds the member and publishes it on the ``<prefix>`` channel in
  one transaction; every subscribed process applies it at once (the reviser's own at once, locally);
- every ``resync_interval`` seconds (and after each reconnection) a process reloads the whole set
  and merges it, which repairs a missed message, and writes back entries Redis lost (a restart
  without persistence), so entries only ever leave by expiring.

When Redis is unreachable the last known list is kept and the task retries with backoff (logged
at WARNING, then INFO when back; :attr:`status` and ``on_status`` report it). Revocations made
meanwhile apply locally and are published on reconnection. ``fail_closed=True`` refuses every
token with a 503 (``revocations_unavailable``) until the list is in sync again. asyncio only;
``RedisUserinfoStore`` shares userinfo answers the same way (see its docstring).
needs Redis >= 6.2 or any Valkey (``ZADD ... GT``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from .._auth_info import AuthInfo
from .._errors import AuthError, RevocationsUnavailableError
from .._revocation import DEFAULT_MAX_TOKEN_LIFETIME, InMemoryRevocations, Revocation, revocation

try:
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    needs = "asgi_authinfo.contrib.redis needs redis-py: pip install 'asgi-authinfo[redis]'"
    raise ImportError(needs) from exc

from ._redis_userinfo import DEFAULT_USERINFO_PREFIX, RedisUserinfoStore

__all__ = [
    "DEFAULT_PREFIX",
    "DEFAULT_USERINFO_PREFIX",
    "RedisRevocations",
    "RedisUserinfoStore",
    "RevocationSync",
]

logger = logging.getLogger("asgi_authinfo")

DEFAULT_PREFIX: Final = "asgi_authinfo:revocations"
_LOAD_BATCH: Final = 5000
_UNREACHABLE: Final = (RedisError, OSError)


@dataclass(frozen=True, slots=True)
class RevocationSync:
    """Where the shared list stands: ``in_sync`` is False before the first load and while Redis is
    unreachable; ``failures`` counts failed attempts in a row; ``pending`` revocations await Redis."""

    in_sync: bool = False
    entries: int = 0
    last_sync: float | None = None
    failures: int = 0
    error: str | None = None
    pending: int = 0


class RedisRevocations:
    """A :class:`~asgi_authinfo.RevocationList` shared through Redis; see the module docstring.

    Give ``url`` (``redis://host:6379/0``) or a ``redis.asyncio.Redis`` ``client`` (then yours to
    close). Run it with ``async with revocations:`` (or :meth:`start`/:meth:`aclose`, or
    :meth:`around` for a plain ASGI app); :meth:`revoke` works without starting, as a script would.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Redis | None = None,
        prefix: str = DEFAULT_PREFIX,
        max_token_lifetime: float = DEFAULT_MAX_TOKEN_LIFETIME,
        fail_closed: bool = False,
        resync_interval: float = 30.0,
        retry_delays: tuple[float, float] = (0.05, 0.5),
        start_timeout: float = 5.0,
        on_status: Callable[[RevocationSync], None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give RedisRevocations either a url='redis://...' or a client=")
        if not resync_interval > 0 or not 0 < retry_delays[0] <= retry_delays[1] or start_timeout < 0:
            raise ValueError("resync_interval, retry_delays (first <= last) must be positive")
        self.local = InMemoryRevocations(max_token_lifetime=max_token_lifetime, now=now)
        self.owns_client = client is None
        self.client: Redis = client or Redis.from_url(
            url or "", retry=Retry(NoBackoff(), 0), socket_connect_timeout=1.0, socket_timeout=5.0
        )
        self.key = self.channel = prefix
        self.fail_closed = fail_closed
        self.resync_interval = resync_interval
        self.retry_delays = retry_delays
        self.start_timeout = start_timeout
        self.on_status = on_status
        self._now = now
        self._status = RevocationSync()
        self._pending: list[Revocation] = []
        self._task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()

    @property
    def status(self) -> RevocationSync:
        return replace(self._status, entries=len(self.local), pending=len(self._pending))

    def refusal(self, auth: AuthInfo, /) -> AuthError | None:
        if self.fail_closed and not self._status.in_sync:
            return RevocationsUnavailableError(
                "the server cannot check whether this session was signed out; try again shortly",
                retry_after=max(1, round(self.retry_delays[1])),
                issuer=auth.issuer,
            )
        return self.local.refusal(auth)

    async def revoke(
        self,
        *,
        sid: str | None = None,
        jti: str | None = None,
        sub: str | None = None,
        before: float | datetime | None = None,
        until: float | datetime | None = None,
    ) -> Revocation:
        """Revoke a session, a token or a user's tokens issued before ``before``, in every process.

        Applies here at once. If Redis is unreachable and the list is running, the revocation is
        published when Redis is back (logged); otherwise the ``redis`` error is raised.
        """
        entry = revocation(
            sid=sid,
            jti=jti,
            sub=sub,
            before=before,
            until=until,
            now=self._now(),
            max_token_lifetime=self.local.max_token_lifetime,
        )
        self.local.add(entry)
        try:
            await self._publish([entry])
        except _UNREACHABLE as exc:
            if self._task is None:
                raise
            self._pending.append(entry)
            logger.warning("revocation kept to publish when Redis is back (%s)", _why(exc))
        return entry

    async def start(self) -> None:
        """Start syncing; wait up to ``start_timeout`` for the first load (not an error if it is late)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="asgi_authinfo revocations")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._synced.wait(), self.start_timeout)

    async def aclose(self) -> None:
        """Stop syncing and close the Redis client if this list created it."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> RedisRevocations:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def around(self, app: Any) -> Any:
        """``app`` as an ASGI app that starts this list at lifespan startup and closes it at shutdown."""

        async def running(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "lifespan":
                await app(scope, receive, send)
                return

            async def receiving() -> Any:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.start()
                elif message["type"] == "lifespan.shutdown":
                    await self.aclose()
                return message

            await app(scope, receiving, send)

        return running

    # -- the background task -----------------------------------------------------------------

    async def _run(self) -> None:
        delay = self.retry_delays[0]
        while True:
            try:
                await self._follow()
            except _UNREACHABLE as exc:
                if self._status.in_sync:
                    delay = self.retry_delays[0]
                self._lost(exc)
            except Exception as exc:  # a bug here must not stop the syncing for good
                logger.exception("the revocations sync task failed; restarting it")
                self._lost(exc)
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not a secret
            delay = min(delay * 2, self.retry_delays[1])

    async def _follow(self) -> None:
        """Subscribe, load everything, then apply published changes and resync periodically."""
        pubsub = self.client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            await self._resync()
            loop = asyncio.get_running_loop()
            due = loop.time() + self.resync_interval
            while True:
                wait = max(0.0, min(due - loop.time(), 1.0))
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
                if message is not None and message.get("type") == "message":
                    self._apply(message["data"])
                if loop.time() >= due:
                    await self._resync()
                    due = loop.time() + self.resync_interval
        finally:
            with contextlib.suppress(*_UNREACHABLE):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _resync(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            try:
                await self._publish(pending)
            except BaseException:
                self._pending[:0] = pending
                raise
        now = self._now()
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(self.key, "-inf", now)
            pipe.zrangebyscore(self.key, now, "+inf", withscores=True)
            _, rows = await pipe.execute()
        members = set()
        for count, (member, until) in enumerate(rows, 1):
            entry = _entry(member, until)
            if entry is not None:
                self.local.add(entry)
                members.add(_member(entry))
            if count % _LOAD_BATCH == 0:
                await asyncio.sleep(0)  # a large list loads without holding up requests
        self.local.prune()
        if len(members) < len(self.local):  # Redis lost entries (a restart without persistence)
            lost = {_member(entry): entry.until for entry in self.local.entries()}
            for member in members:
                lost.pop(member, None)
            if lost:
                await self.client.zadd(self.key, lost, gt=True)
                logger.info("wrote back %d revocations that Redis had lost", len(lost))
        self._synced.set()
        was = self._status
        self._status = RevocationSync(in_sync=True, last_sync=now)
        if not was.in_sync:
            if was.failures:
                logger.info("revocations in sync with Redis again (%d entries)", len(self.local))
            self._report()

    async def _publish(self, entries: list[Revocation]) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zadd(self.key, {_member(entry): entry.until for entry in entries}, gt=True)
            for entry in entries:
                pipe.publish(self.channel, f"{entry.until!r} {_member(entry)}")
            await pipe.execute()

    def _apply(self, data: bytes | str) -> None:
        text = data.decode(errors="replace") if isinstance(data, bytes) else data
        until, _, member = text.partition(" ")
        with contextlib.suppress(ValueError):
            entry = _entry(member, float(until))
            if entry is not None:
                self.local.add(entry)

    def _lost(self, exc: BaseException) -> None:
        was = self._status
        self._status = replace(was, in_sync=False, failures=was.failures + 1, error=_why(exc))
        if was.in_sync or was.failures == 0:
            logger.warning(
                "Redis is unreachable (%s): keeping the last known %d revocations%s; retrying",
                _why(exc),
                len(self.local),
                " and refusing every token (fail_closed)" if self.fail_closed else "",
            )
            self._report()

    def _report(self) -> None:
        if self.on_status is None:
            return
        try:
            self.on_status(self.status)
        except Exception:
            logger.exception("the revocations on_status callback %r failed", self.on_status)


def _member(entry: Revocation) -> str:
    if entry.kind == "sub":
        return f"sub:{entry.before!r}:{entry.value}"
    return f"{entry.kind}:{entry.value}"


def _entry(member: bytes | str, until: float) -> Revocation | None:
    """The entry a sorted-set member names; None for anything this version does not understand."""
    text = member.decode(errors="replace") if isinstance(member, bytes) else member
    kind, _, rest = text.partition(":")
    if kind in ("sid", "jti") and rest:
        return Revocation(kind, rest, until)  # type: ignore[arg-type]
    if kind == "sub":
        before, _, value = rest.partition(":")
        with contextlib.suppress(ValueError):
            return Revocation("sub", value, until, float(before)) if value else None
    return None


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
