"""Run CuPy's NumPy-compatibility tests through every form of Lifted (benchmarks/cupy_tests/).

    python -m benchmarks.cupy_tests --cupy /tmp/cupy [--c] [--files M] [--only test_cumsum] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..scipy_go.__main__ import report, run_cases
from .convert import CupyCase, cases
from .record import FILES, record

LIMIT = 30  # seconds per case (every form on every input)


def check(case: CupyCase, c: bool, folder: Path) -> dict:
    """Every form of corpus.checks; where NumPy raises, the same exception class; past LIMIT seconds a skip."""
    from ..corpus.checks import check_kernel_within

    return check_kernel_within(LIMIT, case.text, case.params, case.inputs, c=c, folder=folder, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cupy", type=Path, required=True, help="a CuPy checkout (its tests/cupy_tests are read)")
    parser.add_argument("--c", action="store_true", help="also the C CPU target")
    parser.add_argument("--files", help="comma-separated test modules under tests/cupy_tests, without .py "
                                        f"(default: the {len(FILES)} of record.FILES)")
    parser.add_argument("--only", help="comma-separated method names (`test_cumsum`, `TestCumsum.test_cumsum`)")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    parser.add_argument("--show", action="store_true", help="print each kernel before its outcomes")
    options = parser.parse_args(argv)
    only = set(options.only.split(",")) if options.only else None
    AUTOGRAD_NOT_COMPARED.clear()
    methods = record(options.cupy, tuple(options.files.split(",")) if options.files else FILES)
    found = cases(methods, only)
    if options.show:
        for case in found:
            print(f"--- {case.label}\n{case.text or case.not_converted}")
    results = run_cases(found, options.c, check)
    print("\n" + report(results))
    recorded = {"compared test methods": len(methods), "runs": sum(len(m.runs) for m in methods),
                "kernels": sum(1 for case in found if not case.not_converted)}
    print("\n" + "\n".join(f"{n:6d}  {what}" for what, n in recorded.items()))
    print("by test module: " + ", ".join(f"{m}={n}" for m, n in Counter(c.module for c in found).items()))
    print("\n" + unjudged_report())
    if options.json:
        options.json.write_text(json.dumps({"recorded": recorded, "cases": results}, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
