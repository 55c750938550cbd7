"""Handlers of NumPy's shape functions and array constructors: `np.transpose`, `np.reshape`, `np.stack`,
`np.zeros`, `np.full`, `np.arange`, `len`, `np.shape`, `np.ndim` (those with a module of their own are elsewhere).

Each checks the call's arguments (count, which must be build-time constants) and binds one primitive, whose rules
check the shapes.
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const
from . import array_functions as arrays
from .call_args import Emitter, arg as _arg, arity as _arity, dtype as read_dtype, dtype_params as _dtype_params, \
    shape_args, static
from .ufunc_handlers import Handler

def lower_transpose(lowering, node, builder, x, axes_value, axes_node):
    """`x.transpose(axes)` / `np.transpose(x, axes)` of an array `x`, `axes` static (None: reversed); shared with the
    method table."""
    axes = static(lowering, axes_value, axes_node, "`axes`")
    params = {} if axes is None else {"axes": tuple(axes)}
    return lowering._bind(builder, node, "transpose", [lowering._atom(x, node)], params)


def np_transpose(lowering, node, builder, positional, keywords):
    """`np.transpose(a, axes=None)`."""
    _arity(lowering, node, "np.transpose", positional, keywords, 1, 2, ("axes",))
    axes, axes_node = _arg(lowering, positional, keywords, 1, "axes", node)
    if axes is None and lowering._atom(positional[0], node).type.rank == 0:  # NumPy's 0-d array, where `x.T`
        axes = ()  # would raise on a Python float
    return lower_transpose(lowering, node, builder, positional[0], axes, axes_node)


def swapaxes(lowering, node, builder, positional, keywords):
    """`np.swapaxes(a, axis1, axis2)`."""
    _arity(lowering, node, "np.swapaxes", positional, keywords, 3, 3)
    a1, a2 = (static(lowering, v, node, "the axes") for v in positional[1:])
    return lowering._bind(builder, node, "swapaxes", [lowering._atom(positional[0], node)], {"axis1": a1, "axis2": a2})


def lower_reshape(lowering, node, builder, x, shape_value):
    """`x` reshaped to `shape_value` (a shape tuple or ints, C order); shared with the method table and np.reshape's
    `order=` handler."""
    dims = shape_args(lowering, shape_value, node)
    return lowering._bind(builder, node, "reshape", [lowering._atom(x, node)] + dims)


def np_reshape(lowering, node, builder, positional, keywords):
    """`np.reshape(a, shape)`."""
    _arity(lowering, node, "np.reshape", positional, keywords, 2, 2)
    return lower_reshape(lowering, node, builder, positional[0], positional[1])


def axis_op(prim: str, name: str, required: bool) -> Handler:
    """The handler of a function of one array and an `axis` (`required`, or optional) bound to primitive `prim`."""
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, name, positional, keywords, 1 + (required and "axis" not in keywords), 2, ("axis",))
        axis_value, axis_node = _arg(lowering, positional, keywords, 1, "axis", node)
        axis = static(lowering, axis_value, axis_node, "`axis`")
        params = {"axis": axis} if axis is not None else {}
        return lowering._bind(builder, node, prim, [lowering._atom(positional[0], node)], params)

    return handle


def sequence_op(prim: str, name: str) -> Handler:
    """The handler of a function of a sequence of arrays and an `axis` (np.concatenate, np.stack) bound to `prim`."""
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, name, positional, keywords, 1, 2, ("axis",))
        parts = arrays.sequence_of_arrays(lowering, node, positional[0], name, builder)
        axis_value, axis_node = _arg(lowering, positional, keywords, 1, "axis", node, default=Const(0, None))
        axis = static(lowering, axis_value, axis_node, "`axis`")
        if not isinstance(axis, int):
            raise lowering.error(axis_node, "`axis` is an integer here", "axis=0")
        return lowering._bind(builder, node, prim, [lowering._atom(a, node) for a in parts], {"axis": axis})

    return handle


def broadcast_to(lowering, node, builder, positional, keywords):
    """`np.broadcast_to(a, shape)`."""
    _arity(lowering, node, "np.broadcast_to", positional, keywords, 2, 2)
    dims = shape_args(lowering, positional[1], node)
    x = _to_fixed_sizes(Emitter(lowering, node, builder), lowering._atom(positional[0], node), dims)
    return lowering._bind(builder, node, "broadcast_to", [x] + dims)


def _to_fixed_sizes(emit: Emitter, x, dims: list):
    """`x` whose axes of a named length (`n1`) that meet a literal size of the target (`4`) are checked at run time
    to be 1 or that size, as NumPy's broadcast_to checks them (ValueError otherwise), and then read as either:
    CuPy's `xp.broadcast_to(a, (3, 2, 4))` of an `f64[n0,n1]`. Other axes, and a target of a named size, are
    left to the shape rule."""
    shape = x.type.shape
    if shape is None or len(shape) > len(dims):
        return x
    offset = len(dims) - len(shape)
    loose = [isinstance(d, str) and isinstance(dims[offset + k], Const) and isinstance(dims[offset + k].value, int)
             and dims[offset + k].value != 1 for k, d in enumerate(shape)]
    if not any(loose):
        return x
    sizes = emit.dims(x)
    checked = [emit("where", emit("equal", sizes[k], 1), 1, dims[offset + k].value) if loose[k] else sizes[k]
               for k in range(len(shape))]
    return emit("refine_shape", x, *checked)


def filled_with(prim: str) -> Handler:
    """The handler of `np.zeros`/`np.ones(shape, dtype=)` bound to `prim`."""
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, f"np.{prim}", positional, keywords, 1, 1, ("dtype",))
        return lowering._bind(builder, node, prim, shape_args(lowering, positional[0], node),
                              _dtype_params(lowering, keywords))

    return handle


def full(lowering, node, builder, positional, keywords):
    """`np.full(shape, fill_value, dtype=None)`."""
    _arity(lowering, node, "np.full", positional, keywords, 2, 2, ("dtype",))
    args = shape_args(lowering, positional[0], node) + [lowering._atom(positional[1], node)]
    return lowering._bind(builder, node, "full", args, _dtype_params(lowering, keywords))


def like(prim: str) -> Handler:
    """The handler of `np.zeros_like`/`np.ones_like`-style functions bound to `prim`."""
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, f"np.{prim}", positional, keywords, 1, 1, ("dtype",))
        return lowering._bind(builder, node, prim, [lowering._atom(positional[0], node)],
                              _dtype_params(lowering, keywords))

    return handle


def arange(lowering, node, builder, positional, keywords):
    """`np.arange([start,] stop[, step], dtype=None)`, each also by keyword (`np.arange(3, stop=7)`,
    `np.arange(stop=5)`, `np.arange(3, step=2)`), as NumPy's C parser reads them: where stop is missing or None,
    start is the stop and 0 the start (no stop and no positional argument: NumPy's TypeError); a missing or None
    step is 1. A `dtype=` other than the one NumPy picks is NumPy's own fill in that dtype (`_filled_in`)."""
    _arity(lowering, node, "np.arange", positional, keywords, 0, 4, ("start", "stop", "step", "dtype"),
           hint="np.arange([start,] stop[, step], dtype=None)")
    start, stop, step, dtype = (_arg(lowering, positional, keywords, k, key, node)
                                for k, key in enumerate(("start", "stop", "step", "dtype")))
    start, stop, step = start[0], stop[0], step[0]
    none = lambda v: v is None or isinstance(v, Const) and v.value is None  # noqa: E731
    if none(stop):
        if none(start) or stop is None and not positional:  # (`np.arange(start=5)`: stop never given)
            raise lowering.error(node, "np.arange without a stop: NumPy raises TypeError (arange() requires stop to "
                                 "be specified)", "np.arange(stop) or np.arange(start, stop)")
        start, stop = None, start
    bounds = ([] if none(start) and none(step) else [const(0) if none(start) else start]) + [stop] + \
        ([] if none(step) else [step])
    result = lowering._bind(builder, node, "arange", [lowering._atom(v, node) for v in bounds])
    if none(dtype[0]):
        return result
    return _filled_in(Emitter(lowering, node, builder), result, const(0) if none(start) else start,
                      const(1) if none(step) else step, read_dtype(lowering, *dtype), dtype[1])


def _filled_in(emit: Emitter, plain, start, step, dtype: str, dtype_node):
    """`np.arange(..., dtype=)`: NumPy's own fill (numpy/_core/src/multiarray/ctors.c, arraytypes.c.src
    `@NAME@_fill`): the length is the plain arange's, element 0 is `start` cast to `dtype`, element 1 is
    `start + step` cast, and element k past them `first + k * (second - first)` computed in `dtype` (so
    `np.arange(0.5, 5, 0.5, dtype=np.int32)` counts 0, 1, 2, ..., not the truncated halves)."""
    atom = emit.atom(plain)
    if dtype == atom.type.dtype:
        return atom
    if dtype == "bool":
        raise emit.lowering.error(dtype_node, "np.arange's dtype=bool is not supported in kernels (NumPy allows at "
                                  "most two elements)", "write np.arange(...) != 0")
    first = emit("astype", emit.atom(start), dtype=dtype, scalar=True)  # (as NumPy's setitem casts a number)
    second = emit("astype", emit("add", start, step), dtype=dtype, scalar=True)
    positions = emit("arange", emit.dims(atom)[0])
    filled = emit("add", first, emit("multiply", emit("astype", positions, dtype=dtype),
                                      emit("subtract", second, first)))
    filled = emit("where", emit("equal", positions, 1), second, filled)
    return emit("where", emit("equal", positions, 0), first, filled)


def builtin_len(lowering, node, builder, positional, keywords):
    """Python's `len(x)` of an array: its first length."""
    _arity(lowering, node, "len", positional, keywords, 1, 1)
    atom = lowering._atom(positional[0], node)
    if not atom.type.rank:
        raise lowering.error(node, "len() needs an array of known rank 1 or more", 'annotate it, e.g. "f64[n]"')
    return lowering._dim(atom, 0, builder, node)


def np_shape(lowering, node, builder, positional, keywords):
    """`np.shape(x)`, as `x.shape`: a tuple of the dimensions (`()` for a number)."""
    _arity(lowering, node, "np.shape", positional, keywords, 1, 1)
    atom = lowering._atom(positional[0], node)
    if atom.type.shape is None:
        raise lowering.error(node, "the shape of a value of unknown rank is not known at build time",
                             'annotate the parameters it comes from, e.g. x: "f64[n,d]"')
    return tuple(lowering._dim(atom, axis, builder, node) for axis in range(len(atom.type.shape)))


def np_ndim(lowering, node, builder, positional, keywords):
    """`np.ndim(x)`, as `x.ndim`: the rank, a build-time number."""
    _arity(lowering, node, "np.ndim", positional, keywords, 1, 1)
    atom = lowering._atom(positional[0], node)
    if atom.type.rank is None:
        raise lowering.error(node, "the rank of this value is not known", "annotate its parameter")
    return const(atom.type.rank)
