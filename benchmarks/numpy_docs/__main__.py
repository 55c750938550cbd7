"""Run NumPy's docstring examples through every form of Lifted (benchmarks/numpy_docs/).

    python -m benchmarks.numpy_docs [--c] [--only diff,cumsum] [--json out.json]
"""
from __future__ import annotations

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..corpus.driver import check_within, corpus_parser, names, show_cases, write_json
from ..scipy_go.__main__ import report, run_cases
from .convert import cases, census

LIMIT = 30  # seconds per case (every form of one example: the gradients of np.mean's 2 x 262144 example by
#             differences would run for hours)

# Every form of corpus.checks, where Python raises the same exception class; past LIMIT seconds a skip.
check = check_within(LIMIT, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated names as Lifted's table spells them (diff,linalg.norm)",
                           show=True)
    options = parser.parse_args(argv)
    only = names(options.only)
    AUTOGRAD_NOT_COMPARED.clear()
    found = cases(only)
    show_cases(options, found, lambda case: f"{case.label}: {case.statement}")
    results = run_cases(found, options.c, check)
    for case in found:  # the statement each label stands for
        results[case.label] = {"statement": case.statement, **results[case.label]}
    counts = {} if only else census()
    print("\n" + report({label: {k: v for k, v in outcomes.items() if k != "statement"}
                         for label, outcomes in results.items()}))
    if counts:
        print("\nevery public callable of numpy and numpy.linalg:\n" +
              "\n".join(f"{n:6d}  {what}" for what, n in counts.items()))
    print("\n" + unjudged_report())
    write_json(options, {"census": counts, "cases": results})
    return results


if __name__ == "__main__":
    main()
