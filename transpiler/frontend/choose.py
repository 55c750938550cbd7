"""`np.choose(a, choices, mode='raise')` and the method `a.choose(choices, mode='raise')`, as NumPy 2.4 computes them
(a kernel refused them in the listing of `dir(np)`; see listed_functions.py): the choices (a list or tuple of
arrays, or an array's rows) broadcast with `a` and picked by nested `np.where` in NumPy's common dtype; 'raise'
checks `0 <= a < n` at run time (NumPy's ValueError "invalid entry in choice array"), 'wrap' reads `a % n`, 'clip'
`np.clip(a, 0, n - 1)`. The rows of an array whose number of rows is known only at run time are one gather
`table[a, i1, ..., ir]` of the broadcast rows (no rows: NumPy's ValueError "0-length sequence."); a 0-d result is
NumPy's scalar.
"""
from __future__ import annotations

from ..ir.types import promote
from .array_literals import array_like
from .averages_and_selections import broadcast_arrays
from .call_args import Emitter, arg, arity, given, static
from .running_sums import as_array


def choose(lowering, node, builder, positional, keywords):
    """`np.choose(a, choices, out=None, mode='raise')`."""
    arity(lowering, node, "np.choose", positional, keywords, 2, 3, ("out", "mode"))
    emit = Emitter(lowering, node, builder)
    if "out" in keywords and given(keywords["out"][0]):
        raise lowering.error(keywords["out"][1], "np.choose's `out=` is not supported in kernels",
                             "use the returned value")
    a = as_array(lowering, node, builder, positional[0])
    if a.type.dtype not in ("i32", "i64", "bool"):
        raise emit.error(f"np.choose's index array is {a.type.dtype}: NumPy raises TypeError (no safe cast to "
                         "int64)", "a.astype(np.int64)")
    if a.type.dtype == "bool":
        a = emit("astype", a, dtype="i64")
    mode_value, mode_node = arg(lowering, positional, keywords, 2, "mode", node, "raise")
    mode = static(lowering, mode_value, mode_node, "np.choose's `mode`")
    if mode not in ("raise", "wrap", "clip"):
        raise lowering.error(mode_node, f"np.choose's mode={mode!r}: NumPy raises ValueError",
                             "mode='raise', 'wrap' or 'clip'")
    given_choices = positional[1]
    if isinstance(given_choices, (tuple, list)):
        choices = [emit.atom(array_like(lowering, node, builder, c)) for c in given_choices]  # (numbers weak)
    else:
        table = as_array(lowering, node, builder, given_choices)
        if not table.type.shape:
            raise emit.error("np.choose's choices: a list or tuple of arrays, or an array of rank 1 or more "
                             "(its rows)", "np.choose(a, [c0, c1, c2])")
        if not isinstance(table.type.shape[0], int):
            return _scalar(emit, _choose_rows(lowering, node, builder, emit, a, table, mode))
        choices = [emit("getitem", table, index=(i,)) for i in range(table.type.shape[0])]
    if not choices:
        raise emit.error("np.choose of no choices: NumPy raises ValueError", "at least one choice")
    dtype = promote([c.type for c in choices])
    choices = [c if c.type.dtype == dtype or c.type.weak else emit("astype", c, dtype=dtype) for c in choices]
    count = len(choices)
    a = _chosen(emit, a, count, mode)
    result = choices[-1]
    for i in range(count - 2, -1, -1):
        result = emit("where", emit("equal", a, i), choices[i], result)
    if count == 1:  # (a's shape broadcast in, as NumPy's)
        result = emit("where", emit("equal", a, 0), result, result)
    return _scalar(emit, result)


def _scalar(emit: Emitter, result):
    """NumPy's scalar where the result is 0-d (np.choose returns PyArray_Return's scalar)."""
    return emit("getitem", result, index=()) if result.type.rank == 0 else result


def _chosen(emit: Emitter, a, count, mode: str):
    """The index array after `mode`: 'raise' checks `0 <= a < count` at run time, 'wrap' reads `a % count`,
    'clip' `np.clip(a, 0, count - 1)` (`count` a number or a run-time length)."""
    if mode == "raise":
        inside = emit("logical_and", emit("less_equal", 0, a), emit("less", a, count))
        emit("check_assert", emit("all", inside, axis=None), message="invalid entry in choice array",
             error="ValueError")
        return a
    if mode == "wrap":
        return emit("mod", a, count)
    return emit("minimum", emit("maximum", a, 0), count - 1 if isinstance(count, int) else emit("subtract", count, 1))


def _choose_rows(lowering, node, builder, emit: Emitter, a, table, mode: str):
    """np.choose from the rows of an array whose number of rows is known only at run time: the rows and `a`
    broadcast (NumPy's rule, through np.broadcast_arrays of `a` and the first row, kept 2-d so that no row is
    read where there is none), then `table[a, i1, ..., ir]` with an `np.arange` along each other axis: a gather,
    whose derivative is its scatter (one dtype: no promotion)."""
    n = emit.dims(table)[0]
    emit("check_assert", emit("less", 0, n), message="0-length sequence.", error="ValueError")  # (NumPy's)
    index = _chosen(emit, a, n, mode)
    head = emit("reshape", emit("getitem", table, index=(slice(None, 1),)), 1, *emit.dims(table)[1:])
    _, shaped = broadcast_arrays(lowering, node, builder, [emit("reshape", index, 1, *emit.dims(index)), head], {},
                                 name="np.choose")
    dims = emit.dims(shaped)[1:]
    rank = len(dims)
    if index.type.shape != shaped.type.shape[1:]:
        index = emit("broadcast_to", index, *dims)
    if table.type.shape[1:] != shaped.type.shape[1:]:
        if table.type.rank - 1 < rank:  # (the rows' own axes last, as broadcasting pairs them from the right)
            table = emit("reshape", table, n, *[1] * (rank + 1 - table.type.rank), *emit.dims(table)[1:])
        table = emit("broadcast_to", table, n, *dims)
    items = [index] + [emit("reshape", emit("arange", dims[d]), *[-1 if e == d else 1 for e in range(rank)])
                       for d in range(rank)]
    args, structure = lowering._index(table, items)
    return lowering._bind(builder, node, "getitem", args, {"index": tuple(structure)})


def method_choose(lowering, node, builder, atom, positional, keywords):
    """`a.choose(choices, out=None, mode='raise')`: NumPy's `np.choose(a, choices, ...)`. As NumPy's method parses
    them, `out` and `mode` are keywords only and more than one positional argument are the choices themselves
    (`a.choose(x, y)` is `a.choose((x, y))`)."""
    if not positional:
        arity(lowering, node, "ndarray.choose", positional, keywords, 1, 1, ("out", "mode"))
    choices = positional[0] if len(positional) == 1 else tuple(positional)
    return choose(lowering, node, builder, [atom, choices], keywords)
