"""The dist language's library over values: fixed values (plain Python / NumPy) and columns over worlds.

Generated code calls these where one NumPy expression would not read clearly. A column has the world axis
first; the transpiler passes `rows=True` where that changes the meaning, and shifts a non-negative `axis` by
one, so every function here serves both kinds of value.
"""
from __future__ import annotations

import numpy as np

from . import narrow


def take_rows(array, *index):
    """`array[i]` where the index differs between worlds: world r reads array[r, index[r]] (an index that
    is an array in each world reads that world's array at each of its elements)."""
    index = tuple(np.asarray(i) for i in index)
    flat = _flat_index(array, index)
    if flat is not None:
        return array.reshape(-1)[flat]
    return array[(_rows(len(array), index),) + index]


def _rows(n: int, index) -> np.ndarray:
    """The world numbers, with unit axes for the per-world axes of the widest index column."""
    widest = max((np.ndim(i) for i in index), default=1)
    return np.arange(n).reshape((n,) + (1,) * max(widest - 1, 0))


def lined_value(value, target_rank: int, rows: bool):
    """A value assigned into a column's cells of per-world rank `target_rank`: a column (`rows`) gets unit
    axes after its world axis so each world's value fills that world's cells; a fixed value broadcasts as is."""
    if not rows:
        return value
    value = np.asanyarray(value)
    missing = target_rank - (value.ndim - 1)
    if missing <= 0:
        return value
    return value.reshape(value.shape[:1] + (1,) * missing + value.shape[1:])


def random_cells(column, index) -> int:
    """The per-world rank of column[r, index[r]] (random indices of one number per world only)."""
    if any(np.ndim(i) > 1 for i in index):
        raise ValueError("assigning at an array of random indices is not supported; assign one index at a time")
    return np.ndim(column) - 1 - len(index)


def _flat_index(array, index):
    """Positions in `array.ravel()` of array[r, index[r]] when every index is in range and reads one cell.

    One gather on the flat array is about twice as fast as NumPy's multi-array fancy indexing; negative or
    out-of-range indices take the general path (which wraps or raises exactly as NumPy does).
    """
    if not (index and isinstance(array, np.ndarray) and array.flags.c_contiguous
            and array.ndim == 1 + len(index)):
        return None
    flat = np.arange(len(array), dtype=np.int64) * int(np.prod(array.shape[1:], dtype=np.int64))
    for axis, i in enumerate(index, start=1):
        if i.dtype.kind not in "iu" or i.shape != (len(array),):
            return None
        size = array.shape[axis]
        if len(i) and (i.min() < 0 or i.max() >= size):
            return None
        stride = int(np.prod(array.shape[axis + 1:], dtype=np.int64))
        flat = flat + i.astype(np.int64) * stride if stride != 1 else flat + i
    return flat


def per_world(column, other, rows: bool = False):
    """`column` with unit axes after the world axis, so that each world's value meets all of `other`.

    `other` is a fixed value (its per-world rank is its ndim) or, with `rows`, another column (ndim - 1).
    """
    missing = np.ndim(other) - (1 if rows else 0) - (np.ndim(column) - 1)
    if missing <= 0:
        return column
    column = np.asanyarray(column)  # a Narrow view stays one (its arithmetic is int64)
    return column.reshape(column.shape[:1] + (1,) * missing + column.shape[1:])


def isin_rows(value, collection, rows: bool):
    """`value in collection` where the collection is a column: per world, each element of that world's value
    (a column when `rows`, else one fixed value for all) against that world's collection only."""
    collection = np.asanyarray(collection)
    n = len(collection)
    flat = collection.reshape(n, -1)
    value = np.asanyarray(value)
    if not rows:
        value = np.broadcast_to(value, (n,) + value.shape)
    unit_axes = (1,) * (value.ndim - 1)
    return np.any(value[..., None] == flat.reshape((n,) + unit_axes + flat.shape[1:]), axis=-1)


_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_KIND_NAMES = {"b": "bool", "u": "int", "i": "int", "f": "float", "c": "complex"}


def widened(array: np.ndarray, value, container: str = "array") -> np.ndarray:
    """`array` as it must be stored before `value` is written into it.

    An array keeps its type (NumPy truncates 0.5 to 0 in an int array). A Python list holds any number in any
    item, so the single-typed array that stands for it widens (bool -> int -> float -> complex) to hold the
    value: its other items keep their values, and Python's arithmetic on a bool or an int gives the same numbers
    as on the int or float they become. A write that needs a wider type is refused where widening could change
    a number: `container="unknown"` (maybe a list, maybe a NumPy array) always, and `"numpy_items"` (a list that
    may hold NumPy values) from bool (NumPy's bools add as `or`, ints do not).
    """
    if container == "array":
        return array
    value_type = np.asarray(value).dtype
    if array.dtype.kind not in _KIND_ORDER or value_type.kind not in _KIND_ORDER:
        return array
    target = np.result_type(np.int64 if array.dtype in narrow.NARROW else array.dtype, value_type)
    if _KIND_ORDER[target.kind] <= _KIND_ORDER[array.dtype.kind]:
        return array
    if container == "unknown" or (container == "numpy_items" and array.dtype.kind == "b"):
        held = "may be a NumPy array" if container == "unknown" else "may hold NumPy bools"
        raise TypeError(f"writing a {_KIND_NAMES[value_type.kind]} into a list of {_KIND_NAMES[array.dtype.kind]} "
                        f"values: the dist language stores a list as one typed array, and this one {held}, whose "
                        "type the write must keep; convert the items first (float(x), int(x)) so that the list "
                        "holds the wider type from the start")
    return array.astype(target)


def put_rows(array, value, *index, value_rows: bool = False, container: str = "array"):
    """A copy of `array` with array[r, index[r]] = value[r] in every world r (`value_rows`: value is a column;
    else one fixed value for every world); `container`: see `widened`."""
    result = widened(np.array(array), value, container)
    index = tuple(np.asarray(i) for i in index)
    rows = np.arange(len(result))
    result[(rows,) + index] = lined_value(value, random_cells(result, index), value_rows)
    return result


def put(array, value, *index, rows: bool = False, value_rows: bool = False, container: str = "array"):
    """A copy of `array` with the fixed position `index` set to `value` (in every world when `rows`; the
    value is a column when `value_rows`, else one fixed value); `container`: see `widened`."""
    value = np.asarray(value)
    result = widened(np.array(array), value, container)
    if rows:
        cells = (slice(None),) + index
        result[cells] = lined_value(value, result[cells].ndim - 1, value_rows)
    else:
        result[index] = value
    return result


def lookup(array, *index):
    """A fixed array read at indices that differ between worlds (`a[i]`, `a[i, j]`: one index per axis)."""
    return np.asarray(array)[tuple(np.asarray(i) for i in index)]


def shift(value, count, left: bool):
    """`value << count` / `value >> count` as Python computes them on integers: a negative count is an error,
    and so is a left shift whose result does not fit in int64 (NumPy would wrap it silently)."""
    value, count = np.asarray(value), np.asarray(count)
    if value.dtype.kind not in "biu" or count.dtype.kind not in "biu":
        raise TypeError(f"unsupported operand types for {'<<' if left else '>>'}: shifts take integers")
    value, count = value.astype(np.int64), count.astype(np.int64)
    if np.any(count < 0):
        raise ValueError("negative shift count")
    capped = np.minimum(count, 63)
    if not left:
        return np.right_shift(value, capped)
    result = np.left_shift(value, capped)
    if np.any((np.right_shift(result, capped) != value) | ((count > 62) & (value != 0)) | ((result < 0) != (value < 0))):
        raise OverflowError("a left shift's result does not fit in 64 bits")
    return result


def as_number(value):
    """A value that may hold Python bools, as Python's arithmetic reads them: bools as the ints 0 and 1 (`True +
    True` is 2, `-True` is -1, where NumPy's bools give True or fail); any other value as it is (a narrow
    integer column keeps its int64 view: narrow.py). The compiler reads only columns of Python bools this way
    (KindLowering.python_arithmetic refuses a value that may be either kind of bool)."""
    value = np.asanyarray(value)
    return value.astype(np.int64) if value.dtype == np.bool_ else value


def as_bool(value, python: bool = False):
    """An item of a Python list that is a bool, read back from the list's array, which stores it as a wider number
    when the list also holds numbers: a Python bool (`python`, a fixed item), else NumPy's bool (a column of
    them stands for Python's or NumPy's bools, see KindLowering.python_arithmetic in transpiler/dice/kinds.py)."""
    if python:
        return bool(value)
    return np.asarray(value).astype(np.bool_) if isinstance(value, np.ndarray) else np.bool_(value)


def negative(value):
    """`-x` of a column that may hold NumPy bools: NumPy refuses it, as Python does for a NumPy bool, but only in
    the worlds that compute it; a branch no world takes hands over an empty column, which gives an empty one."""
    value = np.asanyarray(value)
    return value if value.dtype == np.bool_ and value.size == 0 else -value


def python_number(value):
    """A NumPy number as the Python number it equals (a fixed list's sum or max is one in Python)."""
    return value.item() if isinstance(value, np.generic) else value


def make_complex(real, imag):
    """`complex(a, b)` over columns: a + b*1j, in complex128."""
    return np.asarray(real, dtype=np.float64) + 1j * np.asarray(imag, dtype=np.float64)


def argument(value):
    """A @dist function's argument: a list or tuple of numbers is an array, as the dist language reads lists."""
    if not isinstance(value, (list, tuple)):
        return value
    try:
        return np.asarray(value)
    except ValueError:  # ragged: left as Python made it
        return value


def stack(items, rows: bool):
    """A list literal: a fixed array, or one column of arrays (items broadcast to the world count). `[]` is an
    int64 array, as Python's `sum([])` is the int 0; joining it to other values never changes their type."""
    if not rows:
        return np.array(items) if len(items) else np.zeros(0, dtype=np.int64)
    arrays = [np.asarray(item) for item in items]
    n = max(len(a) for a in arrays if a.ndim)
    return np.stack([np.broadcast_to(a, (n,) + a.shape[1:]) if a.ndim else np.full(n, a) for a in arrays], axis=1)


def concat(items, rows: bool):
    """`[*a, *b]`: arrays joined along their last axis (columns keep the world axis). An empty part adds no
    values, so it does not take part in the result's type (`[x, *[]]` stays ints, or bools)."""
    if not rows:
        arrays = [np.atleast_1d(np.asarray(i)) for i in items]
        return np.concatenate([a for a in arrays if a.size] or arrays[:1])
    arrays = [np.asarray(i) for i in items]
    if any(a.shape[-1:] != (0,) for a in arrays):
        arrays = [a for a in arrays if a.shape[-1:] != (0,)]
    n = max(len(a) for a in arrays)
    return np.concatenate([np.broadcast_to(a, (n,) + a.shape[1:]) for a in arrays], axis=1)


def append(array, item, rows: bool):
    """`[*array, item]`."""
    item = np.asarray(item)
    return concat([array, item[..., None] if rows else item[None]], rows)


def length(value, rows: bool) -> int:
    """`len(x)`: fixed even for a random array, whose length is the same in every world."""
    shape = np.shape(value)
    if rows:
        if len(shape) < 2:
            raise ValueError("len() of a single number")
        return shape[1]
    return len(value)


def bincount(values, length, rows: bool):
    """How often each of 0..length-1 occurs in `values` (per world when `rows`)."""
    values = np.asarray(values)
    if not rows:
        values = values.ravel()
        values = values[(values >= 0) & (values < length)]
        return np.bincount(values, minlength=length)[:length]
    values = values.reshape(len(values), -1)
    n = len(values)
    ok = (values >= 0) & (values < length)
    flat = (np.arange(n)[:, None] * length + values)[ok]
    return np.bincount(flat, minlength=n * length).reshape(n, length)


def nth_one(flags, rank):
    """Per world, the position of the `rank`-th (from 1) nonzero of `flags`: lazy_perm's pick of what is left."""
    running = np.cumsum(flags, axis=-1)
    rank = np.asarray(rank)[:, None]
    if np.any(running[:, -1:] < rank):
        raise ValueError("lazy_perm(n, m) has fewer values left than it draws: read each stream once, with m <= n")
    return np.argmax(running >= rank, axis=-1)


def one_hot(index, depth):
    index = np.asarray(index)
    return (index[..., None] == np.arange(depth)).astype(np.int64)


def reshape(value, shape, rows: bool):
    shape = tuple(np.atleast_1d(np.asarray(shape)).tolist())
    value = np.asarray(value)
    return value.reshape((len(value),) + shape if rows else shape)


def top_k(value, k):
    return np.flip(np.sort(value, axis=-1), axis=-1)[..., :k]


def argsort(value, axis=-1):
    """Stable, so that equal values keep their order in every world (NumPy's default sort need not)."""
    return np.argsort(value, axis=axis, kind="stable")


def sort(value, axis=-1):
    return np.sort(value, axis=axis)


def first(value):
    """Index of the first true element."""
    return np.argmax(value, axis=-1)


def last(value):
    """Index of the last true element."""
    value = np.asarray(value)
    return value.shape[-1] - 1 - np.argmax(np.flip(value, axis=-1), axis=-1)


def reduce(op, value, axis=-1):
    return op(np.asarray(value), axis=axis)


def zeros(shape):
    return np.zeros(shape, dtype=np.int64)


def ones(shape):
    return np.ones(shape, dtype=np.int64)


def arange(*args):
    return np.arange(*args)


def sign(value):
    return np.sign(value)


def nonempty(empty: bool) -> None:
    """max()/min() of a stream that turned out to have no element (Python's max() of nothing fails too)."""
    if empty:
        raise ValueError("max() or min() of an empty stream (a generator that yielded nothing)")


_OVER_WORLDS = {"max": np.max, "min": np.min, "all": np.all, "any": np.any}


def over_worlds(name: str, column):
    """dice-nine's `__max__(x)` and kin: a column reduced over its world axis (a fixed value, e.g. the largest
    value x takes in any world)."""
    column = np.asarray(column)
    if len(column) == 0:
        raise ValueError(f"__{name}__() of a value in no world (every world failed an `assert`)")
    result = _OVER_WORLDS[name](column, axis=0)
    return result.item() if result.ndim == 0 else result


def truthy(value):
    """Each world's truth value of a column of single values (an array per world has none, as in Python)."""
    value = np.asarray(value)
    if value.ndim > 1:
        raise ValueError("the truth value of an array is ambiguous: `and`/`or` take one value per world; "
                         "use reduce_all(...) or reduce_any(...)")
    return value if value.dtype.kind == "b" else value != 0


def and_(left, right):
    """Python's `left and right` per world: right where left is true, else left."""
    if np.asarray(left).dtype.kind == "b" and np.asarray(right).dtype.kind == "b":
        return np.logical_and(left, right)
    return np.where(truthy(left), right, left)


def or_(left, right):
    """Python's `left or right` per world: left where it is true, else right."""
    if np.asarray(left).dtype.kind == "b" and np.asarray(right).dtype.kind == "b":
        return np.logical_or(left, right)
    return np.where(truthy(left), left, right)


def repeat(items, count, rows: bool = False):
    """`[...] * count`: a list repeated (Python's meaning), along its first axis (per world when `rows`)."""
    if not isinstance(count, (int, np.integer, np.bool_)):
        raise TypeError(f"can't multiply a list by a non-int of type {type(count).__name__!r}")
    items = np.asarray(items)
    axis = 1 if rows else 0
    return np.concatenate([items] * max(int(count), 0), axis=axis) if count > 0 else \
        items[(slice(None),) * axis + (slice(0, 0),)]


def lists_equal(left, right, left_rows: bool, right_rows: bool):
    """`a == b` of two Python lists: one truth value (per world when either is a column), True where they
    have the same length and items, as Python compares lists (not NumPy's elementwise `==`)."""
    left, right = np.asarray(left), np.asarray(right)
    if not (left_rows or right_rows):
        return left.shape == right.shape and bool(np.all(left == right))
    n = len(left) if left_rows else len(right)
    left = left if left_rows else np.broadcast_to(left, (n,) + left.shape)
    right = right if right_rows else np.broadcast_to(right, (n,) + right.shape)
    if left.shape != right.shape:
        return np.zeros(n, dtype=bool)
    return np.all((left == right).reshape(n, -1), axis=1) if n else np.zeros(0, dtype=bool)  # no world left
