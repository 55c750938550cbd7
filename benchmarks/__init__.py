"""Side-by-side benchmarks of Lifted's generated gradients against the AD tools people use today.

`python -m benchmarks` runs every workload (benchmarks/workloads/) for every available tool (benchmarks/tools.py)
in one run, measures peak memory in fresh processes (benchmarks/memory.py), and writes docs/benchmarks.md and
the plots in docs/img/. `python -m benchmarks --quick` is the smoke run. benchmarks/gradbench/ is Lifted's tool
for the GradBench suite.

This package imports no NumPy at import time, so `__main__` can pin the thread count before anything loads BLAS.
"""
