"""The gradient descent that GradBench's `particle` and `saddle` evals prescribe (its C++ tools share it as
cpp/gradbench/gd.hpp), as a driver over generated functions.

Step `eta` starts at 1e-5; a step is taken when it lowers the objective (ten accepted steps double `eta`), a
rejected step halves it; it stops when the gradient or the step is shorter than 1e-5. The descent itself is not
differentiated, so it runs in Python, calling the generated objective and gradient; everything it calls
(including the inner optimisations those differentiate through) is Lifted-generated code.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

TOLERANCE = 1e-5


def argmin(objective: Callable[[np.ndarray], float], gradient: Callable[[np.ndarray], np.ndarray],
           start: np.ndarray) -> np.ndarray:
    """The point gradient descent from `start` stops at (the same rule as gd.hpp's multivariate_argmin)."""
    x = np.array(start, dtype=np.float64)
    fx = objective(x)
    gx = np.asarray(gradient(x), dtype=np.float64)
    accepted, eta = 0, 1e-5
    while True:
        if np.sqrt(np.sum(gx * gx)) <= TOLERANCE:
            return x
        if accepted == 10:
            eta, accepted = eta * 2.0, 0
            continue
        candidate = x - eta * gx
        if np.sqrt(np.sum((x - candidate) * (x - candidate))) <= TOLERANCE:
            return x
        f_candidate = objective(candidate)
        if f_candidate < fx:
            x, fx = candidate, f_candidate
            gx = np.asarray(gradient(x), dtype=np.float64)
            accepted += 1
        else:
            eta, accepted = eta / 2.0, 0
