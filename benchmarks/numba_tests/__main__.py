"""Run numba's NumPy-support tests through every form of Lifted (benchmarks/numba_tests/).

    python -m benchmarks.numba_tests --numba /tmp/numba [--c] [--only diff2,np_cumsum] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..scipy_go.__main__ import report, run_cases
from .convert import NumbaCase, cases
from .record import FILES, record

LIMIT = 30  # seconds per case (every form on every input)


def check(case: NumbaCase, c: bool, folder: Path) -> dict:
    """Every form of corpus.checks; where Python raises, the same exception class; past LIMIT seconds a skip."""
    from ..corpus.checks import check_kernel_within

    return check_kernel_within(LIMIT, case.text, case.params, case.inputs, c=c, folder=folder, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numba", type=Path, required=True, help="a numba checkout (its numba/tests are read)")
    parser.add_argument("--c", action="store_true", help="also the C CPU target")
    parser.add_argument("--only", help="comma-separated usecase names (`diff2`, or the qualified name)")
    parser.add_argument("--files", help=f"comma-separated test modules (default: {','.join(FILES)})")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    parser.add_argument("--show", action="store_true", help="print each kernel before its outcomes")
    options = parser.parse_args(argv)
    only = set(options.only.split(",")) if options.only else None
    AUTOGRAD_NOT_COMPARED.clear()
    calls, origin = record(options.numba, tuple(options.files.split(",")) if options.files else FILES)
    found = cases(calls, origin, only)
    if options.show:
        for case in found:
            print(f"--- {case.label}\n{case.text or case.not_converted}")
    results = run_cases(found, options.c, check)
    print("\n" + report(results))
    recorded = {"usecases called": len(calls), "calls recorded": sum(len(v) for v in calls.values()),
                "kernels": sum(1 for case in found if not case.not_converted)}
    print("\n" + "\n".join(f"{n:6d}  {what}" for what, n in recorded.items()))
    print("by test module: " + ", ".join(f"{m}={n}" for m, n in Counter(c.module for c in found).items()))
    print("\n" + unjudged_report())
    if options.json:
        options.json.write_text(json.dumps({"recorded": recorded, "cases": results}, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
