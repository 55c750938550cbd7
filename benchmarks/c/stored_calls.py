"""`python -m benchmarks.c.stored_calls [--quick]`: the C target's plans with and without math-library calls in
rematerialization's cost rule (`CALL_BYTES` in `transpiler/backends/c/remat.py`: 0 is the rule before h-lse2,
where bytes alone decided and every kernel recomputed `exp(x - a)`), beside JAX (`jit` of `grad`, when it is
installed), one process, interleaved samples, CPU time per call (one thread: set OMP_NUM_THREADS=1; XLA's own
pool is turned off here). The workloads: GradBench lse's gradient at its three default sizes, and gmm's objective
and Jacobian (whose exps feed sums over the components). Every module's result is checked against the first's.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def build(source: str, name: str, call_bytes: int, folder: Path):
    """The C host module of `source` planned with `call_bytes` as the cost of a repeated math-library call."""
    from lifted.loader import import_path
    from lifted.transpiler.backends.c import fusion
    from lifted.transpiler.pipeline import transpile_c

    kept = fusion.CALL_BYTES
    fusion.CALL_BYTES = call_bytes
    try:
        out = transpile_c(source, f"{name}.py")
    finally:
        fusion.CALL_BYTES = kept
    where = folder / f"{name}_{call_bytes}"
    where.mkdir(parents=True, exist_ok=True)
    (where / f"{name}.cu").write_text(out.kernels)
    (where / f"{name}.py").write_text(out.host)
    return import_path(where / f"{name}.py")


def compare(label: str, functions: dict, args: tuple, repeats: int) -> None:
    """Fastest and median CPU milliseconds per call of each function, after checking they agree."""
    first = np.asarray(next(iter(functions.values()))(*args))
    for name, fn in functions.items():
        np.testing.assert_allclose(np.asarray(fn(*args)), first, rtol=1e-12, atol=1e-14, err_msg=f"{label}: {name}")
    samples: dict = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.process_time()
            fn(*args)
            samples[name].append(time.process_time() - start)
    cells = [f"{name} {min(s) * 1e3:.4f} ({np.median(s) * 1e3:.4f})" for name, s in samples.items()]
    names = list(functions)
    ratio = min(samples[names[1]]) / min(samples[names[0]])
    print(f"{label:26s} " + "  ".join(cells) + f"   {names[1]}/{names[0]} {ratio:.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.stored_calls", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and few samples (a smoke run)")
    args = parser.parse_args(argv)
    from ..gradbench import gmm, lse
    from ..workloads import gmm as gmm_workload

    scale = 0.05 if args.quick else 1.0
    print("CPU ms per call, fastest (median): calls costless (before h-lse2) | calls weighed | JAX jit", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    try:
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def primal(x):
            a = jnp.max(x)
            return a + jnp.log(jnp.sum(jnp.exp(x - a)))

        jitted = jax.jit(jax.grad(primal))
        jax_gradient = {"jax": lambda x: jax.block_until_ready(jitted(x))}
    except ImportError:
        jax_gradient = {}
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        before, after = (build(lse.SOURCE, "lse", cost, Path(folder)) for cost in (0, 16))
        for n, repeats in ((2500, 3000), (80000, 300), (1280000, 40)):
            x = rng.normal(size=n if not args.quick else min(n, 80000))
            compare(f"lse gradient n={x.size}", {"before": before.gradient, "after": after.gradient, **jax_gradient},
                    (x,), max(2, int(repeats * scale)))
        before, after = (build(gmm.SOURCE, "gmm", cost, Path(folder)) for cost in (0, 16))
        for d, k, repeats in ((2, 5, 300), (2, 100, 60), (32, 5, 60), (64, 5, 30)):
            inputs = gmm_workload.inputs({"d": d, "k": k, "n": 1000}, rng)
            compare(f"gmm objective d={d} k={k}", {"before": before.objective, "after": after.objective}, inputs,
                    max(2, int(repeats * scale)))
            compare(f"gmm jacobian d={d} k={k}", {"before": lambda *a: before.jacobian(*a)[1],
                                                  "after": lambda *a: after.jacobian(*a)[1]}, inputs,
                    max(2, int(repeats * scale)))
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
