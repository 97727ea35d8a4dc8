"""Where each issuer's keys come from: a configured ``jwks_uri``, or OIDC discovery then its JWKS."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ._background import Background
from ._discovery import Discovery
from ._issuer import Issuer
from ._jwks import JWKSCache
from ._local_keys import LocalKeys

__all__ = ["IssuerKeys", "KeySources"]


class KeySources:
    """Builds one :class:`IssuerKeys` per issuer, sharing one :class:`JWKSCache` per JWKS URL."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        clock: Callable[[], float],
        now: Callable[[], float] | None = None,
        background: Background | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.now = now
        self.background = background
        self._caches: dict[str, JWKSCache] = {}

    def for_issuer(self, issuer: Issuer) -> IssuerKeys:
        return IssuerKeys(issuer, self)

    def jwks_cache(self, uri: str, issuer: Issuer) -> JWKSCache:
        cache = self._caches.get(uri)
        if cache is None:
            cache = self._caches[uri] = JWKSCache(
                uri,
                client=self.client,
                max_age=issuer.jwks_max_age,
                cooldown=issuer.jwks_cooldown,
                timeout=issuer.jwks_timeout,
                max_stale=issuer.jwks_max_stale,
                unknown_kid_wait=issuer.jwks_unknown_kid_wait,
                background=self.background,
                clock=self.clock,
                **({} if self.now is None else {"now": self.now}),
            )
        return cache


class IssuerKeys:
    """One issuer's keys: its JWKS cache, found through discovery when no ``jwks_uri`` is set.

    It owns the issuer's one :class:`Discovery` (fetched only when something needs it: the keys
    without a ``jwks_uri``, or userinfo without a ``userinfo_uri``).
    """

    def __init__(self, issuer: Issuer, sources: KeySources) -> None:
        self.issuer = issuer
        self._sources = sources
        self._jwks: JWKSCache | None
        if issuer.local_keys is not None:
            any_kid = issuer.public_key is not None
            self._jwks = LocalKeys(issuer.local_keys, client=sources.client, any_kid=any_kid)
        else:
            self._jwks = None if issuer.jwks_uri is None else sources.jwks_cache(issuer.jwks_uri, issuer)
        self.discovery = Discovery(issuer, client=sources.client, clock=sources.clock)

    async def jwks(self) -> JWKSCache:
        if self._jwks is None:
            metadata = await self.discovery.metadata()
            self._jwks = self._sources.jwks_cache(metadata.jwks_uri, self.issuer)
        return self._jwks
