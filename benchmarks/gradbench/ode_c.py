"""`python -m benchmarks.gradbench.ode_c [n] [s]`: GradBench ode (SOURCE in ode.py) on the C backend's CPU target
beside the NumPy backend, one process, interleaved samples, median CPU time per call (one thread: set
OMP_NUM_THREADS=1). Both modules are checked to agree first. Defaults: n = 100000, s = 10."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .ode import SOURCE


def main(n: int = 100_000, steps: int = 10) -> None:
    from lifted.loader import import_path
    from lifted.transpiler import transpile_source
    from lifted.transpiler.backends.c import transpile_c

    folder = Path(tempfile.mkdtemp())
    (folder / "numpy_ode.py").write_text(transpile_source(SOURCE, "numpy_ode.py"))
    out = transpile_c(SOURCE, "c_ode.py")
    (folder / "c_ode.py").write_text(out.host)
    (folder / "c_ode.cu").write_text(out.kernels)
    modules = {"numpy": import_path(str(folder / "numpy_ode.py")), "c": import_path(str(folder / "c_ode.py"))}
    x = np.random.default_rng(0).uniform(0.5, 1.5, n)
    print(f"GradBench ode, n={n}, s={steps}: median CPU time per call ({out.kernel_count} kernels in the .cu)")
    for function in ("primal", "gradient"):
        np.testing.assert_allclose(getattr(modules["c"], function)(x, steps),
                                   getattr(modules["numpy"], function)(x, steps), rtol=1e-10)
        samples: dict = {name: [] for name in modules}
        for _ in range(9):
            for name, module in modules.items():
                start = time.process_time()
                getattr(module, function)(x, steps)
                samples[name].append(time.process_time() - start)
        numpy_ms, c_ms = (float(np.median(samples[k])) * 1e3 for k in ("numpy", "c"))
        print(f"  {function:9s} numpy {numpy_ms:7.2f} ms   c {c_ms:7.2f} ms   numpy/c {numpy_ms / c_ms:5.1f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
