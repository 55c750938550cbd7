"""Warm start of on-the-fly transforms and `@dist` functions: a fresh process's first call of a cached module.

    python -m benchmarks.warm_start            # 15 fresh processes per row
    python -m benchmarks.warm_start --runs 5

A small project (the README's logistic-regression kernel with a declared gradient, and a `@dist` function)
is written to a temporary folder with its own cache directory. One process fills the cache (the cold build);
then each row starts fresh Python processes that import the project and time, with `time.perf_counter`, the
first call of the cached function: `grad` on the fly, `@dist` on the fly, and, side by side, the same gradient
from a module built ahead of time with `transpile` and loaded with `lifted.load` (the floor: no cache lookup).
Each process also reports whether LibCST or the compiler was imported (it must not be, on a warm start).
Medians over the runs, in milliseconds; the cold build is reported once.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MODEL = '''import numpy as np
from lifted import grad, kernel


@kernel
def loss(w: "f64[d]", x: "f64[n,d]", y: "f64[n]") -> "f64[]":
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


loss_grad = grad(loss, wrt="w")
'''

DICE = '''from lifted import dist


@dist
def pool():
    return lazy_sum(4 @ d(6)) + max(d(8), d(8))
'''

PROBE = '''
import sys, time, json
import numpy as np
kind = sys.argv[1]
w, x, y = np.zeros(3), np.ones((5, 3)), np.ones(5)
if kind == "grad":
    import model
    start = time.perf_counter(); model.loss_grad(w, x, y)
elif kind == "dist":
    import dice_model
    start = time.perf_counter(); dice_model.pool()
else:
    from lifted import load
    start = time.perf_counter(); load("generated/model.py").loss_grad(w, x, y)
first = time.perf_counter() - start
heavy = sorted(m for m in sys.modules if m == "libcst" or m.startswith("lifted.transpiler"))
print(json.dumps({"first_ms": first * 1e3, "compiler_imported": bool(heavy)}))
'''


def _probe(kind: str, folder: Path, env: dict) -> dict:
    result = subprocess.run([sys.executable, "probe.py", kind], cwd=folder, env=env, capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.warm_start", description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per row (default 15)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "model.py").write_text(MODEL)
        (folder / "dice_model.py").write_text(DICE)
        (folder / "probe.py").write_text(textwrap.dedent(PROBE))
        # as users run Python: with bytecode caching (a warm start reads the cached module's .pyc)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPATH=str(ROOT), LIFTED_CACHE_DIR=str(folder / "cache"))
        build = subprocess.run([sys.executable, "-m", "lifted.transpiler", "model.py", "-o", "generated"],
                               cwd=folder, env=env, capture_output=True, text=True)
        if build.returncode != 0:
            raise RuntimeError(build.stderr)
        cold = {kind: _probe(kind, folder, env) for kind in ("grad", "dist")}
        rows = {kind: [_probe(kind, folder, env) for _ in range(args.runs)] for kind in ("grad", "dist", "load")}
    floor = statistics.median(r["first_ms"] for r in rows["load"])
    print(f"first call in a fresh process, median of {args.runs} processes (ms); cold build shown once")
    print(f"{'row':<38}{'cold':>10}{'warm':>10}{'warm / load()':>16}  compiler imported when warm")
    labels = {"grad": "grad on the fly (cached)", "dist": "@dist on the fly (cached)",
              "load": "grad from transpile + load() (floor)"}
    for kind, label in labels.items():
        warm = statistics.median(r["first_ms"] for r in rows[kind])
        imported = any(r["compiler_imported"] for r in rows[kind])
        cold_ms = f"{cold[kind]['first_ms']:.1f}" if kind in cold else "-"
        print(f"{label:<38}{cold_ms:>10}{warm:>10.1f}{warm / floor:>16.2f}  {'yes' if imported else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
