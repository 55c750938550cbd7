"""The cost of `np.prod`'s division-free derivative rules (issue #10 item 8), as ratios to peers in one process.

    python -m benchmarks.prod_gradient            # 10^6 entries
    python -m benchmarks.prod_gradient --n 10000  # another size (a square number for the matrix case)

Samples of the timed functions are interleaved (`measure_interleaved`), so load changes hit them alike.

The rule that was replaced divided the product by each entry (`y / x`: NaN at 0); it is timed here as NumPy
code next to the generated gradient. The new rule's value, the product of the other entries, is the group's
product over the entry where that is provably exact (no zero, and no partial product can leave the normal
range), else the exclusive running products before and after each entry, multiplied. Two shapes, no zeros:
* one group of n entries drawn near 1 (so the product neither overflows nor underflows), taken in blocks of 1024;
* a sqrt(n) x sqrt(n) matrix reduced along its rows, entries in [0.5, 2]: the division is provably exact.
Also timed: one Hessian-vector product `jvp(grad(f))` on the long group (doubling scans, log2 n passes).
"""
from __future__ import annotations

import argparse
import types

import numpy as np

from lifted.transpiler import transpile_source

from .timer import format_seconds, measure_interleaved

SOURCE = '''
import numpy as np
from lifted import grad, jvp, kernel

@kernel
def whole(x: "f64[n]"):
    return np.prod(x)

@kernel
def rows(x: "f64[m,k]"):
    return np.sum(np.prod(x, axis=1))

whole_grad = grad(whole)
whole_hvp = jvp(grad(whole))
rows_grad = grad(rows)
'''


def _module() -> types.ModuleType:
    module = types.ModuleType("prod_gradient")
    exec(compile(transpile_source(SOURCE, "prod_gradient.py"), "prod_gradient", "exec"), module.__dict__)
    return module


def _dividing_gradient(x: np.ndarray, axis=None) -> np.ndarray:
    """The replaced rule, as the old generated code computed it: the product over each entry."""
    return np.prod(x, axis=axis, keepdims=True) / x


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7, help="timing rounds (samples of each, interleaved)")
    args = parser.parse_args(argv)
    n, repeats = args.n, args.repeats
    side = int(round(np.sqrt(n)))
    m = _module()
    rng = np.random.default_rng(0)
    x, t = np.exp(rng.normal(scale=1.0 / np.sqrt(n), size=n)), rng.normal(size=n)
    matrix = rng.uniform(0.5, 2.0, size=(side, side))
    np.testing.assert_allclose(m.whole_grad(x), _dividing_gradient(x), rtol=1e-9)
    np.testing.assert_allclose(m.rows_grad(matrix), _dividing_gradient(matrix, 1), rtol=1e-9)
    whole = {
        "primal": lambda: m.whole(x),
        "old rule y / x": lambda: _dividing_gradient(x),
        "grad": lambda: m.whole_grad(x),
        "jvp(grad)": lambda: m.whole_hvp(x, t),
    }
    rows = {
        "primal": lambda: m.rows(matrix),
        "old rule y / x": lambda: _dividing_gradient(matrix, 1),
        "grad": lambda: m.rows_grad(matrix),
    }
    groups = {f"one group of {n}": measure_interleaved(whole, repeats=repeats),
              f"{side} x {side}, axis=1": measure_interleaved(rows, repeats=repeats)}
    for title, timings in groups.items():
        old = timings["old rule y / x"].median_s
        print(f"np.prod derivatives, {title}")
        for label, timing in timings.items():
            ratio = timing.median_s / old
            print(f"  {label:16s} {format_seconds(timing.median_s):>10s}   x{ratio:7.2f} of the old rule")


if __name__ == "__main__":
    main()
