"""The ``oidc`` preset: OpenID Connect standard claims plus the common authorization claims.

Reads ``sub`` and the OIDC Core §5.1 profile claims, ``sid``, OAuth ``scope``/``scp``,
``permissions``, ``roles``/``role``, ``org_id`` and ``act`` (RFC 8693 impersonation).
Each claim is read only when the token has it (one set intersection finds the profile claims
among the token's), and the values are set in one pass: this is the preset of most issuers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, Final

from .._construct import constructor, defaults
from .._user import User
from ._mapped import MAPPED_DEFAULTS, MAPPED_INDEX, MappedClaims, new_mapped
from ._read import as_address, as_bool, as_datetime, as_str, impersonator, readers, str_tuple, words
from ._shape import primary_role

__all__ = [
    "PROFILE_FIELDS",
    "PROFILE_READERS",
    "STRUCTURED_READERS",
    "map_claims",
    "mapped_values",
    "standard_user",
]

PROFILE_READERS: Final[Mapping[str, Callable[[Any], Any]]] = {
    name: read for name, read in readers(User).items() if read in (as_str, as_bool)
}
"""The OIDC Core §5.1 profile claims: ``User``'s optional text and yes/no fields, named alike."""
PROFILE_FIELDS: Final = tuple(PROFILE_READERS)
STRUCTURED_READERS: Final[Mapping[str, Callable[[Any], Any]]] = {
    name: read for name, read in readers(User).items() if read in (as_address, as_datetime)
}
"""The OIDC Core §5.1 claims with a structure: ``address`` (an ``Address``), ``updated_at`` (a datetime)."""

_USER_FIELDS: Final = tuple(f.name for f in fields(User))
_USER_DEFAULTS: Final = defaults(User)
_USER_READERS: Final = {
    name: (_USER_FIELDS.index(name), read)
    for name, read in (*PROFILE_READERS.items(), *STRUCTURED_READERS.items())
}
"""Each standard claim's ``User`` position and reader. An absent claim reads as None, every
field's default, so only the claims the token has are read."""
_USER_CLAIMS: Final = frozenset(_USER_READERS)
_new_user: Final = constructor(User)

_USER, _SESSION, _ORGANIZATION, _ROLE, _ROLES, _PERMISSIONS, _SCOPES, _IMPERSONATOR = (
    MAPPED_INDEX[name]
    for name in (
        "user",
        "session_id",
        "organization_id",
        "role",
        "roles",
        "permissions",
        "scopes",
        "impersonator",
    )
)


def standard_user(claims: Mapping[str, Any]) -> User:
    """The ``User`` from the OIDC Core §5.1 standard claims, each read as its type calls for."""
    values = list(_USER_DEFAULTS)
    values[0] = claims["sub"]
    for name in _USER_CLAIMS.intersection(claims):
        index, read = _USER_READERS[name]
        values[index] = read(claims[name])
    return _new_user(values)


def mapped_values(claims: Mapping[str, Any]) -> list[Any]:
    """The ``MappedClaims`` field values of the ``oidc`` preset, in declaration order."""
    get = claims.get
    roles = str_tuple(get("roles"))
    role, roles = primary_role(as_str(get("role")) or (roles[0] if roles else None), roles)
    values = list(MAPPED_DEFAULTS)
    values[_USER] = standard_user(claims)
    values[_SESSION] = as_str(get("sid"))
    values[_ORGANIZATION] = as_str(get("org_id"))
    values[_ROLE] = role
    values[_ROLES] = roles
    values[_PERMISSIONS] = str_tuple(get("permissions"))
    values[_SCOPES] = words(get("scope")) or words(get("scp"))
    values[_IMPERSONATOR] = impersonator(claims)
    return values


def map_claims(claims: Mapping[str, Any]) -> MappedClaims:
    return new_mapped(mapped_values(claims))
