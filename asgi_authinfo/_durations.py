"""``check_seconds``: the one check of a duration given in configuration (``ValueError`` when built)."""

from __future__ import annotations

import math

__all__ = ["check_seconds"]


def check_seconds(name: str, value: object, *, positive: bool = False) -> None:
    """Refuse ``value`` unless it is a number of seconds >= 0 (> 0 with ``positive``); a bool is none."""
    bound = "> 0" if positive else ">= 0"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or value < 0
        or (positive and value == 0)
    ):
        raise ValueError(f"{name} must be a number of seconds {bound}, got {value!r}")
