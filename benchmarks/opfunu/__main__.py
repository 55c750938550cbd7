"""Run opfunu's CEC and name-based benchmark functions through every form of Lifted (benchmarks/opfunu/).

    python -m benchmarks.opfunu --opfunu /path/to/opfunu [--c] [--only F12017,Booth] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..scipy_go.__main__ import report, run_cases
from .convert import cases, import_opfunu

DIMENSIONS = (10, 30)  # the competitions' dimensions that every year's data hold


def scipy_names(scipy: Path | None) -> set[str]:
    """The class names of SciPy's set (benchmarks/scipy_go runs those), read from a SciPy checkout."""
    if scipy is None:
        return set()
    from ..scipy_go.convert import class_sources, folder_of

    return set(class_sources(folder_of(scipy)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opfunu", type=Path, help="a folder holding the opfunu package (default: the installed)")
    parser.add_argument("--c", action="store_true", help="also the C CPU target")
    parser.add_argument("--only", help="comma-separated class names")
    parser.add_argument("--dimensions", default=",".join(map(str, DIMENSIONS)), help="the CEC classes' dimensions")
    parser.add_argument("--scipy", type=Path, help="a SciPy checkout: its classes' names are left out")
    parser.add_argument("--no-name-based", action="store_true", help="the CEC classes only")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    options = parser.parse_args(argv)
    only = set(options.only.split(",")) if options.only else None
    opfunu = import_opfunu(options.opfunu)
    dimensions = tuple(int(d) for d in options.dimensions.split(","))
    found = cases(opfunu, dimensions, scipy_names(options.scipy), only, not options.no_name_based)
    results = run_cases(found, options.c)
    print("\n" + report(results))
    if options.json:
        options.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
