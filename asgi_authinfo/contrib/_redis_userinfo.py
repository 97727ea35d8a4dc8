"""``RedisUserinfoStore``: userinfo answers shared by every process through Redis (re-exported by
``asgi_authinfo.contrib.redis``)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

__all__ = ["DEFAULT_USERINFO_PREFIX", "RedisUserinfoStore"]

logger = logging.getLogger("asgi_authinfo")

DEFAULT_USERINFO_PREFIX: Final = "asgi_authinfo:userinfo"


class RedisUserinfoStore:
    """A :class:`~asgi_authinfo.UserinfoStore` in Redis: one key per token (its SHA-256), expiring
    with the token. ``TokenVerifier(userinfo_store=RedisUserinfoStore(url))``.

    Each call waits at most ``timeout`` seconds; after a failure Redis is left alone for
    ``cooldown`` seconds (logged once), and the endpoint is asked directly meanwhile.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Redis | None = None,
        prefix: str = DEFAULT_USERINFO_PREFIX,
        timeout: float = 0.05,
        cooldown: float = 5.0,
        now: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (url is None) == (client is None):
            raise ValueError("give RedisUserinfoStore either a url='redis://...' or a client=")
        if not timeout > 0 or cooldown < 0:
            raise ValueError("timeout must be positive and cooldown at least 0")
        self.owns_client = client is None
        self.client: Redis = client or Redis.from_url(
            url or "", retry=Retry(NoBackoff(), 0), socket_connect_timeout=timeout
        )
        self.prefix = prefix
        self.timeout = timeout
        self.cooldown = cooldown
        self._now = now
        self._clock = clock
        self._resting_until = float("-inf")

    async def get(self, key: str, /) -> Mapping[str, Any] | None:
        if self._clock() < self._resting_until:
            return None
        try:
            raw = await asyncio.wait_for(self.client.get(f"{self.prefix}:{key}"), self.timeout)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(exc)
            return None
        if raw is None:
            return None
        try:
            document = json.loads(raw)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None

    async def put(self, key: str, document: Mapping[str, Any], expires: float, /) -> None:
        ttl = int((expires - self._now()) * 1000)
        if ttl <= 0 or self._clock() < self._resting_until:
            return
        value = json.dumps(dict(document), separators=(",", ":"))
        try:
            await asyncio.wait_for(self.client.set(f"{self.prefix}:{key}", value, px=ttl), self.timeout)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(exc)

    async def aclose(self) -> None:
        if self.owns_client:
            await self.client.aclose()

    def _failed(self, exc: BaseException) -> None:
        if self._clock() >= self._resting_until:
            logger.warning(
                "the shared userinfo store is unreachable (%s); asking the endpoint directly for %g s",
                type(exc).__name__,
                self.cooldown,
            )
        self._resting_until = self._clock() + self.cooldown
