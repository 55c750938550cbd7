"""Lifted (NumPy and C backends) side by side with GradBench's own tools, every output validated by the eval.

    python -m benchmarks.gradbench.compare --gradbench /tmp/gradbench gmm ode -- --min-runs 3 --min-seconds 0
    python -m benchmarks.gradbench.compare --gradbench /tmp/gradbench --tools lifted-c jax manual lse -- -n 2500

Each tool gets its own eval process (the evals seed their inputs, so every tool sees the same inputs) and the
evaluations are interleaved: evaluation i of the eval runs on every tool before evaluation i + 1 runs on any.
Only one process works at a time (an eval validates a tool's output before the next tool starts), so the
tools never share the machine with each other. Each eval compares every output with its reference (the C++
`manual` tool) and says so; an output that is not validated counts as a failure, as in `runner`.

The tools (`--tools`, default all five; a tool that lacks an eval refuses it at `define` and is skipped):

* `lifted-numpy`, `lifted-c`: `python -m benchmarks.gradbench --backend numpy|c`;
* `jax`, `pytorch`: GradBench's Python tools from the checkout. GradBench's jax tool times a jitted call
  without waiting for its result, which measures only JAX's asynchronous dispatch; here (`peers.py`) every
  timed call ends with `jax.block_until_ready` on its result;
* `manual`: GradBench's hand-written C++ derivatives (`cpp.py manual`, built by its `define` as GradBench
  builds it: -O3 -march=native, single-threaded).

A pair that GradBench's own `tools/<tool>/evals.txt` marks `timeout` or `error` (pytorch on `ht` and `ba`) is
skipped unless `--all-pairs` is given, and the run says so.

Every tool runs single-threaded (`--threads`, default 1: OMP/OpenBLAS/MKL thread counts, XLA's Eigen pool off;
the jax tool is not pinned to CPU 0, unlike GradBench's default). The table gives, per evaluation, the fastest
of each tool's `evaluate` timings (the run least disturbed by other work on a shared machine; with
`--min-runs` of at least 2 it excludes JAX's first call, which compiles), and `--json FILE` keeps every timing.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .runner import LSTM_TEXT, REFERENCES, ROOT, eval_root, ht_args
from ..machine import Machine

TOOLS = ("lifted-numpy", "lifted-c", "jax", "pytorch", "manual")
PEERS = Path(__file__).with_name("peers.py")


def tool_command(tool: str, gradbench: Path) -> tuple[list[str], Path]:
    """The command line of a tool and the directory it runs in."""
    if tool.startswith("lifted-"):
        return [sys.executable, "-m", "benchmarks.gradbench", "--backend", tool.split("-", 1)[1]], ROOT
    if tool in ("jax", "pytorch"):
        return [sys.executable, str(PEERS), tool], gradbench
    if tool == "manual":
        return [sys.executable, "python/gradbench/gradbench/cpp.py", "manual"], gradbench
    raise SystemExit(f"unknown tool {tool!r}: one of {', '.join(TOOLS)}")


def gradbench_status(tool: str, eval_name: str, gradbench: Path) -> str | None:
    """What GradBench's own list says of a peer on an eval (`tools/<tool>/evals.txt`): None when the eval is
    listed plainly, "absent" when the tool lacks it, or the mark GradBench gives it ("timeout", "error")."""
    if tool.startswith("lifted-"):
        return None
    listed = gradbench / "tools" / tool / "evals.txt"
    if not listed.is_file():
        return None
    for line in listed.read_text().splitlines():
        words = line.split()
        if words and words[0] == eval_name:
            return words[1] if len(words) > 1 else None
    return "absent"


def environment(gradbench: Path, threads: int, jax_x64: bool = False) -> dict:
    """Every tool's environment: `threads` threads for every library, GradBench's Python package importable, and
    with `jax_x64` JAX computing in float64 (`JAX_ENABLE_X64`: GradBench's jax tool enables it only for some evals,
    so its `ode` computes in float32 otherwise)."""
    counts = {name: str(threads) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    xla = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" if threads == 1 else ""
    path = os.pathsep.join(filter(None, [str(ROOT), str(gradbench / "python" / "gradbench"),
                                         os.environ.get("PYTHONPATH")]))
    x64 = {"JAX_ENABLE_X64": "1"} if jax_x64 else {}
    return dict(os.environ, **counts, **x64, XLA_FLAGS=xla, PYTHONPATH=path)


@dataclass
class Session:
    """One tool connected to its own eval process, advanced one evaluation at a time."""

    tool: str
    evaluator: subprocess.Popen
    process: subprocess.Popen
    log: object = None
    rows: list = field(default_factory=list)
    define: dict = field(default_factory=dict)
    done: bool = False

    def exchange(self, line: str) -> dict:
        self.process.stdin.write(line if line.endswith("\n") else line + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline()
        if not reply:
            raise RuntimeError(f"{self.tool} closed its output")
        self.evaluator.stdin.write(reply)
        self.evaluator.stdin.flush()
        return json.loads(reply)

    def step(self) -> dict | None:
        """Forward messages until one evaluation has been answered and analysed; the row, or None at the end."""
        pending = None
        for line in self.evaluator.stdout:
            if not line.strip():
                continue
            message = json.loads(line)
            if self.log:
                self.log.write(json.dumps({"tool": self.tool, "message": message}) + "\n")
            if message.get("kind") == "end":
                break
            response = self.exchange(line)
            if self.log:
                self.log.write(json.dumps({"tool": self.tool, "response": response}) + "\n")
            kind = message.get("kind")
            if kind == "define":
                self.define = response
            elif kind == "evaluate":
                times = [t["nanoseconds"] for t in response.get("timings", []) if t["name"] == "evaluate"]
                pending = {"function": message["function"], "description": message.get("description", ""),
                           "ns": times, "verdict": None if response.get("success")
                           else "FAILED: " + str(response.get("error", ""))[-300:]}
                if not response.get("success"):
                    self.rows.append(pending)
                    return pending
            elif kind == "analysis" and pending is not None:
                pending["verdict"] = "valid" if message.get("valid") else \
                    "INVALID: " + str(message.get("error", ""))[:300]
                self.rows.append(pending)
                return pending
        if pending is not None:  # answered, never analysed
            pending["verdict"] = "not validated by the eval"
            self.rows.append(pending)
            return pending
        self.done = True
        return None

    def close(self) -> None:
        for proc in (self.process, self.evaluator):
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in (self.process, self.evaluator):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def compare(gradbench: Path, eval_name: str, eval_args: list[str], tools, threads: int, out=sys.stdout,
            lstm_text: Path | None = None, log=None, all_pairs: bool = False, jax_x64: bool = False) -> dict:
    """Run `eval_name` on every tool, interleaved; {tool: {"define": ..., "rows": [...], "eval_exit": ...}}."""
    script = gradbench / "python" / "gradbench" / "gradbench" / "evals" / eval_name / "run.py"
    env = environment(gradbench, threads, jax_x64)
    eval_env = dict(env, PYTHONPATH=str(gradbench / "python" / "gradbench"))
    sessions = []
    with tempfile.TemporaryDirectory(prefix="gradbench-root-") as scratch:
        cwd = eval_root(gradbench, eval_name, lstm_text, Path(scratch))
        try:
            for tool in tools:
                status = gradbench_status(tool, eval_name, gradbench)
                if status == "absent":
                    print(f"{eval_name}: {tool}: has no such eval (GradBench's tools/{tool}/evals.txt)", file=out,
                          flush=True)
                    continue
                if status in ("timeout", "error") and not all_pairs:
                    print(f"{eval_name}: {tool}: skipped (GradBench's tools/{tool}/evals.txt marks it "
                          f"`{status}`; --all-pairs runs it)", file=out, flush=True)
                    continue
                command, tool_cwd = tool_command(tool, gradbench)
                evaluator = subprocess.Popen([sys.executable, str(script), *eval_args], cwd=cwd, env=eval_env,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
                process = subprocess.Popen(command, cwd=tool_cwd, env=env, stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, text=True, bufsize=1)
                sessions.append(Session(tool, evaluator, process, log))
            start = time.perf_counter()
            while not all(s.done for s in sessions):
                for session in sessions:
                    if session.done:
                        continue
                    row = session.step()
                    if row is not None:
                        best = min(row["ns"]) / 1e6 if row["ns"] else float("nan")
                        print(f"  {eval_name:6s} {session.tool:12s} {row['function']:9s} {row['description']:26s} "
                              f"{best:11.3f} ms (fastest of {len(row['ns']):3d})  {row['verdict']}",
                              file=out, flush=True)
        finally:
            for session in sessions:
                session.close()
    result = {}
    for session in sessions:
        refused = None if session.define.get("success") else session.define.get("error", "no define")
        bad = sum(r["verdict"] != "valid" for r in session.rows)
        result[session.tool] = {"define": {k: v for k, v in session.define.items() if k != "timings"},
                                "rows": session.rows, "eval_exit": session.evaluator.returncode, "bad": bad}
        note = f"refused at define ({str(refused).strip().splitlines()[-1][:120]})" if refused else \
            f"{len(session.rows)} evaluations, {bad} not valid"
        if session.define.get("fallback"):
            note += f"; FALLBACK to NumPy: {session.define['fallback']}"
        print(f"{eval_name}: {session.tool}: {note}"
              + (f", eval exit status {session.evaluator.returncode}" if session.evaluator.returncode else ""),
              file=out, flush=True)
    print(f"{eval_name}: {time.perf_counter() - start:.1f} s", file=out, flush=True)
    return result


DERIVATIVES = {"lse": "gradient", "llsq": "gradient", "ode": "gradient", "det": "gradient", "kmeans": "dir",
               "gmm": "jacobian", "lstm": "jacobian", "ba": "jacobian", "ht": "jacobian"}


def table(results: dict) -> str:
    """A markdown table of the derivative timings (fastest run, ms) with Lifted-C's ratios to the best peer
    (the fastest of jax, pytorch and manual that validated), to the best AD framework (jax, pytorch), to the
    C++ reference and to Lifted's NumPy backend; ratio > 1: Lifted-C is slower. A cell is `-` where the tool
    has no such eval, `x` where its output was not valid."""
    tools = [t for t in TOOLS if any(t in per_eval for per_eval in results.values())]
    head = ["eval", "size", *tools, "C / best peer", "C / best of jax, pytorch", "C / manual", "C / NumPy"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, per_tool in results.items():
        function = DERIVATIVES.get(name)
        sizes = [r["description"] for r in next(iter(per_tool.values()))["rows"] if r["function"] == function]
        for tool_rows in per_tool.values():
            sizes += [r["description"] for r in tool_rows["rows"]
                      if r["function"] == function and r["description"] not in sizes]
        for size in sizes:
            best: dict[str, float | None] = {}
            for tool in tools:
                rows = [r for r in per_tool.get(tool, {}).get("rows", [])
                        if r["function"] == function and r["description"] == size]
                best[tool] = min(rows[0]["ns"]) / 1e6 if rows and rows[0]["ns"] and \
                    rows[0]["verdict"] == "valid" else None
                best[tool + "?"] = "x" if rows and rows[0]["verdict"] != "valid" else "-"
            peers = [best[t] for t in ("jax", "pytorch", "manual") if best.get(t) is not None]
            frameworks = [best[t] for t in ("jax", "pytorch") if best.get(t) is not None]
            lifted_c, manual, lifted_numpy = best.get("lifted-c"), best.get("manual"), best.get("lifted-numpy")
            cells = [name, size] + [f"{best[t]:.3g}" if best[t] is not None else best[t + "?"] for t in tools]
            cells += [f"{lifted_c / min(peers):.2f}" if lifted_c and peers else "-",
                      f"{lifted_c / min(frameworks):.2f}" if lifted_c and frameworks else "-",
                      f"{lifted_c / manual:.2f}" if lifted_c and manual else "-",
                      f"{lifted_c / lifted_numpy:.2f}" if lifted_c and lifted_numpy else "-"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fastest(per_tool: dict, tool: str, function: str, size: str) -> float | None:
    """The fastest valid timing (ms) of one tool at one evaluation; None where it has none."""
    rows = [r for r in per_tool.get(tool, {}).get("rows", [])
            if r["function"] == function and r["description"] == size and r["verdict"] == "valid" and r["ns"]]
    return min(rows[0]["ns"]) / 1e6 if rows else None


def versus(before: dict, after: dict) -> str:
    """A markdown table of Lifted-C's derivative timings in two runs (before and after a change), each with its
    ratio to the best peer and to the C++ reference of its own run (> 1: Lifted-C is slower)."""
    head = ["eval", "size", "lifted-c before", "lifted-c after", "after / before", "C / best peer before",
            "C / best peer after", "C / manual before", "C / manual after", "C / best of jax, pytorch after"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]

    def ratios(per_tool, function, size):
        c = fastest(per_tool, "lifted-c", function, size)
        peers = [t for t in (fastest(per_tool, p, function, size) for p in ("jax", "pytorch", "manual")) if t]
        frameworks = [t for t in (fastest(per_tool, p, function, size) for p in ("jax", "pytorch")) if t]
        manual = fastest(per_tool, "manual", function, size)
        return c, c / min(peers) if c and peers else None, c / manual if c and manual else None, \
            c / min(frameworks) if c and frameworks else None

    def cell(value, digits=".2f"):
        return "-" if value is None else format(value, digits)

    for name, per_tool in after.items():
        function = DERIVATIVES.get(name)
        sizes = dict.fromkeys(r["description"] for t in per_tool.values() for r in t["rows"]
                              if r["function"] == function)
        for size in sizes:
            c0, peer0, manual0, _ = ratios(before.get(name, {}), function, size)
            c1, peer1, manual1, framework1 = ratios(per_tool, function, size)
            lines.append("| " + " | ".join([name, size, cell(c0, ".3g"), cell(c1, ".3g"),
                                             cell(c1 / c0 if c0 and c1 else None), cell(peer0), cell(peer1),
                                             cell(manual0), cell(manual1), cell(framework1)]) + " |")
    return "\n".join(lines)


def merge(runs) -> dict:
    """Several runs' results as one (an eval run twice at different sizes keeps the rows of both)."""
    merged: dict = {}
    for run in runs:
        for name, per_tool in run.items():
            for tool, result in per_tool.items():
                into = merged.setdefault(name, {}).setdefault(tool, {**result, "rows": []})
                into["rows"] = into["rows"] + result["rows"]
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradbench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gradbench", type=Path, default=Path(os.environ.get("GRADBENCH", "/tmp/gradbench")))
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--threads", type=int, default=1, help="threads for every tool (default 1)")
    parser.add_argument("--lstm-text", type=Path, help=f"a stand-in for the checkout's {LSTM_TEXT}")
    parser.add_argument("--all-pairs", action="store_true",
                        help="also run the pairs GradBench's tools/<tool>/evals.txt marks `timeout` or `error` "
                             "(pytorch on ht and ba in this checkout)")
    parser.add_argument("--jax-x64", action="store_true",
                        help="run GradBench's jax tool in float64 on every eval (it enables float64 only for gmm, "
                             "kmeans, llsq and lse; its ode computes in float32 without this)")
    parser.add_argument("--json", type=Path, help="write every timing and verdict here")
    parser.add_argument("--log", type=Path, help="write every message and response here (JSON lines)")
    parser.add_argument("--table", type=Path, nargs="+", metavar="JSON",
                        help="print the markdown table of earlier runs' --json files and exit")
    parser.add_argument("--before", type=Path, nargs="+", metavar="JSON",
                        help="with --table: compare Lifted-C in these earlier runs with the --table runs")
    parser.add_argument("evals", nargs="*", help=f"evals (default: {' '.join(REFERENCES)})")
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    if args.table:
        runs = merge(json.loads(f.read_text()) for f in args.table)
        print(versus(merge(json.loads(f.read_text()) for f in args.before), runs) if args.before else table(runs))
        return 0
    eval_args = argv[split + 1:]
    gradbench = args.gradbench.resolve()
    results, bad = {}, 0
    log = args.log.open("w") if args.log else None
    machine = Machine()
    print(machine.line(), flush=True)
    try:
        for name in args.evals or REFERENCES:
            results[name] = compare(gradbench, name, ht_args(gradbench, eval_args) if name == "ht" else eval_args,
                                    args.tools, args.threads, lstm_text=args.lstm_text, log=log,
                                    all_pairs=args.all_pairs, jax_x64=args.jax_x64)
            bad += sum(r["bad"] + bool(r["eval_exit"]) for r in results[name].values())
            print(machine.line(), flush=True)
            if args.json:
                args.json.write_text(json.dumps(results, indent=1))
    finally:
        if log:
            log.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
