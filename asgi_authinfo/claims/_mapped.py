"""``MappedClaims``: what a claim mapper returns, and the ``ClaimMapper`` type itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Final, TypeAlias

from .._auth_info import Impersonator, User

__all__ = ["ClaimMapper", "MappedClaims"]


@dataclass(frozen=True, slots=True)
class MappedClaims:
    """What a claim mapper returns: every ``AuthInfo`` field that comes from the token's claims."""

    user: User
    session_id: str | None = None
    organization_id: str | None = None
    organization_slug: str | None = None
    role: str | None = None
    roles: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    entitlements: tuple[str, ...] = ()
    feature_flags: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    impersonator: Impersonator | None = None
    plans: tuple[str, ...] = ()
    session_status: str | None = None
    provider_role: str | None = None
    provider_roles: tuple[str, ...] = ()
    factor_verification_age: tuple[float, float] | None = None
    org_prefix: str | None = field(default=None, repr=False)

    def auth_info_fields(self) -> dict[str, Any]:
        """Every field by name (a new dict): the ``AuthInfo`` keyword arguments from the claims."""
        return dict(zip(_NAMES, _VALUES(self), strict=False))  # same length: both from fields()


_NAMES: Final = tuple(f.name for f in fields(MappedClaims))
_VALUES: Final = attrgetter(*_NAMES)

ClaimMapper: TypeAlias = Callable[[Mapping[str, Any]], MappedClaims]
