"""`python -m benchmarks.inplace_loops [--quick] [--cpu-time]`: loops that update an array in place, row by row.

The kernel is a recurrence over the rows of an (n, d) matrix, `A[i] = tanh(A[i] * y + A[i - 1] * x[i])`, run for
n - 1 steps. A step touches two rows, so it should cost the same at every n: the primal updates the matrix in
place (copied once, before the loop: a kernel never changes its arguments), the gradient's reverse loop writes
into one adjoint matrix in place, the Jacobian-vector product's loop into one tangent matrix. A compiler that
copies or zeroes the whole matrix at each step pays O(n) per step, O(n^2) per call.

Timed side by side, interleaved, in one process (one thread): Lifted's NumPy backend and C target, autograd (the
same recurrence written without in-place writes: a list of rows, stacked; up to 1000 rows) and JAX
(`lax.fori_loop` over `.at[i].set(...)` under `jit`, every result blocked on). Printed: microseconds per loop
step (median per call divided by n - 1) for the primal, the gradient (wrt A, x, y) and the JVP (wrt A); every
Lifted result is checked against the other backend and the peers first.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

SOURCE = '''
import numpy as np
from lifted import grad, jvp, kernel

@kernel
def f(A: "f64[n,d]", x: "f64[n]", y: "f64[d]"):
    for i in range(1, A.shape[0]):
        A[i] = np.tanh(A[i] * y + A[i - 1] * x[i])
    return np.sum(A * A)

f_grad = grad(f, wrt=("A", "x", "y"))
f_jvp = jvp(f, wrt="A")
'''
KINDS = ("primal", "grad", "jvp")
AUTOGRAD_ROWS = 1000  # above: autograd's gradient reads each row through a full-size zero array (24 s at 10^4 rows)


def _lifted(folder: Path) -> dict:
    from lifted.loader import import_path
    from lifted.transpiler import transpile_source
    from lifted.transpiler.pipeline import transpile_c

    modules = {}
    for backend in ("numpy", "c"):
        where = folder / backend
        where.mkdir()
        if backend == "numpy":
            (where / "recurrence.py").write_text(transpile_source(SOURCE, "recurrence.py"))
        else:
            out = transpile_c(SOURCE, "recurrence.py")
            (where / "recurrence.cu").write_text(out.kernels)
            (where / "recurrence.py").write_text(out.host)
        module = import_path(where / "recurrence.py")
        modules[f"lifted-{backend}"] = {"primal": module.f, "grad": module.f_grad,
                                        "jvp": lambda A, x, y, t, m=module: m.f_jvp(A, x, y, t)}
    return modules


def _autograd() -> dict | None:
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None

    def f(A, x, y):
        rows = [A[0]]
        for i in range(1, A.shape[0]):
            rows.append(anp.tanh(A[i] * y + rows[-1] * x[i]))
        stacked = anp.stack(rows)
        return anp.sum(stacked * stacked)

    return {"primal": f, "grad": autograd.grad(f, (0, 1, 2))}


def _jax() -> dict | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def f(A, x, y):
        A = jax.lax.fori_loop(1, A.shape[0], lambda i, A: A.at[i].set(jnp.tanh(A[i] * y + A[i - 1] * x[i])), A)
        return jnp.sum(A * A)

    primal, gradient = jax.jit(f), jax.jit(jax.grad(f, (0, 1, 2)))
    tangent = jax.jit(lambda A, x, y, t: jax.jvp(lambda a: f(a, x, y), (A,), (t,)))
    block = jax.block_until_ready
    return {"primal": lambda *a: block(primal(*a)), "grad": lambda *a: block(gradient(*a)),
            "jvp": lambda A, x, y, t: block(tangent(A, x, y, t))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inplace_loops", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="rows 100 and 1000 only, short budgets")
    parser.add_argument("--columns", type=int, default=8, help="d, the row length (default 8)")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU time, not wall time")
    parser.add_argument("--rows", type=int, nargs="+", help="the sizes n (default 100 1000 10000; --quick: 100 1000)")
    args = parser.parse_args(argv)
    from .threads import configure_threads

    configure_threads(1)
    import numpy as np

    from .timer import measure_interleaved

    clock = time.process_time if args.cpu_time else time.perf_counter
    with tempfile.TemporaryDirectory() as folder:
        tools = _lifted(Path(folder))
        tools.update((name, peer) for name, peer in (("autograd", _autograd()), ("jax", _jax())) if peer is not None)
        print(f"in-place row recurrence, d={args.columns}, one thread, load average "
              f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}; microseconds per loop step (median per call / (n-1))")
        print(f"{'n':>6} {'':>6} " + " ".join(f"{name:>12}" for name in tools))
        for n in args.rows or ((100, 1000) if args.quick else (100, 1000, 10000)):
            rng = np.random.default_rng(0)
            A, x, y = rng.normal(size=(n, args.columns)), rng.normal(size=n) * 0.5, rng.normal(size=args.columns)
            t = rng.normal(size=(n, args.columns))
            inputs = {"primal": (A, x, y), "grad": (A, x, y), "jvp": (A, x, y, t)}
            for kind in KINDS:
                calls = {name: calls[kind] for name, calls in tools.items() if kind in calls
                         and not (name == "autograd" and n > AUTOGRAD_ROWS)}
                results = {name: call(*inputs[kind]) for name, call in calls.items()}
                reference = results["lifted-numpy"]
                for name, value in results.items():
                    for want, got in zip(reference if isinstance(reference, tuple) else (reference,),
                                         value if isinstance(value, tuple) else (value,)):
                        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9, atol=1e-9,
                                                   err_msg=f"{name} {kind}")
                timings = measure_interleaved({name: (lambda c=call: c(*inputs[kind])) for name, call in calls.items()},
                                              repeats=3 if args.quick else 7, budget_s=0.3 if args.quick else 2.0,
                                              clock=clock)
                cells = [f"{timings[name].median_s / (n - 1) * 1e6:12.2f}" if name in timings else f"{'-':>12}"
                         for name in tools]
                print(f"{n:>6} {kind:>6} " + " ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
