"""`np.put_along_axis(arr, indices, values, axis)`: a statement that writes into `arr`, lowered as the update NumPy
makes, `arr[_make_along_axis_idx(arr.shape, indices, axis)] = values` (numpy/lib/_shape_base_impl.py): `indices`
along `axis`, `np.arange`s reshaped to broadcast along the others. It goes through the write machinery
(inplace_writes.py) as `a[i, j] = v` does, so every name holding `arr` sees the update, repeated indices keep NumPy's
last write, values broadcast as NumPy broadcasts them, and the aliasing rules are the index assignment's.
`axis=None` (a write through `arr.flat`) is refused, located.
"""
from __future__ import annotations

import libcst as cst

from ..frontend.array_literals import array_like
from ..frontend.call_args import Emitter, given, static
from .numpy_statements import bound_arguments, named_array, numpy_statement

_NAMES = ("arr", "indices", "values", "axis")


def is_put_along_axis(lowering, call: cst.Call, builder, env) -> bool:
    """Whether this call statement is `np.put_along_axis(...)`."""
    return numpy_statement(lowering, call, builder, env, ("put_along_axis",)) is not None


def lower_put_along_axis(lowering, call: cst.Call, builder, env) -> None:
    """The update `np.put_along_axis(arr, indices, values, axis)` makes, as `arr[index arrays] = values`."""
    name = "np.put_along_axis"
    found = bound_arguments(lowering, call, "put_along_axis", _NAMES, 4, "np.put_along_axis(a, i, v, axis=1)")
    target = found["arr"]
    arr = named_array(lowering, target, env, name, "np.put_along_axis(m, i, v, axis=0)")
    rank = arr.type.rank
    axis_value = lowering.expr(found["axis"], builder, env)
    if not given(axis_value):
        raise lowering.error(found["axis"], f"{name} with axis=None writes through `arr.flat`, which is not supported "
                             "in kernels", "reshape first: f = a.reshape(-1); np.put_along_axis(f, i, v, axis=0)")
    axis = static(lowering, axis_value, found["axis"], "`axis`")
    if rank is None or not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise lowering.error(found["axis"], f"{name}'s axis {axis!r} is out of bounds for an array of rank {rank} "
                             "(NumPy raises AxisError)", "an integer within the array's rank")
    axis %= rank
    emit = Emitter(lowering, call, builder)
    index = emit.atom(array_like(lowering, call, builder, lowering.expr(found["indices"], builder, env)))
    if index.type.dtype not in ("i32", "i64") or index.type.rank != rank:
        raise lowering.error(found["indices"], f"{name} takes integer indices of the array's rank ({rank}; NumPy "
                             "raises IndexError or ValueError otherwise)", "np.argsort(a, axis=axis)[...]")
    value = array_like(lowering, call, builder, lowering.expr(found["values"], builder, env))
    dims = emit.dims(arr)
    items = [index if d == axis else emit("reshape", emit("arange", dims[d]), *[-1 if e == d else 1
                                                                                  for e in range(rank)])
             for d in range(rank)]
    lowering.store_into(target.value, items, value, call, builder, env)
