"""How far a reference's own value moves under a few ulps of input: the allowance for round-off that a program
amplifies, shared by the C target's corpus check (`c_target`) and the random-program tests
(tests/test_c_random_programs.py's `run_on_the_cpu_target`).

Why: a chaotic loop or a cancelling sum amplifies round-off, so the C target and the NumPy backend, both right to
an ulp at every operation, can differ far beyond rtol 1e-10 (opfunu's F29 2017 `g`: one entry of 30 differs by 8
in 7e10, where NumPy's own value moves by 109 when its input moves by 4 ulps). A difference within SPREAD_FACTOR
times that movement is such round-off, not a wrong number; one beyond it, or where the reference does not move at
all (spread 0) or a nudge changes which values are finite (spread inf), stays a failure.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

SPREAD_FACTOR = 10.0  # a difference within this many times the reference's own spread is its round-off
ULPS = 4.0  # how far each float input is moved, in ulps of its own dtype
TRIES = 3  # nudges measured (the largest movement counts)


def nudged(args: list, rng: np.random.Generator, ulps: float = ULPS) -> list:
    """`args` with every float moved by a few ulps of its own dtype (integers and booleans as they are). The factor
    is made in the array's dtype, so a float32 array stays float32 (a float64 factor promoted it, and the call
    refused the dtype: no float32 program was measured)."""
    def nudge(a):
        if isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
            dtype = np.asarray(a).dtype
            factor = (1.0 + ulps * np.finfo(dtype).eps * rng.choice([-1.0, 1.0], size=np.shape(a))).astype(dtype)
            return a * factor if isinstance(a, np.ndarray) else a * float(factor)
        return a.copy() if isinstance(a, np.ndarray) else a
    return [type(a)(nudge(a)) if isinstance(a, float) else nudge(a) for a in args]


def reference_spread(function: Callable, args: list, expected, tries: int = TRIES) -> float:
    """How far the reference's own value moves (largest absolute change) when its float inputs move by a few
    ulps: the round-off of a chaotic loop or of a cancelling sum grows by the same factor, so a C value that
    differs from NumPy's by no more than this is round-off amplified by the program, not a wrong number."""
    rng, spread = np.random.default_rng(0), 0.0
    flat = [np.asarray(e, dtype=float) for e in (expected if isinstance(expected, tuple) else (expected,))]
    for _ in range(tries):
        try:
            moved = function(*nudged(args, rng))
        except Exception:  # noqa: BLE001 (the nudge crossed a branch that fails: no measure from this try)
            continue
        for a, b in zip(flat, (moved if isinstance(moved, tuple) else (moved,))):
            b = np.asarray(b, dtype=float)
            if a.shape == b.shape and a.size:
                both = np.isfinite(a) & np.isfinite(b)
                spread = max(spread, float(np.max(np.abs(a - b), where=both, initial=0.0)))
                if (np.isfinite(a) != np.isfinite(b)).any():
                    return np.inf
    return spread


def measurable(spread: float) -> bool:
    """Whether a spread can excuse a difference: not 0 (the reference does not move: no round-off to allow) and
    not inf (a nudge changed which values are finite: nothing measured)."""
    return 0.0 < spread < np.inf
