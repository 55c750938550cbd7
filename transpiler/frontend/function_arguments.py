"""NumPy functions that take a function (a lambda, a nested or module `def`, a NumPy function: known at build time,
inlined at each call as any call of it is), as NumPy 2.4 writes them (numpy/lib/_function_base_impl.py,
_shape_base_impl.py):

* `np.piecewise(x, condlist, funclist, *args, **kw)`: `y = zeros_like(x)`, then for each condition in order
  `y[cond] = func(x[cond], *args, **kw)` (or `y[cond] = value` for a value that is not a function), an extra
  function the "otherwise" of `~any(condlist)`: NumPy's own loop, so a function sees only the selected elements
  (a `np.sqrt` of the positive ones computes no NaN, and its derivative none either), a non-elementwise one
  (`lambda t: t.sum()`) what NumPy gives it. The values are cast to x's dtype (NumPy's assignment truncates floats
  written into an int array). NumPy skips a function whose selection is empty; here it runs on the empty array
  (the result is the same unless the function raises on an empty array). The conditions have x's shape (NumPy's
  boolean indexing raises IndexError otherwise: refused at build time). Under vmap the masks differ between
  examples: the masked reads and writes as for `x[m]` (transforms/batch/masks.py).
* `np.apply_along_axis(func1d, axis, arr, *args, **kwargs)`: the function called on each 1-d slice
  `arr[i, ..., :, ..., k]` in C order of the other axes (their lengths known at build time; no more than
  `MAX_SLICES` calls), each result cast to the first's dtype and broadcast to its shape (NumPy's `buff[ind] =
  res`), stacked, the result's axes in place of `axis` (NumPy's `buff_permute`).
"""
from __future__ import annotations

import itertools

from ..ir import Const
from ..primitives.indexing import shift_refs
from ..values import ListValue
from .call_args import Emitter, known_rank, static
from .running_sums import as_array

MAX_SLICES = 256  # apply_along_axis unrolls one inlined call per slice


def _is_function(lowering, value) -> bool:
    from ..values import is_function, Module

    return is_function(value) or isinstance(value, Module)


def _masked_write(lowering, node, builder, y, mask, value):
    """`y[mask] = value` (value cast to y's dtype, as NumPy's assignment casts)."""
    emit = Emitter(lowering, node, builder)
    value = as_array(lowering, node, builder, value)
    if value.type.dtype != y.type.dtype:
        value = emit("astype", value, dtype=y.type.dtype)
    args, index = lowering._index(y, [mask])
    return lowering._bind(builder, node, "setitem", [args[0], value] + args[1:],
                          {"index": shift_refs(tuple(index), 1), "user": True})


def piecewise(lowering, node, builder, positional, keywords):
    """`np.piecewise(x, condlist, funclist, *args, **kw)`."""
    if len(positional) < 3:
        raise lowering.error(node, f"`np.piecewise` takes 3 or more positional arguments, {len(positional)} given",
                             "np.piecewise(x, [x < 0, x >= 0], [lambda t: -t, lambda t: t])")
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    rank = known_rank(emit, x)
    conds, funcs = positional[1], positional[2]
    funcs = list(funcs.items) if isinstance(funcs, ListValue) else list(funcs) if isinstance(funcs, tuple) else None
    if funcs is None:
        raise emit.error("np.piecewise's funclist is a list or tuple of functions and values", "[lambda t: -t, 0.0]")
    if isinstance(conds, (ListValue, tuple)):
        items = list(conds.items if isinstance(conds, ListValue) else conds)
        first = items[0] if items else None
        if rank != 0 and items and not isinstance(first, (ListValue, tuple)) and \
                (isinstance(first, Const) or emit.atom(first).type.rank == 0):
            items = [conds]  # NumPy: a list of scalars is one condition
    else:
        cond = emit.atom(conds)
        if cond.type.rank == rank:  # one condition
            items = [conds]
        elif cond.type.rank == rank + 1 and isinstance(cond.type.shape[0], int):  # an array of conditions
            items = [emit("getitem", cond, index=(k,)) for k in range(cond.type.shape[0])]
        else:
            raise emit.error("np.piecewise's condlist is a list of boolean arrays of x's shape",
                             "[x < 0, x >= 0]")
    masks = []
    for item in items:
        mask = as_array(lowering, node, builder, item)
        mask = mask if mask.type.dtype == "bool" else emit("not_equal", mask, 0)
        if mask.type.shape != x.type.shape:
            raise emit.error(f"np.piecewise's conditions have x's shape {x.type.shape}, not {mask.type.shape} "
                             "(NumPy's boolean indexing raises IndexError)", "conditions computed from x")
        masks.append(mask)
    if len(masks) == len(funcs) - 1:  # NumPy's "otherwise"
        anything = masks[0]
        for mask in masks[1:]:
            anything = emit("logical_or", anything, mask)
        masks.append(emit("logical_not", anything))
    elif len(masks) != len(funcs):
        raise emit.error(f"np.piecewise with {len(masks)} conditions and {len(funcs)} functions (NumPy raises "
                         "ValueError)", "as many functions as conditions, or one more for 'otherwise'")
    y = emit("zeros_like", x)
    extra = list(positional[3:])
    for mask, func in zip(masks, funcs):
        if rank == 0:  # x[cond] of a 0-d x is a 1-d array of 0 or 1 elements: its one element written by np.where
            value = as_array(lowering, node, builder, lowering.call_value(
                func, [emit("reshape", x, 1)] + extra, dict(keywords), node, builder) if _is_function(lowering, func)
                else func)
            if value.type.rank:
                if value.type.shape != (1,):
                    raise emit.error("np.piecewise of a 0-d x: a function's result is one element",
                                     "elementwise functions")
                value = emit("getitem", value, index=(0,))
            value = emit("astype", value, dtype=x.type.dtype) if value.type.dtype != x.type.dtype else value
            y = emit("where", mask, value, y)
            continue
        if _is_function(lowering, func):
            args, index = lowering._index(x, [mask])
            selected = lowering._bind(builder, node, "getitem", args, {"index": tuple(index)})
            value = lowering.call_value(func, [selected] + extra, dict(keywords), node, builder)
        else:
            value = func
        y = _masked_write(lowering, node, builder, y, mask, value)
    return y


def apply_along_axis(lowering, node, builder, positional, keywords):
    """`np.apply_along_axis(func1d, axis, arr, *args, **kwargs)`."""
    if len(positional) < 3:
        raise lowering.error(node, f"`np.apply_along_axis` takes 3 or more positional arguments, {len(positional)} "
                             "given", "np.apply_along_axis(np.sum, 0, x)")
    func, extra = positional[0], list(positional[3:])
    emit = Emitter(lowering, node, builder)
    if not _is_function(lowering, func):
        raise emit.error("np.apply_along_axis's func1d is a function known at build time", "lambda v: np.sum(v)")
    x = as_array(lowering, node, builder, positional[2])
    rank = known_rank(emit, x)
    axis = static(lowering, positional[1], node, "np.apply_along_axis's `axis`")
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise emit.error(f"np.apply_along_axis along axis {axis} of an array of rank {rank} (NumPy raises "
                         "AxisError)", "an axis the array has")
    axis %= rank
    outer = [n for d, n in enumerate(x.type.shape) if d != axis]
    if not all(isinstance(n, int) for n in outer):
        raise emit.error("np.apply_along_axis needs the lengths of the other axes at build time (one call per "
                         "slice)", 'annotate them, e.g. x: "f64[3,5]"')
    count = 1
    for n in outer:
        count *= n
    if count == 0:
        raise emit.error("np.apply_along_axis over an empty axis (NumPy raises ValueError: Cannot apply_along_axis "
                         "when any iteration dimensions are 0)", "arrays with no empty axis but the one applied along")
    if count > MAX_SLICES:
        raise emit.error(f"np.apply_along_axis of {count} slices: each is one inlined call, more than {MAX_SLICES}",
                         "write the function on the whole array with axis= (np.sum(x, axis=1))")
    results = []
    for position in itertools.product(*(range(n) for n in outer)):
        index = list(position[:axis]) + [slice(None)] + list(position[axis:])
        piece = emit("getitem", x, index=tuple(index))
        result = as_array(lowering, node, builder, lowering.call_value(func, [piece] + extra, dict(keywords), node,
                                                                        builder))
        if results:
            first = results[0]
            if result.type.dtype != first.type.dtype:
                result = emit("astype", result, dtype=first.type.dtype)
            if result.type.shape != first.type.shape:
                result = emit("broadcast_to", result, *emit.dims(first))
        results.append(result)
    first = results[0]
    res_rank = known_rank(emit, first)
    rows = [emit("reshape", r, *([1] + emit.dims(first))) for r in results]
    stacked = rows[0] if len(rows) == 1 else emit("concatenate", *rows, axis=0)
    buff = emit("reshape", stacked, *(outer + emit.dims(first)))
    ndim = len(outer) + res_rank
    permute = list(range(axis)) + list(range(ndim - res_rank, ndim)) + list(range(axis, ndim - res_rank))
    return buff if permute == list(range(ndim)) else emit("transpose", buff, axes=tuple(permute))


FUNCTIONS = {"numpy.piecewise": piecewise, "numpy.apply_along_axis": apply_along_axis}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
