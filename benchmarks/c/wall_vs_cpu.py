"""`python -m benchmarks.c.wall_vs_cpu [--gradbench-seed S] [d_k_n ...]`: GradBench gmm's `jacobian` on the C target
(this tree, one thread), each size in turn: the fastest call in CPU time, the fastest in wall time, and per call
the involuntary context switches and minor page faults (`getrusage`), over 20 calls.

Why: GradBench's compare tool times wall clock, and on this 2-core machine a call that outlasts a scheduler tick
(4 ms here) while another job waits for its core is switched out for a whole tick: its wall time is its CPU time
plus a multiple of 4 ms (wall - CPU came out 4.00 ms at gmm 10_50_1000, 16.0 at 10_100_1000, with 1.3 and 4.2
switches a call, load average 5). A size whose call takes 4-8 ms then reads about twice its CPU time in every run
of a loaded machine, and a faster size under 4 ms does not: h-gmm8's look at 10_50_1000 (docs/gradbench.md). The
inputs are GradBench's own (its generator and default seed 31337), or `workloads.gmm.inputs` with `--random`.

`--peers [--jax-threads one|default] [SIZE ...]` (h-wall): each size's derivative (gmm `d_k_n`, kmeans
`kmeans_k_n_d`: `dir`) on the C target with one and with two OpenMP threads (`omp_set_num_threads` between calls,
one process) beside GradBench's own JAX functions (`jax.jit`, `block_until_ready`), interleaved, 30 rounds: the
fastest call in process CPU time and in wall time, the median wall time, and involuntary context switches per
call (GradBench's checkout at `$GRADBENCH`, default /tmp/gradbench). XLA's thread pool is fixed when JAX loads, so
JAX's default threads and one thread (`XLA_FLAGS`) are two runs (`--jax-threads`). A pause of 5 ms after every call lets OpenMP's spinning threads go to sleep before the
next function's clock starts (their spin would otherwise count against it).
"""
from __future__ import annotations

import os
import resource
import sys
import time

from ..scratch import scratch_folder
from ..threads import configure_threads

SIZES = ["10_25_1000", "10_50_1000", "10_100_1000"]


def gradbench_inputs(d: int, k: int, n: int, seed: int = 31337):
    """The arguments of the port's `jacobian` for GradBench's generated input (evals/gmm/run.py's `generate`: x,
    then alpha, mu, q and l from one generator; m = 0, gamma = 1)."""
    import numpy as np

    from ..workloads import gmm as workload

    rng = np.random.default_rng(seed=seed)
    x = np.array([rng.normal(size=d) for _ in range(n)])
    alpha = rng.normal(size=k)
    mu = np.array([rng.uniform(size=d) for _ in range(k)])
    q = np.array([rng.normal(size=d) for _ in range(k)])
    l = np.array([rng.normal(size=d * (d - 1) // 2) for _ in range(k)]).reshape(k, d * (d - 1) // 2)
    return workload.packed_inputs(alpha, mu, q, l, x)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--peers" in args:
        from .wall_peers import peers
        return peers([arg for arg in args if arg != "--peers"])
    random = "--random" in args
    seed = 31337
    if "--gradbench-seed" in args:
        at = args.index("--gradbench-seed")
        seed = int(args[at + 1])
        del args[at:at + 2]
    args = [arg for arg in args if arg != "--random"]
    configure_threads(1)
    import numpy as np

    from ..gradbench import gmm
    from ..workloads import gmm as workload
    from .gathers import _load

    module = _load(gmm.SOURCE, scratch_folder(), True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for size in args or SIZES:
        d, k, n = (int(part) for part in size.split("_"))
        inputs = (workload.inputs({"d": d, "k": k, "n": n}, np.random.default_rng(0)) if random
                  else gradbench_inputs(d, k, n, seed))
        module.jacobian(*inputs)
        cpu = wall = float("inf")
        calls = 20
        before = resource.getrusage(resource.RUSAGE_SELF)
        for _ in range(calls):
            c0, w0 = time.process_time(), time.perf_counter()
            module.jacobian(*inputs)
            wall = min(wall, time.perf_counter() - w0)
            cpu = min(cpu, time.process_time() - c0)
        after = resource.getrusage(resource.RUSAGE_SELF)
        switches = (after.ru_nivcsw - before.ru_nivcsw) / calls
        faults = (after.ru_minflt - before.ru_minflt) / calls
        print(f"gmm {size:<11} jacobian  cpu {cpu * 1e3:8.3f} ms  wall {wall * 1e3:8.3f} ms  "
              f"wall - cpu {(wall - cpu) * 1e3:7.3f} ms  switches/call {switches:5.2f}  faults/call {faults:6.1f}",
              flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
