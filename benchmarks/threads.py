"""Thread settings shared by the parent run and the memory children; imports nothing heavy (no NumPy)."""
from __future__ import annotations

import os


def configure_threads(threads: int) -> None:
    """Pin every tool's thread pools (BLAS, OpenMP, XLA) to `threads`; call before NumPy or a tool loads."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(threads)
    flags = os.environ.get("XLA_FLAGS", "")
    if threads == 1 and "xla_cpu_multi_thread_eigen" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ["LIFTED_BENCH_THREADS"] = str(threads)
