"""Small builders shared by the provider presets: read-only attributes and the primary role."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from .._auth_info import freeze

__all__ = ["EMPTY", "attributes", "dig", "sole"]

EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def attributes(items: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy of ``items`` without the absent (None) ones; EMPTY when nothing is left."""
    kept = {name: freeze(value) for name, value in items.items() if value is not None}
    return MappingProxyType(kept) if kept else EMPTY


def sole(roles: tuple[str, ...]) -> str | None:
    """The primary role when there is exactly one; providers that send a set give no order."""
    return roles[0] if len(roles) == 1 else None


def dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]...``; None as soon as a step is not an object or has no key."""
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value
