"""Run NPBench's NumPy kernels through every form of Lifted (benchmarks/npbench/).

    python -m benchmarks.npbench --npbench PATH [--c] [--only jacobi_2d,atax] [--json out.json]
"""
from __future__ import annotations

from pathlib import Path

from ..corpus.driver import corpus_parser, names, write_json
from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..scipy_go.__main__ import report, run_cases
from ..scipy_go.convert import Case
from .convert import NPBenchCase, benchmarks, convert


class _Hostile(Case):
    """A case's hostile sizes, run and counted as a case of their own (`<name>@0,1,2`)."""

    def __init__(self, case: NPBenchCase) -> None:
        super().__init__(name=case.name, dimension=0, family=case.family, text=case.text)
        self.params, self.inputs = case.params, case.hostile
        self.sizes = ",".join(str(h) for h in (0, 1, 2) if h not in case.hostile_dropped)
        if not case.hostile:
            self.not_converted = "no hostile size: " + "; ".join(f"{h}: {why}" for h, why in
                                                                  case.hostile_dropped.items())

    @property
    def label(self) -> str:
        return f"{self.name}@{self.sizes or 'none'}"


def check(case, c: bool, folder: Path) -> dict:
    from ..corpus.checks import check_kernel

    return check_kernel(case.text, case.params, case.inputs, lambda args: args, c=c, folder=folder)


def cases(npbench: Path, only: set[str] | None = None) -> list:
    """Every benchmark's small case followed by its hostile one."""
    found = []
    for info in benchmarks(npbench):
        if only and info["module_name"] not in only:
            continue
        case = convert(info, npbench)
        found.append(case)
        if not case.not_converted:
            found.append(_Hostile(case))
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated benchmark (module) names")
    parser.add_argument("--npbench", type=Path, required=True, help="an NPBench checkout")
    options = parser.parse_args(argv)
    only = names(options.only)
    found = cases(options.npbench, only)
    AUTOGRAD_NOT_COMPARED.clear()
    results = run_cases(found, options.c, check)
    small = {k: v for k, v in results.items() if "@" not in k}
    hostile = {k: v for k, v in results.items() if "@" in k}
    print("\nsmall sizes\n" + report(small) + "\n\nhostile sizes (0, 1, 2)\n" + report(hostile))
    print("\n" + unjudged_report())
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
