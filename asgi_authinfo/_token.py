"""The state of one verification, filled in by the rules as they run, and the verifier's trust."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._issuer import Issuer
from ._issuer_keys import IssuerKeys

if TYPE_CHECKING:
    from ._auth_info import AuthInfo
    from ._issuer_resolver import ResolvedIssuers
    from ._jose import ParsedToken, VerifyingKey
    from ._jwks import JWKSCache

__all__ = ["Token", "Trust"]


class Trust:
    """What a verifier trusts, built once: its issuers by exact ``iss``, its multi-tenant templates,
    and the issuers resolved at run time (``resolved``) for an ``iss`` neither knows."""

    __slots__ = ("by_iss", "issuers", "max_token_bytes", "resolved", "templates")

    def __init__(
        self,
        issuers: tuple[Issuer, ...],
        by_iss: dict[str, IssuerKeys],
        templates: tuple[IssuerKeys, ...],
        max_token_bytes: int,
        resolved: ResolvedIssuers | None = None,
    ) -> None:
        self.issuers = issuers
        self.by_iss = by_iss
        self.templates = templates
        self.max_token_bytes = max_token_bytes
        self.resolved = resolved


class Token:
    """One token being verified: what each rule found, for the rules after it and for ``inspect``.

    ``now`` is the wall clock read once when verification starts. ``kid`` is the header's ``kid``
    when it is a string, read once by the format rule and reported to the observer. ``auth`` is
    the mapped ``AuthInfo``, for the rules that run after mapping (``TokenVerifier.mapped_rules``).
    """

    __slots__ = (
        "alg",
        "auth",
        "issuer",
        "jwks",
        "key",
        "keys",
        "kid",
        "now",
        "parsed",
        "signed",
        "text",
        "trust",
    )

    def __init__(self, text: str, trust: Trust, now: float) -> None:
        self.text = text
        self.trust = trust
        self.now = now
        self.parsed: ParsedToken | None = None
        self.kid: str | None = None
        self.keys: IssuerKeys | None = None
        self.issuer: Issuer | None = None
        self.alg = ""
        self.jwks: JWKSCache | None = None
        self.key: VerifyingKey | None = None
        self.signed = False
        self.auth: AuthInfo | None = None
