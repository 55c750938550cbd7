"""Run CuPy's NumPy-compatibility tests through every form of Lifted (benchmarks/cupy_tests/).

    python -m benchmarks.cupy_tests --cupy /tmp/cupy [--c] [--files M] [--only test_cumsum] [--part 2/3] [--json out.json]
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..corpus.driver import check_within, corpus_parser, files, names, part_of, show_cases, write_json
from ..scipy_go.__main__ import report, run_cases
from .convert import cases
from .record import FILES, record

LIMIT = 30  # seconds per case (every form on every input)

# Every form of corpus.checks; where NumPy raises, the same exception class; past LIMIT seconds a skip.
check = check_within(LIMIT, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated method names (`test_cumsum`, `TestCumsum.test_cumsum`)", show=True,
                           parts=True)
    parser.add_argument("--cupy", type=Path, required=True, help="a CuPy checkout (its tests/cupy_tests are read)")
    parser.add_argument("--files", help="comma-separated test modules under tests/cupy_tests, without .py "
                                        f"(default: the {len(FILES)} of record.FILES)")
    options = parser.parse_args(argv)
    AUTOGRAD_NOT_COMPARED.clear()
    methods = record(options.cupy, files(options.files, FILES))
    found = part_of(options, cases(methods, names(options.only)))
    show_cases(options, found)
    results = run_cases(found, options.c, check)
    print("\n" + report(results))
    recorded = {"compared test methods": len(methods), "runs": sum(len(m.runs) for m in methods),
                "kernels": sum(1 for case in found if not case.not_converted)}
    print("\n" + "\n".join(f"{n:6d}  {what}" for what, n in recorded.items()))
    print("by test module: " + ", ".join(f"{m}={n}" for m, n in Counter(c.module for c in found).items()))
    print("\n" + unjudged_report())
    write_json(options, {"recorded": recorded, "cases": results})
    return results


if __name__ == "__main__":
    main()
