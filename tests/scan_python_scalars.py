"""Long scans of the scalar-Python generator: `python tests/scan_python_scalars.py FIRST COUNT [--no-c]`.

Prints each failing seed with its program and the failures, then the counts per backend: programs checked (every
call agreed), refused (a located refusal or the entry refusal of a Python number), failed (any call differed).
"""
from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from python_scalar_judge import judge_program  # noqa: E402
from python_scalar_programs import scalar_program  # noqa: E402


def classify(outcomes: list[str]) -> str:
    if any(o.startswith("FAIL") for o in outcomes):
        return "failed"
    if not outcomes:
        return "none"
    if any(o.startswith("checked") for o in outcomes):
        return "checked"
    if any(o.startswith("refused") for o in outcomes):
        return "refused"
    return "skipped"


def main() -> None:
    first, count = int(sys.argv[1]), int(sys.argv[2])
    c = "--no-c" not in sys.argv
    counts: dict = collections.defaultdict(collections.Counter)
    failing = []
    started = time.time()
    for seed in range(first, first + count):
        source, args = scalar_program(seed)
        try:
            results = judge_program(source, args, c=c)
        except Exception as exc:  # noqa: BLE001 (a crash of the judge or the compiler is a failure)
            results = {"numpy": [f"FAIL crash: {type(exc).__name__}: {exc}"]}
        for backend, outcomes in results.items():
            counts[backend][classify(outcomes)] += 1
        fails = [o for outcomes in results.values() for o in outcomes if o.startswith("FAIL")]
        if fails:
            failing.append(seed)
            print(f"=== seed {seed}\n{source}")
            for line in dict.fromkeys(fails):
                print("   ", line[:400])
    print(f"seeds {first}..{first + count - 1} in {time.time() - started:.0f}s")
    for backend, counter in counts.items():
        print(f"{backend:9s} " + " ".join(f"{k}={counter[k]}" for k in ("checked", "refused", "failed", "skipped",
                                                                          "none")))
    print("failing seeds:", failing)


if __name__ == "__main__":
    main()
