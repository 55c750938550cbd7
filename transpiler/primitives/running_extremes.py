"""`np.maximum.accumulate(x, axis)` and `np.minimum.accumulate`: the running maximum (minimum) along one axis,
NumPy's own call, so its bits (a NaN carried on from where it first appears, as np.maximum carries it).

Each step is `y_i = maximum(y_(i-1), x_i)`, and its derivative is np.maximum's (elementwise.py `_larger_share`):
all of it to the larger, half to each at a tie, none through a NaN. So a tangent runs through a first-order linear
recurrence, `t_i = a_i t_(i-1) + b_i dx_i` (`a_i` the share of the running value, `b_i` that of the new element,
`b_0 = 1`), which `linear_scan` (scans.py, exclusive: h_i = a_(i-1) h_(i-1) + c_(i-1)) gives as `t = a h + c` with
`c = b dx`; the cotangent runs through the same recurrence backwards, `s_j = g_j + a_(j+1) s_(j+1)`, and then
`dx = b s`. Both are exact where coefficients are 0 (no division) and differentiable again.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, normalize_axis
from .batching import example_rank
from .registry import Primitive, register
from .symbolic import ops

_UFUNC = {"cummax": "maximum", "cummin": "minimum"}


def _infer(types, params):
    (x,) = types
    if x.rank is None:
        raise ShapeError("a running maximum or minimum needs the rank of its argument; annotate it")
    if x.rank == 0:
        raise ShapeError("cannot accumulate on a scalar (NumPy raises TypeError)")
    normalize_axis(params.get("axis", 0), x.rank)
    return x


def _along(x, axis: int, part: slice):
    return ops.getitem(x, index=(slice(None),) * axis + (part,))


def _shares(name: str, y, x, axis: int):
    """(a, b): each step's share of the running value and of the new element (b_0 = 1)."""
    axis = normalize_axis(axis, x.rank)
    prev = ops.concatenate(_along(x, axis, slice(None, 1)), _along(y, axis, slice(None, -1)), axis=axis)
    wins = (lambda u, v: u > v) if name == "cummax" else (lambda u, v: u < v)
    tie = prev == x
    a = ops.where(tie, 0.5, ops.astype(wins(prev, x), dtype=x.type.dtype))
    b = ops.where(tie, 0.5, ops.astype(wins(x, prev), dtype=x.type.dtype))
    b = ops.concatenate(ops.ones_like(_along(b, axis, slice(None, 1))), _along(b, axis, slice(1, None)), axis=axis)
    return a, b, axis


def _rules(name: str):
    def jvp(tangents, out, x, axis=0):
        a, b, axis = _shares(name, out, x, axis)
        c = b * tangents[0]
        return a * ops.linear_scan(a, c, axis=axis) + c

    def vjp(g, out, x, active=None, axis=0):
        a, b, axis = _shares(name, out, x, axis)
        return [b * (g + ops.linear_scan(a, a * g, axis=axis, reverse=True))]

    return jvp, vjp


def _batch(ctx, prim, args, batched, axis=0):
    (x,) = args
    return ctx.bind(prim.name, [x], {"axis": normalize_axis(axis, example_rank(x, True)) + 1})


for _name, _ufunc in _UFUNC.items():
    _jvp, _vjp = _rules(_name)
    register(Primitive(
        name=_name, infer=_infer, family="scan", temp_name="running",
        render=lambda args, p, ufunc=_ufunc: cg.call(f"np.{ufunc}.accumulate", args[0], axis=p.get("axis", 0)),
        jvp=_jvp, vjp=_vjp, batch=_batch,
    ))
