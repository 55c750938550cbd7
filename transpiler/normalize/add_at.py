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
from ..ir import Var
from ..values import Module
from .functions import frozen
from .numpy_statements import bound_arguments


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
    if not isinstance(target, cst.Name) or not isinstance(env.get(target.value), Var):
        raise lowering.error(target, "np.add.at writes into an array held by a name here",
                             "name the array first: m = ...; np.add.at(m, i, b)")
    node = given["indices"]
    parts = [e.value for e in node.elements] if isinstance(node, cst.Tuple) else [node]
    items = []
    for part in parts:
        if isinstance(part, cst.Slice):
            raise lowering.error(part, "np.add.at with slices is not supported in kernels",
                                 "a[i:j] += b (a slice never repeats an element)")
        raw = frozen(lowering.expr(part, builder, env), lowering, part)
        item = lowering._atom(array_like(lowering, part, builder, raw), part)
        if item.type.shape == ():  # one position: as a one-element index array (NumPy adds there the same way)
            item = lowering._atom(array(lowering, part, builder, [(raw,)], {}), part)
        if item.type.dtype not in ("i64", "i32"):
            raise lowering.error(part, f"np.add.at takes integer indices here; this one is {item.type.dtype}",
                                 "positions of a mask: np.add.at(a, np.nonzero(mask), b)")
        items.append(item)
    value = array_like(lowering, given["b"], builder, frozen(lowering.expr(given["b"], builder, env), lowering,
                                                             given["b"]))
    lowering.store_into(target.value, items, value, call, builder, env, combine="add_at")
