"""The parts of NumPy 2.4's `np.histogram` with a number of bins (numpy/lib/_histograms_impl.py) that depend on the
size of the data: the outer edges from its min and max, and the weighted counts block by block.

* `outer_edges`: `a.min()` and `a.max()` (NumPy's ValueError at run time where they are not finite; an empty `a`,
  known only at run time, gives 0 and 1 as NumPy's `a.size == 0` branch), moved by 0.5 where equal, and NumPy's
  `norm_denom = _unsigned_subtract(last_edge, first_edge)`: for integer data the difference in uint64, converted
  to float64 once (its two 32-bit halves, each exact in float64, added with one rounding), so a range past 2**53
  gives NumPy's denominator, not the difference of the rounded ends.
* `block_sums`: NumPy adds `np.bincount(indices, weights=tmp_w).astype(ntype)` of each block of 65536 elements
  into `n` (zeros of the weights' dtype) one block after the other: here one np.bincount call over positions moved
  by `block * bins`, a (blocks, bins) table cast to the weights' dtype, then a running sum down the blocks, so each
  bin's rounding is NumPy's at every size.
"""
from __future__ import annotations

from ...ir import Const

BLOCK = 65536
_INTEGER_LIMITS = {"i32": (-2 ** 31, 2 ** 31 - 1), "i64": (-2 ** 63, 2 ** 63 - 1)}


def _static(value) -> int | None:
    if isinstance(value, int):
        return value
    return value.value if isinstance(value, Const) and isinstance(value.value, int) else None


def outer_edges(emit, a):
    """`(first_edge, last_edge, norm_denom, empty)` of a 1-D `a` (float or integer) not known to be empty (`empty`:
    None where its length is known, else whether it is 0). Float32 data keeps NumPy's float32 scalars."""
    size = a.type.shape[0]
    empty = None
    if isinstance(size, int):
        low, high = emit("min", a, axis=None), emit("max", a, axis=None)
    else:  # (the min of an empty array raises: a sentinel past every element instead)
        floats = a.type.dtype in ("f64", "f32")
        largest = float("inf") if floats else _INTEGER_LIMITS[a.type.dtype][1]
        smallest = -float("inf") if floats else _INTEGER_LIMITS[a.type.dtype][0]
        low = emit("min", emit("concatenate", a, emit("full", 1, largest, dtype=a.type.dtype), axis=0), axis=None)
        high = emit("max", emit("concatenate", a, emit("full", 1, smallest, dtype=a.type.dtype), axis=0), axis=None)
        empty = emit("equal", emit.dims(a)[0], 0)
    wide_low, wide_high = low, high
    if a.type.dtype in ("i32", "i64"):
        wide_low, wide_high = emit("astype", low, dtype="f64"), emit("astype", high, dtype="f64")
    finite = emit("logical_and", emit("isfinite", wide_low), emit("isfinite", wide_high))
    emit("check_assert", finite if empty is None else emit("logical_or", empty, finite),
         message="autodetected range of the data is not finite", error="ValueError")
    equal = emit("equal", low, high)
    first = emit("where", equal, emit("subtract", wide_low, 0.5), wide_low)
    last = emit("where", equal, emit("add", wide_high, 0.5), wide_high)
    denominator = emit("subtract", last, first)
    if a.type.dtype in ("i32", "i64"):
        denominator = emit("where", equal, denominator, _unsigned_difference(emit, high, low))
    if empty is not None:
        first, last = emit("where", empty, 0.0, first), emit("where", empty, 1.0, last)
        denominator = emit("where", empty, 1.0, denominator)
    return first, last, denominator, empty


def _unsigned_difference(emit, high, low):
    """`float64(uint64(high - low))` for integers `high >= low`, without an int64 overflow: the differences of the
    upper and lower 32-bit halves (each within +-2**33), then `upper * 2**32 + lower`, one rounding of the exact
    difference, as NumPy's conversion of the uint64 rounds it."""
    high, low = (x if x.type.dtype == "i64" else emit("astype", x, dtype="i64") for x in (high, low))
    mask = 2 ** 32 - 1
    upper = emit("subtract", emit("right_shift", high, 32), emit("right_shift", low, 32))
    lower = emit("subtract", emit("bitwise_and", high, mask), emit("bitwise_and", low, mask))
    return emit("add", emit("multiply", emit("astype", upper, dtype="f64"), float(2 ** 32)),
                emit("astype", lower, dtype="f64"))


def block_sums(emit, index, weights, bins: int):
    """NumPy's weighted counts: each block's np.bincount (float64) cast to the weights' dtype, added block by
    block into zeros of that dtype. `index` holds each element's bin, below `bins`."""
    wide = weights if weights.type.dtype == "f64" else emit("astype", weights, dtype="f64")
    size = _static(index.type.shape[0])
    if size is not None and size <= BLOCK:  # (one block: `0 + sums` is the sums, NumPy's bincount never gives -0.0)
        sums = emit("bincount", index, wide, minlength=bins, bounded=True)
        return sums if weights.type.dtype == "f64" else emit("astype", sums, dtype=weights.type.dtype)
    count = emit.dims(index)[0]
    positions = emit("add", index, emit("multiply", emit("floor_divide", emit("arange", count), BLOCK), bins))
    if size is not None:
        sums = emit("bincount", positions, wide, minlength=-(-size // BLOCK) * bins, bounded=True)
    else:
        blocks = emit("maximum", emit("floor_divide", emit("add", count, BLOCK - 1), BLOCK), 1)
        sums = emit("bincount", positions, wide, emit("multiply", blocks, bins), bounded=True)
    sums = emit("reshape", sums, -1, bins)
    if weights.type.dtype != "f64":
        sums = emit("astype", sums, dtype=weights.type.dtype)
    start = emit("full", 1, bins, 0 if weights.type.dtype in ("i32", "i64") else 0.0, dtype=weights.type.dtype)
    running = emit("cumsum", emit("concatenate", start, sums, axis=0), axis=0)
    counts = emit("getitem", running, index=(-1,))
    return counts if counts.type.dtype == weights.type.dtype else emit("astype", counts, dtype=weights.type.dtype)
