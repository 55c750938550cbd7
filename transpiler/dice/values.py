"""What an expression lowers to: a fixed or random value, a tuple of values, or a lazy stream.

A `Val` holds a LibCST expression that reads the current table's columns by name (so it stays valid while
draws reshape the table) and the columns it reads. A `Stream` is a compile-time sequence of parts that its
consumer (a fold, a `for`, `list`) expands in place, so `lazy_sum(36 @ d(8))` never holds 36 dice at once:
a `Segment` (elements the consumer can index) or a `Producer` (a generator's body, inlined at the consumer
with each `yield` lowering the consumer's loop body for the value it yields).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import libcst as cst


@dataclass(frozen=True)
class Val:
    node: cst.BaseExpression
    random: bool
    uses: frozenset = frozenset()
    rank: int | None = None  # per-world rank where the lowering knows it (see shapes.py); None: ask the name
    obj: object = field(default=None, compare=False)  # the Python object it is (aliases.py); None: a new one
    pylist: bool | int | None = field(default=False, compare=False)  # a Python list (2: maybe of lists; None:
    # maybe a list); False: an array or a number
    # The kinds of number Python has here in some world (for a list or an array: in some item). They decide
    # arithmetic: Python's bools add as ints (True + True == 2), NumPy's bools as `or` (np.True_ + np.True_ is
    # np.True_, `-` fails), and a column (or a list's array) holds one type, so a bool stored with ints reads as an
    # int. kinds.py compiles what these make exact and refuses the rest.
    pybool: bool = field(default=False, compare=False)  # maybe a Python bool
    # maybe a NumPy value (an array, an item of one, a reduction): a comparison of it is a NumPy bool
    numpy: bool = field(default=False, compare=False)
    npbool: bool = field(default=False, compare=False)  # maybe a NumPy bool
    number: bool = field(default=True, compare=False)  # maybe a number that is not a bool (Python's or NumPy's)
    python: bool = field(default=True, compare=False)  # maybe a Python value (False: NumPy's in every world)
    # a Python list of a length the compiler knows: each item's kinds (a `kinds` dict), else None
    items: tuple | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Shared:
    """The object of a value that may share memory with the objects `bases` in a way the compiler does not
    follow (a view into an array, one of two names picked per world, an array held in a list)."""

    bases: frozenset


@dataclass(frozen=True)
class TupleVal:
    items: tuple


@dataclass
class Segment:
    """`count` elements (None: exactly one); `element(index)` lowers the element at a fixed index Val."""

    count: cst.BaseExpression | None
    element: Callable


@dataclass(eq=False)
class Producer:
    """Elements that exist only as a body runs: `walk(consume)` lowers the body (a generator's, inlined) and
    `consume(item)` at each `yield`. `once`: a generator runs once (Python's: read again, it is empty)."""

    walk: Callable
    once: bool = True
    loop_depth: int = 0  # how many loops enclose the call that made it
    key: int = field(default_factory=itertools.count().__next__)  # which generator call (ids are reused)


@dataclass
class Stream:
    segments: list = field(default_factory=list)  # Segments and Producers, in order

    @property
    def counted(self) -> bool:
        """Every element can be reached by its index (no Producer)."""
        return all(isinstance(part, Segment) for part in self.segments)

