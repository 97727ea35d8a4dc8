"""Reverification: how recently the caller proved who they are, as Clerk's ``has({reverification})``.

Clerk session tokens carry ``fva`` ("factor verification age"): ``[first, second]``, the minutes
since the session last verified a first factor (password, code, passkey...) and a second factor,
each ``-1`` when that factor group is not enabled for the user. A requirement is a level and a
number of minutes; the presets are Clerk's (``packages/shared/src/authorization.ts``):

- ``"strict_mfa"``: both factors within 10 minutes (so a user without a second factor fails);
- ``"strict"``: the second factor within 10 minutes;
- ``"moderate"``: the second factor within 60 minutes;
- ``"lax"``: the second factor within 1440 minutes (a day).

A second-factor requirement falls back to the first factor for users without a second factor;
a multi-factor one fails for them. A ``-1`` first factor is an invalid state and fails, and so
does no ``fva`` or a malformed one: Clerk fails closed. Where Clerk's revisions differ (its
``authorization.ts`` once let ``strict_mfa`` and a ``-1`` first factor fall back to the other
factor), this follows the fail-closed table of ``packages/shared/src/__tests__/authorization.test.ts``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias, cast

__all__ = ["LEVELS", "PRESETS", "Reverification", "ReverificationLevel", "ReverificationSpec", "factor_ages"]

ReverificationLevel: TypeAlias = Literal["first_factor", "second_factor", "multi_factor"]
LEVELS: Final = ("first_factor", "second_factor", "multi_factor")


@dataclass(frozen=True, slots=True)
class Reverification:
    """A reverification requirement: a factor ``level`` verified less than ``after_minutes`` ago."""

    level: ReverificationLevel
    after_minutes: float

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"reverification level {self.level!r}: use one of {', '.join(LEVELS)}")
        minutes = self.after_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not minutes > 0:
            raise ValueError(f"reverification minutes must be a number above 0, got {minutes!r}")

    @classmethod
    def of(cls, spec: ReverificationSpec) -> Reverification:
        """A preset name, a ``(level, minutes)`` pair or a ``Reverification``; ValueError otherwise."""
        if isinstance(spec, Reverification):
            return spec
        if isinstance(spec, str):
            try:
                return PRESETS[spec]
            except KeyError:
                pass
        elif isinstance(spec, tuple) and len(spec) == 2:
            level, minutes = spec
            return cls(cast(ReverificationLevel, level), minutes)  # __post_init__ checks both
        raise ValueError(
            f"reverification={spec!r}: use {', '.join(map(repr, PRESETS))} or a (level, minutes) pair "
            "such as ('second_factor', 30)"
        )

    def met_by(self, ages: tuple[float, float] | None) -> bool:
        """True when the factor ages ``[first, second]`` (minutes; ``-1``: not enabled) satisfy this."""
        if ages is None:
            return False
        first, second = ages
        if first == -1:
            return False
        first_ok = self.after_minutes > first
        if self.level == "first_factor":
            return first_ok
        if second == -1:
            return first_ok and self.level == "second_factor"
        second_ok = self.after_minutes > second
        if self.level == "second_factor":
            return second_ok
        return first_ok and second_ok

    def as_clerk(self) -> dict[str, Any]:
        """The requirement as Clerk's front end reads it: ``{"level": ..., "afterMinutes": ...}``."""
        return {"level": self.level, "afterMinutes": self.after_minutes}


ReverificationSpec: TypeAlias = (
    Literal["strict_mfa", "strict", "moderate", "lax"] | tuple[str, float] | Reverification
)
"""What ``has(reverification=...)`` and ``requires(reverification=...)`` take."""

PRESETS: Final[dict[str, Reverification]] = {
    "strict_mfa": Reverification("multi_factor", 10),
    "strict": Reverification("second_factor", 10),
    "moderate": Reverification("second_factor", 60),
    "lax": Reverification("second_factor", 1440),
}
"""Clerk's named reverification requirements."""


def _age(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value if value == -1 or value >= 0 else None


def factor_ages(value: Any) -> tuple[float, float] | None:
    """Clerk's ``fva`` claim as ``(first, second)``; None unless it is two ages (``-1`` or ≥ 0)."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    first, second = _age(value[0]), _age(value[1])
    if first is None or second is None:
        return None
    return first, second
