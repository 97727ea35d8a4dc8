"""One-line issuer configuration for identity providers.

Each helper returns a tuple of ready ``Issuer`` objects that ``issuers=`` accepts directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._issuer import Issuer

__all__ = ["authgear", "clerk", "workos"]


def workos(client_id: str, *, api_hostname: str = "api.workos.com", **options: Any) -> tuple[Issuer, ...]:
    """WorkOS AuthKit: both issuer forms WorkOS signs with, one JWKS.

    AuthKit access tokens carry ``iss = https://<api>/user_management/<client_id>`` and no ``aud``;
    SSO tokens carry ``iss = https://<api>/`` and ``aud = <client_id>`` (as Convex's WorkOS config).
    """
    if not client_id:
        raise ValueError("workos() needs your WorkOS client id, e.g. 'client_01H...'")
    jwks_uri = f"https://{api_hostname}/sso/jwks/{client_id}"
    return (
        Issuer(
            f"https://{api_hostname}/user_management/{client_id}",
            jwks_uri=jwks_uri,
            claims="workos",
            **options,
        ),
        Issuer(f"https://{api_hostname}/", jwks_uri=jwks_uri, audience=client_id, claims="workos", **options),
    )


def clerk(
    frontend_api_url: str, *, authorized_parties: str | Sequence[str] | None = None, **options: Any
) -> tuple[Issuer, ...]:
    """Clerk: the Frontend API URL is the issuer; keys at ``/.well-known/jwks.json``.

    Pass ``authorized_parties`` (your front-end origins) to check ``azp``, Clerk's CSRF guard for
    cookie-borne session tokens.
    """
    issuer = frontend_api_url.rstrip("/")
    return (
        Issuer(
            issuer,
            jwks_uri=f"{issuer}/.well-known/jwks.json",
            claims="clerk",
            authorized_parties=authorized_parties,
            **options,
        ),
    )


def authgear(
    endpoint: str, *, audience: str | Sequence[str] | None = None, **options: Any
) -> tuple[Issuer, ...]:
    """Authgear: the project endpoint is the issuer and, by default, the access tokens' audience."""
    issuer = endpoint.rstrip("/")
    return (
        Issuer(
            issuer,
            jwks_uri=f"{issuer}/oauth2/jwks",
            audience=audience if audience is not None else issuer,
            claims="authgear",
            **options,
        ),
    )
