"""Per-issuer claim rules run after the standard checks: provider quirks without verifier rewrites.

A check is any callable ``(claims, issuer) -> None`` that raises :class:`InvalidTokenError` to
refuse a token whose signature, times and audience already passed. ``issuer`` is the trusted
issuer's configured name, for the error. Providers add their own (Cognito ``token_use``, Okta
``cid``, Entra's tenant), users add theirs through ``Issuer(claim_checks=[...])``. They run as the
pipeline's ``checks`` rule; a check raising anything else has a bug and fails the request with a
server error (see ``_claim_rules.run_claim_checks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from ._errors import ErrorCode, InvalidTokenError, shown

__all__ = [
    "TENANT_PLACEHOLDER",
    "ClaimCheck",
    "ClaimIn",
    "CognitoTokenUse",
    "TenantMatches",
    "non_empty_strings",
    "split_template",
]

TENANT_PLACEHOLDER: Final = "{tenantid}"
"""Where a multi-tenant issuer's tenant goes, as Microsoft's discovery documents spell it."""

_TENANT: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class ClaimCheck(Protocol):
    """Refuses a verified token by raising :class:`InvalidTokenError`; returns None to accept it."""

    def __call__(self, claims: Mapping[str, Any], issuer: str, /) -> None: ...


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def non_empty_strings(name: str, values: str | Iterable[str]) -> tuple[str, ...]:
    items = (values,) if isinstance(values, str) else tuple(values)
    if not items or not all(isinstance(item, str) and item for item in items):
        raise ValueError(f"{name} must be a non-empty string or a non-empty list of them")
    return items


@dataclass(frozen=True, slots=True)
class ClaimIn:
    """The claim ``name`` must be present and one of ``allowed`` (Okta's ``assertClaims``)."""

    name: str
    allowed: tuple[str, ...]
    code: ErrorCode = "invalid_claim"

    def __init__(self, name: str, allowed: str | Iterable[str], *, code: ErrorCode = "invalid_claim") -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("ClaimIn needs the claim's name")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "allowed", non_empty_strings(f"the allowed values of `{name}`", allowed))
        object.__setattr__(self, "code", code)

    def __call__(self, claims: Mapping[str, Any], issuer: str, /) -> None:
        value = claims.get(self.name)
        if value is None:
            raise InvalidTokenError(
                f"the token has no `{self.name}` claim, which this issuer requires "
                f"(expected one of {list(self.allowed)})",
                code="missing_claim",
                issuer=issuer,
            )
        if value not in self.allowed:
            raise InvalidTokenError(
                f"the token's `{self.name}` {shown(value)} is not one of {list(self.allowed)}",
                code=self.code,
                issuer=issuer,
            )


@dataclass(frozen=True, slots=True)
class CognitoTokenUse:
    """Amazon Cognito: ``token_use`` is one of the accepted uses, and the app client is checked.

    Cognito access tokens carry no ``aud``: the app client is their ``client_id`` claim. ID tokens
    carry it in ``aud``. (As ``validateCognitoJwtFields`` in awslabs/aws-jwt-verify.)
    """

    token_use: tuple[str, ...]
    client_ids: tuple[str, ...]

    def __init__(self, token_use: str | Iterable[str], client_ids: str | Iterable[str]) -> None:
        uses = non_empty_strings("token_use", token_use)
        unknown = [use for use in uses if use not in ("access", "id")]
        if unknown:
            raise ValueError(f"token_use must be 'access', 'id' or both, got {unknown}")
        object.__setattr__(self, "token_use", uses)
        object.__setattr__(self, "client_ids", non_empty_strings("client_id", client_ids))

    def __call__(self, claims: Mapping[str, Any], issuer: str, /) -> None:
        use = claims.get("token_use")
        if use not in self.token_use:
            raise InvalidTokenError(
                f"the token's `token_use` {shown(use)} is not {' or '.join(map(repr, self.token_use))}; "
                + (
                    "send the access token, not the ID token"
                    if use == "id"
                    else "send the ID token, not the access token"
                    if use == "access"
                    else "Cognito tokens carry token_use 'access' or 'id'"
                ),
                code="wrong_token_type",
                issuer=issuer,
            )
        name = "aud" if use == "id" else "client_id"
        got = _strings(claims.get(name))
        if not set(got).intersection(self.client_ids):
            shown_got = ", ".join(shown(item) for item in got[:5]) or "none"
            raise InvalidTokenError(
                f"the {use} token's app client `{name}` ({shown_got}) is not one of "
                f"{list(self.client_ids)}; the token was issued to another app client",
                code="audience_mismatch",
                issuer=issuer,
            )


def split_template(issuer: str) -> tuple[str, str] | None:
    """``(prefix, suffix)`` around the ``{tenantid}`` placeholder, or None for a plain issuer."""
    if TENANT_PLACEHOLDER not in issuer:
        return None
    prefix, _, suffix = issuer.partition(TENANT_PLACEHOLDER)
    return prefix, suffix


def tenant_in(iss: str, template: tuple[str, str]) -> str | None:
    """The tenant part of ``iss`` when it fits the template, else None."""
    prefix, suffix = template
    if len(iss) <= len(prefix) + len(suffix) or not iss.startswith(prefix) or not iss.endswith(suffix):
        return None
    tenant = iss[len(prefix) : len(iss) - len(suffix)]
    return tenant if _TENANT.fullmatch(tenant) else None


@dataclass(frozen=True, slots=True)
class TenantMatches:
    """Multi-tenant issuers: the ``tid`` claim must equal the tenant in ``iss``.

    Microsoft's rule for ``{tenantid}`` issuers (``AadIssuerValidator`` in
    AzureAD/microsoft-identity-web): the issuer is valid only for the tenant the token names.
    """

    template: tuple[str, str]
    claim: str = "tid"

    def __call__(self, claims: Mapping[str, Any], issuer: str, /) -> None:
        iss = claims.get("iss")
        tenant = tenant_in(iss, self.template) if isinstance(iss, str) else None
        tid = claims.get(self.claim)
        if tenant is None or tid != tenant:
            raise InvalidTokenError(
                f"the token's `{self.claim}` {shown(tid)} does not match the tenant in its issuer "
                f"{shown(iss)}; a multi-tenant issuer is only valid for the tenant it names",
                code="invalid_claim",
                issuer=issuer,
            )
