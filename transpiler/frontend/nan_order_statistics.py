"""The NaN-ignoring order statistics, composed as order_statistics.py's are, from NumPy 2.4's
numpy/lib/_nanfunctions_impl.py (an integer input has no NaN: the plain function's handler):

* each slice along the reduced axes (moved last) is sorted (NaN last) and its non-NaN values counted (`c`, one per
  slice); positions are read per slice (a gather, after a NaN column so that a slice of no values reads NaN);
* `np.nanmedian(a, axis=None, keepdims=False)`: NumPy's `_nanmedian1d` (for `axis=None` or a 1-D input, and for an
  axis of 600 or more elements: `apply_along_axis`) is the median of the non-NaN values, `s[(c - 1) // 2]` or the
  mean of the two middle ones; `_nanmedian_small` (an axis of fewer than 600) is `np.ma.median`, which adds the low
  and high middle values and halves them for an odd count too (`(v + v) / 2`, inf where `v + v` overflows), so
  the length decides (at run time where only then known);
* `np.nanquantile(a, q, axis=None, method='linear', keepdims=False)` and `np.nanpercentile`: `_nanquantile_1d`,
  the linear method of order_statistics.py on the `c` non-NaN values of each slice;
* a slice of no values (all NaN, or an empty array) gives NaN where NumPy gives NaN (np.nan, or `arr1d[-1]`: a
  NaN too), taken from `np.nanmean` of the slice, which warns (RuntimeWarning) where NumPy warns "All-NaN slice
  encountered" (or, for an empty array, where NumPy's own np.nanmean warns).
"""
from __future__ import annotations

import numpy

from ..ir import Const
from .call_args import Emitter, arity, known_rank
from .order_statistics import (along_last, subscript, keep_dims, read_axis_keywords, array_fractions, fractions, lerp,
                               median, quantile, quantile_arity, quantile_keywords)
from .quantile_methods import interpolate
from .running_sums import as_array


def _moved(emit: Emitter, x, axis, name: str):
    """`x` with the reduced axes merged and moved last, and the reduced axes (for keepdims)."""
    flat, along, reduced = along_last(emit, x, axis, name)
    rank = flat.type.rank
    if along != rank - 1:
        flat = emit("transpose", flat, axes=tuple(a for a in range(rank) if a != along) + (along,))
    return flat, reduced


def _sorted_slices(emit: Emitter, moved):
    """The non-NaN counts of each slice and `read(positions)`: the sorted slices at one integer position each
    (-1: the NaN column after the sorted values)."""
    s = emit("sort", moved, axis=-1)
    dims = emit.dims(moved)
    padded = emit("concatenate", s, emit("full", *dims[:-1], 1, numpy.nan, dtype=moved.type.dtype), axis=-1)
    counts = emit("sum", emit("logical_not", emit("isnan", moved)), axis=-1)
    kept = len(dims) - 1
    grids = [emit("reshape", emit("arange", dims[k]), *[-1 if a == k else 1 for a in range(kept)])
             for k in range(kept)]

    def read(positions):
        args, index = emit.lowering._index(padded, grids + [positions])
        return emit.lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})

    return counts, read


def _finish(emit: Emitter, moved, counts, value, reduced, keepdims: bool):
    """NaN (np.nanmean's, with its warning) for a slice of no values; keepdims; NumPy's scalar for one value."""
    empty = emit("nanmean", moved, axis=-1)
    result = emit("where", emit("equal", counts, 0), empty, value)
    if result.type.rank == 0:
        return subscript(emit, result, [])
    return keep_dims(emit, result, reduced) if keepdims else result


def nanmedian(lowering, node, builder, positional, keywords):
    """`np.nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False)`."""
    arity(lowering, node, "np.nanmedian", positional, keywords, 1, 2, ("axis", "keepdims", "out", "overwrite_input"),
          hint="np.nanmedian(a, axis=None, keepdims=False)")
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    if x.type.dtype not in ("f32", "f64"):
        return median(lowering, node, builder, positional, keywords)
    axis, keepdims = read_axis_keywords(lowering, node, "np.nanmedian", positional, keywords, 1)
    small_path = not (axis is None or known_rank(emit, x) == 1)
    moved, reduced = _moved(emit, x, axis, "np.nanmedian")
    counts, read = _sorted_slices(emit, moved)
    high = emit("floor_divide", counts, 2)
    odd = emit("equal", emit("mod", counts, 2), 1)
    low_value, high_value = read(emit("where", odd, high, emit("subtract", high, 1))), read(high)
    pair = emit("divide", emit("add", low_value, high_value), 2.0)
    middle = emit("where", odd, low_value, pair)
    if small_path:  # np.ma.median's (v + v) / 2 below 600 elements along the axis
        n = emit.dims(moved)[-1]
        middle = (pair if n.value < 600 else middle) if isinstance(n, Const) else \
            emit("where", emit("less", n, 600), pair, middle)
    return _finish(emit, moved, counts, middle, reduced, keepdims)


def nanquantile(scale: int, name: str):
    """`np.nanquantile` (scale 1) and `np.nanpercentile` (scale 100), the keywords of np.quantile."""
    plain = quantile(scale, name[:3] + name[6:])

    def handle(lowering, node, builder, positional, keywords):
        quantile_arity(lowering, node, name, positional, keywords)
        emit = Emitter(lowering, node, builder)
        x = as_array(lowering, node, builder, positional[0])
        if x.type.dtype not in ("f32", "f64"):
            return plain(lowering, node, builder, positional, keywords)
        axis, keepdims = read_axis_keywords(lowering, node, name, positional, keywords, 2)
        quantile_keywords(lowering, node, keywords, name)
        moved, reduced = _moved(emit, x, axis, name)
        counts, read = _sorted_slices(emit, moved)
        q_array = array_fractions(emit, x, positional[1], scale, name, "linear")
        if q_array is not None:  # `_nanquantile_1d` per slice, NumPy's axes of q first
            value = _nan_quantile_array(emit, counts, read, q_array)
            reduced = tuple(a + q_array.type.rank for a in reduced)
            return _finish(emit, moved, counts, value, reduced, keepdims)
        results = [_finish(emit, moved, counts, _nan_quantile(emit, counts, read, q, x.type.dtype), reduced, keepdims)
                   for q in fractions(emit, x, positional[1], scale, name)]
        return emit("stack", *results, axis=0) if isinstance(positional[1], tuple) else results[0]

    return handle


def _nan_quantile(emit: Emitter, counts, read, q, dtype: str):
    """One q of the slices' non-NaN values: the element itself for an integer q (0 or 1), else the linear method
    (position -1 is the last of the slice's non-NaN values)."""
    if isinstance(q, numpy.ndarray) and q.dtype.kind in "iu":
        return read(emit("multiply", emit("subtract", counts, 1), int(q)))
    last = emit("subtract", counts, 1)
    return lerp(emit, counts, q, lambda p: read(emit("where", emit("less", p, 0), last, p)), dtype)


def _nan_quantile_array(emit: Emitter, counts, read, q):
    """The linear method at each q of an array (its axes first) on each slice's `c` non-NaN values: the virtual
    index `(c - 1) * q` with `c - 1` a Python int in NumPy (weak: q's dtype), gamma not weak (q is an array)."""
    for _ in range(counts.type.rank):
        q = emit("expand_dims", q, axis=-1)
    last = emit("subtract", counts, 1)
    if q.type.dtype in ("i32", "i64"):  # NumPy's take
        return read(emit("multiply", last, q))
    index = emit("multiply", emit("astype", last, dtype=q.type.dtype), q)
    return interpolate(emit, "linear", index, last, lambda p: read(emit("where", emit("less", p, 0), last, p)),
                       False, q.type.dtype, 0)


FUNCTIONS = {"numpy.nanmedian": nanmedian, "numpy.nanquantile": nanquantile(1, "np.nanquantile"),
             "numpy.nanpercentile": nanquantile(100, "np.nanpercentile")}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
