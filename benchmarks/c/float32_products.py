"""`python -m benchmarks.c.float32_products [--before TREE] [--rounds N]`: the C target's float32 matrix-vector and
vector-matrix loop products (templates/c_loop/float_products.cuh.j2) against NumPy's sgemv: thread CPU time per call
(median of interleaved rounds, one thread) and mean distance to the exact product in units of 2^-24 of the mean
|value|. `--before TREE` adds the same kernels as another checkout emits them (benchmarks.c.backend's
`now_and_before`), timed in this process beside this tree's."""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from ..threads import configure_threads
from .backend import now_and_before

SOURCE = '''
import numpy as np
from lifted import kernel


@kernel
def mv(a: "f32[n,k]", x: "f32[k]", c: "f32[n]"):
    return a @ x + c  # (with the sum, the product runs in the C kernel: alone it is the host's np.matmul)


@kernel
def vm(x: "f32[k]", b: "f32[k,m]", c: "f32[m]"):
    return x @ b + c
'''
SHAPES = [("mv", 64, 30), ("mv", 256, 100), ("mv", 64, 1000), ("mv", 1000, 1000), ("mv", 16, 100_000),
          ("vm", 200, 30), ("vm", 256, 100), ("vm", 1000, 300), ("vm", 1000, 1000), ("vm", 64, 10_000),
          ("vm", 8, 100_000)]


def _cpu_time(call, reps: int) -> float:
    start = time.thread_time()
    for _ in range(reps):
        call()
    return (time.thread_time() - start) / reps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.float32_products", description=__doc__)
    parser.add_argument("--before", type=Path, default=None, metavar="TREE")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    configure_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        if args.before is not None:
            now, before = now_and_before(SOURCE, "f32_products", args.before, Path(folder))
        else:
            before = None
            from lifted.loader import import_path
            from lifted.transpiler.pipeline import transpile_c
            out = transpile_c(SOURCE, "bench_f32_products.py")
            (Path(folder) / "bench_f32_products.cu").write_text(out.kernels)
            (Path(folder) / "bench_f32_products.py").write_text(out.host)
            now = import_path(Path(folder) / "bench_f32_products.py")
        rng = np.random.default_rng(0)
        print("shape (rows or columns x k): CPU us per call C / before / NumPy (median of rounds); "
              "mean error (2^-24 of mean |value|) C / before / NumPy")
        for kind, size, k in SHAPES:
            if kind == "mv":
                a, x = rng.uniform(-1, 1, (size, k)).astype(np.float32), rng.uniform(-1, 1, k).astype(np.float32)
                operands = (a, x, np.zeros(size, np.float32))
            else:
                x, b = rng.uniform(-1, 1, k).astype(np.float32), rng.uniform(-1, 1, (k, size)).astype(np.float32)
                operands = (x, b, np.zeros(size, np.float32))
            calls = {"C": lambda: getattr(now, kind)(*operands), "NumPy": lambda: operands[0] @ operands[1] + operands[2]}
            if before is not None:
                calls["before"] = lambda: getattr(before, kind)(*operands)
            exact = operands[0].astype(np.float64) @ operands[1].astype(np.float64)
            errors = {name: np.mean(np.abs(call() - exact)) / np.mean(np.abs(exact)) / 2.0 ** -24
                      for name, call in calls.items()}
            reps = max(3, int(2e7 // (size * k)))
            times = {name: [] for name in calls}
            for _ in range(args.rounds):
                for name, call in calls.items():
                    times[name].append(_cpu_time(call, reps))
            med = {name: np.median(t) * 1e6 for name, t in times.items()}
            order = [name for name in ("C", "before", "NumPy") if name in calls]
            ratio = f"  C/before {med['C'] / med['before']:.3f}" if before is not None else ""
            print(f"{kind} {size} x {k}: " + " / ".join(f"{med[n]:.2f}" for n in order) + " us;  "
                  + " / ".join(f"{errors[n]:.2f}" for n in order) + ratio, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
