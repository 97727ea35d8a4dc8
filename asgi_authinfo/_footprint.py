"""``footprint``: the bytes an object graph holds, measured once when a token cache entry is made.

A structural walk summing ``sys.getsizeof`` over every object reachable through containers,
slots and instance dicts, each object counted once per walk. Objects shared with other entries
(claim names, empty mappings) are counted again in each, so the sum errs high, never low: the
token cache's ``max_bytes`` is a real bound whatever shape the claims have (many small JSON
objects cost ~3x what the token's length suggests).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

__all__ = ["footprint"]

_LEAVES: Final = (str, bytes, int, float, bool, type(None))


def footprint(value: Any) -> int:
    """The bytes held by ``value`` and everything it reaches (see the module docstring)."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    sizeof = sys.getsizeof
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, _LEAVES):
            total += sizeof(item)
            continue
        if type(item) is MappingProxyType:
            inner = item.copy()  # the proxied dict's size: a copy of it has the same table
            total += sizeof(item) + sizeof(inner)
            stack.extend(inner.keys())
            stack.extend(inner.values())
            continue
        total += sizeof(item)
        if isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, tuple | list | set | frozenset):
            stack.extend(item)
        if isinstance(item, type):
            continue
        for cls in type(item).__mro__:
            for name in cls.__dict__.get("__slots__", ()):
                if name not in ("__dict__", "__weakref__") and hasattr(item, name):
                    stack.append(getattr(item, name))
        instance_dict = getattr(item, "__dict__", None)
        if type(instance_dict) is dict:
            stack.append(instance_dict)
    return total
