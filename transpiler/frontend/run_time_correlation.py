"""`np.correlate(a, v, mode)` where a length is known only at run time (named, or computed).

NumPy's `correlate2` swaps the operands where `len(a) < len(v)` and reverses the result, so which sums it adds,
and in which order, depends on the lengths' values: an `If` on `n >= m` runs the form the lengths known at build
time take (listed_functions.correlate), `np.convolve(a, v[::-1], 'full')` or `np.convolve(v, a[::-1],
'full')[::-1]`, both of one run-time length `n + m - 1`. 'valid' and 'same' are slices of 'full': NumPy computes
each of their elements with the same dot call over the same overlap as the 'full' element in that place (the
middle from `min(n, m) - 1`; 'same' from `(m - 1) // 2` where `n >= m`, else the reversed result's slice from
`(n - 1) // 2`, that is from `n // 2`), so the bits are NumPy's. An empty operand is NumPy's ValueError, at run time. The derivatives are the convolution's (mode
'full', whose rules take run-time lengths) and the slice's.
"""
from __future__ import annotations

from ..ir.types import fresh_dim
from .call_args import Emitter
from .order_statistics import subscript


def _reversed(emit: Emitter, x):
    return emit("getitem", x, index=(slice(None, None, -1),))


def _full(emit: Emitter, a, v, dtype: str, n, m):
    """`np.correlate(a, v, 'full')`: an If on `n >= m`; both branches of one (run-time) length."""
    length = fresh_dim()
    return emit.branch(emit("greater_equal", n, m),
                       lambda: emit("convolve", a, _reversed(emit, v), mode="full", dtype=dtype, length=length),
                       lambda: _reversed(emit, emit("convolve", v, _reversed(emit, a), mode="full", dtype=dtype,
                                                    length=length)), "corr", "np.correlate")


def correlate_at_run_time(emit: Emitter, a, v, mode: str, dtype: str):
    """`np.correlate(a, v, mode)` of vectors whose lengths are not both known at build time."""
    n, m = emit.dims(a)[0], emit.dims(v)[0]
    for length, name in ((n, "a"), (m, "v")):
        emit("check_assert", emit("less", 0, length), error="ValueError", message=f"{name} cannot be empty")
    full = _full(emit, a, v, dtype, n, m)
    if mode == "full":
        return full
    longer = emit("maximum", n, m)
    if mode == "same":  # `n >= m`: from (m - 1) // 2; else the reversed slice of (v, a)'s from (n - 1) // 2
        start = emit("where", emit("greater_equal", n, m), emit("floor_divide", emit("subtract", m, 1), 2),
                     emit("floor_divide", n, 2))
        return subscript(emit, full, [slice(start, emit("add", start, longer))])
    return subscript(emit, full, [slice(emit("subtract", emit("minimum", n, m), 1), longer)])
