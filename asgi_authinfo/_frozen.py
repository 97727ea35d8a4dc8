"""Read-only JSON: the one empty mapping and ``freeze``, for claims and the values built from them.

Pure: nothing here knows about ASGI, HTTP or JWT verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

__all__ = ["EMPTY", "empty", "freeze"]

EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})
"""The one empty read-only mapping (``claims``, ``custom_attributes`` and the presets share it)."""

_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
_STR: Final = frozenset({str})


def freeze(value: Any) -> Any:
    """A read-only deep copy of decoded JSON: objects become mappings (keys as strings), arrays tuples.

    Copies at C speed and walks only the container values (the JOSE parser already shares claim
    names between tokens).
    """
    kind = type(value)
    if kind is dict and set(map(type, value)) <= _STR:
        copy = dict(value)
    elif kind is list or kind is tuple or not isinstance(value, Mapping):  # no ABC check for JSON
        if not isinstance(value, list | tuple):
            return value
        if set(map(type, value)) <= _SCALARS:
            return tuple(value)
        return tuple(item if type(item) in _SCALARS else freeze(item) for item in value)
    else:
        copy = {str(key): item for key, item in value.items()}
    for key, item in copy.items():
        if type(item) not in _SCALARS:
            copy[key] = freeze(item)
    return MappingProxyType(copy)


def empty() -> Mapping[str, Any]:
    """:data:`EMPTY`, as a dataclass field's ``default_factory``."""
    return EMPTY
