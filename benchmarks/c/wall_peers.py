"""`python -m benchmarks.c.wall_vs_cpu --peers ...`: lifted-c with one and two OpenMP threads beside GradBench's
JAX functions, in wall and CPU time, one process (see wall_vs_cpu's docstring)."""
from __future__ import annotations

import ctypes
import os
import resource
import statistics
import time
from pathlib import Path

from ..scratch import scratch_folder

PEER_SIZES = ["2_5_1000", "2_100_1000", "10_50_1000", "20_25_1000", "10_5_1000", "64_10_1000", "kmeans_10_1000_8"]


def _omp_threads():
    """`omp_set_num_threads` of the OpenMP runtime the kernels load (libgomp: one per process)."""
    gomp = ctypes.CDLL("libgomp.so.1")
    gomp.omp_set_num_threads.argtypes = [ctypes.c_int]
    return gomp.omp_set_num_threads


def _gmm(size: str, load):
    import jax
    import jax.numpy as jnp

    from ..gradbench import gmm
    from .wall_vs_cpu import gradbench_inputs

    d, k, n = (int(part) for part in size.split("_"))
    module = load(gmm.SOURCE, "gmm")
    inputs = gradbench_inputs(d, k, n)
    from gradbench.tools.jax.gmm_objective import gmm_objective

    jac = jax.jit(lambda ind, x, m, gamma: jax.grad(lambda i: gmm_objective(d=d, k=k, n=n, x=x, m=m, gamma=gamma,
                                                                             **i))(ind))
    alpha, mu, q, l, x = inputs[:5]
    independent = {"alpha": jnp.array(alpha), "mu": jnp.array(mu), "q": jnp.array(q), "l": jnp.array(l)}
    fixed = (jnp.array(x), 0, 1.0)
    return lambda: module.jacobian(*inputs), lambda: jax.block_until_ready(jac(independent, *fixed))


def _kmeans(size: str, load):
    import jax
    import numpy as np

    from ..gradbench import kmeans
    from gradbench.tools.jax import kmeans as jax_kmeans

    k, n, d = (int(part) for part in size.split("_")[1:])
    module = load(kmeans.SOURCE, "kmeans")
    np.random.seed(31337)
    points = np.random.rand(n, d)
    centroids = points[-k:].copy()
    direction = kmeans.entry(module, "dir")
    args = kmeans.prepare("dir", {"points": points, "centroids": centroids})
    jax_input = jax_kmeans.prepare_input({"points": points.tolist(), "centroids": centroids.tolist()})
    jax_dir = jax_kmeans.dir.function
    return lambda: direction(*args), lambda: jax.block_until_ready(jax_dir(jax_input))


def peers(args: list[str]) -> int:
    jax_threads = "default"
    if "--jax-threads" in args:
        at = args.index("--jax-threads")
        jax_threads = args[at + 1]
        del args[at:at + 2]
    if jax_threads == "one":
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    import sys

    # GradBench's Python package (its jax tool's functions): the checkout at $GRADBENCH, as `compare` takes it
    sys.path.insert(0, str(Path(os.environ.get("GRADBENCH", "/tmp/gradbench")) / "python" / "gradbench"))
    import jax

    jax.config.update("jax_enable_x64", True)
    from ..machine import Machine
    from .gathers import _load

    folder = scratch_folder()
    set_threads = None

    def load(source: str, name: str):
        return _load(source, folder / name, True)

    machine = Machine()
    print(f"jax {jax.__version__}, XLA threads: {jax_threads}; {machine.line()}", flush=True)
    for size in args or PEER_SIZES:
        ours, theirs = (_kmeans if size.startswith("kmeans") else _gmm)(size, load)
        if set_threads is None:
            set_threads = _omp_threads()

        def threads(count: int):
            def call():
                set_threads(count)
                return ours()
            return call

        functions = {"lifted-c 1": threads(1), "lifted-c 2": threads(2), "jax": theirs}
        for function in functions.values():
            function()
            function()
        samples = {name: [] for name in functions}
        for _ in range(30):
            for name, function in functions.items():
                before = resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw
                c0, w0 = time.process_time(), time.perf_counter()
                function()
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                switches = resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw - before
                samples[name].append((cpu, wall, switches))
                time.sleep(0.005)
        for name, rows in samples.items():
            cpu = min(r[0] for r in rows) * 1e3
            wall = min(r[1] for r in rows) * 1e3
            median = statistics.median(r[1] for r in rows) * 1e3
            median_cpu = statistics.median(r[0] for r in rows) * 1e3
            switches = sum(r[2] for r in rows) / len(rows)
            print(f"{size:<17} {name:<11} cpu {cpu:8.3f} (median {median_cpu:8.3f})  wall {wall:8.3f} "
                  f"(median {median:8.3f}) ms  switches/call {switches:4.2f}", flush=True)
    set_threads and set_threads(1)
    print(machine.line(), flush=True)
    return 0
