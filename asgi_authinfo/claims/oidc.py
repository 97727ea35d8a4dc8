"""The ``oidc`` preset: OpenID Connect standard claims plus the common authorization claims.

Reads ``sub`` and the OIDC Core §5.1 profile claims, ``sid``, OAuth ``scope``/``scp``,
``permissions``, ``roles``/``role``, ``org_id`` and ``act`` (RFC 8693 impersonation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._auth_info import User
from . import MappedClaims, register
from ._read import as_bool, as_str, impersonator, str_tuple, words

__all__ = ["map_claims", "standard_user"]


def standard_user(claims: Mapping[str, Any]) -> User:
    """The ``User`` from OIDC Core §5.1 standard claims."""
    return User(
        id=claims["sub"],
        email=as_str(claims.get("email")),
        email_verified=as_bool(claims.get("email_verified")),
        name=as_str(claims.get("name")),
        given_name=as_str(claims.get("given_name")),
        family_name=as_str(claims.get("family_name")),
        picture=as_str(claims.get("picture")),
        phone_number=as_str(claims.get("phone_number")),
        phone_number_verified=as_bool(claims.get("phone_number_verified")),
    )


@register("oidc")
def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    roles = str_tuple(claims.get("roles"))
    role = as_str(claims.get("role")) or (roles[0] if roles else None)
    if role is not None and role not in roles:
        roles = (role, *roles)
    return MappedClaims(
        user=standard_user(claims),
        session_id=as_str(claims.get("sid")),
        organization_id=as_str(claims.get("org_id")),
        role=role,
        roles=roles,
        permissions=str_tuple(claims.get("permissions")),
        scopes=words(claims.get("scope")) or words(claims.get("scp")),
        impersonator=impersonator(claims),
    )
