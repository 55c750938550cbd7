"""Long scans of the run-time length generator: `python tests/scan_run_time_lengths.py FIRST COUNT [--c]`.

The slow tests of test_run_time_lengths.py say only whether every seed passed; a scan in pieces (the C target
compiles each program three times) also needs the outcomes counted. Prints each seed's outcome as it goes (a piece
stopped by a time limit keeps what it did) and each failure, then the seeds per outcome of `judge`'s primal form
(checked, refused, refused at run time) and failed.
"""
from __future__ import annotations

import collections
import itertools
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run_time_length_programs import inputs_for, judge, program_for_seed  # noqa: E402
from test_c_backend import c_module  # noqa: E402


def main() -> None:
    first, count = int(sys.argv[1]), int(sys.argv[2])
    on_c = "--c" in sys.argv
    counts: collections.Counter = collections.Counter()
    failing = []
    started = time.time()
    with tempfile.TemporaryDirectory() as folder:
        names = itertools.count()
        build = (lambda text: c_module(text, Path(folder), f"case{next(names)}")[0]) if on_c else None
        for seed in range(first, first + count):
            try:
                outcome = judge(program_for_seed(seed), inputs_for(seed), **({"build": build} if on_c else {}))
                counts[outcome["primal"]] += 1
                print(f"seed {seed}: {outcome['primal']}", flush=True)
            except AssertionError as failure:
                counts["failed"] += 1
                failing.append(seed)
                print(f"=== seed {seed}: {failure}", flush=True)
    print(f"seeds {first}..{first + count - 1} on {'C' if on_c else 'NumPy'} in {time.time() - started:.0f}s")
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    print("failing seeds:", failing)


if __name__ == "__main__":
    main()
