"""Run NumPy's docstring examples through every form of Lifted (benchmarks/numpy_docs/).

    python -m benchmarks.numpy_docs [--c] [--only diff,cumsum] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..scipy_go.__main__ import report, run_cases
from .convert import DocCase, cases, census

LIMIT = 30  # seconds per case (every form of one example: the gradients of np.mean's 2 x 262144 example by
#             differences would run for hours)


def check(case: DocCase, c: bool, folder: Path) -> dict:
    """Every form of corpus.checks, where Python raises the same exception class; past LIMIT seconds a skip."""
    from ..corpus.checks import check_kernel_within

    return check_kernel_within(LIMIT, case.text, case.params, case.inputs, c=c, folder=folder, same_exception=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", action="store_true", help="also the C CPU target")
    parser.add_argument("--only", help="comma-separated names as Lifted's table spells them (diff,linalg.norm)")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    parser.add_argument("--show", action="store_true", help="print each kernel before its outcomes")
    options = parser.parse_args(argv)
    only = set(options.only.split(",")) if options.only else None
    AUTOGRAD_NOT_COMPARED.clear()
    found = cases(only)
    if options.show:
        for case in found:
            print(f"--- {case.label}: {case.statement}\n{case.text or case.not_converted}")
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
    if options.json:
        options.json.write_text(json.dumps({"census": counts, "cases": results}, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
