"""``Issuer``: one trusted token issuer, validated when it is built."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from ._claim_checks import (
    TENANT_PLACEHOLDER,
    ClaimCheck,
    TenantMatches,
    non_empty_strings,
    split_template,
    tenant_in,
)
from ._durations import check_seconds
from ._errors import RefusalHint
from ._key_set import KeySet
from ._local_keys import is_local_uri, local_key_set
from .claims import ClaimMapper, resolve

__all__ = ["ALLOWED_ALGORITHMS", "Issuer", "check_url", "flatten_issuers"]

ALLOWED_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
    | {"Ed25519", "Ed448"}  # RFC 9864's fully-specified EdDSA names
)
"""Asymmetric algorithms only: ``none`` and HMAC can never be verified with a JWKS public key."""

MAX_LEEWAY: Final = 300.0
_LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "::1"})


def check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute https:// URL, got {url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError(f"{name} must use https:// (plain http is only allowed on localhost), got {url!r}")


def _tuple_of_str(name: str, value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else non_empty_strings(name, value)


@dataclass(frozen=True, slots=True)
class Issuer:
    """One trusted issuer. Tokens whose ``iss`` equals ``issuer`` exactly are checked against it.

    ``jwks_uri=None`` means OIDC discovery from ``{issuer}/.well-known/openid-configuration``.
    Local keys are never fetched: ``jwks={"keys": [...]}``, ``public_key=PEM``, or a ``jwks_uri``
    that is a ``data:`` URI, a ``file:`` URI or a path (read once, when the issuer is built).
    ``claims`` is a preset name (``"oidc"``, ``"workos"``, ``"clerk"``, ``"authgear"``, ...) or a
    callable mapping verified claims to :class:`~asgi_authinfo.claims.MappedClaims`.
    """

    issuer: str
    _: KW_ONLY
    jwks_uri: str | None = None
    audience: str | Sequence[str] | None = None
    algorithms: Sequence[str] = ("RS256",)
    claims: str | ClaimMapper = "oidc"
    authorized_parties: str | Sequence[str] | None = None
    leeway: float = 5.0
    token_type: str | None = None
    """Require this JOSE ``typ`` header, e.g. ``"at+jwt"`` for RFC 9068 access tokens."""
    required_claims: Sequence[str] = ()
    jwks_max_age: float = 600.0
    jwks_cooldown: float = 30.0
    jwks_timeout: float = 5.0
    jwks_max_stale: float = 600.0
    """How long past ``jwks_max_age`` the last good keys serve while one background refresh runs."""
    jwks_unknown_kid_wait: float = 1.0
    """The longest a token with an unknown ``kid`` waits for a JWKS fetch before a 503."""
    userinfo: bool | Literal["required"] = False
    """Opt in to enriching ``AuthInfo.user`` from the OIDC userinfo endpoint. ``True`` keeps the
    token's own claims when the endpoint fails (``AuthInfo.userinfo_error`` says why);
    ``"required"`` refuses the request instead."""
    userinfo_uri: str | None = None
    userinfo_timeout: float = 5.0
    claim_checks: Sequence[ClaimCheck] = ()
    """Extra rules run on the verified claims; each raises ``InvalidTokenError`` to refuse."""
    tenants: str | Sequence[str] | None = None
    """Multi-tenant issuers (``{tenantid}`` in ``issuer``): the tenants allowed to sign in."""
    any_tenant: bool = False
    """Multi-tenant issuers: accept every tenant (an explicit opt-in; prefer ``tenants``)."""
    jwks: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The issuer's JWKS itself, ``{"keys": [...]}``: its keys are never fetched."""
    public_key: str | None = field(default=None, repr=False, compare=False)
    """One PEM public key (Clerk's ``jwtKey``): the issuer's only key, never fetched."""
    dpop: Literal["allowed", "required", "disabled"] = "allowed"
    """DPoP (RFC 9449): ``"allowed"`` takes bearer and DPoP tokens, ``"required"`` only DPoP-bound
    tokens with a proof, ``"disabled"`` refuses the DPoP scheme. A DPoP-bound token (``cnf.jkt``)
    is never accepted as a bearer token."""
    refusal_hint: RefusalHint | None = field(default=None, repr=False, compare=False)
    """Advice added to refusals of this issuer's tokens; set by test doubles (the pytest plugin's
    ``FakeIssuer.issuer_config()``), never needed in production."""
    mapper: ClaimMapper = field(init=False, repr=False, compare=False)
    local_keys: KeySet | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer:
            raise ValueError(
                "issuer must be the exact `iss` value of your tokens, e.g. 'https://auth.example.com'"
            )
        check_url("issuer", self.issuer)
        if self.jwks_uri is not None and not is_local_uri(self.jwks_uri):
            check_url("jwks_uri", self.jwks_uri)
        local = local_key_set(jwks=self.jwks, jwks_uri=self.jwks_uri, public_key=self.public_key)
        object.__setattr__(self, "local_keys", local)
        if self.userinfo_uri is not None:
            check_url("userinfo_uri", self.userinfo_uri)
        if self.userinfo not in (False, True, "required"):
            raise ValueError(f"userinfo must be False, True or 'required', got {self.userinfo!r}")
        if self.dpop not in ("allowed", "required", "disabled"):
            raise ValueError(f"dpop must be 'allowed', 'required' or 'disabled', got {self.dpop!r}")
        set_ = object.__setattr__
        set_(self, "tenants", _tuple_of_str("tenants", self.tenants))
        self._check_template()
        checks = tuple(self.claim_checks)
        if not all(callable(check) for check in checks):
            raise ValueError("claim_checks must be callables (claims, issuer) -> None")
        template = split_template(self.issuer)
        if template is not None and TenantMatches(template) not in checks:
            checks = (TenantMatches(template), *checks)
        set_(self, "claim_checks", checks)
        set_(self, "audience", _tuple_of_str("audience", self.audience))
        set_(self, "authorized_parties", _tuple_of_str("authorized_parties", self.authorized_parties))
        algorithms = _tuple_of_str("algorithms", self.algorithms) or ()
        refused = [alg for alg in algorithms if alg not in ALLOWED_ALGORITHMS]
        if refused:
            raise ValueError(
                f"algorithms {refused} cannot be verified with JWKS public keys; "
                f"allowed: {', '.join(sorted(ALLOWED_ALGORITHMS))}"
            )
        set_(self, "algorithms", algorithms)
        set_(self, "required_claims", tuple(self.required_claims))
        for name in (
            "leeway",
            "jwks_max_age",
            "jwks_cooldown",
            "jwks_timeout",
            "jwks_max_stale",
            "jwks_unknown_kid_wait",
            "userinfo_timeout",
        ):
            check_seconds(name, getattr(self, name), positive=name.endswith("_timeout"))
        if self.leeway > MAX_LEEWAY:
            raise ValueError(f"leeway must be at most {MAX_LEEWAY:g} s (RFC 8725: keep it small)")
        set_(self, "mapper", resolve(self.claims))

    def _check_template(self) -> None:
        template = split_template(self.issuer)
        if template is None:
            if self.tenants is not None or self.any_tenant:
                raise ValueError(
                    f"tenants= and any_tenant= apply to multi-tenant issuers, whose issuer contains "
                    f"{TENANT_PLACEHOLDER!r}; {self.issuer!r} does not"
                )
            return
        prefix, suffix = template
        if TENANT_PLACEHOLDER in suffix or "/" not in prefix.partition("://")[2]:
            raise ValueError(
                f"issuer {self.issuer!r} must contain {TENANT_PLACEHOLDER!r} once, in its path, e.g. "
                "'https://login.microsoftonline.com/{tenantid}/v2.0'"
            )
        if self.tenants is None and not self.any_tenant:
            raise ValueError(
                f"multi-tenant issuer {self.issuer!r} accepts tokens from any tenant that can get one: "
                "list the tenants you serve with tenants=[...], or pass any_tenant=True to accept all"
            )
        if self.tenants is not None and self.any_tenant:
            raise ValueError("give either tenants=[...] or any_tenant=True, not both")
        for tenant in self.tenants or ():
            if tenant_in(prefix + tenant + suffix, template) != tenant:
                raise ValueError(f"tenant {tenant!r} is not a tenant id (letters, digits, '.', '_', '-')")
        if self.jwks_uri is None and self.local_keys is None:
            raise ValueError(f"multi-tenant issuer {self.issuer!r} needs jwks_uri= (it cannot be discovered)")
        if self.userinfo and self.userinfo_uri is None:
            raise ValueError(f"multi-tenant issuer {self.issuer!r} needs userinfo_uri= to use userinfo")

    @property
    def template(self) -> tuple[str, str] | None:
        """``(prefix, suffix)`` around ``{tenantid}`` for a multi-tenant issuer, else None."""
        return split_template(self.issuer)

    def tenant_of(self, iss: str) -> str | None:
        """The allowed tenant a multi-tenant issuer's ``iss`` names, else None."""
        template = split_template(self.issuer)
        tenant = None if template is None else tenant_in(iss, template)
        if tenant is None or (self.tenants is not None and tenant not in self.tenants):
            return None
        return tenant

    @property
    def discovery_uri(self) -> str:
        """Where OIDC discovery looks (OpenID Connect Discovery 1.0 §4)."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def flatten_issuers(issuers: Issuer | Iterable[Issuer | Iterable[Issuer]]) -> tuple[Issuer, ...]:
    """Accept one Issuer, a list of them, or lists of what provider helpers return."""
    if isinstance(issuers, Issuer):
        return (issuers,)
    flat: list[Issuer] = []
    for item in issuers:
        if isinstance(item, Issuer):
            flat.append(item)
        else:
            for inner in item:
                if not isinstance(inner, Issuer):
                    raise ValueError(f"issuers must contain Issuer objects, got {inner!r}")
                flat.append(inner)
    if not flat:
        raise ValueError("issuers must name at least one trusted Issuer")
    seen: set[str] = set()
    for issuer in flat:
        if issuer.issuer in seen:
            raise ValueError(f"issuer {issuer.issuer!r} is configured twice")
        seen.add(issuer.issuer)
    return tuple(flat)
