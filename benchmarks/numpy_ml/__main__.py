"""Run numpy-ml's models through every form of Lifted, and Lifted's derivatives against numpy-ml's own.

    python -m benchmarks.numpy_ml --numpy-ml PATH [--c] [--only Sigmoid,Softmax] [--json out.json]
"""
from __future__ import annotations

import traceback
import warnings
from pathlib import Path

import numpy as np

from ..corpus.driver import corpus_parser, names, write_json
from ..pymoo.__main__ import family_table
from ..scipy_go.__main__ import report, run_cases
from .cases import NumpyMLCase, cases
from .convert import import_numpy_ml

OWN_OFF = "numpy-ml's own derivative is off"  # the detail of a skip where numpy-ml's hand-written one is wrong


def elementwise_differences(python, z: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """(central differences of an elementwise `python(z)` of that order, the mask of elements where they mean
    something: no kink within 1e-4, the two step sizes agreeing)."""
    at = lambda t: np.asarray(python(z + t), dtype=float)  # noqa: E731
    here = at(0.0)
    if order == 1:
        fine, coarse = (at(1e-6) - at(-1e-6)) / 2e-6, (at(1e-4) - at(-1e-4)) / 2e-4
        left, right = (here - at(-1e-7)) / 1e-7, (at(1e-7) - here) / 1e-7
        smooth = np.isclose(left, right, rtol=1e-4, atol=1e-5)
    else:
        fine = (at(1e-4) - 2 * here + at(-1e-4)) / 1e-8
        coarse = (at(1e-3) - 2 * here + at(-1e-3)) / 1e-6
        # one-sided second differences agree: no kink of the first derivative, no jump of the second
        left = (here - 2 * at(-1e-3) + at(-2e-3)) / 1e-6
        right = (at(2e-3) - 2 * at(1e-3) + here) / 1e-6
        smooth = np.isclose(left, right, rtol=1e-2, atol=1e-2)
    return fine, smooth & np.isclose(fine, coarse, rtol=1e-3, atol=1e-4) & np.isfinite(fine)


def against_numpy_ml(case: NumpyMLCase, outcomes, library: str = "numpy-ml", package: str = "numpy_ml") -> None:
    """Lifted's derivatives (the oracle module) against the library's hand-written ones at every input (numpy-ml's,
    or ML-From-Scratch's: `library` names it in details, `package` is the folder of its frames). Where they
    differ, differences decide: Lifted off is WRONG; the library off is a skip whose detail starts with OWN_OFF
    (`<library>'s own derivative is off`)."""
    own_off = f"{library}'s own derivative is off"
    from gradcheck import load_source

    from ..corpus.oracles import compiled_or_outcome
    from ..corpus.oracles import Wrong

    module, refusal = compiled_or_outcome(case.oracle_text, lambda t: load_source(t, "numpy_ml_oracle.py"))
    python: dict = {}
    exec(compile(case.text, "python_reference", "exec", dont_inherit=True), python)
    for args in case.inputs:
        if refusal:
            outcomes.record("nm1", *refusal)
            continue

        def one(form: str, args=args) -> str:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    theirs_all = case.oracle(module, [np.copy(a) for a in args])
                except Exception as exc:  # noqa: BLE001  the library's own derivative raises (or ours does)
                    if not any(package in frame.filename for frame in traceback.extract_tb(exc.__traceback__)):
                        raise
                    return _own_off(outcomes, form, f"{library}'s derivative raises {type(exc).__name__}: {exc}",
                                    own_off)
            if form not in theirs_all:
                return "skip"
            ours, theirs, order = theirs_all[form]
            ours, theirs = np.asarray(ours, float), np.broadcast_to(np.asarray(theirs, float), np.shape(ours))
            if np.allclose(ours, theirs, rtol=1e-7, atol=1e-9):
                return "pass"
            if case.family == "activations":
                with np.errstate(all="ignore"):
                    fd, where = elementwise_differences(python["f"], args[0], order)
                ours_ok = np.allclose(ours[where], fd[where], rtol=1e-4, atol=1e-4 if order == 1 else 1e-2)
                theirs_ok = np.allclose(theirs[where], fd[where], rtol=1e-4, atol=1e-4 if order == 1 else 1e-2)
                if not ours_ok:
                    raise Wrong(f"{form}: Lifted's derivative differs from {library}'s and from differences at "
                                f"{args!r}")
                if theirs_ok:  # they differ only where differences mean nothing (a kink: a convention)
                    return "skip"
                bad = np.flatnonzero(~np.isclose(theirs[where], fd[where], rtol=1e-4, atol=1e-4))
                return _own_off(outcomes, form, f"differs from differences at {bad.size} of {int(where.sum())} "
                                                f"smooth elements (theirs {theirs[where][bad][:3]}, differences "
                                                f"{fd[where][bad][:3]})", own_off)
            # the corpus forms compared Lifted's derivatives with differences and autograd at these inputs
            judged = [outcomes.get(f, ("skip",))[0] for f in ("g", "gall", "vjp")]
            if "pass" in judged and "WRONG" not in judged:
                return _own_off(outcomes, form, f"differs from Lifted's (which agrees with differences): max "
                                                f"|diff| {np.max(np.abs(ours - theirs)):.3g}", own_off)
            raise Wrong(f"{form}: Lifted's derivative differs from {library}'s at {args!r}; no difference check "
                        f"of Lifted's passed")
        for form in case.oracle_forms:
            outcomes.guarded(form, lambda form=form: one(form))


def _own_off(outcomes, form: str, detail: str, own_off: str = OWN_OFF) -> str:
    outcomes.record(form, "skip", f"{own_off}: {detail}"[:300])
    return "skip"


def check(case: NumpyMLCase, c: bool, folder: Path) -> dict:
    from ..corpus.checks import check_kernel

    outcomes = check_kernel(case.text, case.params, case.inputs, lambda args: args, c=c, folder=folder)
    if case.oracle is not None and "f" in outcomes and outcomes["f"][0] == "pass":
        against_numpy_ml(case, outcomes)
    return outcomes


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__, "comma-separated case names")
    parser.add_argument("--numpy-ml", type=Path, required=True, help="a numpy-ml checkout")
    options = parser.parse_args(argv)
    only = names(options.only)
    found = cases(import_numpy_ml(options.numpy_ml), only)
    results = run_cases(found, options.c, check)
    own = {label: {f: v[1] for f, v in r.items() if isinstance(v, list) and v[1].startswith(OWN_OFF)}
           for label, r in results.items()}
    print("\n" + report(results) + "\n\n" + family_table(found, results))
    print("\nnumpy-ml's own derivatives found off:")
    for label, forms in own.items():
        for form, detail in forms.items():
            print(f"  {label} {form}: {detail}")
    write_json(options, results)
    return results


if __name__ == "__main__":
    main()
