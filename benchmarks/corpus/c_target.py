"""The C CPU target's check of a corpus kernel: every compiled form against the NumPy backend, with float32 values
outside the float64 tolerances judged against the same program in float64 (benchmarks/float32_judge.py), and
float64 values outside rtol 1e-10 accepted where the difference is within the NumPy backend's own spread under a
few ulps of input (spread.py, the allowance of the random-program tests): passed, counted in WITHIN_SPREAD."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .oracles import Outcomes, Wrong, close, compiled_or_outcome, copies, direction_for, leaves, same
from .spread import SPREAD_FACTOR, measurable, reference_spread

# the C checks passed as round-off within SPREAD_FACTOR times the NumPy backend's own spread, by form (a driver's
# report reads it with the autograd counts: `against_autograd.unjudged_report`)
WITHIN_SPREAD: Counter = Counter()


def built_c_module(text: str, stem: str, folder: Path, outcomes: Outcomes):
    """The kernel source on the C target, written to `folder` and imported; None (the outcome recorded) where the
    C target refuses it or its host module does not import."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    module, refusal = compiled_or_outcome(text, lambda t: transpile_c(t, f"{stem}.py"))
    if refusal:
        outcomes.record("c", *refusal)
        return None
    (folder / f"{stem}.cu").write_text(module.kernels)
    (folder / f"{stem}.py").write_text(module.host)
    try:
        return import_path(folder / f"{stem}.py")
    except Exception as exc:  # noqa: BLE001  the generated host module does not import: an outcome, not a crash
        outcomes.record("c", "bad", f"{type(exc).__name__} importing the C target's host module: {str(exc)[:200]}")
        return None


def c_target(text: str, forms: dict[str, str], numpy_module, points: list, folder: Path,
             outcomes: Outcomes) -> None:
    """Every compiled form on the C CPU target against the NumPy backend (on the arguments cast to the annotated
    dtypes, which the C target computes in)."""
    compiled = built_c_module(text, f"corpus_c_{abs(hash(text)) % 10**8}", folder, outcomes)
    if compiled is None:
        return
    names = {"f": "f", "g": "g", "vg": "vg", "gall": "gall", "gg": "gg", "hvp": "hvp", "rr": "rr", "fj": "fj",
             "vjp": "fvjp", "fv": "fv"}
    for point in points:
        first = point.args[0] if point.args else 0.0  # (a kernel of no parameters: `f` only)
        tree = not isinstance(first, (np.ndarray, float, int))  # a parameter tree: the forms of no extra argument
        extra = {"fj": [direction_for(first)], "hvp": [direction_for(first)], "rr": [direction_for(first)],
                 "vjp": [1.0 if isinstance(point.expected, (tuple, list)) or not np.ndim(point.expected)
                         else np.ones_like(point.expected)]} if point.args and not tree else {}
        for form in ["f"] + [f for f in forms if hasattr(numpy_module, names[f])]:
            if form == "vjp" and isinstance(point.expected, (tuple, list)) or \
                    tree and form not in ("f", "g", "vg", "gall"):
                continue
            call = ([np.stack([np.asarray(first)] * 3)] + copies(point.args[1:]) if form == "fv"
                    else copies(point.args) + extra.get(form, []))

            def compare(form=form, call=call):
                try:
                    expected = getattr(numpy_module, names[form])(*point.as_annotated(copies(call)))
                except Exception:  # noqa: BLE001  the NumPy backend raises too: nothing to compare
                    return "skip"
                single = _float32_in(call) or _float32_in(expected)  # (the result's dtype too: np.arange(...,
                #                                                         dtype=np.float32) of no float argument)
                got = getattr(compiled, names[form])(*copies(call))
                if tree:  # gradients shaped like the tree: compared leaf by leaf
                    got, expected = leaves(got)[0], leaves(expected)[0]
                try:
                    same(got, expected, f"C {names[form]} at {point.args!r}",
                         1e-6 if single else 1e-10, 1e-7 if single else 1e-12, values_only=True)
                except Wrong as differs:
                    if not single:
                        outcomes.record("c", "pass", _within_spread(
                            getattr(numpy_module, names[form]), point.as_annotated(copies(call)), got, expected, form,
                            differs))
                    else:
                        _float32_judge(text, names[form], point.as_annotated(copies(call)), got, expected, differs)
                return "pass"
            outcomes.guarded("c", compare)


def _float32_in(tree) -> bool:
    """Whether a float32 array or scalar is among the values (tuples, lists and dicts walked): float32 values are
    judged at float32's tolerance, whatever made them (NumPy's float32 `np.sin` is its own SIMD one, within an ulp
    or two of the C library's)."""
    if isinstance(tree, dict):
        return any(_float32_in(v) for v in tree.values())
    if isinstance(tree, (tuple, list)):
        return any(_float32_in(v) for v in tree)
    return isinstance(tree, (np.ndarray, np.generic)) and tree.dtype == np.float32


def _float32_judge(text: str, name: str, call: list, got, expected, differs: Wrong) -> None:
    """A float32 C value outside rtol 1e-6 of NumPy's is accepted where it is as close as NumPy's to the same
    program in float64 (benchmarks/float32_judge.py `judged`); else the WRONG stands, with the judge's reason."""
    from ..float32_judge import judged

    reason = judged(text, name, call, got, expected)
    if reason is not None:
        raise Wrong(f"float32 judge: {reason}; {differs}") from None


def _within_spread(function, call: list, got, expected, form: str, differs: Wrong) -> str:
    """A float64 C value outside rtol 1e-10 of NumPy's is accepted (counted in WITHIN_SPREAD; the pass's detail
    returned) where it is within SPREAD_FACTOR times the distance NumPy's own value moves under a few ulps of input
    (spread.py); else the WRONG stands, with the spread measured."""
    spread = reference_spread(lambda *a: leaves(function(*copies(list(a))))[0], call,  # (results as one vector)
                              leaves(expected)[0])
    if not measurable(spread):
        raise Wrong(f"{differs} (NumPy's own spread under nudged inputs: {spread:.3g})") from None
    try:
        close(leaves(got)[0], leaves(expected)[0], "", 1e-10, SPREAD_FACTOR * spread)
    except Wrong:
        raise Wrong(f"{differs} (beyond {SPREAD_FACTOR:g} times NumPy's own spread, {spread:.3g})") from None
    WITHIN_SPREAD[f"c {form}: within {SPREAD_FACTOR:g}x the NumPy backend's own spread (round-off)"] += 1
    largest = float(np.max(np.abs(leaves(got)[0] - leaves(expected)[0]), initial=0.0))
    return f"{form}: round-off, C differs by {largest:.3g}, within {SPREAD_FACTOR:g}x NumPy's own spread {spread:.3g}"
