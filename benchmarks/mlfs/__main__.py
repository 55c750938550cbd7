"""Run ML-From-Scratch's models through every form of Lifted, and Lifted's derivatives against its own.

    python -m benchmarks.mlfs --mlfs PATH [--c] [--only Sigmoid,Dense] [--json out.json]

PATH: the checkout's root (the folder holding `mlfromscratch`); $LIFTED_MLFS when not given.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..corpus.driver import corpus_parser, names, write_json
from ..numpy_ml.__main__ import against_numpy_ml
from ..pymoo.__main__ import family_table
from ..scipy_go.__main__ import report, run_cases
from .cases import cases
from .load import import_mlfs

LIBRARY = "ML-From-Scratch"
OWN_OFF = f"{LIBRARY}'s own derivative is off"


def check(case, c: bool, folder: Path) -> dict:
    from ..corpus.checks import check_kernel

    outcomes = check_kernel(case.text, case.params, case.inputs, lambda args: args, c=c, folder=folder)
    if case.oracle is not None and "f" in outcomes and outcomes["f"][0] == "pass":
        against_numpy_ml(case, outcomes, LIBRARY, "mlfromscratch")
    return outcomes


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated case names")
    parser.add_argument("--mlfs", type=Path, default=os.environ.get("LIFTED_MLFS"),
                        help="an ML-From-Scratch checkout")
    options = parser.parse_args(argv)
    if options.mlfs is None:
        parser.error("--mlfs (or $LIFTED_MLFS) is required")
    found = cases(import_mlfs(Path(options.mlfs)), names(options.only))
    results = run_cases(found, options.c, check)
    print("\n" + report(results) + "\n\n" + family_table(found, results))
    print(f"\n{LIBRARY}'s own derivatives found off:")
    for label, outcome in results.items():
        for form, value in outcome.items():
            if isinstance(value, list) and value[1].startswith(OWN_OFF):
                print(f"  {label} {form}: {value[1]}")
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
