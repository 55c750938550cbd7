"""`python -m benchmarks.c.kmeans_before TREE`: GradBench kmeans' `cost` and `grad_and_hvp` (what its `dir` calls)
on the C target as this tree and the checkout TREE emit them, d = 16, k = 10 and 1000, n = 1000 and 10000: both
modules loaded in this process (`backend.build_before`), checked to agree, timed interleaved in CPU time (median
of 9 samples, one thread), so a change to the emitter is measured before and after under the same load."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from ..threads import configure_threads

SIZES = [(10, 1000), (10, 10000), (1000, 1000), (1000, 10000)]  # (k, n)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m benchmarks.c.kmeans_before TREE")
    configure_threads(1)
    import numpy as np

    from .backend import now_and_before
    from ..gradbench import kmeans
    from ..timer import measure_interleaved

    after, before = now_and_before(kmeans.SOURCE, "kmeans", Path(args[0]), Path(tempfile.mkdtemp()))
    rng = np.random.default_rng(0)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for k, n in SIZES:
        points, centroids = rng.normal(size=(n, 16)), rng.normal(size=(k, 16))
        for name, inputs in (("cost", (points, centroids)),
                             ("grad_and_hvp", (points, centroids, np.ones_like(centroids)))):
            new, old = getattr(after, name), getattr(before, name)
            for x, y in zip(np.atleast_1d(new(*inputs)) if name == "cost" else new(*inputs),
                            np.atleast_1d(old(*inputs)) if name == "cost" else old(*inputs)):
                np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9)
            timings = measure_interleaved({"before": lambda f=old: f(*inputs), "after": lambda f=new: f(*inputs)},
                                          repeats=9, budget_s=3, clock=time.process_time)
            b, a = timings["before"].median_s, timings["after"].median_s
            print(f"kmeans k={k} n={n} d=16 {name:<13} before {b * 1e3:8.3f} ms  after {a * 1e3:8.3f} ms  "
                  f"after/before {a / b:.2f}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
