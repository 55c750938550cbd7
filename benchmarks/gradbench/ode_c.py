"""`python -m benchmarks.gradbench.ode_c [n] [s] [--before TREE] [--samples K]`: GradBench ode (SOURCE in ode.py)
on the C backend's CPU target beside the NumPy backend, one process, interleaved samples, CPU time per call (one
thread: set OMP_NUM_THREADS=1; median and fastest of K samples, default 9, NumPy's K / 10 timed apart). All modules are checked to agree first.
`--before TREE` adds the C target as another checkout (a worktree of main) emits it (benchmarks/c/backend.py's
`build_before`): a change to the compiler measured before and after in one process, under the same load.
`--plans` adds this checkout's module twice more with the stencil plan forced (stencils/plans.py's threshold set
so that the split plan, or the repeating one, runs at every size): the two plans side by side.
Defaults: n = 100000, s = 10."""
from __future__ import annotations

import argparse
import time
import types
from pathlib import Path

import numpy as np

from ..scratch import scratch_folder
from .ode import SOURCE


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradbench.ode_c", description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("s", type=int, nargs="?", default=10)
    parser.add_argument("--before", type=Path, default=None, metavar="TREE")
    parser.add_argument("--samples", type=int, default=9)
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args(argv)
    from lifted.loader import import_path
    from lifted.transpiler import transpile_source
    from lifted.transpiler.pipeline import transpile_c

    folder = scratch_folder()
    (folder / "numpy_ode.py").write_text(transpile_source(SOURCE, "numpy_ode.py"))
    out = transpile_c(SOURCE, "c_ode.py")
    (folder / "c_ode.py").write_text(out.host)
    (folder / "c_ode.cu").write_text(out.kernels)
    modules = {"numpy": import_path(str(folder / "numpy_ode.py")), "c": import_path(str(folder / "c_ode.py"))}
    if args.plans:
        from lifted.transpiler.backends.c.stencils import plans

        chosen = plans.SPLIT_MOST_ELEMENTS
        for name, most in (("split", 2 ** 62), ("repeat", -1)):
            plans.SPLIT_MOST_ELEMENTS = most
            forced = transpile_c(SOURCE, f"{name}_ode.py")
            (folder / f"{name}_ode.py").write_text(forced.host)
            (folder / f"{name}_ode.cu").write_text(forced.kernels)
            modules[name] = import_path(str(folder / f"{name}_ode.py"))
        plans.SPLIT_MOST_ELEMENTS = chosen
    if args.before is not None:
        from ..c.backend import build_before

        workload = types.SimpleNamespace(name="ode", module=types.SimpleNamespace(LIFTED=SOURCE))
        modules["before"] = build_before(workload, args.before, folder / "before")
    x = np.random.default_rng(0).uniform(0.5, 1.5, args.n)
    print(f"GradBench ode, n={args.n}, s={args.s}: CPU time per call, median (fastest) of {args.samples} "
          f"({out.kernel_count} kernels in the .cu)")
    for function in ("primal", "gradient"):
        expected = getattr(modules["numpy"], function)(x, args.s)
        for name in modules:
            np.testing.assert_allclose(getattr(modules[name], function)(x, args.s), expected, rtol=1e-10)
        samples: dict = {name: [] for name in modules}
        compiled = [(name, module) for name, module in modules.items() if name != "numpy"]
        for k in range(args.samples):  # the C modules in turns, each first as often (the same caches before each)
            for name, module in compiled[k % len(compiled):] + compiled[:k % len(compiled)]:
                start = time.process_time()
                getattr(module, function)(x, args.s)
                samples[name].append(time.process_time() - start)
        for _ in range(max(3, args.samples // 10)):  # (NumPy's temporaries flush the caches: timed apart)
            start = time.process_time()
            getattr(modules["numpy"], function)(x, args.s)
            samples["numpy"].append(time.process_time() - start)
        ms = {k: (float(np.median(v)) * 1e3, min(v) * 1e3) for k, v in samples.items()}
        columns = "   ".join(f"{k} {m:8.3f} ({f:8.3f}) ms" for k, (m, f) in ms.items())
        ratios = f"   numpy/c {ms['numpy'][0] / ms['c'][0]:5.1f}x" + \
            (f"   before/c {ms['before'][0] / ms['c'][0]:5.2f}x" if "before" in ms else "") + \
            (f"   split/repeat {ms['split'][0] / ms['repeat'][0]:5.2f}x" if "split" in ms else "")
        print(f"  {function:9s} {columns}{ratios}")


if __name__ == "__main__":
    main()
