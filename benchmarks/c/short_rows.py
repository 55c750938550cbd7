"""Reductions over short static rows on the C backend's CPU target: walked as rows vs as columns.

    OMP_NUM_THREADS=1 python -m benchmarks.c.short_rows [--elements 2000000] [--lengths 2 3 8 16 32 64]

`np.sum(x * x, axis=1)` of an `[n, K]` array (n * K = `--elements`) compiled twice, with the kernel's reduction
walked as rows (a chunk of lanes per output) and as columns (neighbouring outputs are the lanes), by setting the
emitter's `SHORT_ROW` bound (rows of a static length up to it are walked as columns). Both results are compared
with NumPy's; the figure is the fastest of `--repeat` calls in CPU time of the calling thread.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from lifted.loader import import_path
from lifted.transpiler.backends.c import emit
from lifted.transpiler.pipeline import transpile_c

from ..scratch import scratch_folder

SOURCE = '''
import numpy as np
from lifted import kernel



@kernel
def f(x: "f64[n,{length}]") -> "f64[n]":
    return np.sum(x * x, axis=1)
'''


def compiled(length: int, short_row: int, folder: Path):
    """The module of SOURCE for rows of `length`, built with `SHORT_ROW` set to `short_row`."""
    saved = emit.SHORT_ROW
    emit.SHORT_ROW = short_row
    try:
        name = f"short_rows_{length}_{short_row}"
        out = transpile_c(SOURCE.format(length=length), f"{name}.py")
    finally:
        emit.SHORT_ROW = saved
    (folder / f"{name}.cu").write_text(out.kernels)
    (folder / f"{name}.py").write_text(out.host)
    return import_path(folder / f"{name}.py")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.short_rows", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elements", type=int, default=2_000_000)
    parser.add_argument("--lengths", type=int, nargs="+", default=[2, 3, 8, 16, 32, 64])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    folder = scratch_folder("lifted_short_rows_")
    print(f"{'row length':>10s} {'as rows ms':>11s} {'as columns ms':>14s}")
    for length in args.lengths:
        x = np.random.default_rng(0).normal(size=(args.elements // length, length))
        best = {}
        for layout, short_row in (("rows", 0), ("columns", length)):
            function = compiled(length, short_row, folder).f
            np.testing.assert_allclose(function(x), np.sum(x * x, axis=1), rtol=1e-13)
            best[layout] = float("inf")
            for _ in range(args.repeat):
                start = time.thread_time()
                function(x)
                best[layout] = min(best[layout], time.thread_time() - start)
        print(f"{length:10d} {best['rows'] * 1e3:11.2f} {best['columns'] * 1e3:14.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
