"""Minting: the claims a provider (a ``Preset``) puts in its tokens, raw or for a described caller.

A :class:`Minter` is a value built for one moment of a fake issuer (its ``iss`` moves to the loopback
server while ``serve()`` runs), so it holds no state and signs nothing: keys sign (``SigningKey``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._persona import Persona
from ._presets import Preset

__all__ = ["Minter"]


@dataclass(frozen=True, slots=True)
class Minter:
    """Claims shaped like ``preset``'s for the issuer ``issuer``, minted on the clock ``now``."""

    preset: Preset
    issuer: str
    audience: str | list[str] | None
    now: Callable[[], float]
    lifetime: int
    authorized_party: str | None = None

    def default_claims(self, at: float | None = None, *, expires_in: float | None = None) -> dict[str, Any]:
        """The claims every token starts from, with the claims the preset derives from them."""
        return self.preset.finish(self.base_claims(at, expires_in), {})

    def claims(self, overrides: Mapping[str, Any], *, at: float | None = None) -> dict[str, Any]:
        """The default claims overridden by raw ``overrides`` (``None`` drops one)."""
        return self.preset.finish(self.base_claims(at, None), overrides)

    def claims_for(
        self,
        persona: Mapping[str, Any],
        *,
        at: float | None = None,
        expires_in: float | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The claims the provider sends for the caller ``persona`` describes (``AuthInfo`` terms),
        then the raw ``claims`` (``None`` drops one)."""
        encoded = self.preset.encode(Persona.of(**persona))
        return self.preset.finish({**self.base_claims(at, expires_in), **encoded}, dict(claims or {}))

    def base_claims(self, at: float | None, expires_in: float | None) -> dict[str, Any]:
        """``iss``, ``sub``, the session, times, ``jti``, ``aud`` and the preset's fixed claims.

        ``exp`` is ``at + expires_in`` (default: ``lifetime``); an already expired token still has
        ``iat``/``nbf`` one lifetime before its ``exp``.
        """
        preset = self.preset
        now = int(self.now() if at is None else at)
        exp = now + int(self.lifetime if expires_in is None else expires_in)
        issued = min(now, exp - self.lifetime)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": preset.subject,
            "iat": issued,
            "nbf": issued,
            "exp": exp,
            "jti": uuid.uuid4().hex,
        }
        for name in preset.omits:
            claims.pop(name, None)
        if preset.session_claim is not None and preset.session_id is not None:
            claims[preset.session_claim] = preset.session_id
        if self.audience is not None:
            claims["aud"] = self.audience
        claims.update(json.loads(json.dumps(dict(preset.extra))))
        if self.authorized_party is not None:
            claims["azp"] = self.authorized_party
        return claims
