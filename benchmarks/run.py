"""The benchmark run: every workload x size x available tool in one process, then memory children, then scaling."""
from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from dataclasses import dataclass

from . import memory
from .timer import format_seconds, measure_interleaved
from .tools import ORDER, TOOLS, Unsupported, max_relative_error
from .workloads import Workload, all_workloads

AGREEMENT = 1e-6  # max relative error against Lifted above which a row is flagged


@dataclass(frozen=True)
class Settings:
    quick: bool = False
    tools: tuple[str, ...] = ORDER
    workloads: tuple[str, ...] = ()
    memory: bool = True
    scaling: bool = True
    threads: int = 1

    @property
    def timing(self) -> dict:
        if self.quick:
            return {"warmup": 1, "repeats": 3, "budget_s": 0.05, "min_sample_s": 1e-3}
        return {"warmup": 1, "repeats": 5, "budget_s": 0.25, "min_sample_s": 2e-3}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tool_status(names) -> dict:
    status = {}
    for name in names:
        tool = TOOLS[name]
        reason = tool.missing()
        status[name] = {"label": tool.label, "available": reason is None, "note": reason or "",
                        "version": _version(name) if reason is None else None}
    return status


def _version(name: str) -> str | None:
    from importlib import metadata

    dist = {"lifted": "lifted", "numpy": "numpy", "autograd": "autograd", "tangent": "tangent-ad",
            "torch": "torch", "jax": "jax"}[name]
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        if name == "lifted":
            from lifted.transpiler import __version__

            return __version__
        return None


def time_case(workload: Workload, size: dict, tools: list[str], settings: Settings) -> list[dict]:
    """Primal and gradient timings for one workload size, every tool interleaved, plus agreement with Lifted."""
    args = workload.inputs(size)
    label = workload.label(size)
    rows, prepared = [], {}
    reference = None
    for name in tools:
        tool = TOOLS[name]
        row = {"workload": workload.name, "size": label, "tool": name}
        try:
            p = tool.prepare(workload, args)
            grads = tuple(tool.to_numpy(g) for g in p.grad())
        except Unsupported as error:
            rows.append(row | {"skipped": str(error)})
            continue
        except Exception as error:  # a tool failing on a workload is a finding, not a crash of the run
            rows.append(row | {"error": f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"})
            continue
        if reference is None:
            reference = grads
        row |= {"max_rel_err": max_relative_error(reference, grads), "compile_s": p.compile_s}
        rows.append(row)
        prepared[name] = (row, p)
    fns = {}
    for name, (row, p) in prepared.items():
        fns[(name, "primal")] = p.primal
        fns[(name, "grad")] = p.grad
    timings = measure_interleaved(fns, **settings.timing)
    for name, (row, p) in prepared.items():
        primal, grad = timings[(name, "primal")], timings[(name, "grad")]
        row |= {"primal_s": primal.median_s, "grad_s": grad.median_s, "primal_spread": primal.spread,
                "grad_spread": grad.spread, "samples": grad.samples,
                "primal_min_s": primal.min_s, "grad_min_s": grad.min_s}
        log(f"  {workload.name:10s} {label:22s} {name:9s} primal {format_seconds(primal.median_s):>9s}  "
            f"grad {format_seconds(grad.median_s):>9s}  ratio {grad.median_s / primal.median_s:6.2f}"
            + (f"  compile {p.compile_s:.2f} s" if p.compile_s is not None else ""))
    return rows


def run(settings: Settings, checkpoint=None) -> dict:
    """Run everything; `checkpoint(results)` is called after each phase, so a cut-short run still leaves a report."""
    started = time.perf_counter()
    status = tool_status(settings.tools)
    available = [name for name in settings.tools if status[name]["available"]]
    for name, s in status.items():
        if not s["available"]:
            log(f"skipping {name}: {s['note']}")
    workloads = all_workloads(settings.workloads) if settings.workloads else all_workloads()
    kind = "quick" if settings.quick else "full"
    results = {"meta": _meta(settings), "tools": status, "rows": [], "memory": [], "scaling": []}

    phases = results["meta"]["phases_s"] = {}
    mark = time.perf_counter()
    log("== timings")
    for workload in workloads:
        for size in workload.sizes(kind):
            results["rows"] += time_case(workload, size, available, settings)

    phases["timings"] = time.perf_counter() - mark
    _checkpoint(checkpoint, results, started)
    mark = time.perf_counter()
    if settings.memory:
        log("== peak memory of one gradient evaluation (fresh process per tool)")
        for workload in workloads:
            if settings.quick and workload.name not in ("logsumexp", "mlp"):
                continue  # the smoke run only checks that the memory children work
            size = workload.sizes(kind)[-1]
            label = workload.label(size)
            for name in available:
                entry = memory.measure(workload.name, label, name)
                results["memory"].append({"workload": workload.name, "size": label, "tool": name} | entry)
                if "rss_delta_bytes" in entry:
                    log(f"  {workload.name:10s} {label:22s} {name:9s} RSS +{entry['rss_delta_bytes'] / 2**20:8.1f} MiB"
                        + (f"  tracemalloc {entry['tracemalloc_peak_bytes'] / 2**20:8.1f} MiB"
                           if "tracemalloc_peak_bytes" in entry else ""))

    phases["memory"] = time.perf_counter() - mark
    _checkpoint(checkpoint, results, started)
    mark = time.perf_counter()
    if settings.scaling:
        log("== scaling study: gradient/primal ratio against n")
        scaled = tuple(name for name in ("logsumexp", "rosenbrock")
                       if not settings.workloads or name in settings.workloads)
        for workload in all_workloads(scaled):
            sizes = workload.sizes("scaling")
            if settings.quick:
                sizes = [s for s in sizes if s["n"] <= 10_000]
            for size in sizes:
                results["scaling"] += time_case(workload, size, available, settings)

    phases["scaling"] = time.perf_counter() - mark
    results["meta"]["elapsed_s"] = time.perf_counter() - started
    results["meta"]["load_end"] = list(os.getloadavg())
    return results


def _checkpoint(checkpoint, results, started) -> None:
    if checkpoint is not None:
        results["meta"]["elapsed_s"] = time.perf_counter() - started
        results["meta"]["load_end"] = list(os.getloadavg())
        checkpoint(results)


def _meta(settings: Settings) -> dict:
    import numpy as np

    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "command": "python -m benchmarks" + (" --quick" if settings.quick else ""),
        "quick": settings.quick,
        "threads": settings.threads,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "cpu": _cpu_name(),
        "timing": settings.timing,
        "load_start": list(os.getloadavg()),
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
