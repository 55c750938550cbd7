"""Peak memory of one gradient evaluation, each tool in a fresh process.

In the child (`python -m benchmarks.memory WORKLOAD SIZE TOOL`): build the inputs, prepare the tool and run the
gradient once (imports, JIT compilation, caches: all paid before measuring), then

* **RSS**: reset the kernel's high-water mark (`/proc/self/clear_refs` <- 5), note the resident set, run one
  gradient, and report VmHWM minus that baseline: the extra resident memory the evaluation needed. Where the
  reset is not allowed the child skips the warm-up call and reports the ru_maxrss delta of the first call
  (which then includes any compilation; the report says which method was used).
* **tracemalloc** (tools whose arrays NumPy allocates: Lifted, the hand adjoint, autograd, tangent): the peak
  of traced allocations during a second, separate evaluation.

glibc is told to serve every block over 64 KiB with mmap (MALLOC_MMAP_THRESHOLD_), so memory freed by one
evaluation goes back to the system and cannot hide the next evaluation's peak.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return int(re.search(rf"^{field}:\s+(\d+)", f.read(), re.M).group(1))


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_kib("VmHWM") <= _status_kib("VmRSS") + 64
    except OSError:
        return False


def child(workload_name: str, size_label: str, tool_name: str) -> dict:
    import gc
    import resource
    import tracemalloc

    from .tools import TOOLS, Unsupported
    from .workloads import get

    workload = get(workload_name)
    tool = TOOLS[tool_name]
    args = workload.inputs(workload.find_size(size_label))
    input_bytes = sum(getattr(a, "nbytes", 8) for a in args)
    try:
        prepared = tool.prepare(workload, args)
    except Unsupported as error:
        return {"skipped": str(error)}
    result = {"input_bytes": input_bytes}
    resettable = _reset_peak()
    if resettable:
        prepared.grad()
        gc.collect()
        _reset_peak()
        base = _status_kib("VmRSS")
        out = prepared.grad()
        peak = _status_kib("VmHWM")
        result.update(rss_delta_bytes=max(0, peak - base) * 1024, rss_method="VmHWM after reset")
    else:
        gc.collect()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = prepared.grad()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result.update(rss_delta_bytes=max(0, peak - base) * 1024, rss_method="ru_maxrss delta, first call")
    del out
    if tool.allocates_through_numpy:
        gc.collect()
        tracemalloc.start()
        prepared.grad()  # the peak includes the gradients it returns
        result["tracemalloc_peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result


def measure(workload_name: str, size_label: str, tool_name: str, timeout_s: float = 300) -> dict:
    """Run `child` in a fresh interpreter with the same thread settings; its JSON result, or an error entry."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="65536",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.memory", workload_name, size_label, tool_name],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print("usage: python -m benchmarks.memory WORKLOAD SIZE_LABEL TOOL", file=sys.stderr)
        return 2
    from .threads import configure_threads

    configure_threads(int(os.environ.get("LIFTED_BENCH_THREADS", "1")))
    print(json.dumps(child(*argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
