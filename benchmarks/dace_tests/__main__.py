"""Run DaCe's NumPy-frontend test programs through every form of Lifted (benchmarks/dace_tests/).

    python -m benchmarks.dace_tests --dace /path/to/dace [--c] [--only FILE_OR_NAME] [--json out.json]
"""
from __future__ import annotations

from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..corpus.driver import check_within, corpus_parser, names, show_cases, write_json
from ..scipy_go.__main__ import report, run_cases
from .convert import cases

LIMIT = 30  # seconds per case, every form

# Every form of corpus.checks (Python's exception class must be the generated f's too); past LIMIT a skip.
check = check_within(LIMIT, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated test-file stems or program names (augassign_test,"
                                    "test_augadd, augassign_test::test_augadd)", show=True)
    parser.add_argument("--dace", type=Path, required=True, help="a DaCe checkout (its tests/ folder is read)")
    options = parser.parse_args(argv)
    AUTOGRAD_NOT_COMPARED.clear()
    found = cases(options.dace, names(options.only))
    show_cases(options, found)
    results = run_cases(found, options.c, check)
    print("\n" + report(results))
    dropped = sum(bool(case.hostile_dropped) for case in found if not case.not_converted)
    print(f"\ncases whose hostile sizes 0, 1 were not run: {dropped}")
    print("\n" + unjudged_report())
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
