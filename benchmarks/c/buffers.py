"""`python -m benchmarks.c.buffers [--n N] [--threads N] [--cpu-time]`: what fresh output pages cost the C
target, and what its buffer cache (lifted.cpu.buffers) gives back.

1. A write kernel (`dst[i] = 2 * src[i]`) into a fresh NumPy array per call vs into one array written before:
   the difference is the page faults of a fresh output (the OS zeroes each page on its first write), with the
   minor faults per call (getrusage).
2. The logsumexp and Rosenbrock gradients (benchmarks/workloads) with the cache on and off, timed side by side
   in one process (interleaved samples), with minor faults per call.
3. Peak resident memory of the same gradients, each setting in a fresh process: the high-water mark of ten
   calls over the resident set once the inputs exist (VmHWM - VmRSS), and what stays resident after them.

`--cpu-time` times the process's CPU time (user + system, so the faults count) instead of wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..threads import configure_threads

WRITE = """
#include <stdint.h>
extern "C" void lifted_bench_scale(const double* __restrict__ src, double* __restrict__ dst, const int64_t n)
{
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) dst[i] = 2.0 * src[i];
}
"""
WORKLOADS = ("logsumexp", "rosenbrock")


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _per_call_faults(fn, calls: int = 5) -> float:
    fn()
    before = _faults()
    for _ in range(calls):
        fn()
    return (_faults() - before) / calls


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return int(re.search(rf"^{field}:\s+(\d+)", f.read(), re.M).group(1))


def write_kernel(n: int, clock) -> None:
    import ctypes

    import numpy as np

    from lifted import cpu

    from ..timer import format_seconds, measure_interleaved

    scale = ctypes.CDLL(str(cpu.build(WRITE, "bench_scale"))).lifted_bench_scale
    scale.restype, scale.argtypes = None, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    src, touched = np.random.default_rng(0).normal(size=n), np.empty(n)

    def fresh():
        dst = np.empty(n)
        scale(src.ctypes.data, dst.ctypes.data, n)
        return dst

    def reused():
        scale(src.ctypes.data, touched.ctypes.data, n)
        return touched

    timings = measure_interleaved({"fresh": fresh, "touched": reused}, repeats=9, budget_s=3.0, clock=clock)
    fresh_s, touched_s = timings["fresh"].median_s, timings["touched"].median_s
    print(f"write kernel, n={n:.0e} float64 ({16 * n / 1e6:.0f} MB moved): fresh output {format_seconds(fresh_s)} "
          f"({_per_call_faults(fresh):.0f} minor faults/call), written-before output {format_seconds(touched_s)} "
          f"({_per_call_faults(reused):.0f}); faults are {1 - touched_s / fresh_s:.0%} of the fresh call")


def gradients(n: int, folder: Path, clock) -> None:
    import numpy as np

    from lifted.cpu import buffers

    from .backend import build
    from ..timer import format_seconds, measure_interleaved
    from ..workloads import get

    on, off = buffers.cache, buffers.BufferCache(limit=0)
    print(f"{'gradient':<11} {'n':>6} {'cache off':>10} {'cache on':>10} {'off/on':>7} {'faults off':>11} "
          f"{'faults on':>10}")
    for name in WORKLOADS:
        workload = get(name)
        _numpy_module, c_module = build(workload, folder / name)
        inputs = workload.inputs({"n": n})

        def with_cache(cache, f=c_module.f_grad):
            buffers.cache = cache
            return f(*inputs)

        np.testing.assert_array_equal(with_cache(on)[0], with_cache(off)[0])
        timings = measure_interleaved({"off": lambda: with_cache(off), "on": lambda: with_cache(on)}, repeats=9,
                                      budget_s=4.0, clock=clock)
        faults = {key: _per_call_faults(lambda c=cache: with_cache(c)) for key, cache in (("off", off), ("on", on))}
        buffers.cache = on
        off_s, on_s = timings["off"].median_s, timings["on"].median_s
        print(f"{name:<11} {n:>6.0e} {format_seconds(off_s):>10} {format_seconds(on_s):>10} {off_s / on_s:>6.2f}x "
              f"{faults['off']:>11.0f} {faults['on']:>10.0f}", flush=True)


def memory_child(name: str, n: int, folder: str) -> dict:
    """In a fresh process: peak and remaining resident memory of ten gradient calls (the cache as the
    environment sets it)."""
    from .backend import build
    from ..workloads import get

    workload = get(name)
    _numpy_module, c_module = build(workload, Path(folder) / name)
    inputs = workload.inputs({"n": n})
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current resident set
    base = _status_kib("VmRSS")
    for _ in range(10):
        c_module.f_grad(*inputs)
    return {"peak_kib": _status_kib("VmHWM") - base, "after_kib": _status_kib("VmRSS") - base}


def memory(n: int, folder: Path) -> None:
    print(f"{'gradient':<11} {'n':>6} {'peak off':>9} {'peak on':>9} {'after off':>10} {'after on':>9}  "
          "(MB over the resident set with the inputs built, ten calls)")
    for name in WORKLOADS:
        results = {}
        for key, limit in (("off", "0"), ("on", "")):
            env = dict(os.environ, LIFTED_BUFFER_CACHE=limit, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
            proc = subprocess.run([sys.executable, "-m", "benchmarks.c.buffers", "--child", name, str(n),
                                   str(folder)], env=env, capture_output=True, text=True)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            if proc.returncode != 0 or not lines:
                print(f"{name}: the {key} child failed: {proc.stderr.strip()[-300:]}")
                break
            results[key] = json.loads(lines[-1])
        else:
            mb = {f"{what}_{key}": results[key][f"{what}_kib"] / 1024 for key in results for what in ("peak", "after")}
            print(f"{name:<11} {n:>6.0e} {mb['peak_off']:>9.0f} {mb['peak_on']:>9.0f} {mb['after_off']:>10.0f} "
                  f"{mb['after_on']:>9.0f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.c.buffers", description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000, help="elements (default 1e7)")
    parser.add_argument("--threads", type=int, default=1, help="OpenMP/BLAS threads (default 1)")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU time, not wall time (one thread only)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cpu_time and args.threads != 1:
        parser.error("--cpu-time counts every thread's time: use it with --threads 1")
    clock = time.process_time if args.cpu_time else time.perf_counter
    configure_threads(args.threads)
    if args.child:
        print(json.dumps(memory_child(args.child[0], int(args.child[1]), args.child[2])))
        return 0
    print(f"C target output buffers, {args.threads} thread(s), {'CPU' if args.cpu_time else 'wall'} time, load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}; transparent huge pages: "
          f"{Path('/sys/kernel/mm/transparent_hugepage/enabled').read_text().strip()}")
    write_kernel(args.n, clock)
    with tempfile.TemporaryDirectory() as folder:
        gradients(args.n, Path(folder), clock)
        memory(args.n, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
