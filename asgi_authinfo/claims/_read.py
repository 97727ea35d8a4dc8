"""Tolerant readers for claim values: a wrong-typed claim reads as absent, never as a crash."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final, get_type_hints

from .._frozen import EMPTY, freeze
from .._reverification import factor_ages
from .._user import Address, Impersonator

__all__ = [
    "as_address",
    "as_bool",
    "as_datetime",
    "as_str",
    "attributes",
    "impersonator",
    "readers",
    "str_tuple",
    "words",
]


def as_str(value: Any) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def as_bool(value: Any) -> bool | None:
    """A JSON boolean (or the strings ``"true"``/``"false"`` some issuers send), else None."""
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def str_tuple(value: Any) -> tuple[str, ...]:
    """A list of strings as a tuple (non-strings dropped); a lone string as a one-tuple."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list | tuple):
        return tuple(item for item in value if isinstance(item, str) and item)
    return ()


def flag(value: Any) -> bool:
    """A boolean that defaults to False (``is_anonymous``): only a true claim makes it True."""
    return as_bool(value) is True


def attributes(items: Any) -> Mapping[str, Any]:
    """A read-only copy of an object without the absent (None) values; EMPTY when nothing is left."""
    if not isinstance(items, Mapping):
        return EMPTY
    kept = {name: freeze(value) for name, value in items.items() if value is not None}
    return MappingProxyType(kept) if kept else EMPTY


_ADDRESS_PARTS: Final = ("formatted", "street_address", "locality", "region", "postal_code", "country")


def as_address(value: Any) -> Address | None:
    """The OIDC ``address`` object (Core §5.1.1) with its string members; None if it has none."""
    if not isinstance(value, Mapping):
        return None
    parts = {name: as_str(value.get(name)) for name in _ADDRESS_PARTS}
    return Address(**parts) if any(parts.values()) else None


def as_datetime(value: Any) -> datetime | None:
    """Seconds since the epoch (OIDC ``updated_at``) or, as Auth0 sends it, an ISO 8601 string (UTC)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    return None


_BY_TYPE: Final[Mapping[object, Callable[[Any], Any]]] = {
    str | None: as_str,
    bool | None: as_bool,
    bool: flag,
    tuple[str, ...]: str_tuple,
    Mapping[str, Any]: attributes,
    Address | None: as_address,
    datetime | None: as_datetime,
    tuple[float, float] | None: factor_ages,
}


def readers(cls: type) -> dict[str, Callable[[Any], Any]]:
    """The fields of a dataclass that a claim can fill, each with the reader its annotation calls for."""
    hints = get_type_hints(cls)
    return {f.name: _BY_TYPE[hints[f.name]] for f in fields(cls) if hints[f.name] in _BY_TYPE}


def words(value: Any) -> tuple[str, ...]:
    """OAuth ``scope``: a space-separated string (RFC 8693 §4.2) or, as some issuers send, a list."""
    if isinstance(value, str):
        return tuple(value.split())
    return str_tuple(value)


def impersonator(claims: Mapping[str, Any]) -> Impersonator | None:
    """The ``act`` claim (RFC 8693 §4.1) as an Impersonator; WorkOS adds ``email`` and ``reason``."""
    act = claims.get("act")
    if act is None or not isinstance(act, Mapping):  # None first: most tokens have no `act`
        return None
    subject = as_str(act.get("sub"))
    email = as_str(act.get("email"))
    if subject is None and email is None:
        return None
    return Impersonator(
        subject=subject or email or "",
        email=email,
        reason=as_str(act.get("reason")),
    )
