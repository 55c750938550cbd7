"""`python -m benchmarks.c.launch [--threads N] [--n N] [--cpu-time]`: the C backend's cost per kernel launch at
tiny sizes.

Small programs (an axpy, a tanh-weighted dot product, a broadcast outer sum, the nearest of m points summed
over n (a reduction over short rows, as in GradBench's kmeans), three steps of a shifted update (a loop kernel,
as in GradBench's ode), and their gradients) at n=10, where the arithmetic is nothing and a call is the host
module's Python plus the launches: the table gives the median time per call of the C target and of the NumPy
backend (side by side, interleaved, one process), the kernels (and loop kernels) launched per call, and the C
target's time per launch. Without `--threads` the OpenMP runtime's default
thread count is left as it is (what a user gets), which is the case the serial threshold for small index spaces
is about. `--cpu-time` times the process's CPU time instead of wall time (for a machine with more runnable
jobs than cores; at these sizes no kernel wakes the OpenMP team).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def axpy(a: "f64[]", x: "f64[n]", y: "f64[n]") -> "f64[n]":
    return a * x + y


@kernel
def dot(x: "f64[n]", y: "f64[n]") -> "f64[]":
    return np.sum(np.tanh(x) * y)


@kernel
def outer(x: "f64[n]", y: "f64[m]") -> "f64[]":
    return np.sum(np.tanh(x[:, None] * y[None, :]))


@kernel
def nearest(x: "f64[n]", y: "f64[m]") -> "f64[]":
    return np.sum(np.min((x[:, None] - y[None, :]) ** 2, axis=1))


@kernel
def steps(x: "f64[n]", s: "i64[]") -> "f64[n]":
    y = np.zeros_like(x)
    for step in range(s):
        y = y + 0.1 * x * np.concatenate((np.ones(1), y[:-1]))
    return y


@kernel
def steps_last(x: "f64[n]", s: "i64[]") -> "f64[]":
    return steps(x, s)[-1]


dot_grad = grad(dot, wrt=(0, 1))
outer_grad = grad(outer, wrt=(0, 1))
nearest_grad = grad(nearest, wrt=(0, 1))
steps_grad = grad(steps_last, wrt="x")
'''
CASES = ("axpy", "dot", "dot_grad", "outer", "outer_grad", "nearest", "nearest_grad", "steps", "steps_grad")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.launch", description=__doc__)
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS (default: leave the runtime's)")
    parser.add_argument("--n", type=int, default=10, help="array length (default 10)")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU time, not wall time")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from ..threads import configure_threads

        configure_threads(args.threads)
    import numpy as np

    from lifted import cpu
    from lifted.loader import import_path
    from lifted.transpiler import transpile_source
    from lifted.transpiler.pipeline import transpile_c

    from ..timer import format_seconds, measure_interleaved

    clock = time.process_time if args.cpu_time else time.perf_counter

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "numpy").mkdir()
        (Path(folder) / "numpy" / "launch.py").write_text(transpile_source(SOURCE, "launch.py"))
        out = transpile_c(SOURCE, "launch.py")
        (Path(folder) / "launch.cu").write_text(out.kernels)
        (Path(folder) / "launch.py").write_text(out.host)
        numpy_module = import_path(Path(folder) / "numpy" / "launch.py")
        c_module = import_path(Path(folder) / "launch.py")
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=args.n), rng.normal(size=args.n)
        inputs = {"axpy": (np.float64(0.5), x, y), "dot": (x, y), "dot_grad": (x, y), "outer": (x, y),
                  "outer_grad": (x, y), "nearest": (x, y), "nearest_grad": (x, y), "steps": (x, 3),
                  "steps_grad": (x, 3)}
        threads = os.environ.get("OMP_NUM_THREADS", "default")
        print(f"C target launch cost at n={args.n}, OMP_NUM_THREADS={threads} (OpenMP max threads "
              f"{c_module._kernels.max_threads}), load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        print(f"{'program':<12} {'launches':>8} {'numpy':>9} {'c':>9} {'c/launch':>9} {'numpy/c':>8}")
        launches = [0]
        originals = {kind: kind.__call__ for kind in (cpu.Kernel, cpu.LoopKernel)}

        def counting(self, *a):
            launches[0] += 1
            return originals[type(self)](self, *a)

        for name in CASES:
            c_fn, numpy_fn = getattr(c_module, name), getattr(numpy_module, name)
            values = inputs[name]
            expected, actual = numpy_fn(*values), c_fn(*values)
            for e, a in zip(expected if isinstance(expected, tuple) else (expected,),
                            actual if isinstance(actual, tuple) else (actual,)):
                np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)
            for kind in originals:
                kind.__call__ = counting
            launches[0] = 0
            c_fn(*values)
            count = launches[0]
            for kind, call in originals.items():
                kind.__call__ = call
            timings = measure_interleaved({"numpy": lambda: numpy_fn(*values), "c": lambda: c_fn(*values)},
                                          repeats=7, budget_s=1.5, clock=clock)
            c_time, numpy_time = timings["c"].median_s, timings["numpy"].median_s
            print(f"{name:<12} {count:>8} {format_seconds(numpy_time):>9} {format_seconds(c_time):>9} "
                  f"{format_seconds(c_time / max(count, 1)):>9} {numpy_time / c_time:>7.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
