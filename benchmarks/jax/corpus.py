"""JAX's NumPy tests through Lifted: JAX's op and reducer records as kernels, checked form by form against NumPy.

    python -m benchmarks.jax.corpus /path/to/jax                          # every record, a sample of its cases
    python -m benchmarks.jax.corpus /path/to/jax --no-c --only sum,add --per-record 4 --json out.json

Reads, at run time, `tests/lax_numpy_operators_test.py` and `tests/lax_numpy_reducers_test.py` from a JAX checkout
(github.com/jax-ml/jax) with `ast` (benchmarks/jax/records.py); nothing of JAX is imported or copied here. Each
record's parameter combinations (shapes x dtypes; reducers' axis, keepdims, dtype=, initial=, where=) become the
kernels a user would write, `np.<name>(x0, x1, axis=1)` or `x0 + x1` with annotated parameters; combinations in a
dtype Lifted has no annotation for (float16, bfloat16, int8/16, unsigned, complex) are counted, not run. A
deterministic sample of each record's combinations is run (`--per-record`). Per case:

* `bits`: the NumPy backend against NumPy running the same source, bit for bit (same dtype, same Python or NumPy
  scalar type, same values, NaN where NaN, the sign of every zero);
* every form of benchmarks/corpus/checks.py that applies: `f` (to 1e-12), `g`/`vg`/`gall`/`vjp`/`fj` against
  central differences in float64 and autograd (float64 cases of a record JAX marks differentiable, and of the
  reducers), `fv` (vmap) against a loop, `c` (the C target against the NumPy backend) on the first `--c-per-record`
  cases of each record.

Inputs: the record's sampler (JAX's choices: positive for log and sqrt, some NaN/inf/zero/equal ...), then two
hostile sets (0.0, -0.0, NaN, infinities, 1e308, the smallest subnormal; 0, -1 and -7 for integers).
"""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from . import indexing as jax_indexing, numpy_tests as jax_numpy_tests
from ..scratch import scratch_folder
from .indexing import IndexCase
from .numpy_tests import ApiCase
from .records import Case, cases, inputs, kernel_text, records, sample

FILES = {"operators": "tests/lax_numpy_operators_test.py", "reducers": "tests/lax_numpy_reducers_test.py"}
INDEXING = "tests/lax_numpy_indexing_test.py"  # benchmarks/jax/indexing.py
API = "tests/lax_numpy_test.py"  # benchmarks/jax/numpy_tests.py
SKIPPED_LISTS = {"JAX_RIGHT_OPERATOR_OVERLOADS": "the same kernels as the left ones (`x0 - x1`)",
                 "JAX_REDUCER_PROMOTE_INT_RECORDS": "promote_integers= is JAX's keyword only"}
DERIVATIVES = {"g", "vg", "gall", "vjp", "fj"}
# NumPy's loops give max/min of 0.0 and -0.0 either zero, by array length and alignment (np.fmax(zeros(4),
# -zeros(4)) differs from np.fmax(zeros(20), -zeros(20))): vmap's batch and the C target may choose the other
ZERO_SIGN_UNSPECIFIED = {"fmax", "fmin", "maximum", "minimum", "max", "min", "nanmax", "nanmin", "ptp", "clip"}
OUTCOMES = ("pass", "skip", "refused", "arg-refused", "bad", "WRONG")


def family_of(list_name: str) -> str:
    if "REDUCER" in list_name:
        return "reducers"
    return {"JAX_BITWISE_OP_RECORDS": "bitwise", "JAX_OPERATOR_OVERLOADS": "operators"}.get(list_name, "functions")


def collect(jax: Path, per_record: int, only: set[str] | None, families: set[str] | None = None,
            summary: dict | None = None) -> tuple[list[Case | IndexCase | ApiCase], Counter]:
    """The sampled cases of every record, and per family how many combinations exist, in Lifted's dtypes
    (`families`: only those; `summary` receives the api family's per-test counts and skip reasons)."""
    picked, totals = [], Counter()
    api = jax / API
    if api.exists() and (families is None or "api" in families):
        found, per_test = jax_numpy_tests.tests(api, per_record, only)
        picked += found
        totals["api", "all"] = sum(row["combinations"] for row in per_test.values())
        totals["api", "lifted dtypes"] = sum(row["lifted dtypes"] for row in per_test.values())
        if summary is not None:
            summary.update(per_test)
    if families is not None and families <= {"api"}:
        return picked, totals
    for file in FILES.values():
        for list_name, found in records(jax / file).items():
            if list_name in SKIPPED_LISTS:
                continue
            family = family_of(list_name)
            for index, record in enumerate(found):
                if only and record["name"] not in only and record["test_name"] not in only:
                    continue
                combos = cases(family, record, list_name)
                totals[family, "all"] += len(combos)
                totals[family, "lifted dtypes"] += sum(c.supported for c in combos)
                picked += sample(combos, per_record, f"{list_name}:{index}")
    indexing = jax / INDEXING
    if indexing.exists():
        found, combinations = jax_indexing.cases(indexing, per_spec=2)
        picked += [c for c in found if not only or c.group in only or c.record["name"] in only]
        totals["indexing", "all"] = totals["indexing", "lifted dtypes"] = combinations
    return picked, totals


def bit_for_bit(module, args: list, expected) -> str:
    """The generated `f` gives NumPy's bits: dtype, Python/NumPy scalar type, values, NaN, signed zeros."""
    from ..corpus.oracles import Wrong, copies

    got = module.f(*copies(args))
    if isinstance(expected, (tuple, list)) and (type(got) is not type(expected) or len(got) != len(expected)):
        raise Wrong(f"a {type(got).__name__} where NumPy gives a {type(expected).__name__} of {len(expected)}")
    for k, (g, e) in enumerate(zip(got, expected) if isinstance(expected, (tuple, list)) else [(got, expected)]):
        what = f"result {k} at {args!r}"[:200]
        if isinstance(e, (bool, int, float)) != isinstance(g, (bool, int, float)) or \
                (type(e) is bool) != (type(g) is bool):
            raise Wrong(f"{what}: {type(g).__name__} where NumPy gives {type(e).__name__}")
        g_array, e_array = np.asarray(g), np.asarray(e)
        if g_array.dtype != e_array.dtype or g_array.shape != e_array.shape:
            raise Wrong(f"{what}: {g_array.dtype}{g_array.shape} where NumPy gives {e_array.dtype}{e_array.shape}")
        if not np.array_equal(g_array, e_array, equal_nan=e_array.dtype.kind == "f"):
            raise Wrong(f"{what}: values differ (last bits: {np.max(np.abs(g_array - e_array))!r})")
        if e_array.dtype.kind == "f" and not np.array_equal(np.signbit(g_array[e_array == 0]),
                                                            np.signbit(e_array[e_array == 0])):
            raise Wrong(f"{what}: the sign of a zero differs")
    return "pass"


def check_case(case: Case | IndexCase, c: bool, folder: Path) -> dict:
    from gradcheck import load_source

    from ..corpus.checks import check_kernel
    from ..corpus.oracles import compiled_or_outcome
    from ..corpus.oracles import Outcomes, copies

    if isinstance(case, ApiCase):
        (text, params), sets = case.kernel_text(), case.inputs()
    else:
        text, params = (jax_indexing.kernel_text if isinstance(case, IndexCase) else kernel_text)(case)
        sets = (jax_indexing.inputs if isinstance(case, IndexCase) else inputs)(case)
    only = {"fv"} | (DERIVATIVES if case.differentiable else set()) | ({"c"} if c else set())
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        outcomes = check_kernel(text, params, sets, lambda args: args, c=c, folder=folder, only=only)
        bits = Outcomes()
        module, refusal = compiled_or_outcome(text, lambda t: load_source(t, "corpus_case.py"))
        if refusal:
            bits.record("bits", *refusal)
        else:
            python: dict = {}
            exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
            for args in sets:
                try:
                    expected = python["f"](*copies(args))
                except Exception:  # noqa: BLE001  NumPy raises: check_kernel's `f` checks the kernel raises too
                    continue
                bits.guarded("bits", lambda args=args, expected=expected: bit_for_bit(module, args, expected))
    found = {"bits": bits.get("bits", ("skip", "")), **outcomes}
    if case.record["name"] in ZERO_SIGN_UNSPECIFIED:
        found = {form: ("pass", "NumPy's own choice: " + detail) if outcome == "WRONG" and "sign of a zero" in detail
                 else (outcome, detail) for form, (outcome, detail) in found.items()}
    return found


def table(results: dict, totals: Counter) -> str:
    forms = ["bits", "f", "vjp", "fj", "g", "fv", "c"]
    families = sorted({r["family"] for r in results.values()})
    lines = ["| family | combinations (Lifted's dtypes) | cases run | " + " | ".join(forms) + " |",
             "| --- | --- | --- | " + " | ".join("---" for _ in forms) + " |"]
    for family in families + ["all"]:
        rows = [r for r in results.values() if family in ("all", r["family"])]
        cells = []
        for form in forms:
            counter = Counter(r["outcomes"][form][0] for r in rows if form in r["outcomes"])
            cells.append("/".join(str(counter[o]) for o in ("pass", "refused", "bad", "WRONG")) +
                         (f" ({counter['arg-refused']} arg)" if counter["arg-refused"] else ""))
        combos = (sum(v for (f, k), v in totals.items() if k == "all") if family == "all" else totals[family, "all"],
                  sum(v for (f, k), v in totals.items() if k == "lifted dtypes") if family == "all"
                  else totals[family, "lifted dtypes"])
        lines.append(f"| {family} | {combos[0]} ({combos[1]}) | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jax", type=Path, help="a checkout of github.com/jax-ml/jax")
    parser.add_argument("--only", help="comma-separated record names (`add`, `sum`, `__mul__`, `expm1_large`)")
    parser.add_argument("--per-record", type=int, default=8, help="cases run per record (default 8)")
    parser.add_argument("--c-per-record", type=int, default=1, help="cases of each record on the C target")
    parser.add_argument("--no-c", action="store_true", help="skip the C CPU target")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    parser.add_argument("--families", help="comma-separated: api (lax_numpy_test.py's methods), records")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the oracles: gradcheck, hostile
    folder = scratch_folder("jax_corpus_")
    only = set(options.only.split(",")) if options.only else None
    families = set(options.families.split(",")) if options.families else None
    summary: dict = {}
    picked, totals = collect(options.jax, options.per_record, only, families, summary)
    results, runs_on_c = {}, Counter()
    for case in picked:
        key = case.record["test_name"] + case.family
        if isinstance(case, ApiCase) and case.label() in results:
            continue
        c = not options.no_c and runs_on_c[key] < options.c_per_record
        outcomes = check_case(case, c, folder)
        runs_on_c[key] += "c" in outcomes  # (a case refused at build time leaves its turn to the next)
        results[case.label()] = {"family": case.family, "outcomes": outcomes}
        print(f"{case.label():60s} " + " ".join(f"{form}={o}" for form, (o, _) in outcomes.items()), flush=True)
        for form, (outcome, detail) in outcomes.items():
            if outcome not in ("pass", "skip"):
                print(f"    {form}: {detail[:300]}", flush=True)
    if summary:
        print("\n" + jax_numpy_tests.skip_table(summary))
    print("\n(pass/refused/bad/WRONG per form; arg: a Python number the transform's argument check refuses)")
    print(table(results, totals))
    if options.json:
        options.json.write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
