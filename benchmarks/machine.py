"""How fast the machine runs right now: a fixed probe timed beside a benchmark, so that runs at different hours can
be compared (h-wall).

Why: on this 2-core KVM guest the same code ran 1.5-2x slower in one "idle" GradBench run than in a loaded run an
hour or two later (gmm 2_5_1000: lifted-c 0.222 against 0.110 ms, JAX 0.31 against 0.177; docs/gradbench.md
"h-wall"), with no change to either tool: the host's other guests share the physical cores, which neither the
guest's load average nor its steal counter shows reliably. A ratio between tools in one run survives that only
when the slowdown holds through the whole run; the probe's figures before and after an eval say whether it did.
"""
from __future__ import annotations

import os
import time

_PROBE_ROUNDS = 15


def _steal_ticks() -> tuple[int, int]:
    """(steal, total) clock ticks of all CPUs from /proc/stat, or (0, 0) where there is none."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields)


def probe() -> dict[str, float]:
    """The fastest of 15 runs of two fixed single-threaded workloads, in ms of CPU time: `numpy` (`np.exp` over
    200000 float64: vector units and memory) and `python` (a 100000-step interpreter loop); the load average too."""
    import numpy as np

    values = np.linspace(-1.0, 1.0, 200_000)
    best = {"numpy": float("inf"), "python": float("inf")}
    for _ in range(_PROBE_ROUNDS):
        start = time.process_time()
        np.exp(values)
        best["numpy"] = min(best["numpy"], time.process_time() - start)
        start = time.process_time()
        total = 0
        for step in range(100_000):
            total += step
        best["python"] = min(best["python"], time.process_time() - start)
    return {"numpy_ms": best["numpy"] * 1e3, "python_ms": best["python"] * 1e3, "load": os.getloadavg()[0]}


class Machine:
    """Probe figures and the steal share of CPU time since the previous report, as one printable line."""

    def __init__(self) -> None:
        self._steal = _steal_ticks()

    def line(self) -> str:
        figures = probe()
        steal, total = _steal_ticks()
        share = (steal - self._steal[0]) / max(1, total - self._steal[1]) * 100
        self._steal = (steal, total)
        return (f"machine: load average {figures['load']:.2f}, probe numpy {figures['numpy_ms']:.3f} ms, python "
                f"{figures['python_ms']:.3f} ms (fastest of {_PROBE_ROUNDS}, CPU time), steal {share:.1f} % since "
                f"the last line")
