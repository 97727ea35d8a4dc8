"""The ``oidc`` preset: OpenID Connect standard claims plus the common authorization claims.

Reads ``sub`` and the OIDC Core §5.1 profile claims, ``sid``, OAuth ``scope``/``scp``,
``permissions``, ``roles``/``role``, ``org_id`` and ``act`` (RFC 8693 impersonation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .._auth_info import User
from ._mapped import MappedClaims
from ._read import as_address, as_bool, as_datetime, as_str, impersonator, readers, str_tuple, words
from ._shape import primary_role

__all__ = ["PROFILE_FIELDS", "PROFILE_READERS", "STRUCTURED_READERS", "map_claims", "standard_user"]

PROFILE_READERS: Final[Mapping[str, Callable[[Any], Any]]] = {
    name: read for name, read in readers(User).items() if read in (as_str, as_bool)
}
"""The OIDC Core §5.1 profile claims: ``User``'s optional text and yes/no fields, named alike."""
PROFILE_FIELDS: Final = tuple(PROFILE_READERS)
STRUCTURED_READERS: Final[Mapping[str, Callable[[Any], Any]]] = {
    name: read for name, read in readers(User).items() if read in (as_address, as_datetime)
}
"""The OIDC Core §5.1 claims with a structure: ``address`` (an ``Address``), ``updated_at`` (a datetime)."""
_PROFILE: Final = (*PROFILE_READERS.items(), *STRUCTURED_READERS.items())


def standard_user(claims: Mapping[str, Any]) -> User:
    """The ``User`` from the OIDC Core §5.1 standard claims, each read as its type calls for."""
    get = claims.get
    return User(claims["sub"], **{name: read(get(name)) for name, read in _PROFILE})


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    roles = str_tuple(claims.get("roles"))
    role, roles = primary_role(as_str(claims.get("role")) or (roles[0] if roles else None), roles)
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
