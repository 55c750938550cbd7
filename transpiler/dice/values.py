"""What an expression lowers to: a fixed or random value, a tuple of values, or a lazy stream.

A `Val` holds a LibCST expression that reads the current table's columns by name (so it stays valid while
draws reshape the table) and the columns it reads. A `Stream` is a compile-time sequence of segments that its
consumer (a fold, a `for`, `list`) expands in place, so `lazy_sum(36 @ d(8))` never holds 36 dice at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import libcst as cst


@dataclass(frozen=True)
class Val:
    node: cst.BaseExpression
    random: bool
    uses: frozenset = frozenset()
    rank: int | None = None  # per-world rank where the lowering knows it (see shapes.py); None: ask the name


@dataclass(frozen=True)
class TupleVal:
    items: tuple


@dataclass
class Segment:
    """`count` elements (None: exactly one); `element(index)` lowers the element at a fixed index Val."""

    count: cst.BaseExpression | None
    element: Callable


@dataclass
class Stream:
    segments: list = field(default_factory=list)
