"""``constructor``: build a frozen slotted dataclass from its field values at C speed.

A dataclass's ``__init__`` sets each field through ``object.__setattr__`` and keyword arguments;
for the values built once per new token (``User``, ``AuthInfo``) that is a good part of the cost
of a verification. A constructor takes every field's value, in declaration order, and sets the
slots through their descriptors in one C-level loop. Pure: nothing here knows about tokens.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, fields
from itertools import repeat
from operator import call
from typing import Any, Final, TypeVar

__all__ = ["constructor", "defaults"]

T = TypeVar("T")

_consume: Final[Callable[[Iterable[Any]], None]] = deque(maxlen=0).extend


def constructor(cls: type[T]) -> Callable[[Sequence[Any]], T]:
    """A function building ``cls`` from a value for every field, in declaration order.

    It sets the slots only: no defaults are filled in and ``__post_init__`` is not run (the caller
    runs it if the class has one). ``cls`` must be a slotted dataclass.
    """
    names = tuple(field.name for field in fields(cls))  # type: ignore[arg-type]
    setters = tuple(cls.__dict__[name].__set__ for name in names)
    count = len(setters)
    new = object.__new__

    def construct(values: Sequence[Any]) -> T:
        if len(values) != count:
            raise ValueError(f"{cls.__name__} has {count} fields, got {len(values)} values")
        instance: T = new(cls)
        _consume(map(call, setters, repeat(instance, count), values))
        return instance

    construct.__qualname__ = f"constructor({cls.__name__})"
    return construct


def defaults(cls: type) -> tuple[Any, ...]:
    """Every field's default in declaration order (``None`` for a field without one).

    A ``default_factory`` is called once, so it must return the same immutable value every time
    (such as ``EMPTY``); a factory making a new object per call is refused.
    """
    values: list[Any] = []
    for field in fields(cls):
        if field.default is not MISSING:
            values.append(field.default)
        elif field.default_factory is not MISSING:
            value = field.default_factory()
            if field.default_factory() is not value:
                raise ValueError(
                    f"{cls.__name__}.{field.name}: its default_factory makes a new object per call"
                )
            values.append(value)
        else:
            values.append(None)
    return tuple(values)
