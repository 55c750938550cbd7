"""`python -m benchmarks.c.kmeans_before TREE [-d D ...] [-k K ...] [-n N ...]`: GradBench kmeans' `cost` and
`grad_and_hvp` (what its `dir` calls) on the C target as this tree and the checkout TREE emit them (default d = 16,
k = 10 and 1000, n = 1000 and 10000; `-d 8 -k 10 100` for the sizes where C++ `manual` leads): both modules loaded
in this process (`backend.build_before`), checked to agree, timed interleaved in CPU time (median of 9 samples of
at least 20 ms each, one thread), so a change to the emitter is measured before and after under the same load.
(With samples of 2 ms, a few calls each, `cost`, the same kernels in both modules, came out 0.80 to 0.86 of before
at n = 10^4 in two runs under load 14; with 20 ms, 0.98 to 1.02.)"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ..scratch import scratch_folder
from ..threads import configure_threads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.kmeans_before", description=__doc__)
    parser.add_argument("tree", type=Path, help="the checkout whose emitter gives the `before` module")
    parser.add_argument("-d", type=int, nargs="+", default=[16], help="dimensions (default 16)")
    parser.add_argument("-k", type=int, nargs="+", default=[10, 1000], help="centroids (default 10 1000)")
    parser.add_argument("-n", type=int, nargs="+", default=[1000, 10000], help="points (default 1000 10000)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    configure_threads(1)
    import numpy as np

    from .backend import now_and_before
    from ..gradbench import kmeans
    from ..timer import measure_interleaved

    after, before = now_and_before(kmeans.SOURCE, "kmeans", args.tree, scratch_folder())
    rng = np.random.default_rng(0)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for d, k, n in ((d, k, n) for d in args.d for k in args.k for n in args.n):
        points, centroids = rng.normal(size=(n, d)), rng.normal(size=(k, d))
        for name, inputs in (("cost", (points, centroids)),
                             ("grad_and_hvp", (points, centroids, np.ones_like(centroids)))):
            new, old = getattr(after, name), getattr(before, name)
            for x, y in zip(np.atleast_1d(new(*inputs)) if name == "cost" else new(*inputs),
                            np.atleast_1d(old(*inputs)) if name == "cost" else old(*inputs)):
                np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9)
            timings = measure_interleaved({"before": lambda f=old: f(*inputs), "after": lambda f=new: f(*inputs)},
                                          repeats=9, budget_s=3, clock=time.process_time, min_sample_s=0.02)
            b, a = timings["before"].median_s, timings["after"].median_s
            print(f"kmeans k={k} n={n} d={d} {name:<13} before {b * 1e3:8.3f} ms  after {a * 1e3:8.3f} ms  "
                  f"after/before {a / b:.2f}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
