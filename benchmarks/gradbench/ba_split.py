"""`ba` as ported (rows of `[p, 3]` and `[p, 11]` arrays) vs the same model with its small axes split by hand into
columns (`[p]` arrays), side by side in one process: what splitting small static axes would give the compiler.

    python -m benchmarks.gradbench.ba_split --gradbench /tmp/gradbench --ba 1 3 5 [--backend numpy c]

Before the compiler split short static axes itself (transforms/split_axes.py), the port's `[p, 3]` values made
each kernel a pass over three (the Jacobian's batch: six) values per observation, cut at every `sum(..., axis=1)`,
`np.stack` and column slice: the C backend ran ba's `residual_rows` as some 48 kernels; the split makes it 10, and
this comparison checks that the port now runs as fast as the hand-split model (ratios near 1). Written on columns (`r0 = cam[:, 0]`, `squared = r0 * r0 + r1 * r1 + r2 * r2`: the same operations
in the same order, so the same numbers), every value is one per observation and the forward sweep is one kernel.
Both versions run through the port's own `prepare` and `entry` (the timed Jacobian builds the whole compressed
sparse matrix), their outputs are compared (rtol 1e-12) before timing, the calls alternate, and the figure is the
fastest of `--repeat` calls of each, in CPU time of the calling thread (`--wall` for wall-clock time).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import ba
from .batched import ba_inputs
from .tool import c_module, numpy_module

SPLIT_SOURCE = '''
import numpy as np
from lifted import kernel, vjp, vmap


@kernel
def residuals(cam: "f64[p,11]", x: "f64[p,3]", w: "f64[p]", feats: "f64[p,2]") -> "f64[p,2]":
    r0 = cam[:, 0]
    r1 = cam[:, 1]
    r2 = cam[:, 2]
    x0 = x[:, 0] - cam[:, 3]
    x1 = x[:, 1] - cam[:, 4]
    x2 = x[:, 2] - cam[:, 5]
    squared = r0 * r0 + r1 * r1 + r2 * r2
    turning = squared != 0.0
    theta = np.sqrt(np.where(turning, squared, 1.0))
    a0 = r0 / theta
    a1 = r1 / theta
    a2 = r2 / theta
    cosine = np.cos(theta)
    sine = np.sin(theta)
    along = (a0 * x0 + a1 * x1 + a2 * x2) * (1.0 - cosine)
    q0 = np.where(turning, x0 * cosine + (a1 * x2 - a2 * x1) * sine + a0 * along, x0 + (r1 * x2 - r2 * x1))
    q1 = np.where(turning, x1 * cosine + (a2 * x0 - a0 * x2) * sine + a1 * along, x1 + (r2 * x0 - r0 * x2))
    q2 = np.where(turning, x2 * cosine + (a0 * x1 - a1 * x0) * sine + a2 * along, x2 + (r0 * x1 - r1 * x0))
    p0 = q0 / q2
    p1 = q1 / q2
    s = p0 * p0 + p1 * p1
    factor = 1.0 + cam[:, 9] * s + cam[:, 10] * s * s
    e0 = w * (p0 * factor * cam[:, 6] + cam[:, 7] - feats[:, 0])
    e1 = w * (p1 * factor * cam[:, 6] + cam[:, 8] - feats[:, 1])
    return np.stack((e0, e1), axis=1)


@kernel
def weight_error(w: "f64[p]") -> "f64[p]":
    return 1.0 - w * w


residuals_vjp = vjp(residuals, wrt=("cam", "x", "w"))
residual_rows = vmap(residuals_vjp, in_axes=(None, None, None, None, 0))
weight_error_vjp = vjp(weight_error)
'''


def flat(value) -> list:
    return [a for v in value for a in (flat(v) if isinstance(v, tuple) else [np.asarray(v)])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradbench.ba_split", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gradbench", type=Path, default=Path("/tmp/gradbench"))
    parser.add_argument("--ba", type=int, nargs="*", default=[1, 3, 5])
    parser.add_argument("--backend", nargs="+", default=["c"], choices=["numpy", "c"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of the thread's CPU time")
    args = parser.parse_args(argv)
    clock = time.perf_counter if args.wall else time.thread_time
    modules = {(backend, version): (c_module if backend == "c" else numpy_module)(source, "ba_kernel.py",
                                                                                  f"ba_{version}")
               for backend in args.backend for version, source in (("port", ba.SOURCE), ("split", SPLIT_SOURCE))}
    print(f"{'backend':7s} {'input':28s} {'function':9s} {'port ms':>9s} {'split ms':>9s} {'ratio':>6s}")
    for label, inputs in ba_inputs(args.gradbench.resolve(), args.ba):
        for backend in args.backend:
            for function in ("objective", "jacobian"):
                calls = {version: ba.entry(modules[backend, version], function) for version in ("port", "split")}
                results = {version: flat(call(*inputs)) for version, call in calls.items()}
                for port, split in zip(results["port"], results["split"]):
                    np.testing.assert_allclose(split, port, rtol=1e-12, atol=1e-12)
                best = dict.fromkeys(calls, float("inf"))
                for _ in range(args.repeat):  # alternate the two
                    for version, call in calls.items():
                        start = clock()
                        call(*inputs)
                        best[version] = min(best[version], clock() - start)
                print(f"{backend:7s} {label:28s} {function:9s} {best['port'] * 1e3:9.2f} {best['split'] * 1e3:9.2f} "
                      f"{best['port'] / best['split']:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
