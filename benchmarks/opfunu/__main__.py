"""Run opfunu's CEC and name-based benchmark functions through every form of Lifted (benchmarks/opfunu/).

    python -m benchmarks.opfunu --opfunu /path/to/opfunu [--c] [--only F12017,Booth] [--forms g,hvp] [--json out.json]

`--only F222017 --forms g` checks one class at `f` and `g` alone: a composition at D = 30 whose every form takes
longer than one piece of a scan may run is checked in pieces.
"""
from __future__ import annotations

from pathlib import Path

from ..corpus.driver import corpus_parser, forms, names, write_json
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
    parser = corpus_parser(__doc__, "comma-separated class names", forms=True)
    parser.add_argument("--opfunu", type=Path, help="a folder holding the opfunu package (default: the installed)")
    parser.add_argument("--dimensions", default=",".join(map(str, DIMENSIONS)), help="the CEC classes' dimensions")
    parser.add_argument("--scipy", type=Path, help="a SciPy checkout: its classes' names are left out")
    parser.add_argument("--no-name-based", action="store_true", help="the CEC classes only")
    options = parser.parse_args(argv)
    only = names(options.only)
    opfunu = import_opfunu(options.opfunu)
    dimensions = tuple(int(d) for d in options.dimensions.split(","))
    found = cases(opfunu, dimensions, scipy_names(options.scipy), only, not options.no_name_based)
    results = run_cases(found, options.c, forms=forms(options))
    print("\n" + report(results))
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
