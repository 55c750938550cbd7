"""`python -m benchmarks.c_backend [--quick] [--threads N]`: the C backend's CPU target vs the NumPy backend.

Both modules come from the same workload source (benchmarks/workloads), are checked to agree, and are timed side
by side in one process (interleaved samples, so machine load falls on both alike); the table gives medians and
the ratio NumPy / C. JAX and PyTorch join when they are installed. Sizes where the NumPy backend would need more
memory or time than a shared machine should give (RK4 at n=1e7: a 16 GB tape, ~half a minute per primal call)
are run for the C target only.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .threads import configure_threads

CASES = [  # (workload, sizes, sizes where the NumPy backend is skipped)
    ("rk4", [{"n": 10}, {"n": 100_000}, {"n": 10_000_000}], [{"n": 10_000_000}]),
    ("logsumexp", [{"n": 10_000_000}], []),
    ("rosenbrock", [{"n": 10_000_000}], []),
]
QUICK = [("rk4", [{"n": 10}, {"n": 100_000}], []), ("logsumexp", [{"n": 100_000}], []),
         ("rosenbrock", [{"n": 100_000}], [])]


def build(workload, folder: Path):
    """The workload's kernel transpiled by both backends: (NumPy module, C module)."""
    from lifted.loader import import_path
    from lifted.transpiler import transpile_source
    from lifted.transpiler.backends.c import transpile_c

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c_backend", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--threads", type=int, default=1, help="OpenMP/BLAS threads (default 1)")
    args = parser.parse_args(argv)
    configure_threads(args.threads)
    import numpy as np

    from .timer import format_seconds, measure_interleaved
    from .workloads import get

    from .tools import TOOLS

    peers = [TOOLS[name] for name in ("jax", "torch") if TOOLS[name].missing() is None]
    columns = ["numpy", "c"] + [p.name for p in peers]
    print(f"C backend (CPU target, {args.threads} thread{'s' if args.threads != 1 else ''}) vs the NumPy backend"
          f"{' and ' + ', '.join(p.label for p in peers) if peers else ''}: median per call; ratios = other / C")
    print(f"{'workload':<11} {'size':<6} {'what':<8} " + " ".join(f"{c:>9}" for c in columns) + "  " +
          " ".join(f"{c + '/c':>9}" for c in columns if c != "c"))
    with tempfile.TemporaryDirectory() as folder:
        for name, sizes, skip_numpy in (QUICK if args.quick else CASES):
            workload = get(name)
            numpy_module, c_module = build(workload, Path(folder) / name)
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
                    timings = measure_interleaved(fns, repeats=5, budget_s=budget)
                    c_time = timings["c"].median_s
                    cells = [format_seconds(timings[c].median_s) if c in timings else "-" for c in columns]
                    ratios = [f"{timings[c].median_s / c_time:8.1f}x" if c in timings else "-"
                              for c in columns if c != "c"]
                    print(f"{name:<11} {workload.label(size):<6} {what:<8} " +
                          " ".join(f"{cell:>9}" for cell in cells) + "  " + " ".join(f"{r:>9}" for r in ratios),
                          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
