"""`np.fill_diagonal(a, val, wrap=False)`: a statement that writes into `a`, lowered as the in-place update NumPy
makes, `a.flat[:end:step] = val`, through the write machinery (inplace_writes.py): every name holding `a` (or a view
of it) sees the update, reverse mode copies what its sweep reads, the C target writes where NumPy writes.

With `a`'s shape known at build time, the flat positions NumPy writes are known too: (i, i) for i below the shorter
side of a matrix (and, with `wrap=True`, NumPy's wrapped diagonals of a tall one), (i, ..., i) of an array whose axes
share one length. They become index arrays, `a[rows, cols] = val`. A scalar `val` fills them all; an array `val` is
read flat and repeated, as NumPy's flat assignment repeats it.

With lengths named by annotation the same positions are index arrays made at run time: `arange(min(n, m))` twice
for a matrix (with `wrap=True`, the flat positions `arange(0, n * m, m + 1)` split into rows and columns), one
`arange(n)` per axis above rank 2, where NumPy's ValueError for axes of different lengths is checked at run time.
An array `val` is then repeated by `arange(count) % size`, its size known at build time, or taken as it is where
its one length is the diagonal's by name.
"""
from __future__ import annotations

import libcst as cst
import numpy as np

from ..builder import const
from ..frontend.array_literals import array
from ..frontend.call_args import Emitter, static
from .numpy_statements import bound_arguments, named_array, numpy_statement


def is_fill_diagonal(lowering, call: cst.Call, builder, env) -> bool:
    """Whether this call statement is `np.fill_diagonal(...)`."""
    return numpy_statement(lowering, call, builder, env, ("fill_diagonal",)) is not None


def lower_fill_diagonal(lowering, call: cst.Call, builder, env) -> None:
    """The update `np.fill_diagonal(a, val, wrap=False)` makes, as `a[index arrays] = val`."""
    given = bound_arguments(lowering, call, "fill_diagonal", ("a", "val", "wrap"), 2, "np.fill_diagonal(a, 0.0)")
    target = given["a"]
    array_value = named_array(lowering, target, env, "np.fill_diagonal", "np.fill_diagonal(m, v)")
    shape = array_value.type.shape
    value = lowering._atom(lowering.expr(given["val"], builder, env), given["val"])
    wrap = static(lowering, lowering.expr(given["wrap"], builder, env), given["wrap"], "`wrap`") \
        if "wrap" in given else False
    if shape is None or len(shape) < 2:
        raise lowering.error(target, "np.fill_diagonal needs an array of rank 2 or more whose rank is known at build "
                             "time (NumPy raises below rank 2)", 'annotate it, e.g. a: "f64[n,n]"')
    if not all(isinstance(n, int) for n in shape):
        items, value = _named_positions(lowering, call, builder, array_value, value, given["val"], wrap)
        lowering.store_into(target.value, items, value, call, builder, env)
        return
    if len(shape) > 2 and len(set(shape)) != 1:
        raise lowering.error(target, f"np.fill_diagonal of an array of shape {shape}: NumPy needs every axis of one "
                             "length above rank 2 (ValueError)", "give it a square or cubic array")
    size = int(np.prod(shape))
    if len(shape) == 2:
        step, end = shape[1] + 1, None if wrap else shape[1] * shape[1]
    else:
        step, end = 1 + int(np.cumprod(shape[:-1]).sum()), None
    positions = list(range(size))[:end:step]
    if not positions:
        return
    if value.type.shape != ():
        value = _repeated(lowering, call, builder, value, given["val"], len(positions))
    items = [lowering._atom(array(lowering, call, builder, [tuple(int(i) for i in axis)], {}), call)
             for axis in np.unravel_index(positions, shape)]
    lowering.store_into(target.value, items, value, call, builder, env)


def _repeated(lowering, call, builder, value, node, count: int):
    """An array value read flat and repeated to `count` elements, as NumPy's `a.flat[...] = value` reads it."""
    shape = value.type.shape
    if shape is None or not all(isinstance(n, int) for n in shape):
        raise lowering.error(node, "np.fill_diagonal of an array value needs its size at build time",
                             'annotate it with sizes, e.g. v: "f64[3]"')
    size = int(np.prod(shape))
    if size == 0:
        raise lowering.error(node, "np.fill_diagonal of an empty value is not supported in kernels",
                             "give a value with elements")
    flat = value if len(shape) == 1 else lowering._bind(builder, call, "reshape", [value, const(-1)])
    if size == count:
        return flat
    repeat = lowering._atom(array(lowering, call, builder, [tuple(k % size for k in range(count))], {}), call)
    args, index = lowering._index(flat, [repeat])
    return lowering._bind(builder, call, "getitem", args, {"index": tuple(index)})


def _named_positions(lowering, call, builder, target, value, node, wrap: bool):
    """The index arrays of NumPy's diagonal positions in an array whose lengths are named, and the value to store
    there (a scalar, or an array read flat and repeated to as many elements)."""
    emit = Emitter(lowering, call, builder)
    shape, dims = target.type.shape, emit.dims(target)
    if len(shape) > 2:
        if len(set(shape)) != 1:
            for dim in dims[1:]:
                emit("check_assert", emit("equal", dim, dims[0]), error="ValueError",
                     message="All dimensions of input must be of equal length")
        count, name = dims[0], shape[0]
        along = emit("arange", count)
        items = [along] * len(shape)
    elif wrap:
        flat = emit("arange", 0, emit("multiply", dims[0], dims[1]), emit("add", dims[1], 1))
        count, name = emit.dims(flat)[0], None
        items = [emit("floor_divide", flat, dims[1]), emit("mod", flat, dims[1])]
    else:
        same = shape[0] == shape[1]
        count, name = (dims[0], shape[0]) if same else (emit("minimum", dims[0], dims[1]), None)
        along = emit("arange", count)
        items = [along, along]
    if value.type.shape == ():
        return items, value
    if value.type.rank == 1 and name is not None and value.type.shape[0] == name:
        return items, value
    sizes = value.type.shape
    if sizes is None or not all(isinstance(n, int) for n in sizes):
        raise lowering.error(node, "np.fill_diagonal of an array value needs its size at build time, or one length "
                             "named as the diagonal's", 'annotate it with sizes, e.g. v: "f64[3]", or a: "f64[n,n]", '
                             'v: "f64[n]"')
    size = int(np.prod(sizes))
    if size == 0:
        raise lowering.error(node, "np.fill_diagonal of an empty value is not supported in kernels",
                             "give a value with elements")
    flat = value if len(sizes) == 1 else emit("reshape", value, -1)
    args, index = lowering._index(flat, [emit("mod", emit("arange", count), size)])
    return items, lowering._bind(builder, call, "getitem", args, {"index": tuple(index)})
