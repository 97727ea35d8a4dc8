"""OIDC discovery: an issuer's metadata document, fetched once and checked against the issuer."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from ._errors import IssuerUnavailableError
from ._fetch import FetchError, fetch_json
from ._issuer import Issuer, check_url

__all__ = ["Discovery", "ProviderMetadata"]


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of the discovery document we use (OpenID Connect Discovery 1.0 §3)."""

    issuer: str
    jwks_uri: str
    userinfo_endpoint: str | None = None


class Discovery:
    """Fetches ``{issuer}/.well-known/openid-configuration`` once, single-flight, with a backoff."""

    def __init__(
        self,
        issuer: Issuer,
        *,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._client = client
        self._clock = clock
        self._metadata: ProviderMetadata | None = None
        self._failed_at: float | None = None
        self._error = ""
        self._lock: anyio.Lock | None = None

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is not None:
            return self._metadata
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            if self._metadata is not None:
                return self._metadata
            backoff = min(self._issuer.jwks_cooldown, 5.0)
            if self._failed_at is not None and self._clock() - self._failed_at < backoff:
                raise self._unavailable(backoff)
            try:
                document = await fetch_json(
                    self._client,
                    self._issuer.discovery_uri,
                    timeout=self._issuer.jwks_timeout,
                    what="OIDC discovery document",
                )
                self._metadata = self._check(document)
            except FetchError as exc:
                self._failed_at = self._clock()
                self._error = str(exc)
                raise self._unavailable(backoff) from None
            return self._metadata

    def _check(self, document: Any) -> ProviderMetadata:
        uri = self._issuer.discovery_uri
        if not isinstance(document, Mapping):
            raise FetchError(f"the discovery document at {uri} is not a JSON object")
        if document.get("issuer") != self._issuer.issuer:
            raise FetchError(
                f"the discovery document at {uri} names issuer {document.get('issuer')!r}, "
                f"not the configured {self._issuer.issuer!r} (OIDC Discovery §4.3); "
                "configure the issuer exactly as the provider spells it"
            )
        jwks_uri = document.get("jwks_uri")
        userinfo = document.get("userinfo_endpoint")
        try:
            if not isinstance(jwks_uri, str):
                raise ValueError(f"the discovery document at {uri} has no `jwks_uri`")
            check_url("jwks_uri", jwks_uri)
            if userinfo is not None:
                if not isinstance(userinfo, str):
                    raise ValueError("userinfo_endpoint is not a string")
                check_url("userinfo_endpoint", userinfo)
        except ValueError as exc:
            raise FetchError(str(exc)) from None
        return ProviderMetadata(self._issuer.issuer, jwks_uri, userinfo)

    def _unavailable(self, backoff: float) -> IssuerUnavailableError:
        waited = self._clock() - (self._failed_at or 0.0)
        return IssuerUnavailableError(
            f"issuer {self._issuer.issuer} could not be discovered: {self._error}",
            retry_after=max(1, round(backoff - waited)),
            issuer=self._issuer.issuer,
        )
