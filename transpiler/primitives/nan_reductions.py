"""NumPy's NaN-ignoring reductions (`np.nansum nanprod nanmean nanmax nanmin nanvar nanstd nanargmax nanargmin`)
and `np.ptp`, each NumPy's own call (see `masked_reductions`): the NumPy backend gives NumPy's bits, its dtypes (an
integer nansum is an integer sum, an integer nanmean a float64 mean) and what it does with an all-NaN slice (NaN and
a RuntimeWarning for nanmax, nanmean's 0/0, ValueError for nanargmax). A NaN entry takes no part in the
derivative: it gets 0, and the others get what the plain reduction of the non-NaN entries would give them.
"""
from __future__ import annotations

from .masked_reductions import DIFFERENTIABLE, axes_of, numpy_reduction
from .reductions import batch_argmax
from .symbolic import ops, unreduce

for _func, (_vjp, _jvp, _raises) in DIFFERENTIABLE.items():
    numpy_reduction(f"nan{_func}", f"nan{_func}", _vjp, _jvp, empty_raises=_raises)
# positions: integers, never differentiated; batched as np.argmax is
numpy_reduction("nanargmax", "nanargmax", result="i64", batch=batch_argmax, temp_name="idx", empty_raises=True)
numpy_reduction("nanargmin", "nanargmin", result="i64", batch=batch_argmax, temp_name="idx", empty_raises=True)


# np.ptp: max - min (NumPy's subtraction in the input's dtype: integers wrap); each extreme's elements share its
# derivative, ties equally
def _shares(x, top, bottom, params):
    """At each element: its share of the maximum's derivative minus its share of the minimum's."""
    axis = params.get("axis")
    at_top, at_bottom = x == top, x == bottom
    tops = ops.sum(ops.astype(at_top, dtype="f64"), axis=axis, keepdims=True)
    bottoms = ops.sum(ops.astype(at_bottom, dtype="f64"), axis=axis, keepdims=True)
    return ops.where(at_top, 1.0 / ops.maximum(tops, 1.0), 0.0) - ops.where(at_bottom, 1.0 / ops.maximum(bottoms, 1.0),
                                                                           0.0)


def _difference(g, x, top, bottom, params):
    axis, keepdims = axes_of(params)
    return unreduce(g, x, axis, keepdims) * _shares(x, top, bottom, params)


def ptp_vjp(g, out, x, kept, params):
    axis = params.get("axis")
    top, bottom = ops.max(x, axis=axis, keepdims=True), ops.min(x, axis=axis, keepdims=True)
    return _difference(g, x, top, bottom, params)


def ptp_jvp(t, out, x, kept, params):
    axis, keepdims = axes_of(params)
    top, bottom = ops.max(x, axis=axis, keepdims=True), ops.min(x, axis=axis, keepdims=True)
    return ops.sum(t * _shares(x, top, bottom, params), axis=axis, keepdims=keepdims)


numpy_reduction("ptp", "ptp", ptp_vjp, ptp_jvp, empty_raises=True)
