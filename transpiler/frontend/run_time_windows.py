"""The windows `np.hanning`, `np.hamming`, `np.blackman`, `np.bartlett` and `np.kaiser` of an `M` known only at run
time (a parameter, a computed number): NumPy 2.4's own steps (numpy/lib/_function_base_impl.py), so its bits.

NumPy first makes M a float64 (`values = np.array([0.0, M]); M = values[1]`, so an int, a bool or a float M
counts alike), then returns `[]` for `M < 1` (not kaiser), `[1.0]` for `M == 1`, and otherwise its formula over the
float arange `n = arange(1 - M, M, 2)` (kaiser: `arange(0, M)`). A kernel's arrays have one shape whatever the
branch, so the three are one array: the arange computed whatever M (a NaN or infinite M is NumPy's ValueError
there, as in NumPy), cut to length 0 where `M < 1` (an arange of `0.5 < M < 1` has one element NumPy never
makes), and the formula's value replaced by 1.0 where `M == 1` (its divisor made 1 there, so no 0/0 is
computed; elsewhere it is NumPy's `M - 1`). The derivatives are those of the primitives (M moves the arange's
start, and the divisor).
"""
from __future__ import annotations

import numpy

from .call_args import Emitter
from .order_statistics import subscript


def _float_m(emit: Emitter, m):
    """NumPy's `np.array([0.0, M])[1]`: M as a float64 scalar."""
    atom = emit.atom(m)
    if atom.type.rank != 0:
        raise emit.error("a window's M is a number: NumPy raises TypeError for an array", "M = len(x)")
    return atom if atom.type.dtype == "f64" else emit("astype", atom, dtype="f64", scalar=True)


def _one_where_m_is_one(emit: Emitter, m, value):
    return emit("where", emit("equal", m, 1.0), 1.0, value)


def window_at_run_time(emit: Emitter, name: str, m):
    """`np.<name>(M)` for hanning, hamming, blackman and bartlett."""
    m = _float_m(emit, m)
    n = emit("arange", emit("subtract", 1.0, m), m, 2.0)
    n = subscript(emit, n, [slice(None, emit("where", emit("less", m, 1.0), 0, emit.dims(n)[0]))])
    last = emit("where", emit("equal", m, 1.0), 1.0, emit("subtract", m, 1.0))
    if name == "bartlett":
        value = emit("where", emit("less_equal", n, 0), emit("add", 1, emit("divide", n, last)),
                     emit("subtract", 1, emit("divide", n, last)))
        return _one_where_m_is_one(emit, m, value)
    turn = emit("cos", emit("divide", emit("multiply", numpy.pi, n), last))
    if name == "blackman":
        twice = emit("cos", emit("divide", emit("multiply", 2.0 * numpy.pi, n), last))
        value = emit("add", emit("add", 0.42, emit("multiply", 0.5, turn)), emit("multiply", 0.08, twice))
    else:
        low, high = {"hanning": (0.5, 0.5), "hamming": (0.54, 0.46)}[name]
        value = emit("add", low, emit("multiply", high, turn))
    return _one_where_m_is_one(emit, m, value)


def kaiser_at_run_time(emit: Emitter, m, beta):
    """`np.kaiser(M, beta)`: `i0(beta * sqrt(1 - ((n - alpha) / alpha)**2.0)) / i0(beta)`, alpha = (M - 1) / 2."""
    m = _float_m(emit, m)
    n = emit("arange", 0.0, m)
    alpha = emit("where", emit("equal", m, 1.0), 1.0, emit("divide", emit("subtract", m, 1.0), 2.0))
    inside = emit("subtract", 1, emit("power", emit("divide", emit("subtract", n, alpha), alpha), 2.0))
    value = emit("divide", emit("i0", emit("multiply", beta, emit("sqrt", inside))), emit("i0", beta))
    return _one_where_m_is_one(emit, m, value)
