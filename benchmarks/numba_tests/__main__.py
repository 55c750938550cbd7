"""Run numba's NumPy-support tests through every form of Lifted (benchmarks/numba_tests/).

    python -m benchmarks.numba_tests --numba /tmp/numba [--c] [--only diff2,np_cumsum] [--json out.json]
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..corpus.driver import check_within, corpus_parser, files, names, show_cases, write_json
from ..scipy_go.__main__ import report, run_cases
from .convert import cases
from .record import FILES, record

LIMIT = 30  # seconds per case (every form on every input)

# Every form of corpus.checks; where Python raises, the same exception class; past LIMIT seconds a skip.
check = check_within(LIMIT, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated usecase names (`diff2`, or the qualified name)", show=True)
    parser.add_argument("--numba", type=Path, required=True, help="a numba checkout (its numba/tests are read)")
    parser.add_argument("--files", help=f"comma-separated test modules (default: {','.join(FILES)})")
    options = parser.parse_args(argv)
    AUTOGRAD_NOT_COMPARED.clear()
    calls, origin = record(options.numba, files(options.files, FILES))
    found = cases(calls, origin, names(options.only))
    show_cases(options, found)
    results = run_cases(found, options.c, check)
    print("\n" + report(results))
    recorded = {"usecases called": len(calls), "calls recorded": sum(len(v) for v in calls.values()),
                "kernels": sum(1 for case in found if not case.not_converted)}
    print("\n" + "\n".join(f"{n:6d}  {what}" for what, n in recorded.items()))
    print("by test module: " + ", ".join(f"{m}={n}" for m, n in Counter(c.module for c in found).items()))
    print("\n" + unjudged_report())
    write_json(options, {"recorded": recorded, "cases": results})
    return results


if __name__ == "__main__":
    main()
