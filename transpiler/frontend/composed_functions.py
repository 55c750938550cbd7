"""NumPy functions and keywords real programs write that the kernel language refused, each written as NumPy writes
it (numpy/lib and numpy/_core at 2.x), so the NumPy backend gives NumPy's bits and the derivatives, batching and
the C target come from the parts (running sums and products, np.trapezoid, `mean=`: running_sums.py):

* `np.full_like(a, fill_value, dtype=None, shape=None)`: `np.full` of a's shape and dtype (NumPy's unsafe cast of
  the fill value); an array fill value broadcast, as `np.copyto` does, and so in `np.full(shape, fill_value)`.
* `np.reshape(a, shape, order='F')` and `.reshape(..., order='F')`: `a.T.reshape(shape[::-1]).T`.
* `np.diagflat(v, k=0)`: `np.diag(v.ravel(), k)`.
* `np.delete(arr, obj, axis=None)` with `obj` an int or a list of ints known at build time: the kept runs
  concatenated (a copy, as NumPy's).
* `np.indices(dimensions, dtype=int, sparse=False)`, `np.diag_indices(n, ndim=2)`, `np.diag_indices_from(arr)`:
  `np.arange`s, reshaped and broadcast.
* `x.item()` of an array of one element, `x.item(k)`, `x.item(i, j)`: `float()`, `int()` or `bool()` of the
  element (positions known at build time). `np.where(c)` of one argument is `np.nonzero(c)`: nonzero.py.
* `np.vecdot(x1, x2, axis=-1)`: the `vecdot` entry (primitives/cumprod_vecdot.py), NumPy's own call.
* `np.matvec(x1, x2)`, `np.vecmat(x1, x2)`: the entries of primitives/matvec.py, NumPy's own calls.
* `np.fill_diagonal(a, val, wrap=False)` is a statement: normalize/fill_diagonal.py.
"""
from __future__ import annotations

import numpy

from ..builder import const
from ..ir import Const
from . import axis_functions as axes
from .array_literals import array_like
from .delete_masks import deleted_by_mask
from .call_args import (Emitter, arg, arity, dtype as read_dtype, given, known_rank, ravel, shape_args, static,
                        static_int)
from .running_sums import as_array, method_running, running, trapezoid
from .shape_handlers import lower_reshape


def full_like(lowering, node, builder, positional, keywords):
    """`np.full_like(a, fill_value, dtype=None, shape=None)`: `np.full` of a's shape and dtype."""
    keywords = dict(keywords)
    if len(positional) == 3 and "dtype" not in keywords:
        positional, keywords["dtype"] = positional[:2], (positional[2], node)
    arity(lowering, node, "np.full_like", positional, keywords, 2, 2, ("dtype", "shape"))
    emit = Emitter(lowering, node, builder)
    like = as_array(lowering, node, builder, positional[0])
    dtype_value = keywords.get("dtype")
    dtype = read_dtype(lowering, *dtype_value) if dtype_value and given(dtype_value[0]) else like.type.dtype
    shape_value = keywords.get("shape")
    dims = shape_args(lowering, shape_value[0], node) if shape_value and given(shape_value[0]) else emit.dims(like)
    fill = emit.atom(array_like(lowering, node, builder, positional[1]))
    if fill.type.shape == ():
        return emit("full", *dims, fill, dtype=dtype)
    _check_fits(emit, fill, dims, "np.full_like")
    if fill.type.weak or fill.type.dtype != dtype:
        fill = emit("astype", fill, dtype=dtype)
    return emit("copy", emit("broadcast_to", fill, *dims))


def _check_fits(emit: Emitter, fill, dims: list, name: str) -> None:
    """An array fill value must broadcast to the new array's shape (NumPy's copyto raises ValueError otherwise)."""
    sizes = [d.value if isinstance(d, Const) else None for d in dims]
    shape = fill.type.shape
    if shape is not None and (len(shape) > len(sizes) or any(
            isinstance(n, int) and isinstance(m, int) and n not in (1, m) for n, m in zip(shape[::-1], sizes[::-1]))):
        raise emit.error(f"{name}'s fill value of shape {shape} does not broadcast to the shape {tuple(sizes)} (NumPy "
                         "raises ValueError)", "a scalar, or an array that broadcasts to the shape")


def full(old):
    """`np.full(shape, fill_value, dtype=None)` of an array fill value: NumPy's `copyto` into the new array, the fill
    broadcast and cast (`np.broadcast_to(fill, shape).astype(dtype)`); a scalar fill is the `full` entry (`old`)."""
    def handle(lowering, node, builder, positional, keywords):
        if len(positional) != 2:
            return old(lowering, node, builder, positional, keywords)
        fill = lowering._atom(array_like(lowering, node, builder, positional[1]), node)
        if fill.type.shape in ((), None):
            return old(lowering, node, builder, positional, keywords)
        arity(lowering, node, "np.full", positional, keywords, 2, 2, ("dtype",))
        emit = Emitter(lowering, node, builder)
        dtype_value = keywords.get("dtype")
        dtype = read_dtype(lowering, *dtype_value) if dtype_value and given(dtype_value[0]) else fill.type.dtype
        dims = shape_args(lowering, positional[0], node)
        _check_fits(emit, fill, dims, "np.full")
        fill = fill if fill.type.dtype == dtype and not fill.type.weak else emit("astype", fill, dtype=dtype)
        return emit("copy", emit("broadcast_to", fill, *dims))

    return handle


def reshape(lowering, node, builder, positional, keywords):
    """`np.reshape(a, shape, order='C')`; 'F' reads and writes the elements in Fortran order."""
    keywords = dict(keywords)
    if "shape" in keywords and len(positional) == 1:
        positional = [positional[0], keywords.pop("shape")[0]]
    if len(positional) == 3 and "order" not in keywords:
        positional, keywords["order"] = positional[:2], (positional[2], node)
    arity(lowering, node, "np.reshape", positional, keywords, 2, 2, ("order",))
    return _ordered_reshape(lowering, node, builder, positional[0], positional[1], keywords.get("order"))


def method_reshape(lowering, node, builder, atom, positional, keywords):
    """`x.reshape(*shape, order='C')`."""
    arity(lowering, node, ".reshape()", positional, keywords, 1, 8, ("order",))
    shape = positional[0] if len(positional) == 1 else tuple(positional)
    return _ordered_reshape(lowering, node, builder, atom, shape, keywords.get("order"))


def _ordered_reshape(lowering, node, builder, x, shape_value, order_entry):
    from .array_functions import c_ordered, f_ordered

    order = "C" if order_entry is None else static(lowering, order_entry[0], order_entry[1], "`order`")
    emit = Emitter(lowering, node, builder)
    if order == "A" and c_ordered(lowering, emit.atom(x)):  # 'F' only for a Fortran- and not C-contiguous array
        order = "C"
    elif order == "A" and f_ordered(lowering, emit.atom(x)):
        order = "F"
    if order == "C":
        return lower_reshape(lowering, node, builder, x, shape_value)
    if order == "A":
        raise lowering.error(order_entry[1], "reshape's order='A' follows the array's memory layout, which a kernel "
                             "knows only for arrays it made C-contiguous (a parameter's is the caller's)",
                             "order='C' (the default) or order='F'")
    if order != "F":
        raise lowering.error(order_entry[1], f"reshape's order={order!r}: NumPy raises ValueError",
                             "order='C' (the default) or order='F'")
    dims = shape_args(lowering, shape_value, node)
    flipped = emit("transpose", emit.atom(x))
    return emit("transpose", lowering._bind(builder, node, "reshape", [flipped] + dims[::-1]))


def diagflat(lowering, node, builder, positional, keywords):
    """`np.diagflat(v, k=0)`: the flattened input on the k-th diagonal of a square matrix."""
    arity(lowering, node, "np.diagflat", positional, keywords, 1, 2, ("k",))
    emit = Emitter(lowering, node, builder)
    v = as_array(lowering, node, builder, positional[0])
    flat = emit("reshape", v, -1) if known_rank(emit, v) != 1 else v
    rest = {"k": keywords["k"]} if "k" in keywords else {}
    return axes.diag(lowering, node, builder, [flat] + list(positional[1:]), rest)


def array_and_axis(lowering, node, builder, positional, keywords, at: int, name: str, named: bool = False):
    """`(emit, array, axis, rank, length)` of `np.delete`/`np.insert`'s first argument and its `axis=` (keyword or
    position `at`, known at build time, made non-negative), whose length they need at build time (`named`: a
    length's name will do): `axis=None` works on the flattened array, as NumPy's does."""
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    axis_value, axis_node = arg(lowering, positional, keywords, at, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    if axis is None:
        x, axis = ravel(emit, x) if known_rank(emit, x) != 1 else x, 0
    rank = known_rank(emit, x)
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise lowering.error(axis_node, f"{name} along axis {axis} of an array of rank {rank} (NumPy raises "
                             "AxisError)", "an axis the array has")
    axis %= rank
    length = x.type.shape[axis]
    if not isinstance(length, int) and not named:
        raise emit.error(f"{name} needs the length of the axis it works along", 'annotate it, e.g. x: "f64[5]"')
    return emit, x, axis, rank, length


def delete(lowering, node, builder, positional, keywords):
    """`np.delete(arr, obj, axis=None)`, `obj` an int or a sequence of ints known at build time (the kept runs);
    positions known at run time, a boolean mask or an axis whose length has a name: delete_masks.py."""
    arity(lowering, node, "np.delete", positional, keywords, 2, 3, ("axis",))
    emit, x, axis, rank, length = array_and_axis(lowering, node, builder, positional, keywords, 2, "np.delete",
                                                 named=True)
    if not isinstance(positional[1], slice) and (not isinstance(length, int) or not _is_static(positional[1])):
        return deleted_by_mask(emit, x, axis, positional[1])
    dropped = _deleted_positions(lowering, node, positional[1], length)
    kept = [i for i in range(length) if i not in dropped]
    runs: list[list[int]] = []
    for i in kept:
        if runs and runs[-1][1] == i:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    before = (slice(None),) * axis
    pieces = [emit("getitem", x, index=before + (slice(start, stop),)) for start, stop in runs or [[0, 0]]]
    return emit("copy", pieces[0]) if len(pieces) == 1 else emit("concatenate", *pieces, axis=axis)


def _is_static(value) -> bool:
    return isinstance(value, Const) or isinstance(value, tuple) and all(_is_static(v) for v in value)


def _deleted_positions(lowering, node, obj, length: int) -> set[int]:
    if isinstance(obj, slice):  # `slice(1, 3)`: the positions it selects, as NumPy's `obj.indices(N)`
        if any(b is not None and (not isinstance(b, int) or isinstance(b, bool)) for b in (obj.start, obj.stop,
                                                                                           obj.step)):
            raise lowering.error(node, "np.delete's positions are a slice of ints known at build time (the size of "
                                 "its result depends on them)", "np.delete(x, slice(1, 3)); for bounds known at "
                                 "run time write np.concatenate([x[:i], x[j:]])")
        return set(range(length)[obj])
    value = static(lowering, obj, node, "np.delete's positions")
    items = value if isinstance(value, tuple) else (value,)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise lowering.error(node, "np.delete's positions are an int or a list of ints known at build time",
                             "np.delete(x, [0, 2]); for a mask write x[~mask] (its size depends on the data)")
    if any(not -length <= i < length for i in items):
        raise lowering.error(node, f"np.delete of a position out of range for an axis of length {length} (NumPy "
                             "raises IndexError)", "positions from -n to n - 1")
    return {i % length for i in items}


def indices(lowering, node, builder, positional, keywords):
    """`np.indices(dimensions, dtype=int, sparse=False)`: each axis's positions, as a grid or sparse."""
    keywords = dict(keywords)
    if not positional and "dimensions" in keywords:
        positional = [keywords.pop("dimensions")[0]]
    arity(lowering, node, "np.indices", positional, keywords, 1, 3, ("dtype", "sparse"))
    emit = Emitter(lowering, node, builder)
    dims = shape_args(lowering, positional[0], node) if not (isinstance(positional[0], tuple)
                                                             and not positional[0]) else []
    dtype_value, dtype_node = arg(lowering, positional, keywords, 1, "dtype", node)
    dtype = read_dtype(lowering, dtype_value, dtype_node) if given(dtype_value) else "i64"
    sparse_value, sparse_node = arg(lowering, positional, keywords, 2, "sparse", node, Const(False, None))
    sparse = static(lowering, sparse_value, sparse_node, "`sparse`")
    grids = []
    for i, size in enumerate(dims):
        positions = emit("arange", size)
        positions = positions if dtype == "i64" else emit("astype", positions, dtype=dtype)
        grids.append(emit("reshape", positions, *[-1 if a == i else 1 for a in range(len(dims))]))
    if sparse:
        return tuple(grids)
    if not dims:
        return emit("full", 0, 0, dtype=dtype)
    return emit("stack", *[emit("broadcast_to", g, *dims) for g in grids], axis=0)


def diag_indices(lowering, node, builder, positional, keywords):
    """`np.diag_indices(n, ndim=2)`: the same `np.arange(n)` once per axis."""
    arity(lowering, node, "np.diag_indices", positional, keywords, 1, 2, ("ndim",))
    ndim_value, ndim_node = arg(lowering, positional, keywords, 1, "ndim", node, Const(2, None))
    ndim = static_int(lowering, ndim_value, ndim_node, "np.diag_indices' `ndim`")
    positions = Emitter(lowering, node, builder)("arange", positional[0])
    return (positions,) * ndim


def diag_indices_from(lowering, node, builder, positional, keywords):
    """`np.diag_indices_from(arr)`: arr's rank and its one length, which every axis must share (NumPy raises)."""
    arity(lowering, node, "np.diag_indices_from", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    x = emit.atom(positional[0])
    rank = known_rank(emit, x)
    if rank < 2 or len(set(x.type.shape)) != 1:
        raise emit.error(f"np.diag_indices_from of an array of shape {x.type.shape}: NumPy needs rank 2 or more and "
                         "every axis of one length", 'annotate a square array, e.g. a: "f64[n,n]"')
    positions = emit("arange", emit.dims(x)[0])
    return (positions,) * rank


def method_item(lowering, node, builder, atom, positional, keywords):
    """`x.item()` of an array of one element (of named lengths: their product checked at run time to be 1),
    `x.item(k)` (a flat position), `x.item(i, j)` or `x.item((i, j))` (positions known at build time): that element
    as a Python float, int or bool."""
    arity(lowering, node, ".item()", positional, keywords, 0, 8,
          hint="x.item(), x.item(k) or x.item(i, j), the positions known at build time")
    emit = Emitter(lowering, node, builder)
    shape = atom.type.shape
    positions = static(lowering, positional[0] if len(positional) == 1 else tuple(positional), node,
                       "the positions of `.item()`")
    positions = positions if isinstance(positions, tuple) else (positions,)
    if not positions and shape is not None and not all(isinstance(n, int) for n in shape):
        size = const(1)
        for dim in emit.dims(atom):  # (NumPy's ValueError where the named lengths make another size, at run time)
            size = emit("multiply", size, dim)
        emit("check_assert", emit("equal", size, 1), error="ValueError",
             message="can only convert an array of size 1 to a Python scalar")
        shape = (1,) * len(shape)
    if shape is None or not all(isinstance(n, int) for n in shape):
        raise emit.error(".item() needs the array's shape at build time", 'annotate it with sizes, e.g. x: "f64[3]"')
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in positions):
        raise emit.error("the positions of `.item()` are integers", "x.item(k) or x.item(i, j)")
    size = int(numpy.prod(shape))
    if not positions:
        if size != 1:
            raise emit.error(f".item() of an array of shape {shape}: NumPy raises unless it has exactly one element",
                             "x[i, j].item(), or float(x[i, j])")
        index = (0,) * len(shape)
    elif len(positions) == 1 and len(shape) != 1:  # a flat position
        if not -size <= positions[0] < size:
            raise emit.error(f".item({positions[0]}) of an array of {size} elements (NumPy raises IndexError)",
                             "a position from -size to size - 1")
        index = tuple(int(i) for i in numpy.unravel_index(positions[0] % size, shape))
    elif len(positions) == len(shape) and all(-n <= p < n for p, n in zip(positions, shape)):
        index = positions
    else:
        raise emit.error(f".item{positions} of an array of shape {shape} (NumPy raises)",
                         "one flat position, or one position per axis, each in range")
    element = emit("getitem", atom, index=index) if shape else atom
    prim = {"bool": "python_bool", "i32": "python_int", "i64": "python_int"}.get(atom.type.dtype, "python_float")
    return emit(prim, element)


def vecdot(lowering, node, builder, positional, keywords):
    """`np.vecdot(x1, x2, axis=-1)`: another axis moved last with a transpose (a view: NumPy's gufunc reads the same
    elements with the same strides for `axis=`), then the `vecdot` entry, which renders NumPy's call."""
    arity(lowering, node, "np.vecdot", positional, keywords, 2, 2, ("axis",),
          hint="np.vecdot(x1, x2, axis=-1); NumPy reads a third positional argument as `out=`, which kernels do not "
               "take")
    emit = Emitter(lowering, node, builder)
    axis_value, axis_node = keywords.get("axis", (Const(-1, None), node))
    axis = static_int(lowering, axis_value, axis_node, "np.vecdot's `axis`")
    operands = []
    for value in positional:
        x = as_array(lowering, node, builder, value)
        rank = known_rank(emit, x)
        if rank == 0 or not -rank <= axis < rank:
            raise emit.error(f"np.vecdot along axis {axis} of an array of rank {rank} (NumPy raises)",
                             "arrays of rank 1 or more, and an axis both have")
        along = axis % rank
        if along != rank - 1:
            x = emit("transpose", x, axes=tuple(a for a in range(rank) if a != along) + (along,))
        operands.append(x)
    return emit("vecdot", *operands)


def matrix_vector(name: str):
    """`np.matvec(x1, x2)` and `np.vecmat(x1, x2)`: the entries of primitives/matvec.py, NumPy's own calls
    (`axes=`, `axis=` and `out=` are not taken)."""
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{name}", positional, keywords, 2, 2, (),
              hint=f"np.{name}(x1, x2); move axes first (np.moveaxis) instead of passing `axes=`")
        emit = Emitter(lowering, node, builder)
        return emit(name, *[as_array(lowering, node, builder, value) for value in positional])

    return handle


def in_place_value(name: str, example: str):
    """`np.fill_diagonal(...)`, `np.copyto(...)`, ... read as a value (they return None): the statements are
    normalize/fill_diagonal.py's and array_writes.py's."""
    def handle(lowering, node, builder, positional, keywords):
        raise lowering.error(node, f"np.{name} changes its array in place and returns None",
                             f"write it as a statement of its own: {example}")

    return handle


FUNCTIONS = {
    "numpy.cumprod": running("cumprod", "cumprod"),
    "numpy.nancumprod": running("nancumprod", "cumprod", nan_fill=1.0),
    "numpy.trapezoid": trapezoid, "numpy.full_like": full_like, "numpy.reshape": reshape,
    "numpy.diagflat": diagflat, "numpy.delete": delete, "numpy.indices": indices,
    "numpy.diag_indices": diag_indices, "numpy.diag_indices_from": diag_indices_from,
    "numpy.fill_diagonal": in_place_value("fill_diagonal", "np.fill_diagonal(a, v)"), "numpy.vecdot": vecdot,
    "numpy.copyto": in_place_value("copyto", "np.copyto(dst, src)"),
    "numpy.putmask": in_place_value("putmask", "np.putmask(a, mask, values)"),
    "numpy.place": in_place_value("place", "np.place(arr, mask, vals)"),
    "numpy.put": in_place_value("put", "np.put(a, ind, v)"),
    "numpy.matvec": matrix_vector("matvec"), "numpy.vecmat": matrix_vector("vecmat"),
}
if hasattr(numpy, "trapz"):  # the old name, where the installed NumPy still has it
    FUNCTIONS["numpy.trapz"] = trapezoid


def extend_functions(functions: dict) -> None:
    """Add these functions to numpy_api's table, `dtype=` wrapping the existing cumsum handlers."""
    functions.update(FUNCTIONS)
    functions["numpy.full"] = full(functions["numpy.full"])
    functions["numpy.cumsum"] = running("cumsum", "cumsum", old=functions["numpy.cumsum"])
    functions["numpy.nancumsum"] = running("nancumsum", "cumsum", nan_fill=0.0, old=functions["numpy.nancumsum"])


def extend_methods(methods: dict) -> None:
    """Add `.cumprod()`, `.item()`, `order=` of `.reshape()` and `dtype=` of `.cumsum()` to array_methods' table."""
    methods["cumsum"] = method_running("cumsum", old=methods["cumsum"])
    methods["cumprod"] = method_running("cumprod")
    methods["reshape"] = method_reshape
    methods["item"] = method_item
