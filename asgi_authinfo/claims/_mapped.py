"""``MappedClaims``: what a claim mapper returns, and the ``ClaimMapper`` type itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Final, TypeAlias

from .._construct import constructor, defaults
from .._user import Impersonator, User

__all__ = ["MAPPED_DEFAULTS", "MAPPED_INDEX", "ClaimMapper", "MappedClaims", "mapped_values", "new_mapped"]


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
        return dict(zip(MAPPED_NAMES, mapped_values(self), strict=True))


MAPPED_NAMES: Final = tuple(f.name for f in fields(MappedClaims))
MAPPED_INDEX: Final = {name: index for index, name in enumerate(MAPPED_NAMES)}
"""Each field's position in :func:`mapped_values` (for presets that fill the values in one pass)."""
MAPPED_DEFAULTS: Final = defaults(MappedClaims)
mapped_values: Final[Callable[[MappedClaims], tuple[Any, ...]]] = attrgetter(*MAPPED_NAMES)
"""Every field's value, in declaration order."""
new_mapped: Final[Callable[[Sequence[Any]], MappedClaims]] = constructor(MappedClaims)
"""A ``MappedClaims`` from every field's value, in declaration order."""

ClaimMapper: TypeAlias = Callable[[Mapping[str, Any]], MappedClaims]
