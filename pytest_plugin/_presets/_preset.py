"""``Preset``: how one provider shapes tokens, and the defaults most providers share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from asgi_authinfo import Address
from asgi_authinfo.claims.oidc import PROFILE_FIELDS, STRUCTURED_READERS

from .._persona import Persona
from ._urls import under_issuer

__all__ = ["COMMON", "NO_TIMES", "PROFILE", "USER", "UUID_SESSION", "UUID_SUBJECT", "Preset"]

PROFILE: Final = (*PROFILE_FIELDS, *STRUCTURED_READERS)
"""The OIDC profile fields, written as top-level claims of the same names."""
USER: Final = frozenset({"user_id", *PROFILE})
"""A user and their OIDC profile, without sessions or impersonation."""
COMMON: Final = USER | {"session_id", "impersonator"}
"""The persona fields every OIDC-shaped provider with sessions and impersonation can carry."""
NO_TIMES: Final = frozenset({"nbf", "jti"})
UUID_SUBJECT: Final = "fa4e0000-0000-4000-8000-000000000001"
"""The default ``sub`` of providers whose user ids are UUIDs."""
UUID_SESSION: Final = "fa4e0000-0000-4000-8000-00000000005e"


def _claim_value(value: Any) -> Any:
    """A profile value as its OIDC claim: ``address`` an object, ``updated_at`` epoch seconds."""
    if isinstance(value, Address):
        return {f.name: getattr(value, f.name) for f in fields(value) if getattr(value, f.name) is not None}
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


def _nothing(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _same_key_owner(issuer: str) -> str:
    return issuer


@dataclass(frozen=True, slots=True)
class Preset:
    """How one provider shapes tokens; ``claims`` names the ``asgi_authinfo`` preset that reads them."""

    name: str
    claims: str
    issuer_form: str
    """The default issuer URL of the ``number``-th fake: ``{n}`` is ``""`` for the first and ``-2``,
    ``-3``... after; ``{i}`` is ``""``, ``2``, ``3``...; ``{z}`` is ``01``, ``02``..."""
    subject: str
    session_id: str | None
    """The default session id (None: this provider's tokens name no session)."""
    supports: frozenset[str]
    encoder: Callable[[Persona], dict[str, Any]] = field(repr=False)
    jwks_of: Callable[[str], tuple[str, ...]] = field(repr=False)
    """Issuer URL → the JWKS URLs this provider serves its keys at; the first is the one discovery lists."""
    audience_of: Callable[[str], str | list[str] | None] = field(repr=False)
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    accepted_audience_of: Callable[[str], str | list[str] | None] | None = field(default=None, repr=False)
    """What ``issuer_config()`` checks ``aud`` against, when it differs from the ``aud`` tokens carry."""
    session_claim: str | None = "sid"
    omits: frozenset[str] = frozenset()
    """Default claims (``nbf``, ``jti``) this provider's tokens do not carry."""
    profile: tuple[str, ...] = PROFILE
    """The persona's profile fields written as top-level OIDC claims (the encoder places the others)."""
    completer: Callable[[Mapping[str, Any]], dict[str, Any]] = field(default=_nothing, repr=False)
    """Claims derived from the others (``auth_time`` from ``iat``, ``tid`` from ``iss``...)."""
    algorithm: str = "RS256"
    userinfo_of: Callable[[str], str] = field(default=under_issuer("oauth2/userinfo"), repr=False)
    key_owner_of: Callable[[str], str] = field(default=_same_key_owner, repr=False)
    """Issuer URL → whose keys it signs with: providers that sign every tenant or project with one key
    set (Entra, Firebase) share it, so several fakes can answer one shared JWKS URL."""

    def default_issuer(self, number: int = 1) -> str:
        """The issuer URL of the ``number``-th fake issuer with this preset in one test."""
        first = number <= 1
        return self.issuer_form.format(
            n="" if first else f"-{number}", i="" if first else str(number), z=f"{max(number, 1):02d}"
        )

    def jwks_uris(self, issuer: str) -> tuple[str, ...]:
        """Where this provider publishes the JWKS of ``issuer`` (absolute URLs, the primary first)."""
        return self.jwks_of(issuer)

    def audience(self, issuer: str) -> str | list[str] | None:
        """The ``aud`` this provider puts in access tokens by default (None: no ``aud``)."""
        return self.audience_of(issuer)

    def accepted_audience(self, issuer: str) -> str | list[str] | None:
        """The audience an API configured for this provider checks (by default the tokens' ``aud``)."""
        return (self.accepted_audience_of or self.audience_of)(issuer)

    def userinfo_uri(self, issuer: str) -> str:
        return self.userinfo_of(issuer)

    def key_owner(self, issuer: str) -> str:
        return self.key_owner_of(issuer)

    def encode(self, persona: Persona) -> dict[str, Any]:
        """The claims for ``persona`` (without ``iss``, times or ``aud``); ValueError if it cannot."""
        unsupported = sorted(persona.given() - self.supports)
        if unsupported:
            from ._registry import PRESETS  # the table is built from presets: import it when needed

            others = [p.name for p in PRESETS.values() if set(unsupported) <= p.supports]
            hint = f"; presets that have them: {', '.join(others)}" if others else ""
            raise ValueError(f"{self.name} tokens have no claim for {', '.join(unsupported)}{hint}")
        claims: dict[str, Any] = {"sub": persona.user_id or self.subject}
        if self.session_claim is not None:
            claims[self.session_claim] = persona.session_id or self.session_id
        for name in self.profile:
            value = getattr(persona, name)
            if value is not None:
                claims[name] = _claim_value(value)
        claims.update(self.encoder(persona))
        return claims

    def finish(self, claims: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
        """``claims`` updated with ``overrides`` (``None`` drops one), plus the claims derived from
        them (``auth_time``, ``tid``...) that neither names."""
        merged = {name: value for name, value in claims.items() if overrides.get(name, value) is not None}
        merged.update({name: value for name, value in overrides.items() if value is not None})
        for name, value in self.completer(merged).items():
            if name not in merged and name not in overrides:
                merged[name] = value
        return merged
