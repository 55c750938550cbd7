"""`python -m benchmarks.c.loops [--threads N] [--quick] [--cpu-time]`: host loops as loop kernels on the C target.

GradBench's `lstm` (two nested loops over characters and layers, rows read and written by index, a full
`np.sum` per step) and `ode` (RK4 steps whose right-hand side shifts the state), built three ways and timed side
by side, interleaved, in one process: the NumPy backend, the C target with host loops launching each step's
kernels from Python (`loop_kernels=False`, the C target before loop kernels), and the C target with loop kernels
(each loop one C call). The table gives the median time per call, the Python-level launches per call, and the
ratios; every result is checked against the NumPy backend first.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

CASES = [  # (program, function, arguments)
    ("lstm", "objective", "l=2 c=1024 b=14"), ("lstm", "jacobian", "l=2 c=1024 b=14"),
    ("ode", "primal", "n=1000 s=100"), ("ode", "gradient", "n=1000 s=100"),
    ("ode", "primal", "n=100000 s=10"), ("ode", "gradient", "n=100000 s=10"),
]


def _inputs(program: str, sizes: str, np):
    values = dict(item.split("=") for item in sizes.split())
    rng = np.random.default_rng(0)
    if program == "lstm":
        l, c, b = int(values["l"]), int(values["c"]), int(values["b"])
        return (rng.normal(size=(l, 8, b)), rng.normal(size=(3, b)), rng.normal(size=(l, 2, b)),
                (rng.random((c, b)) > 0.5).astype(float))
    return (rng.random(int(values["n"])), int(values["s"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.loops", description=__doc__)
    parser.add_argument("--threads", type=int, default=1, help="threads for OpenMP and BLAS (default 1)")
    parser.add_argument("--quick", action="store_true", help="the small sizes only, fewer repeats (a smoke run)")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU time, not wall time")
    args = parser.parse_args(argv)
    from ..threads import configure_threads

    configure_threads(args.threads)
    import numpy as np

    from lifted.cpu import launch as cpu_launch
    from lifted.cpu import loop as cpu_loop
    from lifted.loader import import_path
    from lifted.transpiler import transpile_source
    from lifted.transpiler.pipeline import transpile_c

    from ..gradbench import lstm, ode
    from ..timer import format_seconds, measure_interleaved

    clock = time.process_time if args.cpu_time else time.perf_counter
    sources = {"lstm": lstm.SOURCE, "ode": ode.SOURCE}
    launches = [0]
    region_call, loop_call = cpu_launch.Kernel.__call__, cpu_loop.LoopKernel.__call__

    def counted(call):
        def counting(self, *a):
            launches[0] += 1
            return call(self, *a)
        return counting

    cases = [c for c in CASES if not args.quick or c[2] in ("l=2 c=1024 b=14", "n=1000 s=100")]
    if args.quick:
        cases = [("lstm", f, "l=2 c=64 b=14") for f in ("objective", "jacobian")] + \
            [c for c in cases if c[0] == "ode"]
    with tempfile.TemporaryDirectory() as folder:
        modules = {}
        for program, text in sources.items():
            for kind in ("numpy", "host_loops", "loop_kernels"):
                where = Path(folder) / kind
                where.mkdir(exist_ok=True)
                if kind == "numpy":
                    (where / f"{program}.py").write_text(transpile_source(text, f"{program}.py"))
                else:
                    out = transpile_c(text, f"{program}.py", loop_kernels=kind == "loop_kernels")
                    (where / f"{program}.cu").write_text(out.kernels)
                    (where / f"{program}.py").write_text(out.host)
                modules[program, kind] = import_path(where / f"{program}.py")
        print(f"loop kernels, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, load average "
              f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}; median per call; launches per call in brackets")
        print(f"{'program':<30} {'numpy':>9} {'c host loops':>19} {'c loop kernels':>17} "
              f"{'host/kernels':>12} {'numpy/kernels':>13}")
        for program, function, sizes in cases:
            values = _inputs(program, sizes, np)
            calls = {kind: getattr(modules[program, kind], function) for kind in ("numpy", "host_loops", "loop_kernels")}
            expected = calls["numpy"](*values)
            counts = {}
            for kind in ("host_loops", "loop_kernels"):
                cpu_launch.Kernel.__call__, cpu_loop.LoopKernel.__call__ = counted(region_call), counted(loop_call)
                launches[0] = 0
                actual = calls[kind](*values)
                counts[kind] = launches[0]
                cpu_launch.Kernel.__call__, cpu_loop.LoopKernel.__call__ = region_call, loop_call
                for e, a in zip(expected if isinstance(expected, tuple) else (expected,),
                                actual if isinstance(actual, tuple) else (actual,)):
                    np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)
            timings = measure_interleaved({k: (lambda f=f: f(*values)) for k, f in calls.items()},
                                          repeats=3 if args.quick else 7, budget_s=0.5 if args.quick else 4.0,
                                          clock=clock)
            t = {k: v.median_s for k, v in timings.items()}
            print(f"{program + '.' + function + ' ' + sizes:<30} {format_seconds(t['numpy']):>9} "
                  f"{format_seconds(t['host_loops']):>10} [{counts['host_loops']:>6}] "
                  f"{format_seconds(t['loop_kernels']):>9} [{counts['loop_kernels']:>4}] "
                  f"{t['host_loops'] / t['loop_kernels']:>11.1f}x {t['numpy'] / t['loop_kernels']:>12.1f}x",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
