"""Run a GradBench eval against Lifted's tool without Docker or GradBench's Rust CLI.

    python -m benchmarks.gradbench.runner --gradbench /tmp/gradbench lse -- -n 1000 10000 --min-seconds 0.2
    python -m benchmarks.gradbench.runner --gradbench /tmp/gradbench --setup   # build the C++ references once
    python -m benchmarks.gradbench.runner --gradbench /tmp/gradbench --backend c kmeans   # the C backend's CPU target

The eval (`python/gradbench/gradbench/evals/<eval>/run.py`, started from the GradBench root with
`python/gradbench` on PYTHONPATH) and the tool (`python -m benchmarks.gradbench`) are two processes; this runner
plays GradBench's intermediary: it forwards each eval message to the tool and each response back, and records
the exchange. The eval validates every output itself against its reference (the C++ `manual` tool) and says
so in `analysis` messages, which the runner collects (`saddle` and `particle` compare with the
published answers they hold, so they need no reference build). It prints one line per evaluation (the median of the
tool's `evaluate` timings) and exits 1 if any output was invalid or any evaluation failed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# evals checked against the C++ `manual` tool, which --setup builds
REFERENCES = ("lse", "gmm", "llsq", "ode", "kmeans", "det", "lstm", "ba", "ht")
SELF_CONTAINED = ("saddle", "particle")  # evals that hold their published answer themselves (no C++ reference)
LSTM_TEXT = Path("evals/lstm/data/lstm_full.txt")  # read by the lstm eval, relative to the GradBench root
JSON_HPP = Path("/usr/include/nlohmann/json.hpp")  # Debian's nlohmann-json3-dev


def setup(gradbench: Path, evals=REFERENCES) -> None:
    """Provide cpp/json.hpp (GradBench's Makefile would download it) and build the `manual` references."""
    header = gradbench / "cpp" / "json.hpp"
    if not header.exists():
        if not JSON_HPP.exists():
            raise SystemExit(f"{header} is missing and {JSON_HPP} is not installed: "
                             "apt-get install nlohmann-json3-dev (or put nlohmann's single-header json.hpp there)")
        shutil.copy(JSON_HPP, header)
    targets = [f"bin/{e}" for e in evals]
    subprocess.run(["make", "-C", str(gradbench / "tools" / "manual"), *targets, "NATIVE=no", "-j2"], check=True)


def eval_root(gradbench: Path, eval_name: str, lstm_text: Path | None, scratch: Path) -> Path:
    """The directory the eval runs in: the GradBench root, or, where a checkout lacks the lstm eval's text and
    `lstm_text` stands in for it, a scratch directory linking to the root's entries plus that text."""
    if eval_name != "lstm" or lstm_text is None:
        return gradbench
    if (gradbench / LSTM_TEXT).exists():
        print(f"note: {gradbench / LSTM_TEXT} exists; --lstm-text is not used", file=sys.stderr)
        return gradbench
    for entry in gradbench.iterdir():
        if entry.name != "evals":
            (scratch / entry.name).symlink_to(entry)
    (scratch / LSTM_TEXT).parent.mkdir(parents=True)
    (scratch / LSTM_TEXT).symlink_to(lstm_text.resolve())
    return scratch


def run(gradbench: Path, eval_name: str, eval_args: list[str], log=None, out=sys.stdout,
        lstm_text: Path | None = None, backend: str = "numpy") -> dict:
    """Connect the eval to the tool; return a summary {evaluations, invalid, failed}."""
    script = gradbench / "python" / "gradbench" / "gradbench" / "evals" / eval_name / "run.py"
    if not script.exists():
        raise SystemExit(f"no eval {eval_name!r} at {script}")
    with tempfile.TemporaryDirectory(prefix="gradbench-root-") as scratch:
        return _run(gradbench, eval_root(gradbench, eval_name, lstm_text, Path(scratch)), script, eval_name,
                    eval_args, log, out, backend)


def _run(gradbench: Path, cwd: Path, script: Path, eval_name: str, eval_args: list[str], log, out,
         backend: str) -> dict:
    eval_env = dict(os.environ, PYTHONPATH=str(gradbench / "python" / "gradbench"))
    tool_env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    evaluator = subprocess.Popen([sys.executable, str(script), *eval_args], cwd=cwd, env=eval_env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    tool = subprocess.Popen([sys.executable, "-m", "benchmarks.gradbench", "--backend", backend], cwd=ROOT,
                            env=tool_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    pending: dict[int, dict] = {}  # evaluate id -> {message, response}
    summary = {"evaluations": 0, "invalid": 0, "failed": 0, "validated": 0, "rows": []}
    start = time.perf_counter()
    try:
        for line in evaluator.stdout:
            if not line.strip():
                continue
            message = json.loads(line)
            if log:
                log.write(json.dumps({"elapsed_s": time.perf_counter() - start, "message": message}) + "\n")
            if message.get("kind") == "end":
                break
            tool.stdin.write(line if line.endswith("\n") else line + "\n")
            tool.stdin.flush()
            reply = tool.stdout.readline()
            if not reply:
                raise SystemExit("the tool closed its output")
            response = json.loads(reply)
            if log:
                log.write(json.dumps({"elapsed_s": time.perf_counter() - start, "response": response}) + "\n")
            kind = message.get("kind")
            if kind == "define":
                print(f"define {message['module']}: " + (define_line(response) if response.get("success")
                                                         else f"refused: {response.get('error', '')}"), file=out)
                summary["backend"], summary["fallback"] = response.get("backend"), response.get("fallback")
            elif kind == "evaluate":
                summary["evaluations"] += 1
                pending[message["id"]] = {"message": message, "response": response}
                if not response.get("success"):
                    summary["failed"] += 1
                    _row(out, summary, message, response, "FAILED: " + str(response.get("error", ""))[-300:])
            elif kind == "analysis":
                entry = pending.pop(message["of"], None)
                if entry is not None:
                    summary["validated"] += 1
                    verdict = "valid" if message.get("valid") else "INVALID: " + message.get("error", "")[:500]
                    summary["invalid"] += not message.get("valid")
                    _row(out, summary, entry["message"], entry["response"], verdict)
            evaluator.stdin.write(reply)
            evaluator.stdin.flush()
    finally:
        for proc in (tool, evaluator):
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in (tool, evaluator):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    for entry in pending.values():  # answered but never analysed: the eval did not validate it
        if entry["response"].get("success"):
            _row(out, summary, entry["message"], entry["response"], "not validated by the eval")
    summary["eval_exit"] = evaluator.returncode
    crashed = f", the eval exited with status {evaluator.returncode}" if evaluator.returncode else ""
    print(f"{eval_name}: {summary['evaluations']} evaluations, {summary['validated']} validated by the eval, "
          f"{summary['invalid']} invalid, {summary['failed']} failed{crashed} "
          f"({time.perf_counter() - start:.1f} s)", file=out)
    return summary


def define_line(response: dict) -> str:
    """`ok (backend)`, and where the C backend refused the eval's module, what it refused."""
    line = f"ok ({response.get('backend', 'numpy')} backend)"
    if response.get("fallback"):
        line += f"; FALLBACK to the NumPy backend: {response['fallback']}"
    return line


def ht_args(gradbench: Path, eval_args: list[str]) -> list[str]:
    """The ht eval's arguments, with `--max` lowered to the largest hand input the checkout has (its default,
    12, reads a file that a checkout may lack, and the eval then stops with an exception)."""
    if "--max" in eval_args:
        return eval_args
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--model", default="big")
    options.add_argument("--variant", default="complicated")
    known, _ = options.parse_known_args(eval_args)
    data = gradbench / "evals" / "ht" / "data" / f"{known.variant}_{known.model}"
    present = [i for i in range(1, 13) if next(data.glob(f"hand{i}_*.txt"), None) is not None]
    if present and present[-1] < 12:
        print(f"note: {data} has hand inputs up to hand{present[-1]}; running ht with --max {present[-1]}",
              file=sys.stderr)
        return [*eval_args, "--max", str(present[-1])]
    return eval_args


def _row(out, summary, message, response, verdict) -> None:
    times = [t["nanoseconds"] for t in response.get("timings", []) if t["name"] == "evaluate"]
    median = statistics.median(times) / 1e6 if times else float("nan")
    row = {"function": message["function"], "description": message.get("description", ""), "runs": len(times),
           "median_ms": median, "verdict": verdict}
    summary["rows"].append(row)
    print(f"  {message['module']:5s} {message['function']:10s} {row['description']:18s} "
          f"{median:10.3f} ms median of {len(times):3d}  {verdict}", file=out, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradbench.runner",
                                     description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gradbench", type=Path, default=Path(os.environ.get("GRADBENCH", "/tmp/gradbench")),
                        help="root of a GradBench checkout (default $GRADBENCH or /tmp/gradbench)")
    parser.add_argument("--setup", action="store_true", help="build the C++ `manual` references first")
    parser.add_argument("--log", type=Path, help="write every message and response here (JSON lines)")
    parser.add_argument("--lstm-text", type=Path,
                        help=f"a text standing in for the checkout's {LSTM_TEXT} where that file is missing "
                             "(the lstm eval reads its first 8192 characters)")
    parser.add_argument("--backend", choices=("numpy", "c"), default="numpy",
                        help="the tool's backend: numpy (default) or c (the C backend's CPU target); an eval whose "
                             "kernels the C backend refuses runs on NumPy, and the define line says what was refused")
    parser.add_argument("evals", nargs="*", help=f"evals to run (default: {' '.join(REFERENCES + SELF_CONTAINED)})")
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    eval_args = argv[split + 1:]  # after --: passed to every eval's run.py
    gradbench = args.gradbench.resolve()
    if args.setup:
        setup(gradbench)
    evals = args.evals or ([] if args.setup and not eval_args else list(REFERENCES + SELF_CONTAINED))
    bad = 0
    log = args.log.open("w") if args.log else None
    try:
        for name in evals:
            if not (gradbench / "tools" / "manual" / "bin" / name).exists() and name in REFERENCES:
                print(f"note: {gradbench}/tools/manual/bin/{name} is missing, so the eval cannot validate; "
                      "run with --setup first", file=sys.stderr)
            if name == "lstm" and not (gradbench / LSTM_TEXT).exists() and args.lstm_text is None:
                print(f"note: {gradbench / LSTM_TEXT} is missing; give a stand-in text with --lstm-text FILE",
                      file=sys.stderr)
            summary = run(gradbench, name, ht_args(gradbench, eval_args) if name == "ht" else eval_args, log,
                          lstm_text=args.lstm_text, backend=args.backend)
            bad += summary["invalid"] + summary["failed"] + (summary["validated"] < summary["evaluations"]) \
                + bool(summary["eval_exit"])
    finally:
        if log:
            log.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
