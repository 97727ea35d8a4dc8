"""Tolerant readers for claim values: a wrong-typed claim reads as absent, never as a crash."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from types import MappingProxyType
from typing import Any, Final, get_type_hints

from .._auth_info import EMPTY, Impersonator, freeze

__all__ = ["as_bool", "as_str", "attributes", "impersonator", "readers", "str_tuple", "words"]


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


_BY_TYPE: Final[Mapping[object, Callable[[Any], Any]]] = {
    str | None: as_str,
    bool | None: as_bool,
    bool: flag,
    tuple[str, ...]: str_tuple,
    Mapping[str, Any]: attributes,
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
    if not isinstance(act, Mapping):
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
