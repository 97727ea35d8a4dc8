"""Small builders shared by the provider presets: read-only attributes and the primary role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._frozen import EMPTY
from ._read import attributes

__all__ = ["EMPTY", "attributes", "dig", "primary_role", "sole"]


def sole(roles: tuple[str, ...]) -> str | None:
    """The primary role when there is exactly one; providers that send a set give no order."""
    return roles[0] if len(roles) == 1 else None


def primary_role(role: str | None, roles: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """``role`` and ``roles`` with the primary role first among ``roles`` when they did not list it."""
    if role is not None and role not in roles:
        return role, (role, *roles)
    return role, roles


def dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]...``; None as soon as a step is not an object or has no key."""
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value
