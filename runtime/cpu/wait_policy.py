"""OpenMP's wait policy, chosen once before the kernels' OpenMP runtime loads: passive on a machine whose CPUs are
all busy (h-wall).

Why: with the default policy a thread that reaches a barrier or the end of a parallel region spins before it
sleeps (libgomp: 300000 rounds of `pause`, milliseconds on a Sapphire Rapids, whose `pause` takes ~140 cycles).
When every CPU already has a runnable job, the spinning thread holds a CPU that the team's other thread needs, so
each parallel kernel waits for the scheduler: GradBench's gmm Jacobian at 2_10_1000 took 88.6 ms (fastest of 30)
and 110.2 ms (median) a call with two threads against 0.51 and 0.56 ms with one (load average 7.9 on 2 cores), and
0.42 and 0.45 ms with two threads and the passive policy (`python -m benchmarks.c.wall_vs_cpu --peers`, docs/gradbench.md "h-wall"). On an idle machine the
spin is what makes back-to-back launches fast (docs/backends.md "Threads"), so the default stays there.

The policy is process-wide and read once, when the OpenMP runtime loads: nothing changes when the user set
`$OMP_WAIT_POLICY` or `$GOMP_SPINCOUNT`, asked for one thread (`$OMP_NUM_THREADS=1`: no team), or something in the
process loaded libgomp first.
"""
from __future__ import annotations

import os
from typing import MutableMapping

_chosen = False


def oversubscribed(load: float, cpus: int) -> bool:
    """Whether the machine's run queue (the 1-minute load average) already fills its `cpus` CPUs."""
    return cpus > 0 and load >= cpus


def _openmp_loaded() -> bool:
    try:
        with open("/proc/self/maps") as maps:
            return any("libgomp" in line for line in maps)
    except OSError:
        return True  # (cannot tell: leave the runtime's default alone)


def choose(environ: MutableMapping[str, str] | None = None, load: float | None = None,
           cpus: int | None = None) -> str | None:
    """Set `OMP_WAIT_POLICY=passive` in `environ` (the process's) when the machine is oversubscribed and nothing
    above rules it out; the policy set, or None. Runs once per process (the first kernel library's load)."""
    global _chosen
    environ = os.environ if environ is None else environ
    if environ is os.environ:
        if _chosen:
            return None
        _chosen = True
    if "OMP_WAIT_POLICY" in environ or "GOMP_SPINCOUNT" in environ:
        return None
    if environ.get("OMP_NUM_THREADS", "").strip() == "1":
        return None
    if environ is os.environ and _openmp_loaded():
        return None
    if load is None:
        try:
            load = os.getloadavg()[0]
        except OSError:
            return None
    if not oversubscribed(load, (os.cpu_count() or 0) if cpus is None else cpus):
        return None
    environ["OMP_WAIT_POLICY"] = "passive"
    return "passive"
