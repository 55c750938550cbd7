"""Run numpy-benchmarks' kernels through every form of Lifted (benchmarks/numpy_benchmarks/).

    python -m benchmarks.numpy_benchmarks --numpy-benchmarks PATH [--pythran PATH] [--c] [--only rosen,harris]
        [--json out.json]
"""
from __future__ import annotations

from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..corpus.driver import check_within, corpus_parser, names, write_json
from ..pymoo.__main__ import family_table
from ..scipy_go.__main__ import report, run_cases
from .convert import cases
from .pythran_cases import pythran_cases


LIMIT = 120  # seconds per case: a kernel whose Python loops at the written sizes (pythran's) would stall the run

# Every form of corpus.checks; a case past LIMIT seconds is a skip of `f` that says so.
check = check_within(LIMIT)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated file names (rosen,harris)")
    parser.add_argument("--numpy-benchmarks", type=Path, help="a numpy-benchmarks checkout")
    parser.add_argument("--pythran", type=Path, help="a pythran checkout: its tests/cases kernels too")
    options = parser.parse_args(argv)
    only = names(options.only)
    if options.numpy_benchmarks is None and options.pythran is None:
        parser.error("give --numpy-benchmarks PATH, --pythran PATH or both")
    found = cases(options.numpy_benchmarks, only) if options.numpy_benchmarks else []
    if options.pythran:
        found += pythran_cases(options.pythran, only)
    AUTOGRAD_NOT_COMPARED.clear()
    for case in found:
        if case.sizes and not case.not_converted:
            print(f"{case.label:24s} inputs: {case.sizes}, {len(case.inputs)} of them", flush=True)
    results = run_cases(found, options.c, check)
    print("\n" + report(results) + "\n\n" + family_table(found, results))
    print("\n" + unjudged_report())
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
