"""Render a run's results as docs/benchmarks.md (tables) and docs/img/*.png (matplotlib, Agg backend)."""
from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from .run import AGREEMENT
from .timer import format_seconds
from .tools import ORDER
from .workloads import get

PEERS = ("autograd", "tangent", "torch", "jax")
COLORS = {"lifted": "#d62728", "numpy": "#7f7f7f", "autograd": "#1f77b4", "tangent": "#9467bd",
          "torch": "#ff7f0e", "jax": "#2ca02c"}


def _index(rows):
    return {(r["workload"], r["size"], r["tool"]): r for r in rows}


def _timed(row) -> bool:
    return row is not None and "grad_s" in row


def _mib(n) -> str:
    return "–" if n is None else f"{n / 2**20:.1f}"


def geomean(values) -> float | None:
    values = [v for v in values if v and v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def ratios_to_lifted(rows, tool: str, field: str = "grad_s") -> list[tuple[str, str, float]]:
    index = _index(rows)
    out = []
    for (w, s, t), row in index.items():
        base = index.get((w, s, "lifted"))
        if t == tool and _timed(row) and _timed(base):
            out.append((w, s, row[field] / base[field]))
    return out


def summary_lines(results) -> list[str]:
    """The headline: per peer, the geometric mean (and range) of its gradient time over Lifted's."""
    lines = ["| tool | gradient time / Lifted's, geometric mean | range | cases | Lifted faster in |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for tool in ("numpy",) + PEERS:
        ratios = [r for _, _, r in ratios_to_lifted(results["rows"], tool)]
        if not ratios:
            note = results["tools"].get(tool, {}).get("note") or "no comparable rows"
            lines.append(f"| {results['tools'].get(tool, {}).get('label', tool)} | – | – | 0 | {note} |")
            continue
        g = geomean(ratios)
        lines.append(f"| {results['tools'][tool]['label']} | {g:.2f}x | {min(ratios):.2f}x – {max(ratios):.2f}x | "
                     f"{len(ratios)} | {sum(r > 1 for r in ratios)} of {len(ratios)} |")
    return lines


def workload_table(results, workload: str) -> list[str]:
    rows = [r for r in results["rows"] if r["workload"] == workload]
    index = _index(rows)
    lines = ["| size | tool | primal | gradient | gradient / primal | gradient vs Lifted | JAX compile | agrees |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for size in dict.fromkeys(r["size"] for r in rows):
        base = index.get((workload, size, "lifted"))
        for tool in ORDER:
            row = index.get((workload, size, tool))
            if row is None:
                continue
            label = results["tools"][tool]["label"]
            if not _timed(row):
                why = row.get("skipped") or "error: " + row.get("error", "")
                lines.append(f"| {size} | {label} | – | – | – | – | – | skipped: {why.replace('|', '/')} |")
                continue
            vs = f"{row['grad_s'] / base['grad_s']:.2f}x" if _timed(base) else "–"
            err = row.get("max_rel_err", 0.0)
            agrees = "yes" if err <= AGREEMENT else f"**NO** (rel. err. {err:.1e})"
            lines.append(f"| {size} | {label} | {format_seconds(row['primal_s'])} | {format_seconds(row['grad_s'])} | "
                         f"{row['grad_s'] / row['primal_s']:.2f} | {vs} | {format_seconds(row.get('compile_s'))} | "
                         f"{agrees} |")
    return lines


def memory_table(results) -> list[str]:
    tools = [t for t in ORDER if any(m["tool"] == t for m in results["memory"])]
    header = "| workload | size | inputs (MiB) | " + " | ".join(results["tools"][t]["label"] for t in tools) + " |"
    lines = [header, "| --- | --- | ---: |" + " ---: |" * len(tools)]
    by_case = defaultdict(dict)
    inputs = {}
    for m in results["memory"]:
        by_case[(m["workload"], m["size"])][m["tool"]] = m
        if "input_bytes" in m:
            inputs[(m["workload"], m["size"])] = m["input_bytes"]
    for (w, s), entries in by_case.items():
        cells = []
        for t in tools:
            m = entries.get(t, {})
            if "rss_delta_bytes" in m:
                cell = _mib(m["rss_delta_bytes"])
                if "tracemalloc_peak_bytes" in m:
                    cell += f" ({_mib(m['tracemalloc_peak_bytes'])})"
            else:
                cell = "–"
            cells.append(cell)
        lines.append(f"| {w} | {s} | {_mib(inputs.get((w, s)))} | " + " | ".join(cells) + " |")
    return lines


def scaling_table(results) -> list[str]:
    rows = results["scaling"]
    tools = [t for t in ORDER if any(r["tool"] == t and _timed(r) for r in rows)]
    lines = ["| workload | n | " + " | ".join(results["tools"][t]["label"] for t in tools) + " |",
             "| --- | ---: |" + " ---: |" * len(tools)]
    index = _index(rows)
    for w in dict.fromkeys(r["workload"] for r in rows):
        for s in dict.fromkeys(r["size"] for r in rows if r["workload"] == w):
            cells = []
            for t in tools:
                r = index.get((w, s, t))
                cells.append(f"{r['grad_s'] / r['primal_s']:.2f}" if _timed(r) else "–")
            lines.append(f"| {w} | {s} | " + " | ".join(cells) + " |")
    return lines


# -- plots -------------------------------------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_bars(results, field: str, path: Path, ylabel: str, title: str, ratio_to_lifted: bool = False,
              grad_over_primal: bool = False) -> None:
    plt = _plt()
    workloads = list(dict.fromkeys(r["workload"] for r in results["rows"]))
    cols = 3
    nrows = math.ceil(len(workloads) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5.2 * cols, 3.6 * nrows), squeeze=False)
    index = _index(results["rows"])
    for ax, w in zip(axes.flat, workloads):
        sizes = list(dict.fromkeys(r["size"] for r in results["rows"] if r["workload"] == w))
        tools = [t for t in ORDER if any(_timed(index.get((w, s, t))) for s in sizes)]
        width = 0.8 / max(1, len(tools))
        for i, t in enumerate(tools):
            values = []
            for s in sizes:
                r, base = index.get((w, s, t)), index.get((w, s, "lifted"))
                if not _timed(r):
                    values.append(float("nan"))
                elif ratio_to_lifted:
                    values.append(r[field] / base[field] if _timed(base) else float("nan"))
                elif grad_over_primal:
                    values.append(r["grad_s"] / r["primal_s"])
                else:
                    values.append(r[field])
            xs = [j + (i - (len(tools) - 1) / 2) * width for j in range(len(sizes))]
            ax.bar(xs, values, width, label=results["tools"][t]["label"], color=COLORS.get(t))
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels(sizes, fontsize=7)
        ax.set_yscale("log")
        if ratio_to_lifted:
            ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_title(w, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(axis="y", alpha=0.3, which="both")
    for ax in list(axes.flat)[len(workloads):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_scaling(results, path: Path) -> None:
    plt = _plt()
    rows = results["scaling"]
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    fig, axes = plt.subplots(1, max(1, len(workloads)), figsize=(6 * max(1, len(workloads)), 4), squeeze=False)
    for ax, w in zip(axes.flat, workloads):
        for t in ORDER:
            pts = [(get(w).find_size(r["size"])["n"], r["grad_s"] / r["primal_s"])
                   for r in rows if r["workload"] == w and r["tool"] == t and _timed(r)]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=results["tools"][t]["label"], color=COLORS.get(t))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (number of variables)")
        ax.set_ylabel("gradient time / primal time")
        ax.set_title(w)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("Scaling study: cost of a gradient relative to its own tool's primal", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_memory(results, path: Path) -> None:
    plt = _plt()
    entries = [m for m in results["memory"] if "rss_delta_bytes" in m]
    if not entries:
        return
    cases = list(dict.fromkeys((m["workload"], m["size"]) for m in entries))
    tools = [t for t in ORDER if any(m["tool"] == t for m in entries)]
    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.8 / len(tools)
    index = {(m["workload"], m["size"], m["tool"]): m for m in entries}
    for i, t in enumerate(tools):
        values = [index[(w, s, t)]["rss_delta_bytes"] / 2**20 if (w, s, t) in index else float("nan")
                  for w, s in cases]
        ax.bar([j + (i - (len(tools) - 1) / 2) * width for j in range(len(cases))], values, width,
               label=results["tools"][t]["label"], color=COLORS.get(t))
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([f"{w}\n{s}" for w, s in cases], fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("extra resident MiB during one gradient")
    ax.set_title("Peak memory of one gradient evaluation (fresh process per tool)")
    ax.grid(axis="y", alpha=0.3, which="both")
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- the document ------------------------------------------------------------------------------------------


def write(results, docs: Path) -> Path:
    img = docs / "img"
    img.mkdir(parents=True, exist_ok=True)
    plot_bars(results, "grad_s", img / "bench_gradient_time.png", "seconds per gradient",
              "Gradient time per workload and size (lower is better)")
    plot_bars(results, "grad_s", img / "bench_ratio_to_lifted.png", "gradient time / Lifted's",
              "Gradient time relative to Lifted (above 1: slower than Lifted)", ratio_to_lifted=True)
    plot_bars(results, "grad_s", img / "bench_grad_over_primal.png", "gradient / primal",
              "Gradient time over the same tool's primal time", grad_over_primal=True)
    if results["scaling"]:
        plot_scaling(results, img / "bench_scaling.png")
    plot_memory(results, img / "bench_memory.png")

    meta = results["meta"]
    t = meta["timing"]
    out = [
        "# Benchmarks: Lifted against autograd, tangent-ad, PyTorch and JAX",
        "",
        f"Generated by `{meta['command']}` on {meta['date']} in {meta['elapsed_s'] / 60:.1f} minutes; do not edit by "
        "hand, rerun the command (see [How to run](#how-to-run)).",
        "",
        f"**Machine**: {meta['cpu']} ({meta['machine']}), Python {meta['python']}, NumPy {meta['numpy']}. "
        f"Every tool was pinned to **{meta['threads']} thread{'s' if meta['threads'] != 1 else ''}** (BLAS, OpenMP, "
        "PyTorch intra-op, XLA). This is a shared 2-core machine on which other jobs (test suites) were running: "
        "expect a few tens of percent of noise on individual figures; ratios measured in the same run are "
        "steadier than absolute times."
        + (f" Load average (1 min) was {meta['load_start'][0]:.1f} at the start of the run and "
           f"{meta['load_end'][0]:.1f} at its end." if "load_end" in meta else ""),
        "",
        f"**Method**: for each case the tool's primal and its gradient are each called {t['warmup']} time(s) to warm "
        f"up, then timed as the median of up to {t['repeats']} samples (at least 3, each sample long enough to "
        f"last {t['min_sample_s'] * 1e3:g} ms). JAX runs `jax.jit`-compiled functions; its compilation (tracing + "
        "XLA, primal and gradient together) is timed separately in the *JAX compile* column and is not in its "
        "steady-state figures. All tools run in float64 (JAX with `jax_enable_x64`). Every tool's gradient is "
        "checked against Lifted's in the same run (*agrees*: max relative error at most "
        f"{AGREEMENT:g}, GradBench's normalisation |a-e|/max(1, |a|+|e|)).",
        "",
        "## Summary",
        "",
        "Gradient time of each tool divided by Lifted's, over every workload and size where both ran "
        "(above 1: Lifted is faster).",
        "",
        *summary_lines(results),
        "",
        "![gradient time relative to Lifted](img/bench_ratio_to_lifted.png)",
        "",
        "## Tools",
        "",
        "| tool | version | status |",
        "| --- | --- | --- |",
    ]
    for name, s in results["tools"].items():
        out.append(f"| {s['label']} | {s['version'] or '–'} | {'used' if s['available'] else 'skipped: ' + s['note']} |")
    out += ["", "## Timings per workload", "",
            "![gradient time](img/bench_gradient_time.png)", "",
            "![gradient over primal](img/bench_grad_over_primal.png)", ""]
    for w in dict.fromkeys(r["workload"] for r in results["rows"]):
        out += [f"### {w}: {get(w).title}", "", *workload_table(results, w), ""]
    if results["memory"]:
        out += ["## Peak memory of one gradient evaluation", "",
                "Extra resident memory (MiB) while one gradient evaluation runs, each tool in a fresh process after "
                "a warm-up evaluation: the kernel's peak-RSS counter is reset (`/proc/self/clear_refs`), and the "
                "figure is the new peak minus the resident set just before the call. In parentheses, for tools "
                "whose arrays NumPy allocates, the tracemalloc peak of a separate evaluation. Inputs are not "
                "included (their size is given for scale); the returned gradients are. Largest size of each "
                "workload. PyTorch and JAX allocate outside NumPy, so they have the RSS figure only; JAX's CPU "
                "runtime can keep buffers from the warm-up call and reuse them, so its figure may understate.", "", *memory_table(results), "", "![peak memory](img/bench_memory.png)", ""]
        errors = [m for m in results["memory"] if "error" in m or "skipped" in m]
        for m in errors:
            out.append(f"- {m['workload']} {m['size']} {m['tool']}: {m.get('error') or m.get('skipped')}")
        if errors:
            out.append("")
    if results["scaling"]:
        out += ["## Scaling study: gradient/primal ratio against n", "",
                "How much a gradient costs relative to the same tool's primal as the problem grows from 10 to "
                f"{max(get(r['workload']).find_size(r['size'])['n'] for r in results['scaling']):.0e} variables. "
                "At small n every tool is dominated by per-operation overhead (Python dispatch, tape building, "
                "JIT call); at large n by memory traffic.", "",
                "![scaling](img/bench_scaling.png)", "", *scaling_table(results), ""]
    out += [
        "## Workloads",
        "",
        "Each workload is one module in `benchmarks/workloads/` with the function written once per tool, side by "
        "side: the Lifted kernel source (transpiled with `transpile_source` at the start of the run), one "
        "NumPy-style version shared by autograd and JAX (`xp_f(xp, ...)`, with `xp` = `autograd.numpy` or "
        "`jax.numpy`), a PyTorch version, a plain NumPy version for tangent-ad, and, for some, a hand-written "
        "NumPy adjoint. The formulas are the same in every version, log-sum-exp included (max-shifted, written from "
        "max/exp/sum/log everywhere except the Lifted GMM kernel, which calls `scipy.special.logsumexp` and gets "
        "Lifted's own derivative rule for it).",
        "",
    ]
    for w in dict.fromkeys(r["workload"] for r in results["rows"]):
        out.append(f"- `{w}`: {get(w).title}.")
    out += [
        "",
        "## How to run",
        "",
        "```",
        "pip install -e '.[bench]'          # autograd, tangent-ad, torch, jax, matplotlib (each optional)",
        "python -m benchmarks               # full run, ~15 min on 2 cores; writes docs/benchmarks.md, docs/img/",
        "python -m benchmarks --quick       # smoke run, ~2 min",
        "python -m benchmarks --workloads gmm rk4 --tools lifted jax --no-memory --no-scaling",
        "python -m benchmarks --from-json docs/benchmarks.json   # re-render this page from the saved results",
        "```",
        "",
        "A missing tool is skipped with the reason in the *Tools* table; it is never replaced by another tool's "
        "numbers. The raw results of this run are in `docs/benchmarks.json`. The GradBench tool is described in "
        "[gradbench.md](gradbench.md).",
        "",
    ]
    path = docs / "benchmarks.md"
    path.write_text("\n".join(out))
    return path
