"""autograd's examples through Lifted (docs/corpora.md, "autograd's examples").

    python -m benchmarks.autograd_examples --autograd /path/to/autograd              # NumPy target
    python -m benchmarks.autograd_examples --autograd /path/to/autograd --c --only rnn,lstm --json out.json
    python -m benchmarks.autograd_examples --autograd /path/to/autograd --show rnn    # print one kernel module
    python -m benchmarks.autograd_examples --autograd /path/to/autograd --c --only wing --forms f,g  # some forms

Reads `examples/` of an autograd checkout (github.com/HIPS/autograd) at run time; nothing of it is copied here.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from ..scratch import scratch_folder
from .examples import TARGETS, Target
from .rewrite import NotConverted, kernel_module

OUTCOMES = ("pass", "skip", "refused", "arg-refused", "bad", "WRONG")
FORMS = ("f", "g", "vg", "gall", "vjp", "fj", "gg", "hvp", "rr", "fv", "c")


def convert(target: Target, examples: Path) -> tuple[str, str, list[str], list]:
    """The kernel module, its autograd oracle, its parameters and inputs; NotConverted with the reason."""
    if target.reason:
        raise NotConverted(target.reason)
    source = examples / target.example
    siblings = {name: source.parent / f"{name}.py" for name in target.siblings}
    captured = {**{name: "arg" for name in target.data}, **target.constants}
    text, oracle, params, inputs = kernel_module(source, target.function, target.inputs, captured,
                                                 scope=target.scope, line=target.line, siblings=siblings)
    _deterministic(text, inputs[0], target.function)
    return text, oracle, params, inputs


def _deterministic(text: str, args: list, name: str) -> None:
    """Python's `f` twice at one point: results that differ are random draws inside the function (a seeded
    generator made when the module loads, `rs = npr.RandomState(0)` in a factory, draws anew at each call)."""
    import copy
    import io
    from contextlib import redirect_stdout

    import numpy as np

    from ..corpus.oracles import leaves

    namespace: dict = {"__name__": "autograd_example"}
    with redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
        exec(compile(text, "autograd_example", "exec"), namespace)
        first, second = (leaves(namespace["f"](*copy.deepcopy(args)))[0] for _ in range(2))
    if not np.array_equal(first, second, equal_nan=True):
        raise NotConverted(f"random draws inside the function: two calls of {name} at one point differ")


def run(examples: Path, only: set[str] | None = None, c: bool = False, show: bool = False,
        targets: list[Target] | None = None, forms: set[str] | None = None) -> dict[str, dict]:
    """name -> {"converted": bool, "reason": ..., "outcomes": {form: [outcome, detail]}} for every target; with
    `forms`, only those forms and `f` (wing's eight forms and their C module take longer than one run's limit)."""
    from ..corpus.checks import AUTOGRAD_NOT_COMPARED, _executed, check_kernel
    from ..corpus.oracles import autograd_or_none
    from .tree_forms import check_tree_forms, is_float_tree

    folder = scratch_folder("autograd_examples_")
    sys.path.insert(0, str(folder))
    results = {}
    for target in targets or TARGETS:
        stem = Path(target.example).stem
        if only and not ({stem, target.name} & only):
            continue
        try:
            text, oracle, params, inputs = convert(target, examples)
        except Exception as exc:  # noqa: BLE001  NotConverted, or the kernel module does not run as Python
            if not isinstance(exc, NotConverted):
                exc = f"the rewritten module does not run in Python: {type(exc).__name__}: {exc}"
            results[target.name] = {"converted": False, "reason": str(exc), "outcomes": {}}
            print(f"{target.name:45s} not converted: {exc}", flush=True)
            continue
        if show:
            print(text)
        AUTOGRAD_NOT_COMPARED.clear()
        outcomes = check_kernel(text, params, inputs, lambda args: args, c=c, folder=folder, oracle_text=oracle,
                                only=forms)
        skips = Counter(AUTOGRAD_NOT_COMPARED)
        if inputs and inputs[0] and is_float_tree(inputs[0][0]) and "f" in outcomes and outcomes["f"][0] == "pass":
            # jvp, vjp and vmap of the tree (corpus.checks compiles the first two and compares neither)
            skips += check_tree_forms(text, params, inputs, autograd_or_none(lambda: _executed(oracle)["f"]),
                                      outcomes, c=c, folder=folder)
        results[target.name] = {"converted": True, "reason": None, "outcomes": {k: list(v) for k, v in outcomes.items()},
                                "autograd_skips": dict(skips)}
        print(f"{target.name:45s} " + " ".join(f"{form}={outcome}" for form, (outcome, _) in outcomes.items())
              + (f"  (autograd not compared: {sum(skips.values())})" if skips else ""), flush=True)
        for form, (outcome, detail) in outcomes.items():
            if outcome not in ("pass", "skip"):
                print(f"    {form}: {detail[:300]}", flush=True)
    return results


def summary(results: dict[str, dict]) -> str:
    """Counts per form, the examples not converted, and the refusals grouped by their message."""
    counts: dict[str, Counter] = {}
    refusals: Counter = Counter()
    for result in results.values():
        for form, (outcome, detail) in result["outcomes"].items():
            counts.setdefault(form, Counter())[outcome] += 1
            if outcome in ("refused", "bad", "arg-refused"):
                refusals[f"{outcome}: " + detail.split(": ", 1)[-1][:120]] += 1
    converted = sum(r["converted"] for r in results.values())
    skips: Counter = Counter()
    for result in results.values():
        skips.update(result.get("autograd_skips", {}))
    lines = [f"{len(results)} differentiated functions: {converted} converted, {len(results) - converted} not",
             "form  " + "  ".join(f"{o:>11s}" for o in OUTCOMES)]
    lines += [f"{form:5s} " + "  ".join(f"{counts[form][o]:11d}" for o in OUTCOMES) for form in FORMS if form in counts]
    lines += ["", f"derivative checks where autograd was not compared (differences only): {sum(skips.values())}"]
    lines += [f"  {n:3d}  {reason}" for reason, n in skips.most_common()]
    lines += ["", "refusals and bad outcomes, by message (forms):"]
    lines += [f"  {n:3d}  {message}" for message, n in refusals.most_common()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--autograd", type=Path, required=True, help="a checkout of github.com/HIPS/autograd")
    parser.add_argument("--c", action="store_true", help="also check every form on the C CPU target")
    parser.add_argument("--only", help="comma-separated example stems (rnn) or names (sinusoid:fun (sin))")
    parser.add_argument("--forms", help="comma-separated forms to check besides `f` (g,vg,hvp): the others skipped")
    parser.add_argument("--show", action="store_true", help="print each kernel module")
    parser.add_argument("--json", type=Path, help="write every outcome with its detail here")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))  # the oracles: gradcheck, hostile
    results = run(options.autograd / "examples", set(options.only.split(",")) if options.only else None,
                  options.c, options.show, forms=set(options.forms.split(",")) if options.forms else None)
    print()
    print(summary(results))
    if options.json:
        options.json.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
