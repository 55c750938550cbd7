"""Integer columns stored in the narrowest type that holds them, with arithmetic always done in int64.

Dice values are small: a column of counts or die faces fits in int8, and storing it so makes the table's
bulk work (repeating rows for a draw, sorting and gathering them when worlds merge) move a fraction of the
bytes. The table narrows a column only when it makes a new array anyway (a draw, a merge, a copy before an
update), and hands it out as a `Narrow` view, whose every ufunc and NumPy function sees int64 inputs: a
narrow type never changes what a program computes, it cannot overflow.
"""
from __future__ import annotations

import numpy as np

_TYPES = tuple((np.dtype(t), np.iinfo(t).min, np.iinfo(t).max) for t in (np.int8, np.int16, np.int32))
NARROW = frozenset(t for t, _, _ in _TYPES)


class Narrow(np.ndarray):
    """A view of a narrow integer column: NumPy sees it as int64 wherever it computes with it."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            kwargs["out"] = tuple(_plain(o) for o in kwargs["out"])
        return getattr(ufunc, method)(*(wide(x) for x in inputs), **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return func(*_wide_all(args), **_wide_all(kwargs))


def wide(value):
    """`value` as NumPy should compute with it: a `Narrow` view becomes an int64 array."""
    if isinstance(value, Narrow):
        return value.view(np.ndarray).astype(np.int64)
    return value


def _wide_all(value):
    if isinstance(value, Narrow):
        return wide(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_wide_all(v) for v in value)
    if isinstance(value, dict):
        return {k: _wide_all(v) for k, v in value.items()}
    return value


def _plain(value):
    return value.view(np.ndarray) if isinstance(value, Narrow) else value


def view(column: np.ndarray) -> np.ndarray:
    """What generated code reads: narrow integer columns as `Narrow` views, everything else as it is."""
    return column.view(Narrow) if column.dtype in NARROW else column


def narrowed(column: np.ndarray) -> np.ndarray:
    """An int64 column in the narrowest type that holds its values (a new array), or the column itself."""
    if column.dtype != np.int64 or column.size == 0 or column.strides[:1] == (0,):
        return column
    low, high = int(column.min()), int(column.max())
    for dtype, least, most in _TYPES:
        if least <= low and high <= most:
            return column.astype(dtype)
    return column


def holds(dtype: np.dtype, value) -> bool:
    """Whether every number in `value` is representable in the integer type `dtype` unchanged."""
    value = np.asarray(value)
    if dtype not in NARROW:
        return True
    if value.dtype.kind == "b" or value.size == 0:
        return True
    if value.dtype.kind not in "iu":
        return False
    info = np.iinfo(dtype)
    return bool(info.min <= int(value.min()) and int(value.max()) <= info.max)
