"""Flat kernels over broadcast operands on the C backend's CPU target: rows of the last axis walked (chunks that
never cross a row, so lanes share their other coordinates and load contiguous vectors or broadcasts) vs every
lane unravelling its index and gathering through strides.

    OMP_NUM_THREADS=1 python -m benchmarks.c.row_walk [--elements 131072] [--lengths 2 3 8 16 32 128 10000]

Each kernel is compiled once; its `.cu` text is built twice, as generated (the launch walks rows of the lengths
`LIFTED_WALKS_ROWS_OF` takes) and with `LIFTED_WALKS_ROWS_OF` false (the lanes unravel), and
both are loaded in this process. Results are compared with NumPy's bit for bit (the powers are lifted_fpower's,
checked in tests/test_c_power.py); the figure is the fastest of
`--repeat` calls in CPU time of the calling thread, in microseconds, for `[n, m]` spaces of n * m = `--elements`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from lifted.loader import import_path
from lifted.transpiler.pipeline import transpile_c

from ..scratch import scratch_folder

SOURCE = '''
import numpy as np
from lifted import kernel



@kernel
def matrix_times_row(a: "f64[n,m]", e: "f64[m]") -> "f64[n,m]":
    return a * e


@kernel
def column_times_row(t: "f64[n]", e: "f64[m]") -> "f64[n,m]":
    return t[:, None] * e


@kernel
def column_powers(t: "f64[n]", e: "f64[m]") -> "f64[n,m]":
    return t[:, None] ** e
'''
WALK = "#define LIFTED_WALKS_ROWS_OF(length, shortest)"
UNRAVEL = WALK + " false"


def modules(folder: Path) -> dict:
    """SOURCE's host module, loaded once over each kernel text (`walk`: as generated; `unravel`: never walking)."""
    out = transpile_c(SOURCE, "row_walk.py")
    assert WALK in out.kernels
    loaded = {}
    for variant in ("walk", "unravel"):
        text = out.kernels if variant == "walk" else out.kernels.replace(WALK, UNRAVEL + "\n//")
        name = f"row_walk_{variant}"
        (folder / f"{name}.cu").write_text(text)
        (folder / f"{name}.py").write_text(out.host.replace("row_walk.cu", f"{name}.cu"))
        loaded[variant] = import_path(folder / f"{name}.py")
    return loaded


def best(function, repeat: int) -> float:
    fastest = float("inf")
    for _ in range(repeat):
        start = time.thread_time()
        function()
        fastest = min(fastest, time.thread_time() - start)
    return fastest * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.row_walk", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elements", type=int, default=1024 * 128)
    parser.add_argument("--lengths", type=int, nargs="+", default=[2, 3, 8, 16, 32, 128, 10000])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args(argv)
    loaded = modules(scratch_folder("lifted_row_walk_"))
    print(f"{'kernel':>18s} {'m':>6s} {'walk us':>9s} {'unravel us':>11s} {'numpy us':>9s} {'unravel/walk':>13s}")
    for length in args.lengths:
        rows = max(1, args.elements // length)
        rng = np.random.default_rng(0)
        a, t, e = rng.normal(size=(rows, length)), rng.normal(size=rows), np.arange(length) % 7.0
        cases = {"matrix_times_row": ((a, e), lambda: a * e), "column_times_row": ((t, e), lambda: t[:, None] * e),
                 "column_powers": ((t, e), lambda: t[:, None] ** e)}
        for kernel, (inputs, numpy) in cases.items():
            times = {}
            for variant, module in loaded.items():
                function = getattr(module, kernel)
                if kernel != "column_powers":  # (powers: lifted_fpower's bits, tests/test_c_power.py)
                    assert np.array_equal(function(*inputs), numpy())
                times[variant] = best(lambda: function(*inputs), args.repeat)
            reference = best(numpy, args.repeat)
            print(f"{kernel:>18s} {length:6d} {times['walk']:9.1f} {times['unravel']:11.1f} {reference:9.1f} "
                  f"{times['unravel'] / times['walk']:13.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
