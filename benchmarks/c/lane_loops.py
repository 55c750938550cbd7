"""`python -m benchmarks.c.lane_loops [--quick]`: the C target's kernels with their lane loops kept as loops
(`LIFTED_LANE_LOOPS` in the prelude, as emitted) beside the same `.cu` text with the macro defined empty (GCC may
then turn a chunk's lane-array copies and fills into memcpy and memset calls: the code before h-ode2), one process,
interleaved samples, median CPU time per call (one thread: set OMP_NUM_THREADS=1). Both modules are checked to
give the same bits first; the text differs in that one line only.

Workloads: GradBench ode (benchmarks/gradbench/ode.py) at n = 1e5 with s = 1 and 10 and at n = 1e3 with s = 100,
and benchmarks.c.backend's workloads' gradients at their quick sizes.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LANE_LOOPS = '#define LIFTED_LANE_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))'


def build_pair(name: str, text: str, folder: Path) -> tuple:
    """(module without lane-loop marking, module as emitted) for one kernel source."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    out = transpile_c(text, f"{name}.py")
    if LANE_LOOPS not in out.kernels:
        raise RuntimeError("the prelude no longer defines LIFTED_LANE_LOOPS as this benchmark expects")
    modules = []
    for tag, kernels in (("calls", out.kernels.replace(LANE_LOOPS, "#define LIFTED_LANE_LOOPS")),
                         ("loops", out.kernels)):
        where = folder / tag
        where.mkdir(parents=True, exist_ok=True)
        (where / f"{name}.cu").write_text(kernels)
        (where / f"{name}.py").write_text(out.host)
        modules.append(import_path(where / f"{name}.py"))
    return tuple(modules)


def _leaves(value) -> list:
    return [np.asarray(v) for v in value] if isinstance(value, tuple) else [np.asarray(value)]


def compare(label: str, calls, loops, repeats: int) -> tuple[float, float]:
    """Median CPU seconds per call of both, after checking that they give the same bits."""
    for a, b in zip(_leaves(calls()), _leaves(loops())):
        if not np.array_equal(a, b):
            raise AssertionError(f"{label}: the two builds disagree")
    samples: dict = {0: [], 1: []}
    for _ in range(repeats):
        for k, fn in enumerate((calls, loops)):
            start = time.process_time()
            fn()
            samples[k].append(time.process_time() - start)
    before, after = (float(np.median(samples[k])) for k in (0, 1))
    print(f"{label:30s} {before * 1e3:10.4f} ms {after * 1e3:10.4f} ms   {after / before:6.3f}", flush=True)
    return before, after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.lane_loops", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and few samples (a smoke run)")
    args = parser.parse_args(argv)
    from ..gradbench.ode import SOURCE
    from ..workloads import get

    scale = 0.05 if args.quick else 1.0
    print("median CPU time per call: memcpy/memset calls allowed | lane loops kept | loops / calls")
    with tempfile.TemporaryDirectory() as folder:
        calls, loops = build_pair("lane_ode", SOURCE, Path(folder))
        rng = np.random.default_rng(0)
        big = rng.uniform(0.5, 1.5, 1000 if args.quick else 100_000)
        small = rng.uniform(0.5, 1.5, 1000)
        for label, x, steps, repeats in (("ode gradient n=%d s=1", big, 1, 800), ("ode gradient n=%d s=10", big, 10, 80),
                                         ("ode gradient n=%d s=100", small, 100, 200), ("ode primal n=%d s=1", big, 1, 800)):
            function = "primal" if "primal" in label else "gradient"
            compare(label % x.size, lambda f=getattr(calls, function): f(x, steps),
                    lambda f=getattr(loops, function): f(x, steps), max(2, int(repeats * scale)))
        for name in ("rk4", "logsumexp", "rosenbrock", "mlp"):
            workload = get(name)
            size = workload.sizes("tiny")[0] if args.quick else \
                {"rk4": {"n": 100_000}, "logsumexp": {"n": 100_000}, "rosenbrock": {"n": 100_000},
                 "mlp": {"n": 64, "d": 32, "h": 64}}[name]
            calls, loops = build_pair(f"lane_{name}", workload.module.LIFTED, Path(folder))
            inputs = workload.inputs(size)
            compare(f"{name} gradient {workload.label(size)}", lambda m=calls: m.f_grad(*inputs),
                    lambda m=loops: m.f_grad(*inputs), max(2, int(400 * scale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
