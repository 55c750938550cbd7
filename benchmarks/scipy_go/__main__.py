"""Run SciPy's global-optimization benchmark functions through every form of Lifted (benchmarks/scipy_go/).

    python -m benchmarks.scipy_go --scipy /path/to/scipy [--c] [--only Ackley01,Rastrigin] [--json out.json]
"""
from __future__ import annotations

import re
import sys
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..corpus.c_target import WITHIN_SPREAD
from ..corpus.driver import corpus_parser, forms, names, write_json
from ..scratch import scratch_folder
from .convert import Case, cases, folder_of

OUTCOMES = ("pass", "skip", "refused", "arg-refused", "bad", "WRONG")
POINTS = 3  # seeded draws inside the bounds, besides SciPy's listed global minimum


def inputs(case: Case) -> list[list]:
    """`POINTS` seeded uniform draws inside the class's bounds at its dimension, then its first listed global
    minimum (often a kink or a tie: the primal's bits and the oracles' skips are tested there)."""
    rng = np.random.default_rng(zlib.crc32(case.label.encode()))
    low, high = case.bounds[:, 0], case.bounds[:, 1]
    points = [[low + (high - low) * rng.random(case.dimension)] for _ in range(POINTS)]
    if case.optimum is not None:
        points.append([case.optimum.copy()])
    return points


def run(scipy: Path, c: bool = False, only: set[str] | None = None, forms: set[str] | None = None) -> dict[str, dict]:
    """label -> {"not converted": reason} or {form: [outcome, detail]}, printing a line per case."""
    return run_cases(cases(folder_of(scipy), only), c, forms=forms)


def run_cases(found: Iterable[Case], c: bool = False, check: Callable | None = None,
              forms: set[str] | None = None) -> dict[str, dict]:
    """Each converted case through every form (`corpus.checks.check_kernel`, or `check(case, c, folder)` returning
    form -> (outcome, detail): the pymoo driver's): label -> {"not converted": reason} or {form: [outcome,
    detail]}, printing a line per case (the opfunu and pymoo drivers' too). `forms` (--forms): `f` and those
    only."""
    tests = Path(__file__).resolve().parents[2] / "tests"
    if str(tests) not in sys.path:
        sys.path.insert(0, str(tests))  # the oracles: gradcheck, hostile
    from ..corpus.checks import check_kernel

    folder = scratch_folder("corpus_")
    sys.path.insert(0, str(folder))
    results: dict[str, dict] = {}
    for case in found:
        if case.not_converted:
            results[case.label] = {"not converted": case.not_converted}
            print(f"{case.label:24s} not converted: {case.not_converted}", flush=True)
            continue
        started = time.perf_counter()
        outcomes = check(case, c, folder) if check else \
            check_kernel(case.text, ["x"], inputs(case), lambda args: args, c=c, folder=folder, only=forms)
        results[case.label] = {form: list(value) for form, value in outcomes.items()}
        print(f"{case.label:24s} " + " ".join(f"{form}={outcome}" for form, (outcome, _) in outcomes.items())
              + f"  ({time.perf_counter() - started:.1f} s)", flush=True)
        for form, (outcome, detail) in outcomes.items():
            if outcome not in ("pass", "skip"):
                print(f"    {form}: {detail[:300]}", flush=True)
    return results


def tally(results: dict[str, dict]) -> tuple[dict[str, Counter], Counter, Counter]:
    """(form -> Counter of outcomes, located refusals grouped by message, not-converted reasons)."""
    per_form: dict[str, Counter] = {}
    refusals, not_converted = Counter(), Counter()
    for outcomes in results.values():
        if "not converted" in outcomes:
            not_converted[outcomes["not converted"]] += 1
            continue
        for form, (outcome, detail) in outcomes.items():
            per_form.setdefault(form, Counter())[outcome] += 1
            if outcome != "pass" and outcome != "skip":
                refusals[f"{outcome}: " + re.sub(r"^\d+:\d+: ", "", detail)[:140]] += 1
    return per_form, refusals, not_converted


def report(results: dict[str, dict]) -> str:
    per_form, refusals, not_converted = tally(results)
    lines = [f"cases: {len(results)} ({sum(not_converted.values())} not converted)",
             "form  " + "  ".join(f"{o:>11s}" for o in OUTCOMES)]
    for form, counter in per_form.items():
        lines.append(f"{form:5s} " + "  ".join(f"{counter[o]:11d}" for o in OUTCOMES))
    lines.append("\nrefusals and failures by message (form-cases):")
    lines += [f"{n:5d}  {message}" for message, n in refusals.most_common()]
    lines.append("\nnot converted:")
    lines += [f"{n:5d}  {reason}" for reason, n in not_converted.most_common()]
    if WITHIN_SPREAD:  # (C checks passed as round-off: counted apart from agreement to rtol 1e-10)
        lines.append("\nC checks passed as round-off, by form:")
        lines += [f"{n:5d}  {reason}" for reason, n in WITHIN_SPREAD.most_common()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated class names", forms=True)
    parser.add_argument("--scipy", type=Path, required=True,
                        help="a SciPy checkout (or its benchmarks/benchmarks/go_benchmark_functions folder)")
    options = parser.parse_args(argv)
    only = names(options.only)
    results = run(options.scipy, options.c, only, forms(options))
    print("\n" + report(results))
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
