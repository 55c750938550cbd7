"""Run DaCe's NumPy-frontend test programs through every form of Lifted (benchmarks/dace_tests/).

    python -m benchmarks.dace_tests --dace /path/to/dace [--c] [--only FILE_OR_NAME] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..scipy_go.__main__ import report, run_cases
from .convert import DaceCase, cases

LIMIT = 30  # seconds per case, every form


def check(case: DaceCase, c: bool, folder: Path) -> dict:
    """Every form of corpus.checks (Python's exception class must be the generated f's too); past LIMIT a skip."""
    from ..corpus.checks import check_kernel_within

    return check_kernel_within(LIMIT, case.text, case.params, case.inputs, c=c, folder=folder, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dace", type=Path, required=True, help="a DaCe checkout (its tests/ folder is read)")
    parser.add_argument("--c", action="store_true", help="also the C CPU target")
    parser.add_argument("--only", help="comma-separated test-file stems or program names (augassign_test,"
                                       "test_augadd, augassign_test::test_augadd)")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    parser.add_argument("--show", action="store_true", help="print each kernel before its outcomes")
    options = parser.parse_args(argv)
    only = set(options.only.split(",")) if options.only else None
    AUTOGRAD_NOT_COMPARED.clear()
    found = cases(options.dace, only)
    if options.show:
        for case in found:
            print(f"--- {case.label}\n{case.text or case.not_converted}")
    results = run_cases(found, options.c, check)
    print("\n" + report(results))
    dropped = sum(bool(case.hostile_dropped) for case in found if not case.not_converted)
    print(f"\ncases whose hostile sizes 0, 1 were not run: {dropped}")
    print("\n" + unjudged_report())
    if options.json:
        options.json.write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
