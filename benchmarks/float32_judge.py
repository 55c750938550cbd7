"""The judge of a float32 result of the C target against the NumPy backend's: which is closer to the same program
evaluated in float64.

The C target accumulates a float32 sum in double and rounds once; NumPy sums pairwise in float32. Both are
roundings of one exact value, so neither is the reference: rtol 1e-6 of a result fails for a sum that cancels
(conv2d's 2.4e-7 at an element of 3e-3, 2 ulps of the largest value, 1.44) while both are right. The judge runs
the program again with its float32 annotations and dtypes as float64 (`widened`) and accepts the C value where
its largest error over a result is no larger than NumPy's plus `ULPS` float32 ulps of the largest magnitude of
the float64 value (`float32_agrees`). A C value worse than that is WRONG, as before (docs/backends.md, "float32").
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
    """None where the C value `got` is, leaf by leaf, no farther from the float64 evaluation `high` (the largest
    distance over the leaf's elements) than NumPy's `numpy_value` is, plus ULPS float32 ulps of the leaf's largest
    finite magnitude in `high`; else what differs. NaN and infinities must be where NumPy has them. (Not element
    by element: past a few layers both errors are the float32 roundings of earlier values, and which of the two is
    nearer at one element is chance; NPBench mlp's C value is farther at 12 of 28 elements,
    nearer or as near at 16.)"""
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
        error, numpy_error = np.abs(g - h)[usable], np.abs(e - h)[usable]
        allowed = float(numpy_error.max()) + ULPS * EPS32 * scale
        if error.max() > allowed:
            return (f"result {k}: the C value is up to {error.max():.3g} from the float64 value (mean "
                    f"{error.mean():.3g}), NumPy's up to {numpy_error.max():.3g} (mean {numpy_error.mean():.3g}); "
                    f"allowed {allowed:.3g}")
    return None


_WIDENED: dict[str, object] = {}  # a text -> its NumPy-backend module in float64 (`widened`), or None


def float64_value(text: str, name: str, call: list):
    """The function `name` of the program `text` run as float64 (`widened`, built by the NumPy backend) on the
    arguments `call` as float64; None where there is no such evaluation (float32 written in another form, the
    float64 program does not build, or it raises)."""
    from gradcheck import load_source  # (tests/gradcheck.py: the NumPy backend's module from a text)

    if text not in _WIDENED:
        wide = widened(text)
        try:
            _WIDENED[text] = load_source(wide, "float32_judge_float64.py") if wide is not None else None
        except Exception:  # noqa: BLE001  (no float64 program: no judge)
            _WIDENED[text] = None
    module = _WIDENED[text]
    if module is None or not hasattr(module, name):
        return None
    try:
        return getattr(module, name)(*as_float64(call))
    except Exception:  # noqa: BLE001
        return None


def judged(text: str, name: str, call: list, got, numpy_value) -> str | None:
    """The one judge of a float32 C value `got` of `name(*call)` in the program `text` against the NumPy backend's
    `numpy_value` (every float32 comparison of the two in tests/ and benchmarks/ goes through it): None where it
    passes `float32_agrees` against the float64 evaluation; else why not (also where there is no float64
    evaluation: then nothing tells which of two differing float32 values is right, and the difference stands)."""
    high = float64_value(text, name, call)
    if high is None:
        return "no float64 evaluation of the program to judge by (float32 written in another form, or it fails)"
    return float32_agrees(got, numpy_value, high)
