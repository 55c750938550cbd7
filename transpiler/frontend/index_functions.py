"""More of the callables a listing of `dir(np)` showed kernels refused, as NumPy 2.4 computes them:

* `np.unravel_index(indices, shape, order='C')`: each coordinate `(i // stride) % dim` of the integer indices (the
  strides of C or Fortran order), int64 arrays of the indices' shape; an index outside [0, size) raises NumPy's
  ValueError at run time; `shape` ints known at build time.
* `np.ravel_multi_index(multi_index, dims, mode='raise', order='C')`: the sum of each coordinate times its stride
  (int64); 'raise' checks each coordinate against its dimension at run time (NumPy's ValueError "invalid entry in
  coordinates array"), 'wrap' reads `% dim`, 'clip' clips; one mode for every dimension.
* `np.unstack(x, /, *, axis=0)` (NumPy 2.1): `tuple(np.moveaxis(x, axis, 0))`, the views `x[..., i, ...]` along an
  axis whose length is known at build time.
* `np.astype(x, dtype, /, *, copy=True)` (NumPy 2.1): `x.astype(dtype)`, a copy; `copy=False`, which returns `x`
  itself where the dtype is already x's, is refused (an alias NumPy decides by the dtype).
* `np.iscomplexobj(x)`: the Python bool False (Lifted has no complex dtype).
* `np.histogram_bin_edges(a, bins=10, range=None, weights=None)`: np.histogram's edges (histograms/equal_bins.py).
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const
from .array_literals import array_like
from .call_args import Emitter, arg, arity, dtype as read_dtype, given, static
from .histograms import histogram
from .running_sums import as_array


def _dims(lowering, value, node, name: str) -> tuple[int, ...]:
    dims = static(lowering, value, node, f"{name}'s shape")
    dims = (dims,) if isinstance(dims, int) else dims
    if not isinstance(dims, tuple) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                              for d in dims):
        raise lowering.error(node, f"{name}'s shape is a tuple of non-negative ints known at build time", "(3, 4)")
    return dims


def _order(lowering, positional, keywords, at: int, node, name: str) -> str:
    value, where = arg(lowering, positional, keywords, at, "order", node, "C")
    order = static(lowering, value, where, f"{name}'s `order`")
    if order not in ("C", "F"):
        raise lowering.error(where, f"{name}'s order={order!r}: NumPy raises ValueError", "order='C' or 'F'")
    return order


def _strides(dims: tuple[int, ...], order: str) -> list[int]:
    strides, step = [], 1
    for d in (reversed(dims) if order == "C" else dims):
        strides.append(step)
        step *= d
    return strides[::-1] if order == "C" else strides


def _integers(emit: Emitter, x, name: str):
    if x.type.dtype not in ("i32", "i64"):
        raise emit.error(f"{name} of {x.type.dtype}: NumPy raises TypeError (only integer indices)",
                         "x.astype(np.int64)")
    return x if x.type.dtype == "i64" else emit("astype", x, dtype="i64")


def unravel_index(lowering, node, builder, positional, keywords):
    """`np.unravel_index(indices, shape, order='C')`."""
    arity(lowering, node, "np.unravel_index", positional, keywords, 2, 3, ("order",))
    emit = Emitter(lowering, node, builder)
    indices = _integers(emit, as_array(lowering, node, builder, positional[0]), "np.unravel_index")
    dims = _dims(lowering, positional[1], node, "np.unravel_index")
    order = _order(lowering, positional, keywords, 2, node, "np.unravel_index")
    size = 1
    for d in dims:
        size *= d
    inside = emit("logical_and", emit("less_equal", 0, indices), emit("less", indices, size))
    emit("check_assert", emit("all", inside, axis=None),
         message=f"index is out of bounds for array with size {size}", error="ValueError")
    return tuple(emit("mod", emit("floor_divide", indices, stride), d) if d else emit("multiply", indices, 0)
                 for stride, d in zip(_strides(dims, order), dims))


def ravel_multi_index(lowering, node, builder, positional, keywords):
    """`np.ravel_multi_index(multi_index, dims, mode='raise', order='C')`."""
    arity(lowering, node, "np.ravel_multi_index", positional, keywords, 2, 4, ("mode", "order"))
    emit = Emitter(lowering, node, builder)
    dims = _dims(lowering, positional[1], node, "np.ravel_multi_index")
    coordinates = positional[0]
    if not isinstance(coordinates, tuple) or len(coordinates) != len(dims):
        raise emit.error("np.ravel_multi_index's multi_index is a tuple of one integer array per dimension",
                         "np.ravel_multi_index((rows, cols), (3, 4))")
    mode_value, mode_node = arg(lowering, positional, keywords, 2, "mode", node, "raise")
    mode = static(lowering, mode_value, mode_node, "np.ravel_multi_index's `mode`")
    if mode not in ("raise", "wrap", "clip"):
        raise lowering.error(mode_node, f"np.ravel_multi_index's mode={mode!r} is not supported in kernels",
                             "one of 'raise', 'wrap', 'clip' for every dimension")
    order = _order(lowering, positional, keywords, 3, node, "np.ravel_multi_index")
    total = None
    for value, d, stride in zip(coordinates, dims, _strides(dims, order)):
        c = _integers(emit, as_array(lowering, node, builder, value), "np.ravel_multi_index")
        if mode == "raise":
            inside = emit("logical_and", emit("less_equal", 0, c), emit("less", c, d))
            emit("check_assert", emit("all", inside, axis=None), message="invalid entry in coordinates array",
                 error="ValueError")
        elif mode == "wrap":
            c = emit("mod", c, d) if d else c
        else:
            c = emit("minimum", emit("maximum", c, 0), max(d - 1, 0))
        term = emit("multiply", c, stride)
        total = term if total is None else emit("add", total, term)
    return total


def unstack(lowering, node, builder, positional, keywords):
    """`np.unstack(x, /, *, axis=0)`."""
    arity(lowering, node, "np.unstack", positional, keywords, 1, 1, ("axis",))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(positional[0])
    axis_value, axis_node = keywords.get("axis", (Const(0, None), node))
    axis = static(lowering, axis_value, axis_node, "`axis`")
    rank = x.type.rank
    if rank is None or x.type.weak or not isinstance(axis, int) or isinstance(axis, bool) or \
            not -rank <= axis < max(rank, 0) or rank == 0:
        raise lowering.error(axis_node, "np.unstack needs an array and an axis it has: NumPy raises AxisError",
                             "np.unstack(x, axis=0) of an array of rank 1 or more")
    axis %= rank
    length = x.type.shape[axis]
    if not isinstance(length, int):
        raise emit.error("np.unstack needs the length of its axis known at build time (the tuple's length)",
                         'annotate it, e.g. x: "f64[3,n]"')
    return tuple(emit("getitem", x, index=(slice(None),) * axis + (i,)) for i in range(length))


def astype(lowering, node, builder, positional, keywords):
    """`np.astype(x, dtype, /, *, copy=True, device=None)`."""
    arity(lowering, node, "np.astype", positional, keywords, 2, 2, ("copy", "device"))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(positional[0])
    if x.type.weak:
        raise emit.error("np.astype of a Python number: NumPy raises TypeError (an array or NumPy scalar)",
                         "np.asarray(x).astype(dtype)")
    copy_value, copy_node = keywords.get("copy", (Const(True, None), node))
    if not static(lowering, copy_value, copy_node, "np.astype's `copy`"):
        raise lowering.error(copy_node, "np.astype's copy=False returns the array itself where the dtype is "
                             "already its own, an alias kernels do not model", "leave copy out (a copy)")
    if "device" in keywords and given(keywords["device"][0]) and \
            static(lowering, *keywords["device"], "np.astype's `device`") != "cpu":
        raise lowering.error(keywords["device"][1], "np.astype's device is 'cpu' or None", "leave device out")
    return emit("astype", x, dtype=read_dtype(lowering, positional[1], node))


def iscomplexobj(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.iscomplexobj", positional, keywords, 1, 1)
    Emitter(lowering, node, builder).atom(array_like(lowering, node, builder, positional[0]))
    return const(False)


def histogram_bin_edges(lowering, node, builder, positional, keywords):
    """`np.histogram_bin_edges(a, bins=10, range=None, weights=None)`: np.histogram's edges (for a number of
    bins the weights take no part)."""
    arity(lowering, node, "np.histogram_bin_edges", positional, keywords, 1, 4, ("bins", "range", "weights"))
    keywords = {key: value for key, value in keywords.items() if key != "weights"}
    return histogram(lowering, node, builder, list(positional[:3]), keywords)[1]


FUNCTIONS = {"numpy.unravel_index": unravel_index, "numpy.ravel_multi_index": ravel_multi_index,
             "numpy.unstack": unstack, "numpy.astype": astype, "numpy.iscomplexobj": iscomplexobj,
             "numpy.histogram_bin_edges": histogram_bin_edges}
