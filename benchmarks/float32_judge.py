"""The judge of a float32 result of the C target against the NumPy backend's: which is closer to the same program
evaluated in float64.

The C target accumulates a float32 sum in double and rounds once; NumPy sums pairwise in float32. Both are
roundings of one exact value, so neither is the reference: rtol 1e-6 of a result fails for a sum that cancels
(conv2d's 2.4e-7 at an element of 3e-3, 2 ulps of the largest value, 1.44) while both are right. The judge runs
the program again with its float32 annotations and dtypes as float64 (`widened`) and accepts the C value where
its error is no larger than NumPy's plus `ULPS` float32 ulps of the largest magnitude of the float64 value
(`float32_agrees`). A C value worse than that is WRONG, as before (docs/backends.md, "float32").
"""
from __future__ import annotations

import re

import numpy as np

EPS32 = float(np.finfo(np.float32).eps)
ULPS = 2.0  # (one rounding of the result each side, at the largest magnitude: a sum's terms are of that scale)


def widened(text: str) -> str | None:
    """`text` with float32 annotations (`"f32[n]"`) and dtypes (`np.float32`) as float64: the same program in
    higher precision; None where float32 is written in another form (then there is no such evaluation)."""
    wide = re.sub(r"([\"'])f32\[", r"\1f64[", text).replace("np.float32", "np.float64")
    return None if re.search(r"f32|float32", wide) else wide


def as_float64(value):
    """Arguments for the widened program: float32 arrays and scalars as float64, trees leaf by leaf."""
    if isinstance(value, (tuple, list)):
        return type(value)(as_float64(v) for v in value)
    if isinstance(value, dict):
        return {k: as_float64(v) for k, v in value.items()}
    if isinstance(value, (np.ndarray, np.floating)) and value.dtype == np.float32:
        return np.asarray(value, dtype=np.float64) if isinstance(value, np.ndarray) else np.float64(value)
    return value


def _leaves(value) -> list:
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in _leaves(value[k])]
    return [np.asarray(value)]


def float32_agrees(got, numpy_value, high) -> str | None:
    """None where the C value `got` is, leaf by leaf and element by element, no farther from the float64
    evaluation `high` than NumPy's `numpy_value` is, plus ULPS float32 ulps of the leaf's largest finite magnitude
    in `high`; else what differs. NaN and infinities must be where NumPy has them."""
    got, expected, wide = _leaves(got), _leaves(numpy_value), _leaves(high)
    if not len(got) == len(expected) == len(wide):
        return f"{len(got)} results, NumPy {len(expected)}, float64 {len(wide)}"
    for k, (g, e, h) in enumerate(zip(got, expected, wide)):
        if g.shape != e.shape or g.shape != h.shape:
            return f"result {k}: shape {g.shape}, NumPy {e.shape}, float64 {h.shape}"
        g, e, h = (np.asarray(v, dtype=np.float64) for v in (g, e, h))
        finite = np.isfinite(e)
        if not np.array_equal(g[~finite], e[~finite], equal_nan=True) or not np.isfinite(g[finite]).all():
            return f"result {k}: NaN or infinity where NumPy has none or another"
        usable = finite & np.isfinite(h)
        if not usable.any():
            continue
        scale = float(np.abs(h[usable]).max())
        error, allowed = np.abs(g - h), np.abs(e - h) + ULPS * EPS32 * scale
        worse = usable & (error > allowed)
        if worse.any():
            at = tuple(int(i) for i in np.argwhere(worse)[0])
            return (f"result {k} at {at}: C {g[at]!r} is {error[at]:.3g} from the float64 value {h[at]!r}, NumPy "
                    f"{e[at]!r} {abs(e[at] - h[at]):.3g} (allowed {allowed[at]:.3g})")
    return None
