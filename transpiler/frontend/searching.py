"""Searching a sorted array, testing membership, counting: NumPy's own calls (primitives/counting.py), with the
conversions and checks around them that make the kernel's answer Python's:

* `np.searchsorted(a, v, side='left')`: for each value of `v`, how many elements of the 1-D `a` come before it in
  NumPy's order (NaN last), both converted to the dtype NumPy's searchsorted compares them in (`np.result_type` of
  their dtypes, a Python number as its NumPy array). Where `a` is not sorted, NumPy's answer is whatever its binary
  search meets (it depends on the previous key too), which a batched `a` (counted by comparisons) would not give:
  a run-time check raises ValueError there instead. `sorter=` is refused (`np.searchsorted(a[sorter], v)`).
* `np.digitize(x, bins, right=False)`: NumPy's `_monotonicity` of the bins (compared as float64, as its C code
  does; ValueError where they are neither increasing nor decreasing), then `np.searchsorted(bins, x, side)` for
  increasing bins and `len(bins) - np.searchsorted(bins[::-1], x, side)` for decreasing, `side` 'right' unless
  `right=True`; the searched array is checked sorted as above (NaN bins other than at the high end raise).
* `np.isin(element, test_elements, assume_unique=False, invert=False)`: whether each element equals one of the
  test elements (`==`, so NaN is in nothing and -0.0 is 0.0, what each of NumPy's methods computes), as a boolean
  array of the element's shape (a 0-d array for one number).
* `np.unique(ar)`: NumPy's `_unique1d`, sorted and with `equal_nan=True`: the flattened array sorted and kept where
  it differs from its predecessor (NaNs after the first NaN dropped), a length known at run time; the values
  carry their derivatives, which raise a located ValueError at run time where two elements tie (a move of one
  changes the result's length: no derivative there; `distinct_sorted`, primitives/sorting.py). `return_index`, `return_inverse`, `return_counts` and `equal_nan=False` are
  unique_forms.py's, and `np.unique_values` (of integers refused: NumPy 2.4 returns them in its hash table's order).
* `np.bincount(x, weights=None, minlength=0)`: for each value 0 .. max(x) (at least `minlength` of them, a length
  known at run time) how many elements of the 1-D integer `x` equal it (int64), or the sum of their weights
  (float64, added one at a time in the order of `x`; float64 also for an empty `x`, where NumPy gives int64
  zeros). NumPy's ValueErrors for a negative element and weights of another length are run-time checks before the
  call (vmap's batched weights rely on them); a float `x` is refused (NumPy raises TypeError: no safe cast).
"""
from __future__ import annotations

import numpy

from ..ir import Const
from ..ir.types import lifted_dtype, numpy_dtype
from .call_args import Emitter, arg, arity, static
from .running_sums import as_array

NOT_SORTED = ("the array searched is not sorted in ascending order (NaN last): NumPy's result is then whatever its "
              "binary search meets, which Lifted does not model")


def search_dtypes(emit: Emitter, a, v):
    """`a` and `v` in the dtype NumPy's searchsorted compares them in."""
    common = lifted_dtype(numpy.result_type(numpy_dtype(a.type.dtype), numpy_dtype(v.type.dtype)))
    cast = lambda x: x if x.type.dtype == common else emit("astype", x, dtype=common)  # noqa: E731
    return cast(a), cast(v)


def _before(emit: Emitter, p, q):
    """`p` comes before `q` in NumPy's sort order (NaN last): `p < q or (isnan(q) and not isnan(p))`."""
    less = emit("less", p, q)
    if p.type.dtype not in ("f32", "f64"):
        return less
    return emit("logical_or", less, emit("logical_and", emit("isnan", q), emit("logical_not", emit("isnan", p))))


def _check_sorted(emit: Emitter, a) -> None:
    ahead, behind = emit("getitem", a, index=(slice(1, None),)), emit("getitem", a, index=(slice(None, -1),))
    out_of_order = emit("any", _before(emit, ahead, behind), axis=None)
    emit("check_assert", emit("logical_not", out_of_order), message=NOT_SORTED, error="ValueError")


def _count(emit: Emitter, a, v, side: str):
    """How many elements of the sorted 1-D `a` come before each value of `v` (`side='right'`: or equal)."""
    return _scalar(emit, emit("searchsorted", a, v, side=side))


def _scalar(emit: Emitter, x):
    if x.type.rank == 0:  # (NumPy returns a scalar for one value)
        args, index = emit.lowering._index(x, [])
        return emit.lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})
    return x


def _one_dimensional(emit: Emitter, a, name: str, what: str):
    if a.type.rank != 1:
        raise emit.error(f"{name}'s `{what}` must be 1-D (NumPy raises ValueError for rank {a.type.rank})",
                         f"a 1-D `{what}`, e.g. {what}.ravel()")


def searchsorted(lowering, node, builder, positional, keywords):
    """`np.searchsorted(a, v, side='left', sorter=None)`."""
    arity(lowering, node, "np.searchsorted", positional, keywords, 2, 4, ("side", "sorter"),
          hint="np.searchsorted(a, v, side='left')")
    emit = Emitter(lowering, node, builder)
    a, v = as_array(lowering, node, builder, positional[0]), as_array(lowering, node, builder, positional[1])
    _one_dimensional(emit, a, "np.searchsorted", "a")
    side_value, side_node = arg(lowering, positional, keywords, 2, "side", node, "left")
    side = static(lowering, side_value, side_node, "`side`")
    if side not in ("left", "right"):
        raise lowering.error(side_node, f"np.searchsorted's side={side!r}: NumPy takes 'left' or 'right'",
                             "side='left' or side='right'")
    sorter_value, sorter_node = arg(lowering, positional, keywords, 3, "sorter", node)
    if sorter_value is not None and not (isinstance(sorter_value, Const) and sorter_value.value is None):
        raise lowering.error(sorter_node, "np.searchsorted's `sorter=` is not supported in kernels (NumPy raises "
                             "ValueError for a position out of range, a gather IndexError)",
                             "np.searchsorted(a[sorter], v)")
    a, v = search_dtypes(emit, a, v)
    _check_sorted(emit, a)
    return _count(emit, a, v, side)


def digitize(lowering, node, builder, positional, keywords):
    """`np.digitize(x, bins, right=False)`."""
    arity(lowering, node, "np.digitize", positional, keywords, 2, 3, ("right",),
          hint="np.digitize(x, bins, right=False)")
    emit = Emitter(lowering, node, builder)
    x, bins = as_array(lowering, node, builder, positional[0]), as_array(lowering, node, builder, positional[1])
    _one_dimensional(emit, bins, "np.digitize", "bins")
    right_value, right_node = arg(lowering, positional, keywords, 2, "right", node, Const(False, None))
    right = static(lowering, right_value, right_node, "`right`")
    increasing, decreasing = _monotonicity(emit, bins)
    emit("check_assert", emit("logical_or", increasing, decreasing),
         message="bins must be monotonically increasing or decreasing", error="ValueError")
    bins, x = search_dtypes(emit, bins, x)
    searched = emit("where", decreasing, emit("getitem", bins, index=(slice(None, None, -1),)), bins)
    _check_sorted(emit, searched)
    counts = _count(emit, searched, x, "left" if right else "right")
    length = emit.dims(bins)[0]
    return _scalar(emit, emit("where", decreasing, emit("subtract", length, counts), counts))


def _monotonicity(emit: Emitter, bins):
    """NumPy's `check_array_monotonic` on the bins as float64: skip the leading run equal to the first; all equal
    (or fewer than two) is increasing; else the first other value decides the direction (`first < other`:
    increasing, anything else, NaN too, decreasing), which no later pair may go against."""
    b = bins if bins.type.dtype == "f64" else emit("astype", bins, dtype="f64")
    first, rest = emit("getitem", b, index=(slice(None, 1),)), emit("getitem", b, index=(slice(1, None),))
    differs = emit("not_equal", rest, first)
    all_equal = emit("logical_not", emit("any", differs, axis=None))
    first_other = emit("logical_and", differs, emit("equal", emit("cumsum", differs, axis=0), 1))
    up = emit("any", emit("logical_and", first_other, emit("less", first, rest)), axis=None)
    behind = emit("getitem", b, index=(slice(None, -1),))
    falls = emit("any", emit("greater", behind, rest), axis=None)
    rises = emit("any", emit("less", behind, rest), axis=None)
    increasing = emit("logical_or", all_equal, emit("logical_and", up, emit("logical_not", falls)))
    decreasing = emit("logical_and", emit("logical_not", all_equal),
                      emit("logical_and", emit("logical_not", up), emit("logical_not", rises)))
    return increasing, decreasing


def isin(lowering, node, builder, positional, keywords):
    """`np.isin(element, test_elements, assume_unique=False, invert=False, *, kind=None)`."""
    arity(lowering, node, "np.isin", positional, keywords, 2, 4, ("assume_unique", "invert", "kind"),
          hint="np.isin(element, test_elements, invert=False)")
    emit = Emitter(lowering, node, builder)
    x, tests = as_array(lowering, node, builder, positional[0]), as_array(lowering, node, builder, positional[1])
    invert_value, invert_node = arg(lowering, positional, keywords, 3, "invert", node, Const(False, None))
    invert = static(lowering, invert_value, invert_node, "`invert`")
    unique_value, unique_node = arg(lowering, positional, keywords, 2, "assume_unique", node, Const(False, None))
    static(lowering, unique_value, unique_node, "`assume_unique`")  # (the same answer for unique test elements)
    kind_value, kind_node = keywords.get("kind", (None, node))
    if static(lowering, kind_value, kind_node, "`kind`") is not None:
        raise lowering.error(kind_node, "np.isin's `kind=` is not supported in kernels (NumPy's 'table' raises "
                             "for some inputs the default takes)", "leave kind out")
    flat = tests if tests.type.rank == 1 else emit("reshape", tests, -1)
    return emit("isin", x, flat, invert=bool(invert))


def unique(lowering, node, builder, positional, keywords, tie_check: str | None = "np.unique"):
    """`np.unique(ar)`: sorted, NaNs as one (`equal_nan=True`); `tie_check` names the function whose derivatives
    refuse ties (a set function built on it, unique_forms.py), None where the caller checks ties itself."""
    arity(lowering, node, "np.unique", positional, keywords, 1, 4,
          ("return_index", "return_inverse", "return_counts", "axis", "equal_nan", "sorted"),
          hint="np.unique(ar)")
    for at, key, default in ((1, "return_index", False), (2, "return_inverse", False), (3, "return_counts", False),
                             (4, "axis", None), (5, "equal_nan", True), (6, "sorted", True)):
        value, where = arg(lowering, positional, keywords, at, key, node, Const(default, None))
        if static(lowering, value, where, f"`{key}`") != default:
            raise lowering.error(where, f"np.unique's {key}= is not supported in kernels", "np.unique(ar)")
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    s = emit("sort", x if x.type.rank == 1 else emit("reshape", x, -1), axis=0)
    if tie_check and s.type.dtype in ("f32", "f64"):  # (its derivatives check that no two elements tie: primitives/sorting.py)
        s = emit("distinct_sorted", s, axis=0, where=str(lowering.locate(node)),
                 **({} if tie_check == "np.unique" else {"name": tie_check}))
    ahead, behind = emit("getitem", s, index=(slice(1, None),)), emit("getitem", s, index=(slice(None, -1),))
    changes = emit("not_equal", ahead, behind)
    if s.type.dtype in ("f32", "f64"):  # (equal_nan: a NaN after a NaN is no new value)
        changes = emit("logical_and", changes, emit("logical_not", emit("logical_and", emit("isnan", ahead),
                                                                        emit("isnan", behind))))
    first = emit("ones_like", emit("getitem", s, index=(slice(None, 1),)), dtype="bool")
    keep = emit("concatenate", first, changes, axis=0)
    args, index = lowering._index(s, [keep])
    return lowering._bind(builder, node, "getitem", args, {"index": tuple(index)})


def bincount(lowering, node, builder, positional, keywords):
    """`np.bincount(x, weights=None, minlength=0)`."""
    arity(lowering, node, "np.bincount", positional, keywords, 1, 3, ("weights", "minlength"),
          hint="np.bincount(x, weights=None, minlength=0)")
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    _one_dimensional(emit, x, "np.bincount", "x")
    if x.type.dtype not in ("i32", "i64", "bool"):
        raise emit.error(f"np.bincount of {x.type.dtype}: NumPy raises TypeError (no safe cast to int64)",
                         "x.astype(np.int64), the values rounded as you mean them")
    least_value, least_node = arg(lowering, positional, keywords, 2, "minlength", node, Const(0, None))
    least = static(lowering, least_value, least_node, "`minlength`")
    if not isinstance(least, int) or isinstance(least, bool) or least < 0:
        raise lowering.error(least_node, f"np.bincount's minlength={least!r}: an int known at build time, not "
                             "negative (NumPy raises ValueError)", "minlength=0")
    positions = x if x.type.dtype == "i64" else emit("astype", x, dtype="i64")
    emit("check_assert", emit("logical_not", emit("any", emit("less", positions, 0), axis=None)),
         message="'list' argument must have no negative elements", error="ValueError")
    weights_value, weights_node = arg(lowering, positional, keywords, 1, "weights", node)
    if weights_value is None or isinstance(weights_value, Const) and weights_value.value is None:
        return emit("bincount", positions, minlength=least)
    weights = as_array(lowering, node, builder, weights_value)
    _one_dimensional(emit, weights, "np.bincount", "weights")
    if weights.type.dtype != "f64":
        weights = emit("astype", weights, dtype="f64")
    emit("check_assert", emit("equal", emit.dims(weights)[0], emit.dims(positions)[0]),
         message="The weights and list don't have the same length.", error="ValueError")
    return emit("bincount", positions, weights, minlength=least)


FUNCTIONS = {"numpy.searchsorted": searchsorted, "numpy.digitize": digitize, "numpy.isin": isin,
             "numpy.unique": unique, "numpy.bincount": bincount}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
