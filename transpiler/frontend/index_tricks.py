"""`np.r_[...]` and `np.c_[...]`: NumPy's index tricks that concatenate, as the concatenation they make.

Written after NumPy's `AxisConcatenator.__getitem__`: each item becomes an array of at least `ndmin` dimensions
(`np.r_`: 1, joined along axis 0; `np.c_`: 2, joined along the last axis, a vector standing as a column), a slice
`start:stop:step` becomes `np.arange(start, stop, step)`, and every part is cast to the dtype NumPy's
`result_type` gives the parts (numbers as Python numbers, weak, where they are written as such). Derivatives come
from concatenate's, reshape's and astype's rules. Refused: string directives (`np.r_['0,2', ...]`, `'r'`) and
complex steps (`0:1:5j`, NumPy's linspace), with hints.
"""
from __future__ import annotations

import libcst as cst

from ..ir import Const
from ..ir.types import promote
from ..values import ListValue
from .array_literals import array
from .call_args import Emitter

# (ndmin, axis): how each trick places its parts
TRICKS = {"numpy.r_": (1, 0), "numpy.c_": (2, -1)}


def index_trick(lowering, path: str, node: cst.Subscript, builder, env):
    """`np.r_[a, b, 0:3]` / `np.c_[a, b]` read from the subscript's own elements (slices are arranges here)."""

    name = path.replace("numpy.", "np.")
    ndmin, axis = TRICKS[path]
    emit = Emitter(lowering, node, builder)
    parts, types = [], []
    for element in node.slice:
        item = element.slice
        if isinstance(item, cst.Slice):
            parts.append(_arange(lowering, emit, item, builder, env, name, ndmin))
            types.append(parts[-1].type)
            continue
        value = lowering.expr(item.value, builder, env)
        if isinstance(value, str):
            raise lowering.error(item.value, f"{name}'s string directives are not supported in kernels",
                                 "np.concatenate(..., axis=k) or np.stack; np.vstack/np.column_stack for matrices")
        if isinstance(value, (tuple, ListValue)):  # NumPy makes an array of a list or tuple
            value = array(lowering, item.value, builder, [_as_tuple(value)], {})
        atom = lowering._atom(value, item.value)
        types.append(atom.type)  # (a Python number stays weak in NumPy's result_type)
        parts.append(_at_least(emit, atom, ndmin))
    if not parts:
        raise emit.error(f"{name}[] of nothing is an empty float64 array", "write np.zeros(0)")
    dtype = promote(types)
    parts = [p if p.type.dtype == dtype else emit("astype", p, dtype=dtype) for p in parts]
    return emit("concatenate", *parts, axis=axis)


def _as_tuple(value):
    return tuple(_as_tuple(v) for v in value.items) if isinstance(value, ListValue) else value


def _arange(lowering, emit: Emitter, item: cst.Slice, builder, env, name: str, ndmin: int):
    bounds = []
    for bound, default in ((item.lower, 0), (item.upper, None), (item.step, 1)):
        value = default if bound is None else lowering._atom(lowering.expr(bound, builder, env), bound)
        if isinstance(value, Const) and isinstance(value.value, complex):
            raise lowering.error(bound, f"{name} with a complex step (NumPy's linspace) is not supported in kernels",
                                 "np.linspace(start, stop, num)")
        if value is None:
            raise emit.error(f"{name}'s slices need a stop", f"{name}[0:3]")
        bounds.append(value)
    numbers = emit("arange", *bounds)
    return numbers if ndmin == 1 else emit("expand_dims", numbers, axis=1)  # (NumPy: ndmin=2, axes swapped)


def _at_least(emit: Emitter, atom, ndmin: int):
    """NumPy's `array(item, ndmin=ndmin)`, a vector then turned into a column for np.c_ (its `trans1d=0`)."""
    rank = atom.type.rank
    if rank is None:
        raise emit.error("this needs the rank of its parts", 'annotate them, e.g. x: "f64[n]"')
    if rank >= ndmin:
        return atom
    if rank == 0:
        return emit("reshape", atom, *([1] * ndmin))
    return emit("expand_dims", atom, axis=1)  # (n,) -> (n, 1)

