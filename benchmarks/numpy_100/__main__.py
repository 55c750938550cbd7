"""Run rougier's "100 NumPy exercises" through every form of Lifted (benchmarks/numpy_100/).

    python -m benchmarks.numpy_100 [--checkout /tmp/numpy-100] [--c] [--only 61,35] [--json out.json] [--show]

The checkout is github.com/rougier/numpy-100 (MIT; read at run time, nothing copied): --checkout, else the
NUMPY_100 environment variable, else /tmp/numpy-100.
"""
from __future__ import annotations

from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..corpus.driver import check_within, corpus_parser, names, show_cases, write_json
from ..scipy_go.__main__ import report, run_cases
from .convert import DEFAULT_CHECKOUT, cases

LIMIT = 30  # seconds per case, every form

# Every form of corpus.checks; where Python raises, the generated f must raise the same exception class.
check = check_within(LIMIT, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated exercise numbers (61,35)", show=True)
    parser.add_argument("--checkout", type=Path, default=DEFAULT_CHECKOUT, help="a numpy-100 checkout")
    options = parser.parse_args(argv)
    AUTOGRAD_NOT_COMPARED.clear()
    found = cases(options.checkout, names(options.only))
    show_cases(options, found, lambda case: f"{case.label}: {case.statement}")
    results = run_cases(found, options.c, check)
    for case in found:
        results[case.label] = {"statement": case.statement, **results[case.label]}
    print("\n" + report({label: {k: v for k, v in outcomes.items() if k != "statement"}
                         for label, outcomes in results.items()}))
    print("\n" + unjudged_report())
    write_json(options, {"cases": results})
    return results


if __name__ == "__main__":
    main()
