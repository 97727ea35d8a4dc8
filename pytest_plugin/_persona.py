"""``Persona``: who a test's caller is, in ``AuthInfo``'s own terms, before a preset encodes it.

``signed_in_user(role="admin", permissions=["posts:read"], organization_id="org_1")`` describes
the ``AuthInfo`` a test wants; each preset turns that into the claims its provider would send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from asgi_authinfo import Address, Impersonator

__all__ = ["PERSONA_FIELDS", "Persona"]

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def _strings(name: str, value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(item, str) and item for item in items):
        raise ValueError(f"{name} must be a list of non-empty strings, got {value!r}")
    return items


def _impersonator(value: str | Impersonator | None) -> Impersonator | None:
    if value is None or isinstance(value, Impersonator):
        return value
    if isinstance(value, str) and value:
        return Impersonator(subject=value, email=value if "@" in value else None)
    raise ValueError(f"impersonator must be an email, a user id or an Impersonator, got {value!r}")


@dataclass(frozen=True, slots=True)
class Persona:
    """The normalized fields a signed-in caller should have; ``None`` means "the preset's default"."""

    user_id: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    phone_number: str | None = None
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
    custom_attributes: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, hash=False)
    is_anonymous: bool = False
    phone_number_verified: bool | None = None
    middle_name: str | None = None
    nickname: str | None = None
    preferred_username: str | None = None
    profile: str | None = None
    website: str | None = None
    gender: str | None = None
    birthdate: str | None = None
    zoneinfo: str | None = None
    locale: str | None = None
    address: Address | None = None
    updated_at: datetime | None = None
    plans: tuple[str, ...] = ()
    session_status: str | None = None
    factor_verification_age: tuple[float, float] | None = None

    @classmethod
    def of(cls, **fields_: Any) -> Persona:
        """Build from keyword arguments as tests write them (lists, an email as impersonator)."""
        unknown = sorted(set(fields_) - set(PERSONA_FIELDS))
        if unknown:
            raise TypeError(
                f"unknown signed-in user field(s) {unknown}; known: {', '.join(PERSONA_FIELDS)} "
                "(put raw JWT claims in claims={...})"
            )
        for name in _LISTS:
            if name in fields_:
                fields_[name] = _strings(name, fields_[name])
        if isinstance(fields_.get("factor_verification_age"), list):
            fields_["factor_verification_age"] = tuple(fields_["factor_verification_age"])
        if "impersonator" in fields_:
            fields_["impersonator"] = _impersonator(fields_["impersonator"])
        attributes = fields_.get("custom_attributes")
        if attributes is not None:
            if not isinstance(attributes, Mapping):
                raise ValueError(f"custom_attributes must be a mapping, got {attributes!r}")
            fields_["custom_attributes"] = MappingProxyType(dict(attributes))
        elif "custom_attributes" in fields_:
            fields_["custom_attributes"] = _EMPTY
        return cls(**fields_)

    @property
    def all_roles(self) -> tuple[str, ...]:
        """``role`` first, then the other ``roles``, without repeats."""
        ordered = dict.fromkeys((*((self.role,) if self.role else ()), *self.roles))
        return tuple(ordered)

    def as_kwargs(self) -> dict[str, Any]:
        """The given fields as keyword arguments: ``fake.token_for(**persona.as_kwargs())``."""
        return {name: getattr(self, name) for name in sorted(self.given())}

    def given(self) -> frozenset[str]:
        """The names of the fields that differ from their defaults (what a preset must encode)."""
        empty = Persona()
        return frozenset(f.name for f in fields(self) if getattr(self, f.name) != getattr(empty, f.name))


PERSONA_FIELDS: Final = tuple(f.name for f in fields(Persona))
_LISTS: Final = tuple(f.name for f in fields(Persona) if f.type == "tuple[str, ...]")
"""The fields tests may give as a list or a lone string."""
