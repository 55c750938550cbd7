"""`np.add.at(a, indices, b)`: the statement NumPy users write to add into an array where indices repeat
(`a[i] += b` adds once per distinct element; `np.add.at` adds every time, unbuffered). Lowered as the in-place
update it is, through the write machinery (inplace_writes.py, `combine="add_at"`): every name holding `a` sees it,
a kernel's own parameter is copied first, and the update is the registry's `add_at` primitive (NumPy's own
`np.add.at` on the NumPy target, `lifted_add_at` on the C target, its derivatives linear in `a` and `b`).

`indices` is what `a[indices]` takes: an integer, an integer array, or a tuple of them (one per axis). Refused with a
hint: a boolean or float index (a mask: `np.nonzero(mask)` gives its positions), a slice, `b` missing (NumPy raises
TypeError for a binary ufunc), floating values into an integer array and anything into a boolean one (NumPy adds
in the values' dtype and casts back unsafely), an `a` that is a view of another array (views
of `a` see the update, as every write's views do).
"""
from __future__ import annotations

import libcst as cst

from ..frontend.array_literals import array, array_like
from ..ir.types import show_shape
from ..values import Module
from .functions import frozen
from .numpy_statements import bound_arguments, named_array


def is_add_at(lowering, call: cst.Call, builder, env) -> bool:
    """Whether this call statement is `np.add.at(...)` (as the kernel resolves the names)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "at" and isinstance(func.value, cst.Attribute)
            and func.value.attr.value == "add"):
        return False
    try:
        value = lowering.expr(func.value, builder, env)
    except Exception:  # noqa: BLE001  (not a NumPy name here: the call is lowered, and refused, as any other)
        return False
    return isinstance(value, Module) and value.path == "numpy.add"


def lower_add_at(lowering, call: cst.Call, builder, env) -> None:
    """The update `np.add.at(a, indices, b)` makes, as `add_at(a, b, *indices)` in place of `a`."""
    given = bound_arguments(lowering, call, "add.at", ("a", "indices", "b"), 3, "np.add.at(a, i, b)")
    target = given["a"]
    named_array(lowering, target, env, "np.add.at", "np.add.at(m, i, b)")
    node = given["indices"]
    parts = [e.value for e in node.elements] if isinstance(node, cst.Tuple) else [node]
    items, positions = [], 0  # (positions: the parts that are one position each)
    for part in parts:
        if isinstance(part, cst.Slice):
            raise lowering.error(part, "np.add.at with slices is not supported in kernels",
                                 "a[i:j] += b (a slice never repeats an element)")
        raw = frozen(lowering.expr(part, builder, env), lowering, part)
        item = lowering._atom(array_like(lowering, part, builder, raw), part)
        if item.type.shape == ():  # one position: as a one-element index array (NumPy adds there the same way)
            positions += 1
            item = lowering._atom(array(lowering, part, builder, [(raw,)], {}), part)
        if item.type.dtype not in ("i64", "i32"):
            raise lowering.error(part, f"np.add.at takes integer indices here; this one is {item.type.dtype}",
                                 "positions of a mask: np.add.at(a, np.nonzero(mask), b)")
        items.append(item)
    value = array_like(lowering, given["b"], builder, frozen(lowering.expr(given["b"], builder, env), lowering,
                                                             given["b"]))
    rank = env[target.value].type.rank
    if positions == len(parts) and (rank is None or value.type.rank is None or value.type.rank > rank - len(parts)):
        # (the one-element index arrays above pick a leading axis of length 1 that a[i, j] lacks: NumPy's values
        # must broadcast to a[i, j] itself)
        raise lowering.error(given["b"], f"np.add.at of a {show_shape(value.type.shape)} value at one position of "
                             f"`{target.value}`, whose elements there have rank {max((rank or 0) - len(parts), 0)} "
                             "(NumPy raises ValueError: array is not broadcastable to correct shape)",
                             "values of the indexed elements' shape")
    if positions == len(parts) and value.type.rank:  # (a[i, j]'s values, given the index arrays' leading axis)
        value = lowering._bind(builder, given["b"], "expand_dims", [lowering._atom(value, given["b"])], {"axis": 0})
    lowering.store_into(target.value, items, value, call, builder, env, combine="add_at")
