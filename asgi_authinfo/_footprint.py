"""``footprint`` and ``json_bound``: the bytes decoded JSON holds, counted once per token cache entry.

``json_bound`` reads only the JSON text the parser already decoded (a few byte counts at C speed)
and gives an upper bound for any shape; ``footprint`` measures the decoded value itself.

A structural walk summing ``sys.getsizeof`` over every container and scalar of the (frozen)
claims: read-only mappings, tuples, strings and numbers. Values shared with other entries (claim
names, small ints) are counted again in each, so the sum errs high, never low; the token cache
counts it twice (the claims, and the ``AuthInfo`` fields mapped from them), so its
``max_bytes`` is a real bound whatever shape the claims have (many small JSON objects cost ~3x
what the token's length suggests).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

__all__ = ["footprint", "json_bound", "walk"]


_SCALARS: Final = frozenset({str, int, float, bool, type(None)})

_CONTAINER_BYTES: Final = 224
"""An object's dict (184 bytes with up to 5 members) and its read-only proxy (40); a tuple (40)."""
_SLOT_BYTES: Final = 40
"""What one more member adds to a dict (at most 40 bytes beyond the 5th, resizes included), or
one more item to a tuple (8)."""
_ASCII_SCALAR_BYTES: Final = 49
"""An ASCII ``str`` is 49 bytes plus one per character; an ``int`` (28 + 4 per 30 bits), a
``float`` (24) and ``True``/``False``/``None`` (at most 28) fit in 49 plus their JSON length."""
_WIDE_SCALAR_BYTES: Final = 80
"""Any ``str`` is at most 76 bytes plus 4 per character (UCS-4)."""


def json_bound(text: bytes) -> int:
    """An upper bound of the bytes the decoded and frozen JSON ``text`` holds, from its text alone.

    Every name and value but the root follows one of ``{ [ , :`` (each counted, inside strings
    too, which only raises the bound), and a container opens with ``{`` or ``[``. A string takes
    at most one byte per character of its JSON spelling when the text is ASCII without ``\\u``
    escapes, else at most four. The sum errs high for every shape, as :func:`footprint` does.
    """
    containers = text.count(b"{") + text.count(b"[")
    values = 1 + containers + text.count(b",") + text.count(b":")
    if text.isascii() and b"\\u" not in text:
        return _CONTAINER_BYTES * containers + (_ASCII_SCALAR_BYTES + _SLOT_BYTES) * values + len(text)
    return _CONTAINER_BYTES * containers + (_WIDE_SCALAR_BYTES + _SLOT_BYTES) * values + 4 * len(text)


def footprint(value: Any) -> int:
    """The bytes held by the JSON-shaped ``value`` and everything in it.

    The same sum as :func:`walk`, with each container's members sized at C speed (``map``): the
    common claim set is one flat mapping with a few short tuples, measured on every cache insert.
    """
    sizeof = sys.getsizeof
    kind = type(value)
    if kind is MappingProxyType or kind is dict:
        inner = value.copy() if kind is MappingProxyType else value
        total = sizeof(inner) + (sizeof(value) if kind is MappingProxyType else 0)
        total += sum(map(sizeof, inner)) + sum(map(sizeof, inner.values()))
        members = inner.values()
        if set(map(type, inner)) - {str}:
            return walk(value)
    elif kind is tuple or kind is list:
        total = sizeof(value) + sum(map(sizeof, value))
        members = value
    else:
        return walk(value)
    if set(map(type, members)) <= _SCALARS:
        return total
    for item in members:
        if type(item) not in _SCALARS:
            total += footprint(item) - sizeof(item)
    return total


def walk(value: Any) -> int:
    """The bytes held by ``value`` and everything in it, one object at a time (any shape)."""
    sizeof = sys.getsizeof
    total = 0
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is MappingProxyType:
            inner = item.copy()  # the proxied dict's size: a copy of it has the same table
            total += sizeof(item) + sizeof(inner)
            extend(inner.keys())
            extend(inner.values())
        elif kind is tuple or kind is list:
            total += sizeof(item)
            extend(item)
        elif isinstance(item, Mapping):
            total += sizeof(item)
            extend(item.keys())
            extend(item.values())
        else:
            total += sizeof(item)
            if kind is not str and kind is not int and kind is not float and kind is not bool:
                push_slots(item, push)
    return total


def push_slots(item: Any, push: Any) -> None:
    """An object that is not JSON (a mapper's value): walk its instance dict, if any."""
    instance_dict = getattr(item, "__dict__", None)
    if type(instance_dict) is dict:
        push(instance_dict)
