"""OIDC discovery: an issuer's metadata document, fetched once and checked against the issuer."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._fetch import FetchError, fetch_json
from ._fetch_policy import FetchPolicy, backoff_for
from ._issuer import Issuer, check_url

__all__ = ["Discovery", "ProviderMetadata"]


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of the discovery document we use (OpenID Connect Discovery 1.0 §3)."""

    issuer: str
    jwks_uri: str
    userinfo_endpoint: str | None = None


class Discovery:
    """Fetches ``{issuer}/.well-known/openid-configuration`` once, under the shared fetch policy.

    One per issuer: its keys and its userinfo endpoint are both found through it.
    """

    def __init__(
        self,
        issuer: Issuer,
        *,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._client = client
        self._policy: FetchPolicy[ProviderMetadata] = FetchPolicy(
            self._load,
            what=f"discovery document of {issuer.issuer}",
            clock=clock,
            backoff=backoff_for(issuer.jwks_cooldown),
        )

    async def metadata(self) -> ProviderMetadata:
        """The checked metadata; raises :class:`IssuerUnavailableError` while it cannot be fetched."""
        policy = self._policy
        if policy.value is None and (policy.reloading or policy.may_refresh(0.0)):
            await policy.refresh()
        if policy.value is None:
            why = policy.attempts.error or "no answer yet"
            raise policy.attempts.unavailable(
                f"issuer {self._issuer.issuer} could not be discovered: {why}",
                issuer=self._issuer.issuer,
            )
        return policy.value

    async def _load(self, previous: ProviderMetadata | None) -> ProviderMetadata:
        document = await fetch_json(
            self._client,
            self._issuer.discovery_uri,
            timeout=self._issuer.jwks_timeout,
            what="OIDC discovery document",
        )
        return self._check(document)

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
