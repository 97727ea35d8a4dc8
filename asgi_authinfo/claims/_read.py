"""Tolerant readers for claim values: a wrong-typed claim reads as absent, never as a crash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._auth_info import Impersonator

__all__ = ["as_bool", "as_str", "impersonator", "str_tuple", "words"]


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
