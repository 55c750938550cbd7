"""`python -m benchmarks.c.gmm_cpu_vs_jax TREE [d_k_n ...]`: GradBench gmm's `jacobian` on the C target as this tree
and the checkout TREE emit it, beside `jax.jit(jax.grad(...))` of the same function written for `jax.numpy`
(`workloads.gmm.xp_f`), in process CPU time with one thread everywhere (OpenMP, BLAS and XLA's intra-op pool),
fastest of 15 interleaved samples: a comparison with JAX that a loaded machine, whose wall times swing by 2x,
does not spoil. Not GradBench's own jax tool (the compare tool runs that, in wall time)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..scratch import scratch_folder
from ..threads import configure_threads

SIZES = ["64_5_1000", "64_10_1000", "64_25_1000", "20_5_1000"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m benchmarks.c.gmm_cpu_vs_jax TREE [d_k_n ...]")
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    configure_threads(1)
    import jax
    import jax.numpy as jnp
    import numpy as np

    from ..timer import fastest_interleaved
    from .backend import now_and_before
    from ..gradbench import gmm
    from ..workloads import gmm as workload

    jax.config.update("jax_enable_x64", True)
    after, before = now_and_before(gmm.SOURCE, "gmm", Path(args[0]), scratch_folder())
    rng = np.random.default_rng(0)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for size in args[1:] or SIZES:
        d, k, n = (int(part) for part in size.split("_"))
        inputs = workload.inputs({"d": d, "k": k, "n": n}, rng)
        gradient = jax.jit(jax.grad(lambda *a: workload.xp_f(jnp, *a), argnums=(0, 1, 2, 3)))
        on_device = [jnp.asarray(x) for x in inputs]
        functions = {"before": lambda: before.jacobian(*inputs), "after": lambda: after.jacobian(*inputs),
                     "jax": lambda: jax.block_until_ready(gradient(*on_device))}
        for function in functions.values():
            function()
        fastest = fastest_interleaved(functions, 15, clock=time.process_time)
        b, a, j = fastest["before"], fastest["after"], fastest["jax"]
        print(f"gmm {size:<11} jacobian  before {b * 1e3:8.3f} ms  after {a * 1e3:8.3f} ms  jax {j * 1e3:8.3f} ms  "
              f"after/jax {a / j:.2f}  before/jax {b / j:.2f}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
