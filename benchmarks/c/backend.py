"""`python -m benchmarks.c.backend [--quick] [--threads N] [--only NAME,...] [--cpu-time]`: the C backend's CPU
target vs the NumPy backend.

Both modules come from the same workload source (benchmarks/workloads), are checked to agree, and are timed side
by side in one process (interleaved samples, so machine load falls on both alike); the table gives medians and
the ratio NumPy / C. JAX (jit) and PyTorch (eager) join when they are installed. Sizes where the NumPy backend
would need more memory or time than a shared machine should give (RK4 at n=1e7: a 16 GB tape, ~half a minute
per primal call) are run for the C target only.

Array-bound gradients (logsumexp, Rosenbrock: read x once, write dx once, so 16 bytes per element at best) are
also compared with their bytes-moved bound: the bytes over the copy bandwidth measured in the same run by a
STREAM-like copy (`dst[i] = src[i]` over 2 x 80 MB, built by the same compiler and flags as the kernels, on the
same threads). The `c/bound` column is the C target's time over that bound (1.0 would be the copy's speed).
A gradient that evaluates a math function per element can be bound by that instead: the run also times one pass
of `sum(exp(x[i] - a))` over 1e7 doubles (same compiler, flags and vector math library as the kernels), the
floor of any kernel that reads x and calls `exp` once per element.

`--cpu-time` times the process's CPU time instead of wall time (one thread only): on a machine with more
runnable jobs than cores, the time spent waiting for a core then counts for no one.

`--before TREE` adds a column for the C target as another checkout of this repository (a worktree of main, say)
emits it: that tree's transpiler writes the kernels and host module (in a child process that imports the tree's
`runtime`, `transpiler` and `templates` as `lifted`), this process loads and times them beside this tree's, so a
change to the emitter or its templates is measured before and after in one process, under the same load.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import types
import tempfile
import time
from pathlib import Path

from ..threads import configure_threads

CASES = [  # (workload, sizes, sizes where the NumPy backend is skipped)
    ("rk4", [{"n": 10}, {"n": 100_000}, {"n": 10_000_000}], [{"n": 10_000_000}]),
    ("logsumexp", [{"n": 10_000_000}], []),
    ("rosenbrock", [{"n": 10_000_000}], []),
    ("mlp", [{"n": 4096, "d": 256, "h": 512}], []),
]
QUICK = [("rk4", [{"n": 10}, {"n": 100_000}], []), ("logsumexp", [{"n": 100_000}], []),
         ("rosenbrock", [{"n": 100_000}], []), ("mlp", [{"n": 64, "d": 32, "h": 64}], [])]
BYTES_PER_ELEMENT = {"logsumexp": 16, "rosenbrock": 16}  # gradient: read x, write dx (float64)
STREAM_COPY = """
#include <stdint.h>
extern "C" void lifted_stream_copy(const double* __restrict__ src, double* __restrict__ dst, const int64_t n)
{
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}
"""
EXP_PASS = """
#include <math.h>
#include <stdint.h>
#ifdef LIFTED_MVEC
#pragma omp declare simd notinbranch
extern "C" double exp(double) noexcept;
#endif
extern "C" double lifted_exp_pass(const double* __restrict__ x, const double a, const int64_t n)
{
    double total = 0;
    #pragma omp parallel for simd schedule(static) reduction(+:total)
    for (int64_t i = 0; i < n; ++i) total += exp(x[i] - a);
    return total;
}
"""


def copy_bandwidth(budget_s: float, clock=None) -> float:
    """Bytes per second of a STREAM-like copy (read + write counted) over arrays far larger than the caches."""
    import ctypes

    import numpy as np

    from lifted import cpu

    from ..timer import measure

    copy = ctypes.CDLL(str(cpu.build(STREAM_COPY, "stream_copy"))).lifted_stream_copy
    copy.restype = None
    n = 10_000_000
    src, dst = np.random.default_rng(0).normal(size=n), np.empty(n)
    args = (ctypes.c_void_p(src.ctypes.data), ctypes.c_void_p(dst.ctypes.data), ctypes.c_int64(n))
    timing = measure(lambda: copy(*args), repeats=7, budget_s=budget_s, clock=clock or time.perf_counter)
    return 2 * src.nbytes / timing.median_s


def exp_pass_seconds(budget_s: float, clock=None) -> float:
    """Seconds of one pass that reads 1e7 doubles and calls `exp` on each (vectorised as the kernels are)."""
    import ctypes

    import numpy as np

    from lifted import cpu

    from ..timer import measure

    exp_pass = ctypes.CDLL(str(cpu.build(EXP_PASS, "exp_pass"))).lifted_exp_pass
    exp_pass.restype = ctypes.c_double
    x = np.random.default_rng(0).normal(size=10_000_000)
    args = (ctypes.c_void_p(x.ctypes.data), ctypes.c_double(x.max()), ctypes.c_int64(x.size))
    return measure(lambda: exp_pass(*args), repeats=7, budget_s=budget_s, clock=clock or time.perf_counter).median_s


def build(workload, folder: Path):
    """The workload's kernel transpiled by both backends: (NumPy module, C module)."""
    from lifted.loader import import_path
    from lifted.transpiler import transpile_source
    from lifted.transpiler.pipeline import transpile_c

    name = f"bench_{workload.name}"
    text = workload.module.LIFTED
    numpy_dir, c_dir = folder / "numpy", folder / "c"
    numpy_dir.mkdir(parents=True, exist_ok=True)
    c_dir.mkdir(parents=True, exist_ok=True)
    (numpy_dir / f"{name}.py").write_text(transpile_source(text, f"{name}.py"))
    out = transpile_c(text, f"{name}.py")
    (c_dir / f"{name}.cu").write_text(out.kernels)
    (c_dir / f"{name}.py").write_text(out.host)
    return import_path(numpy_dir / f"{name}.py"), import_path(c_dir / f"{name}.py")


BEFORE_SCRIPT = """
import sys
from pathlib import Path
from lifted.transpiler.pipeline import transpile_c
out = transpile_c(sys.stdin.read(), sys.argv[1] + ".py")
folder = Path(sys.argv[2])
(folder / (sys.argv[1] + ".cu")).write_text(out.kernels)
(folder / (sys.argv[1] + ".py")).write_text(out.host)
"""


def build_before(workload, tree: Path, folder: Path):
    """The workload's C module as the checkout `tree` emits it, loaded here (its host module imports this
    process's `lifted` runtime, as any generated module does)."""
    from lifted.loader import import_path

    package = folder / "package" / "lifted"  # the tree's layout as an importable `lifted`, as pyproject maps it
    package.mkdir(parents=True, exist_ok=True)
    for entry in (tree / "runtime").iterdir():
        if not (package / entry.name).exists():
            (package / entry.name).symlink_to(entry.resolve())
    for name in ("transpiler", "templates"):
        if not (package / name).exists():
            (package / name).symlink_to((tree / name).resolve())
    name = f"bench_{workload.name}_before"
    out = folder / "c_before"
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(package.parent))
    subprocess.run([sys.executable, "-c", BEFORE_SCRIPT, name, str(out)], input=workload.module.LIFTED, text=True,
                   env=env, check=True, cwd=str(tree))
    return import_path(out / f"{name}.py")



def now_and_before(source: str, name: str, tree: Path, folder: Path) -> tuple:
    """`source`'s C module as this tree emits it and as the checkout `tree` does (`build_before`), both loaded in
    this process: a change to the emitter timed before and after under the same load."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    out = transpile_c(source, f"bench_{name}.py")
    (folder / f"bench_{name}.cu").write_text(out.kernels)
    (folder / f"bench_{name}.py").write_text(out.host)
    workload = types.SimpleNamespace(name=name, module=types.SimpleNamespace(LIFTED=source))
    return import_path(folder / f"bench_{name}.py"), build_before(workload, tree, folder)

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.backend", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--threads", type=int, default=1, help="OpenMP/BLAS threads (default 1)")
    parser.add_argument("--only", default=None, help="comma-separated workloads to run (default: all)")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU time, not wall time (one thread only)")
    parser.add_argument("--before", type=Path, default=None, metavar="TREE",
                        help="also time the C target as the checkout TREE emits it (column `before`)")
    args = parser.parse_args(argv)
    if args.cpu_time and args.threads != 1:
        parser.error("--cpu-time counts every thread's time: use it with --threads 1")
    clock = time.process_time if args.cpu_time else time.perf_counter
    configure_threads(args.threads)
    import numpy as np

    from ..timer import format_seconds, measure_interleaved
    from ..workloads import get

    from ..tools import TOOLS

    peers = [TOOLS[name] for name in ("jax", "torch") if TOOLS[name].missing() is None]
    columns = ["numpy", "c"] + (["before"] if args.before else []) + [p.name for p in peers]
    bandwidth = copy_bandwidth(0.5 if args.quick else 2.0, clock)
    print(f"C backend (CPU target, {args.threads} thread{'s' if args.threads != 1 else ''}) vs the NumPy backend"
          f"{' and ' + ', '.join(p.label for p in peers) if peers else ''}: median "
          f"{'CPU' if args.cpu_time else 'wall'} time per call; ratios = other / C")
    exp_pass = exp_pass_seconds(0.5 if args.quick else 2.0, clock)
    print(f"STREAM-like copy bandwidth (same run, same threads): {bandwidth / 1e9:.2f} GB/s; one pass of "
          f"sum(exp(x - a)) over 1e7 doubles: {format_seconds(exp_pass)}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'workload':<11} {'size':<11} {'what':<8} " + " ".join(f"{c:>9}" for c in columns) + "  " +
          " ".join(f"{c + '/c':>9}" for c in columns if c != "c") + f"  {'c/bound':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for name, sizes, skip_numpy in (QUICK if args.quick else CASES):
            if args.only is not None and name not in args.only.split(","):
                continue
            workload = get(name)
            numpy_module, c_module = build(workload, Path(folder) / name)
            before_module = build_before(workload, args.before, Path(folder) / name) if args.before else None
            for size in sizes:
                inputs = workload.inputs(size)
                prepared = {}
                for peer in peers:
                    if size not in skip_numpy:
                        try:
                            prepared[peer.name] = peer.prepare(workload, inputs)
                        except Exception as error:  # noqa: BLE001  (a peer that cannot run this size)
                            print(f"  {peer.name} skipped: {type(error).__name__}: {error}")
                for what, fn_name in (("primal", "f"), ("gradient", "f_grad")):
                    c_fn = getattr(c_module, fn_name)
                    fns = {"c": lambda f=c_fn: f(*inputs)}
                    if before_module is not None:
                        before_fn = getattr(before_module, fn_name)
                        fns["before"] = lambda f=before_fn: f(*inputs)
                        for e, a in zip(np.atleast_1d(c_fn(*inputs)) if what == "primal" else c_fn(*inputs),
                                        np.atleast_1d(before_fn(*inputs)) if what == "primal" else before_fn(*inputs)):
                            np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-12)
                    if size not in skip_numpy:
                        numpy_fn = getattr(numpy_module, fn_name)
                        fns["numpy"] = lambda f=numpy_fn: f(*inputs)
                        expected, actual = numpy_fn(*inputs), c_fn(*inputs)
                        for e, a in zip(np.atleast_1d(expected) if what == "primal" else expected,
                                        np.atleast_1d(actual) if what == "primal" else actual):
                            np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-12)
                    for peer, ready in prepared.items():
                        fns[peer] = ready.primal if what == "primal" else ready.grad
                    budget = 1.0 if args.quick else 4.0
                    timings = measure_interleaved(fns, repeats=5, budget_s=budget, clock=clock)
                    c_time = timings["c"].median_s
                    cells = [format_seconds(timings[c].median_s) if c in timings else "-" for c in columns]
                    ratios = [f"{timings[c].median_s / c_time:8.1f}x" if c in timings else "-"
                              for c in columns if c != "c"]
                    bound = "-"
                    if what == "gradient" and name in BYTES_PER_ELEMENT:
                        seconds = BYTES_PER_ELEMENT[name] * size["n"] / bandwidth
                        bound = f"{c_time / seconds:8.2f}x"
                    print(f"{name:<11} {workload.label(size):<11} {what:<8} " +
                          " ".join(f"{cell:>9}" for cell in cells) + "  " + " ".join(f"{r:>9}" for r in ratios) +
                          f"  {bound:>9}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
