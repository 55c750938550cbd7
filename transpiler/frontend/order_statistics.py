"""Order statistics composed from np.sort, indexing and arithmetic, written as numpy/lib/_function_base_impl.py
(NumPy 2.4) computes them, so the NumPy backend gives NumPy's bits and the derivatives, batching and the C target
come from the parts (sort's derivative follows the stable sorting permutation, so at tied values the derivative
goes to the element NumPy's stable order puts in the middle):

* `np.median(a, axis=None, keepdims=False)`: the mean of the middle one or two sorted elements
  (`s[(n - 1) // 2 : n // 2 + 1]`, NumPy's `mean` of NumPy's slice, so its dtype and its RuntimeWarning and NaN
  for an empty input); where the last sorted element is NaN (NaN sorts last) the result is that NaN, as
  `_median_nancheck` returns it. `axis` an int, a tuple (the axes moved last and merged, as `_ureduce` does) or
  None (flattened).
"""
from __future__ import annotations

from ..ir import Const, Var
from .call_args import Emitter, arg, arity, known_rank, ravel, static
from .running_sums import as_array


def _index(emit: Emitter, x, items: list):
    """`x[items]`, run-time bounds as they come (ints, slices of ints or integer scalars)."""
    args, index = emit.lowering._index(x, items)
    return emit.lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})


def _along_last(emit: Emitter, x, axis, name: str):
    """`x` with the reduced axes merged into one (None: flattened; a tuple: moved last and reshaped, as NumPy's
    `_ureduce` does), the axis it reduces along, and the sorted reduced axes of the input (for keepdims)."""
    rank = known_rank(emit, x)
    if axis is None:
        return ravel(emit, x) if rank != 1 else x, 0, tuple(range(rank))
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise emit.error(f"{name}'s `axis` is an int, a tuple of ints or None")
    if any(not -rank <= a < rank for a in axes):
        raise emit.error(f"{name}'s axis {axis} is out of bounds for an array of rank {rank} (NumPy raises "
                         "AxisError)", "an axis the array has")
    axes = tuple(a % rank for a in axes)
    if len(set(axes)) != len(axes):
        raise emit.error(f"{name}'s axis {axis} repeats an axis (NumPy raises ValueError)", "each axis once")
    if len(axes) == 1:
        return x, axes[0], axes
    kept = [a for a in range(rank) if a not in axes]
    moved = emit("transpose", x, axes=tuple(kept) + tuple(sorted(axes)))
    dims = emit.dims(x)
    return emit("reshape", moved, *[dims[a] for a in kept], -1), len(kept), tuple(sorted(axes))


def _keep_dims(emit: Emitter, result, axes: tuple):
    for a in axes:
        result = emit("expand_dims", result, axis=a)
    return result


def _read_keywords(lowering, node, name: str, positional, keywords, axis_at: int):
    axis_value, axis_node = arg(lowering, positional, keywords, axis_at, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    keep_value, keep_node = keywords.get("keepdims", (Const(False, None), node))
    keepdims = static(lowering, keep_value, keep_node, "`keepdims`")
    if "out" in keywords and keywords["out"][0] is not None and not (
            isinstance(keywords["out"][0], Const) and keywords["out"][0].value is None):
        raise lowering.error(keywords["out"][1], f"{name}'s `out=` is not supported in kernels",
                             "use the returned value")
    over_value, over_node = keywords.get("overwrite_input", (Const(False, None), node))
    if static(lowering, over_value, over_node, "`overwrite_input`"):
        raise lowering.error(over_node, f"{name}'s overwrite_input=True leaves the input partially sorted, in an "
                             "order NumPy's selection algorithm chooses", "leave overwrite_input out")
    return axis, bool(keepdims)


def median(lowering, node, builder, positional, keywords):
    """`np.median(a, axis=None, out=None, overwrite_input=False, keepdims=False)`."""
    arity(lowering, node, "np.median", positional, keywords, 1, 2, ("axis", "keepdims", "out", "overwrite_input"),
          hint="np.median(a, axis=None, keepdims=False)")
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    axis, keepdims = _read_keywords(lowering, node, "np.median", positional, keywords, 1)
    flat, along, reduced = _along_last(emit, x, axis, "np.median")
    s = emit("sort", flat, axis=along)
    n = emit.dims(s)[along]
    before = [slice(None)] * along
    if isinstance(n, Const):
        lo, hi = (n.value - 1) // 2, n.value // 2 + 1
    else:
        lo = emit("floor_divide", emit("subtract", n, 1), 2)
        hi = emit("add", emit("floor_divide", n, 2), 1)
    middle = _index(emit, s, before + [slice(lo, hi)])
    result = emit("mean", middle, axis=along, keepdims=True)
    if x.type.dtype in ("f32", "f64"):  # `_median_nancheck`: where the last sorted value is NaN, that NaN
        if isinstance(n, Const) and n.value == 0:
            last = None
        elif isinstance(n, Const):
            last = _index(emit, s, before + [slice(-1, None)])
        else:  # (an empty axis keeps the mean's NaN: NumPy checks nothing for an empty array)
            last = _index(emit, emit("concatenate", result, s, axis=along), before + [slice(-1, None)])
        if last is not None:
            result = emit("where", emit("isnan", last), last, result)
    result = emit("squeeze", result, axis=along)
    if result.type.rank == 0:  # (NumPy's scalar, as `mean` and `_median_nancheck` return it)
        result = _index(emit, result, [])
    return _keep_dims(emit, result, reduced) if keepdims else result


FUNCTIONS = {"numpy.median": median}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
