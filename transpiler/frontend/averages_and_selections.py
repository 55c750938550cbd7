"""More common NumPy functions the kernel language refused, put together from primitives it has as NumPy 2.4
writes them (numpy/lib/_function_base_impl.py, _twodim_base_impl.py, _shape_base_impl.py, numpy/_core):

* `np.average(a, axis=None, weights=None, returned=False, keepdims=False)`: without weights `a.mean(axis)`; with
  them `np.multiply(a, w, dtype=t).sum(axis) / w.sum(axis, dtype=t)` (t: the result type, float64 at least for an
  integer `a`), 1-d weights along `axis` reshaped to it, NumPy's ZeroDivisionError where the weights sum to 0 (a
  run-time check); `returned=True` adds the sum of weights (a.size / avg.size without them), broadcast to avg's shape.
* `np.take_along_axis(arr, indices, axis=-1)`: `arr[i0, ..., indices, ..., in]` with `np.arange`s along the other
  axes (NumPy's `_make_along_axis_idx`); axis None: `arr.ravel()[indices]`.
* `np.compress(condition, a, axis=None)`, `np.extract(condition, arr)`: a boolean mask (a run-time length, as
  `x[m]`), the condition's length known at build time and not past the axis (NumPy truncates a shorter one).
* `np.vander(x, N=None, increasing=False)`: a column of ones, then running products of x (NumPy's
  `np.multiply.accumulate`), columns reversed unless `increasing`.
* `np.broadcast_arrays(*args)`: `np.broadcast_to` of each (read-only views), the arrays themselves where every one
  has the shape already (as NumPy returns them).
* `np.tril_indices(n, k=0, m=None)`, `np.triu_indices`, `_from(arr, k=0)`: NumPy's `np.indices` of `np.tri`'s shape
  masked by it (sizes known at build time or at run time: the results' length is a run-time length).
* `np.logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0)`: `np.power(base,
  np.linspace(..., axis=axis))` (array bounds and `axis=` as np.linspace takes them), a constant base a Python number as NumPy 2.4 keeps it (float32 bounds give float32); derivatives flow to `start`
  and `stop` through np.linspace.
"""
from __future__ import annotations

import numpy

from ..ir import Const
from ..ir.types import lifted_dtype, numpy_dtype
from .array_literals import array_like
from .call_args import Emitter, arity, bind_arguments, by_keyword, dtype as read_dtype, given, known_rank, ravel, \
    static, static_int
from .common_functions import tri



def _array(emit: Emitter, lowering, node, builder, value, name: str):
    atom = emit.atom(array_like(lowering, node, builder, value))
    if atom.type.weak and atom.type.shape == ():
        raise emit.error(f"{name} of a Python number is not supported in kernels", "pass an array")
    known_rank(emit, atom)
    return atom


def _cast(emit: Emitter, atom, dtype: str):
    return atom if atom.type.dtype == dtype and not atom.type.weak else emit("astype", atom, dtype=dtype)


def _static_bool(lowering, keywords, key: str, name: str) -> bool:
    value, key_node = keywords.get(key, (Const(False, None), None))
    chosen = static(lowering, value, key_node, f"{name}'s `{key}`")
    if not isinstance(chosen, bool):
        raise lowering.error(key_node, f"{name}'s `{key}` is True or False", "write a literal")
    return chosen


def average(lowering, node, builder, positional, keywords):
    """`np.average(a, axis=None, weights=None, returned=False, keepdims=False)`."""
    name = "np.average"
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("axis", "weights", "returned"))
    arity(lowering, node, name, positional, keywords, 1, 1, ("axis", "weights", "returned", "keepdims"))
    emit = Emitter(lowering, node, builder)
    a = _array(emit, lowering, node, builder, positional[0], name)
    rank = a.type.rank
    axis_value, axis_node = keywords.get("axis", (None, node))
    axis = static(lowering, axis_value, axis_node, "`axis`") if given(axis_value) else None
    axes = None if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if axes is not None and not all(isinstance(i, int) and -rank <= i < rank for i in axes):
        raise lowering.error(axis_node, f"{name}'s axis {axis!r} is out of bounds for rank {rank} (NumPy raises "
                             "AxisError)", "an int or a tuple of ints in range, or None")
    axes = None if axes is None else tuple(sorted(i % rank for i in axes))
    keepdims, returned = (_static_bool(lowering, keywords, key, name) for key in ("keepdims", "returned"))
    params = {"axis": axes} | ({"keepdims": True} if keepdims else {})
    weights_value, weights_node = keywords.get("weights", (None, node))
    if not given(weights_value):
        avg = lowering._bind(builder, node, "mean", [a], params)
        if not returned:
            return avg
        shape, out = a.type.shape, avg.type.shape
        if not all(isinstance(n, int) for n in shape):
            raise emit.error(f"{name}(..., returned=True) without weights needs a's shape known at build time "
                             "(the count is a.size / avg.size)", 'annotate it with sizes, e.g. a: "f64[3,4]"')
        size, kept = int(numpy.prod(shape)), int(numpy.prod(out))
        count = float(numpy_dtype(avg.type.dtype).type(size / kept)) if kept else float("nan")
        scale = emit("full", *emit.dims(avg), count, dtype=avg.type.dtype) if out else \
            emit("getitem", emit("astype", emit("array", value=count), dtype=avg.type.dtype), index=())
        return avg, scale
    w = _array(emit, lowering, weights_node, builder, weights_value, name)
    kind = numpy_dtype(a.type.dtype).kind
    result = numpy.result_type(numpy_dtype(a.type.dtype), numpy_dtype(w.type.dtype), *(["f8"] if kind in "biu" else []))
    result = lifted_dtype(result)
    if w.type.shape != a.type.shape:
        if axes is None:
            raise lowering.error(weights_node, f"{name}: weights of shape {w.type.shape} beside a of shape "
                                 f"{a.type.shape} need an axis (NumPy raises TypeError)",
                                 "weights of a's shape, or 1-d weights with axis=")
        length, size = (w.type.shape[0] if w.type.rank == 1 else None), a.type.shape[axes[0]]
        if w.type.rank != 1 or len(axes) != 1 or (isinstance(length, int) and isinstance(size, int) and
                                                   length != size):
            raise lowering.error(weights_node, f"{name}: the weights' shape {w.type.shape} does not match a's "
                                 f"{a.type.shape} along axis {axis} (NumPy raises ValueError or TypeError)",
                                 "1-d weights as long as that axis")
        if length != size:  # sizes known only at run time: NumPy's ValueError where they differ
            same = emit("equal", emit.dims(w)[0], emit.dims(a)[axes[0]])
            emit("check_assert", same, message="Shape of weights must be consistent with shape of a along "
                 "specified axis.", error="ValueError")
        w = emit("reshape", w, *[-1 if i == axes[0] else 1 for i in range(rank)])
    w = _cast(emit, w, result)
    scale = lowering._bind(builder, node, "sum", [w], params)
    zero = lowering._bind(builder, node, "any", [emit("equal", scale, 0.0)], {"axis": None})
    emit("check_assert", emit("logical_not", zero), message="Weights sum to zero, can't be normalized",
         error="ZeroDivisionError")
    total = lowering._bind(builder, node, "sum", [emit("multiply", _cast(emit, a, result), w)], params)
    avg = emit("divide", total, scale)
    if not returned:
        return avg
    if scale.type.shape != avg.type.shape:
        scale = emit("copy", emit("broadcast_to", scale, *emit.dims(avg)))
    return avg, scale


def take_along_axis(lowering, node, builder, positional, keywords):
    """`np.take_along_axis(arr, indices, axis=-1)`."""
    name = "np.take_along_axis"
    positional, keywords = bind_arguments(lowering, node, name, positional, keywords, 2, ("axis",))
    emit = Emitter(lowering, node, builder)
    arr = _array(emit, lowering, node, builder, positional[0], name)
    index = _array(emit, lowering, node, builder, positional[1], name)
    if index.type.dtype not in ("i32", "i64"):
        raise emit.error(f"{name}'s indices are integers ({index.type.dtype} given; NumPy raises IndexError)",
                         "cast them: indices.astype(np.int64)")
    axis_value, axis_node = keywords.get("axis", (Const(-1, None), node))
    axis = static(lowering, axis_value, axis_node, "`axis`") if given(axis_value) else None
    if axis is None:
        if index.type.rank != 1:
            raise emit.error(f"{name} with axis=None takes 1-d indices (NumPy raises ValueError)", "index.ravel()")
        return _gather(lowering, builder, node, ravel(emit, arr) if arr.type.rank != 1 else arr, [index])
    rank = arr.type.rank
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise lowering.error(axis_node, f"{name}'s axis {axis!r} is out of bounds for rank {rank} (NumPy raises "
                             "AxisError)", f"an integer from {-rank} to {rank - 1}, or None")
    if index.type.rank != rank:
        raise emit.error(f"{name}: indices of rank {index.type.rank} beside an array of rank {rank} (NumPy raises "
                         "ValueError)", "indices with the array's rank, as np.argsort(arr, axis) gives")
    axis %= rank
    dims = emit.dims(arr)
    items = [index if d == axis else emit("reshape", emit("arange", dims[d]), *[-1 if e == d else 1
                                                                                  for e in range(rank)])
             for d in range(rank)]
    return _gather(lowering, builder, node, arr, items)


def _gather(lowering, builder, node, atom, items):
    args, structure = lowering._index(atom, items)
    return lowering._bind(builder, node, "getitem", args, {"index": tuple(structure)})


def _masked(lowering, node, builder, name: str, condition, x, axis: int):
    """`x[(slice(None),) * axis + (condition != 0,)]`, the condition known not longer than the axis."""
    emit = Emitter(lowering, node, builder)
    if condition.type.rank != 1:
        raise emit.error(f"{name}'s condition is 1-d here", "condition.ravel()")
    length, size = condition.type.shape[0], x.type.shape[axis]
    mask = condition if condition.type.dtype == "bool" else emit("not_equal", condition, 0)
    if length == size:
        return _gather(lowering, builder, node, x, [slice(None)] * axis + [mask])
    if not (isinstance(length, int) and isinstance(size, int)):
        raise emit.error(f"{name} needs its condition as long as the axis it selects from, or both lengths known "
                         "at build time (NumPy truncates a shorter condition, and raises IndexError for a longer "
                         "one only where a True falls past the end)", 'annotate the sizes, e.g. "f64[5]"')
    if length > size:
        raise emit.error(f"{name}'s condition ({length}) is longer than the axis ({size}): NumPy raises IndexError "
                         "where a True falls past the end, which depends on the values",
                         f"condition[:{size}]")
    x = _gather(lowering, builder, node, x, [slice(None)] * axis + [slice(None, length)])
    return _gather(lowering, builder, node, x, [slice(None)] * axis + [mask])


def compress(lowering, node, builder, positional, keywords):
    """`np.compress(condition, a, axis=None)`."""
    name = "np.compress"
    positional, keywords = bind_arguments(lowering, node, name, positional, keywords, 2, ("axis", "out"))
    if "out" in keywords and given(keywords["out"][0]):
        raise lowering.error(keywords["out"][1], f"{name}'s `out=` is not supported in kernels", "use the result")
    emit = Emitter(lowering, node, builder)
    condition = _array(emit, lowering, node, builder, positional[0], name)
    a = _array(emit, lowering, node, builder, positional[1], name)
    axis_value, axis_node = keywords.get("axis", (None, node))
    axis = static(lowering, axis_value, axis_node, "`axis`") if given(axis_value) else None
    if axis is None:
        return _masked(lowering, node, builder, name, condition, ravel(emit, a) if a.type.rank != 1 else a, 0)
    rank = a.type.rank
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise lowering.error(axis_node, f"{name}'s axis {axis!r} is out of bounds for rank {rank} (NumPy raises "
                             "AxisError)", f"an integer from {-rank} to {rank - 1}, or None")
    return _masked(lowering, node, builder, name, condition, a, axis % rank)


def extract(lowering, node, builder, positional, keywords):
    """`np.extract(condition, arr)`: NumPy's `np.take(arr.ravel(), np.nonzero(condition.ravel())[0])`."""
    name = "np.extract"
    arity(lowering, node, name, positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    condition = _array(emit, lowering, node, builder, positional[0], name)
    arr = _array(emit, lowering, node, builder, positional[1], name)
    flat = [ravel(emit, v) if v.type.rank != 1 else v for v in (condition, arr)]
    return _masked(lowering, node, builder, name, flat[0], flat[1], 0)


def vander(lowering, node, builder, positional, keywords):
    """`np.vander(x, N=None, increasing=False)`."""
    name = "np.vander"
    positional, keywords = bind_arguments(lowering, node, name, positional, keywords, 1, ("N", "increasing"))
    emit = Emitter(lowering, node, builder)
    x = _array(emit, lowering, node, builder, positional[0], name)
    if x.type.rank != 1:
        raise emit.error(f"{name} takes a 1-d array (NumPy raises ValueError)", "x.ravel()")
    n_value, n_node = keywords.get("N", (None, node))
    columns = static_int(lowering, n_value, n_node, f"{name}'s `N`") if given(n_value) else x.type.shape[0]
    if given(n_value) and columns < 0:
        raise emit.error(f"{name} of a negative N (NumPy raises ValueError)", "N >= 0")
    increasing = _static_bool(lowering, keywords, "increasing", name)
    dtype = lifted_dtype(numpy.promote_types(numpy_dtype(x.type.dtype), numpy.int64))
    x = _cast(emit, x, dtype)
    rows = emit.dims(x)[0]
    if not isinstance(columns, int):  # N = len(x), a length known at run time: the n + 1 running products of
        column = emit("reshape", x, -1, 1)  # [1, x, x, ...] (NumPy's accumulate from 1), less the last
        ones = emit("ones", rows, 1, dtype=dtype)
        powers = emit("cumprod", emit("concatenate", ones, emit("broadcast_to", column, rows, rows), axis=1), axis=1)
        table = emit("getitem", powers, index=(slice(None), slice(None, -1)))
        return table if increasing else emit("flip", table, axis=1)
    if columns == 0:
        return emit("zeros", rows, 0, dtype=dtype)
    ones = emit("ones", rows, 1, dtype=dtype)
    if columns == 1:
        table = ones
    else:
        powers = emit("cumprod", emit("broadcast_to", emit("reshape", x, -1, 1), rows, columns - 1), axis=1)
        table = emit("concatenate", ones, powers, axis=1)
    return table if increasing else emit("flip", table, axis=1)


def broadcast_arrays(lowering, node, builder, positional, keywords, name: str = "np.broadcast_arrays"):
    """`np.broadcast_arrays(*args)`: a tuple of read-only views of one shape (the arrays themselves where each has
    that shape already); `name` the function whose broadcast it is, for its refusals."""
    arity(lowering, node, name, positional, keywords, 0, 32)
    emit = Emitter(lowering, node, builder)
    atoms = [_array(emit, lowering, node, builder, v, name) for v in positional]
    rank = max((a.type.rank for a in atoms), default=0)
    dims = []
    for axis in range(-rank, 0):
        sizes = [(a, a.type.shape[axis]) for a in atoms if a.type.rank >= -axis]
        wide = [(a, n) for a, n in sizes if n != 1]
        if any(n != wide[0][1] for _, n in wide):
            raise emit.error(f"{name}: the shapes {[a.type.shape for a in atoms]} do not broadcast, or their sizes "
                             "are not known to agree at build time (NumPy raises ValueError)",
                             "arrays whose shapes broadcast, annotated with the same size names")
        owner, _ = wide[0] if wide else sizes[0]
        dims.append(lowering._dim(owner, owner.type.rank + axis, builder, node))
    shape = tuple(a.type.shape for a in atoms)
    if all(s == shape[0] and len(s) == rank for s in shape):
        return tuple(atoms)
    return tuple(emit("broadcast_to", a, *dims) for a in atoms)


def triangle_indices(upper: bool, from_array: bool):
    """`np.tril_indices(n, k=0, m=None)`, `np.triu_indices`, and their `_from(arr, k=0)`."""
    name = f"np.tri{'u' if upper else 'l'}_indices{'_from' if from_array else ''}"

    def handle(lowering, node, builder, positional, keywords):
        positional, keywords = bind_arguments(lowering, node, name, positional, keywords,
                                              1, ("k",) if from_array else ("k", "m"))
        emit = Emitter(lowering, node, builder)
        if from_array:
            arr = _array(emit, lowering, node, builder, positional[0], name)
            if arr.type.rank != 2:
                raise emit.error(f"{name} takes a 2-d array (NumPy raises ValueError for another rank)",
                                 'annotate it, e.g. a: "f64[n,n]"')
            sizes = [lowering._dim(arr, axis, builder, node) for axis in (0, 1)]
        else:
            sizes = [positional[0], keywords.get("m", (None, node))[0]]
        k_value, k_node = keywords.get("k", (Const(0, None), node))
        k = static_int(lowering, k_value, k_node, f"{name}'s `k`")
        k_entry = (Const(k - 1 if upper else k, None), node)
        mask = tri(lowering, node, builder, [sizes[0]], {"M": (sizes[1], node), "k": k_entry,
                                                          "dtype": ("bool", node)})
        if upper:
            mask = emit("logical_not", mask)
        rows, columns = emit.dims(mask)
        full = [emit("broadcast_to", emit("reshape", emit("arange", rows), -1, 1), rows, columns),
                emit("broadcast_to", emit("reshape", emit("arange", columns), 1, -1), rows, columns)]
        return tuple(_gather(lowering, builder, node, grid, [mask]) for grid in full)

    return handle


def logspace(linspace):
    """`np.logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0)` of a constant base: NumPy
    2.4's `power(base, linspace(start, stop, num, endpoint, axis=axis))`, so array bounds and `axis=` are the
    np.linspace handler's (`linspace`); an array base (which NumPy broadcasts first) is refused."""
    name = "np.logspace"

    def handle(lowering, node, builder, positional, keywords):
        positional, keywords = bind_arguments(lowering, node, name, positional, keywords,
                                              2, ("num", "endpoint", "base", "dtype", "axis"))
        emit = Emitter(lowering, node, builder)
        base_value, base_node = keywords.pop("base", (Const(10.0, None), node))
        base = static(lowering, base_value, base_node, f"{name}'s `base`")
        if not isinstance(base, (int, float)) or isinstance(base, bool):
            raise lowering.error(base_node, f"{name}'s `base` is a number known at build time", "write a literal")
        dtype_entry = keywords.pop("dtype", None)
        y = linspace(lowering, node, builder, positional, keywords)
        powers = emit("power", base, y)  # a Python number, weak beside y (NumPy 2.4 keeps a scalar base as it is)
        if dtype_entry is not None and given(dtype_entry[0]):
            return _cast(emit, powers, read_dtype(lowering, *dtype_entry))
        return powers

    return handle


def extend_functions(functions: dict) -> None:
    """Add these to numpy_api's table (np.logspace is added after np.linspace's every form, which it wraps)."""
    functions.update({
        "numpy.average": average, "numpy.take_along_axis": take_along_axis, "numpy.compress": compress,
        "numpy.extract": extract, "numpy.vander": vander, "numpy.broadcast_arrays": broadcast_arrays,
        "numpy.tril_indices": triangle_indices(False, False), "numpy.triu_indices": triangle_indices(True, False),
        "numpy.tril_indices_from": triangle_indices(False, True),
        "numpy.triu_indices_from": triangle_indices(True, True),
    })
