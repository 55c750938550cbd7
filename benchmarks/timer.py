"""Steady-state timing: warm up, then the median over repeated samples of a calibrated number of calls."""
from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Timing:
    median_s: float  # per call
    samples: int
    calls_per_sample: int
    spread: float  # (max - min) / median over the samples: how noisy this figure is
    min_s: float = 0.0  # the fastest sample, per call (the least disturbed by other jobs)

    def __str__(self) -> str:
        return f"{format_seconds(self.median_s)} (median of {self.samples}x{self.calls_per_sample}, ±{self.spread:.0%})"


def measure(fn: Callable[[], object], *, warmup: int = 2, repeats: int = 7, min_sample_s: float = 2e-3,
            budget_s: float = 2.0, clock: Callable[[], float] = time.perf_counter) -> Timing:
    """Median seconds per call of `fn()`.

    Each sample runs `fn` enough times to last about `min_sample_s` (so microsecond calls are not lost in timer
    noise); `repeats` samples are taken, fewer (at least 3) when they would overrun `budget_s`. The garbage
    collector is off during a sample, as in timeit.
    """
    for _ in range(warmup):
        fn()
    start = clock()
    fn()
    single = max(clock() - start, 1e-9)
    calls = max(1, int(min_sample_s / single))
    samples: list[float] = []
    spent = 0.0
    enabled = gc.isenabled()
    try:
        while len(samples) < repeats:
            gc.collect()
            gc.disable()
            start = clock()
            for _ in range(calls):
                fn()
            elapsed = clock() - start
            if enabled:
                gc.enable()
            samples.append(elapsed / calls)
            spent += elapsed
            if len(samples) >= 3 and spent > budget_s:
                break
    finally:
        if enabled:
            gc.enable()
    median = statistics.median(samples)
    return Timing(median, len(samples), calls, (max(samples) - min(samples)) / median if median else 0.0,
                  min(samples))


def measure_interleaved(fns: dict, *, warmup: int = 2, repeats: int = 7, min_sample_s: float = 2e-3,
                        budget_s: float = 2.0, clock: Callable[[], float] = time.perf_counter) -> dict:
    """`measure` for several callables at once, sampled in rounds: one sample of each per round, in rotating order.

    On a shared machine the load changes from second to second; interleaving spreads those changes over every
    callable alike, so the ratios between them (what the report is about) stay fair. `budget_s` is per callable.
    `clock=time.process_time` counts the process's CPU time instead of wall time: single-threaded runs on a machine
    with more runnable jobs than cores then do not count the time spent waiting for a core.
    """
    calls = {}
    for key, fn in fns.items():
        for _ in range(warmup):
            fn()
        start = clock()
        fn()
        calls[key] = max(1, int(min_sample_s / max(clock() - start, 1e-9)))
    keys = list(fns)
    samples: dict = {key: [] for key in keys}
    spent = 0.0
    enabled = gc.isenabled()
    try:
        for round_ in range(repeats):
            shift = round_ % len(keys)
            for key in keys[shift:] + keys[:shift]:
                fn, n = fns[key], calls[key]
                gc.collect()
                gc.disable()
                start = clock()
                for _ in range(n):
                    fn()
                elapsed = clock() - start
                if enabled:
                    gc.enable()
                samples[key].append(elapsed / n)
                spent += elapsed
            if round_ + 1 >= 3 and spent > budget_s * len(keys):
                break
    finally:
        if enabled:
            gc.enable()
    out = {}
    for key, values in samples.items():
        median = statistics.median(values)
        out[key] = Timing(median, len(values), calls[key], (max(values) - min(values)) / median if median else 0.0,
                          min(values))
    return out


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fastest_interleaved(functions: dict[str, Callable[[], object]], rounds: int,
                        clock: Callable[[], float] = time.thread_time) -> dict[str, float]:
    """The fastest single call of each function over `rounds` rounds of one call each, in turn: the before/after
    scripts' measure (calls of milliseconds, where `measure_interleaved`'s calibrated samples add nothing)."""
    fastest = dict.fromkeys(functions, float("inf"))
    for _ in range(rounds):
        for name, function in functions.items():
            start = clock()
            function()
            fastest[name] = min(fastest[name], clock() - start)
    return fastest
