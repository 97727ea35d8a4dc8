"""``InvalidToken`` values, the ``Context`` every kind is built from, and ``Kinds``, the registry
of the functions that build each kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from hypothesis import strategies as st

from asgi_authinfo import ErrorCode, Issuer

from .._fake_issuer import FakeIssuer
from ._claims import Draw, claim_sets

__all__ = ["Applies", "Builder", "Context", "InvalidToken", "Kinds"]


@dataclass(frozen=True, slots=True)
class InvalidToken:
    """A token a correct verifier refuses, with the ``code`` it must refuse it with and why."""

    kind: str
    code: ErrorCode
    why: str
    token: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``."""
        return {"Authorization": f"Bearer {self.token}"}

    def __repr__(self) -> str:
        shown = self.token if len(self.token) <= 60 else f"{self.token[:40]}...({len(self.token)} chars)"
        return f"InvalidToken(kind={self.kind!r}, code={self.code!r}, why={self.why!r}, token={shown!r})"


@dataclass(frozen=True, slots=True)
class Context:
    """What every kind of invalid token is built from: the issuer, the verifier's rules for it."""

    issuer: FakeIssuer
    config: Issuer
    max_token_bytes: int

    @property
    def leeway(self) -> float:
        return self.config.leeway

    def now(self) -> float:
        return self.issuer.now()

    def claims(self, draw: Draw) -> dict[str, Any]:
        """A claim set this verifier accepts, drawn at the issuer's "now"."""
        config = self.config
        claims: dict[str, Any] = draw(
            claim_sets(self.issuer.preset, now=self.issuer.now, iss=self.issuer.issuer)
        )
        if config.audience:
            claims["aud"] = draw(st.sampled_from(tuple(config.audience)))
        elif self.issuer.audience is not None:
            claims["aud"] = self.issuer.audience
        if config.authorized_parties:
            claims["azp"] = draw(st.sampled_from(tuple(config.authorized_parties)))
        for name in config.required_claims:
            claims.setdefault(name, f"fake-{name}")
        return claims

    def headers(self) -> dict[str, Any]:
        return {"typ": self.config.token_type} if self.config.token_type else {}

    def sign(self, claims: Mapping[str, Any], headers: Mapping[str, Any] | None = None) -> str:
        return self.issuer.key.sign(dict(claims), {**self.headers(), **(headers or {})})

    def header(self, **extra: Any) -> dict[str, Any]:
        """The JOSE header the issuer's key would write, plus ``extra``."""
        return {
            "alg": self.issuer.key.alg,
            "kid": self.issuer.key.kid,
            "typ": "JWT",
            **self.headers(),
            **extra,
        }


Builder: TypeAlias = Callable[[Draw, Context], InvalidToken]
"""Draws one invalid token of a kind."""
Applies: TypeAlias = Callable[[Context], bool]
"""Whether a kind can be drawn at all for this context (e.g. ``wrong_audience`` needs an audience)."""


def _always(ctx: Context) -> bool:
    return True


class Kinds:
    """Kinds of invalid token by name, in the order ``@kinds.register(name)`` added them."""

    __slots__ = ("by_name",)

    def __init__(self) -> None:
        self.by_name: dict[str, tuple[Builder, Applies]] = {}

    def register(self, name: str, applies: Applies = _always) -> Callable[[Builder], Builder]:
        def register(builder: Builder) -> Builder:
            self.by_name[name] = (builder, applies)
            return builder

        return register
