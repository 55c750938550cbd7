"""Run numpy-benchmarks' kernels through every form of Lifted (benchmarks/numpy_benchmarks/).

    python -m benchmarks.numpy_benchmarks --numpy-benchmarks PATH [--pythran PATH] [--c] [--only rosen,harris]
        [--json out.json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..pymoo.__main__ import family_table
from ..scipy_go.__main__ import report, run_cases
from .convert import BenchCase, cases
from .pythran_cases import pythran_cases


LIMIT = 120  # seconds per case: a kernel whose Python loops at the written sizes (pythran's) would stall the run


def check(case: BenchCase, c: bool, folder: Path) -> dict:
    """Every form of corpus.checks; a case past LIMIT seconds is a skip of `f` that says so."""
    from ..corpus.checks import check_kernel_within

    return check_kernel_within(LIMIT, case.text, case.params, case.inputs, c=c, folder=folder)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numpy-benchmarks", type=Path, help="a numpy-benchmarks checkout")
    parser.add_argument("--pythran", type=Path, help="a pythran checkout: its tests/cases kernels too")
    parser.add_argument("--c", action="store_true", help="also the C CPU target")
    parser.add_argument("--only", help="comma-separated file names (rosen,harris)")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    options = parser.parse_args(argv)
    only = set(options.only.split(",")) if options.only else None
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
    if options.json:
        options.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
