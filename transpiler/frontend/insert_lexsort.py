"""np.insert and np.lexsort, put together from primitives the kernel language has, as NumPy 2.4 writes them
(numpy/lib/_function_base_impl.py, numpy/_core/multiarray.py):

* `np.insert(arr, obj, values, axis=None)`: `obj` an int, a sequence of ints or a slice known at build time (the
  size of the result depends on it), the axis' length known at build time. One position (an int, or a sequence or
  slice of one): NumPy's `values = array(values, ndmin=arr.ndim, dtype=arr.dtype)`, moved from axis 0 to `axis`
  where `obj` is an int, written between `arr[:i]` and `arr[i:]`. Several: NumPy's positions `indices[order] +=
  arange(numnew)` (`order` the stable argsort of the positions, negative ones plus n), `values` cast to arr's dtype
  and broadcast to the inserted block, the result assembled from runs of `arr` and of the block in the new order.
  A position outside [-n, n] is refused at build time (NumPy raises IndexError, or writes where a wrapped negative
  index points). The derivative is concatenation's and astype's.
* `np.lexsort(keys, axis=-1)`: keys a tuple or list of arrays of one shape (or a 2-d array's rows), the last the
  primary key: the stable argsort of the first key, then of each next key gathered through the order so far (a
  stable sort by the next key keeps the order of equal ones), NumPy's result (int64; NaN last, as its sort).
"""
from __future__ import annotations

from ..ir import Const
from ..values import ListValue
from .call_args import Emitter, arg, arity, known_rank, static
from .composed_functions import array_and_axis
from .running_sums import as_array


def _positions(lowering, node, obj, length: int) -> tuple[list[int], bool]:
    """The positions `obj` names (NumPy's `indices`) and whether it is one int (a 0-d `indices`)."""
    if isinstance(obj, slice):
        if any(b is not None and (not isinstance(b, int) or isinstance(b, bool)) for b in (obj.start, obj.stop,
                                                                                           obj.step)):
            raise lowering.error(node, "np.insert's positions are a slice of ints known at build time (the size of "
                                 "its result depends on them)", "np.insert(x, slice(1, 3), v)")
        return list(range(length + 1)[obj]), False
    value = static(lowering, obj, node, "np.insert's positions")
    scalar = not isinstance(value, tuple)
    items = (value,) if scalar else value
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise lowering.error(node, "np.insert's positions are an int or a flat list of ints known at build time",
                             "np.insert(x, [0, 2], v)")
    if any(not -length <= i <= length for i in items):
        raise lowering.error(node, f"np.insert at a position out of range for an axis of length {length} (NumPy "
                             "raises IndexError, or writes where a wrapped negative index points)",
                             "positions from -n to n")
    return [i + length if i < 0 else i for i in items], scalar


def insert(lowering, node, builder, positional, keywords):
    """`np.insert(arr, obj, values, axis=None)`."""
    arity(lowering, node, "np.insert", positional, keywords, 3, 4, ("axis",))
    emit, x, axis, rank, length = array_and_axis(lowering, node, builder, positional, keywords, 3, "np.insert")
    indices, scalar = _positions(lowering, node, positional[1], length)
    values = as_array(lowering, node, builder, positional[2])  # (NumPy's array(values, dtype=arr.dtype))
    values = emit("astype", values, dtype=x.type.dtype) if values.type.dtype != x.type.dtype else values
    vrank = known_rank(emit, values)
    dims = emit.dims(x)
    before = (slice(None),) * axis
    if len(indices) == 1:
        if vrank < rank:  # NumPy's ndmin: ones in front
            values = emit("reshape", values, *([1] * (rank - vrank) + emit.dims(values)))
        if scalar and axis:  # NumPy's moveaxis(values, 0, axis)
            values = emit("transpose", values, axes=tuple(list(range(1, axis + 1)) + [0] +
                                                           list(range(axis + 1, max(rank, vrank)))))
        count = values.type.shape[axis]
        if not isinstance(count, int):
            raise emit.error("np.insert needs the number of values it inserts", 'annotate it, e.g. v: "f64[3]"')
        if vrank > rank:  # NumPy's assignment drops leading axes of length 1
            if any(n != 1 for n in values.type.shape[:vrank - rank]):
                raise emit.error(f"np.insert of values of shape {values.type.shape} into an array of rank {rank} "
                                 "(NumPy raises ValueError)", "values of the array's rank or less")
            values = emit("reshape", values, *emit.dims(values)[vrank - rank:])
        block = emit("broadcast_to", values, *(dims[:axis] + [count] + dims[axis + 1:]))
        index = indices[0]
        slots = [("x", i) for i in range(index)] + [("v", k) for k in range(count)] + \
            [("x", i) for i in range(index, length)]
    else:
        order = sorted(range(len(indices)), key=lambda k: indices[k])  # (stable, as NumPy's mergesort)
        placed = {indices[k] + rank_: k for rank_, k in enumerate(order)}
        count = len(indices)
        block = emit("broadcast_to", values, *(dims[:axis] + [count] + dims[axis + 1:]))
        old = iter(range(length))
        slots = [("v", placed[p]) if p in placed else ("x", next(old)) for p in range(length + count)]
    runs: list[list] = []  # (source, start, stop): consecutive slots of one source, read as one slice
    for source, i in slots:
        if runs and runs[-1][0] == source and runs[-1][2] == i:
            runs[-1][2] = i + 1
        else:
            runs.append([source, i, i + 1])
    pieces = [emit("getitem", x if source == "x" else block, index=before + (slice(start, stop),))
              for source, start, stop in runs]
    if not pieces:
        return emit("copy", x)
    return emit("copy", pieces[0]) if len(pieces) == 1 else emit("concatenate", *pieces, axis=axis)


def lexsort(lowering, node, builder, positional, keywords):
    """`np.lexsort(keys, axis=-1)`: stable argsorts, the last key's last."""
    arity(lowering, node, "np.lexsort", positional, keywords, 1, 2, ("axis",))
    emit = Emitter(lowering, node, builder)
    given = positional[0]
    if isinstance(given, (tuple, ListValue)):
        keys = [as_array(lowering, node, builder, k) for k in getattr(given, "items", given)]
    else:
        stacked = as_array(lowering, node, builder, given)
        if known_rank(emit, stacked) < 2 or not isinstance(stacked.type.shape[0], int):
            raise emit.error("np.lexsort's keys are a tuple or list of arrays, or a 2-d array's rows (a known "
                             "number of them)", "np.lexsort((secondary, primary))")
        keys = [emit("getitem", stacked, index=(k,)) for k in range(stacked.type.shape[0])]
    if not keys:
        raise emit.error("np.lexsort needs at least one key (NumPy raises TypeError)", "np.lexsort((a, b))")
    shape = keys[0].type.shape
    if shape is None or any(k.type.shape != shape for k in keys) or not shape:
        raise emit.error("np.lexsort's keys are arrays of one shape, known at build time, of rank 1 or more "
                         "(NumPy raises ValueError otherwise)", "np.lexsort((a, b)) with a.shape == b.shape")
    axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node, Const(-1, None))
    axis = static(lowering, axis_value, axis_node, "`axis`")
    if not isinstance(axis, int) or isinstance(axis, bool) or not -len(shape) <= axis < len(shape):
        raise lowering.error(axis_node, f"np.lexsort along axis {axis} of keys of rank {len(shape)} (NumPy raises)",
                             "an axis the keys have")
    axis %= len(shape)
    order = emit("argsort", keys[0], axis=axis, kind="stable")
    for key in keys[1:]:
        step = emit("argsort", emit("permute_along", key, order, axis=axis), axis=axis, kind="stable")
        order = emit("permute_along", order, step, axis=axis)
    return order


FUNCTIONS = {"numpy.insert": insert, "numpy.lexsort": lexsort}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
