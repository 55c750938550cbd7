"""Run pymoo's test problems through every form of Lifted (benchmarks/pymoo/).

    python -m benchmarks.pymoo [--pymoo PATH] [--c] [--only ZDT1,DTLZ2] [--n-var N|+K] [--pop P] [--json out.json]
"""
from __future__ import annotations

import warnings
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from ..corpus.driver import corpus_parser, names, write_json
from ..corpus.against_autograd import AUTOGRAD_NOT_COMPARED, unjudged_report
from ..scipy_go.__main__ import report, run_cases
from .convert import PymooCase, cases, import_pymoo, with_scalar

POP = 4  # the population's rows
ORDER = ("pass", "skip", "refused", "arg-refused", "bad", "WRONG")  # a case's worst form decides its row


def populations(case: PymooCase) -> list[list]:
    """Three seeded populations inside the bounds; the last has its first row at the lower and its second at the
    upper bounds."""
    rng = np.random.default_rng(zlib.crc32(case.label.encode()))
    low, high = case.bounds[:, 0], case.bounds[:, 1]
    found = [low + (high - low) * rng.random((case.pop, case.dimension)) for _ in range(3)]
    found[-1][0] = low
    if case.pop > 1:
        found[-1][1] = high
    return [[x] for x in found]


def pymoo_outputs(case: PymooCase, x: np.ndarray):
    """pymoo's own `_evaluate` on a copy of `x`: the outputs the kernel returns, in its order."""
    out: dict = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        case.problem._evaluate(x.copy(), out)
    values = [out[k] for k in case.outputs]
    return values[0] if len(values) == 1 else tuple(values)


def check(case: PymooCase, c: bool, folder: Path) -> dict:
    """form -> (outcome, detail): `pm` (Lifted's f against pymoo), `f`/`fj`/`vjp`/`fv` on the kernel returning
    the outputs, `sf`/`sg` on the weighted sum (and `c`, `sc` on the C target)."""
    from gradcheck import load_source

    from ..corpus.checks import check_kernel
    from ..corpus.oracles import compiled_or_outcome
    from ..corpus.oracles import Outcomes, same

    points = populations(case)
    outcomes = Outcomes()
    module, refusal = compiled_or_outcome(case.text, lambda t: load_source(t, "pymoo_case.py"))
    for (x,) in points:
        try:
            expected = pymoo_outputs(case, x)
        except Exception:  # noqa: BLE001  pymoo raises at this population: nothing to compare
            outcomes.record("pm", "skip", "pymoo raises")
            continue
        if refusal:
            outcomes.record("pm", *refusal)
            continue
        outcomes.guarded("pm", lambda x=x, expected=expected: same(module.f(x.copy()), expected,
                                                                   "f vs pymoo's _evaluate") or "pass")
    outcomes.update(check_kernel(case.text, ["x"], points, lambda args: args, c=c, folder=folder,
                                 only={"fj", "vjp", "fv"}))
    try:
        sample = pymoo_outputs(case, points[0][0])
    except Exception:  # noqa: BLE001
        return outcomes
    with_scalar(case, dict(zip(case.outputs, sample if isinstance(sample, tuple) else (sample,))))
    scalar = check_kernel(case.scalar_text, ["x"], points, lambda args: args, c=c, folder=folder, only={"g"})
    outcomes.update({f"s{form}": value for form, value in scalar.items()})
    return outcomes


def family_table(found: list[PymooCase], results: dict[str, dict]) -> str:
    """Per pymoo module (the problem family): cases, not converted, and cases by their worst form."""
    rows: dict[str, Counter] = {}
    for case in found:
        row = rows.setdefault(case.family, Counter())
        row["cases"] += 1
        outcome = results.get(case.label, {})
        if "not converted" in outcome:
            row["not conv."] += 1
            continue
        worst = max((value[0] for value in outcome.values()), key=ORDER.index, default="pass")
        row[worst] += 1
    columns = ("cases", "not conv.") + ORDER
    lines = ["family           " + "  ".join(f"{c:>9s}" for c in columns)]
    for family, row in rows.items():
        lines.append(f"{family:16s} " + "  ".join(f"{row[c]:9d}" for c in columns))
    total = sum(rows.values(), Counter())
    lines.append(f"{'total':16s} " + "  ".join(f"{total[c]:9d}" for c in columns))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated class names")
    parser.add_argument("--pymoo", type=Path, help="a folder holding the pymoo package (default: the installed)")
    parser.add_argument("--n-var", help="the number of variables (N, or +K: pymoo's default plus K)")
    parser.add_argument("--pop", type=int, default=POP, help="the population's rows")
    options = parser.parse_args(argv)
    only = names(options.only)
    found = cases(import_pymoo(options.pymoo), options.n_var, options.pop, only)
    AUTOGRAD_NOT_COMPARED.clear()
    results = run_cases(found, options.c, check)
    print("\n" + report(results) + "\n\n" + family_table(found, results))
    print("\n" + unjudged_report())
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
