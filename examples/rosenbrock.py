"""The n-dimensional Rosenbrock function minimised with SciPy's BFGS, using Lifted's generated gradient.

The gradient comes from slicing (`x[1:]`, `x[:-1]`), whose adjoints scatter back into a vector of zeros.
"""
import sys
from pathlib import Path

import numpy as np

from lifted import grad, kernel, load


@kernel
def f(x: "f64[n]") -> "f64[]":
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


f_grad = grad(f, wrt="x")


def start(n: int = 10) -> np.ndarray:
    """SciPy tutorial's starting point, repeated to length n. (From -1.2, 1, -1.2, ... BFGS stops in the
    local minimum near x[0] = -1 that the function has for n >= 4.)"""
    return np.resize([1.3, 0.7, 0.8, 1.9, 1.2], n)


def minimize(m, n: int = 10):
    from scipy.optimize import minimize as scipy_minimize

    return scipy_minimize(m.f, start(n), jac=m.f_grad, method="BFGS", options={"gtol": 1e-8})


def generated():
    """The built module if `transpile examples -o generated` made one, else this very module (on the fly)."""
    built = Path(__file__).resolve().parents[1] / "generated" / "rosenbrock.py"
    return load(built) if built.is_file() else sys.modules[__name__]


def main() -> None:
    result = minimize(generated())
    print(f"Rosenbrock, n={result.x.size}: f = {result.fun:.3g} at x = {np.round(result.x, 6)}")
    print(f"BFGS: {result.nit} iterations, {result.nfev} function and {result.njev} gradient evaluations, "
          f"{'converged' if result.success else 'not converged: ' + result.message}")


if __name__ == "__main__":
    main()
