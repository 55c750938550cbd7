"""autograd as the second oracle of `jvp` and of `vjp` with a cotangent of ones (benchmarks/corpus/checks.py).

Central differences judge every derivative form; where autograd can run the converted source (no in-place write
on a traced array, no function it lacks), its value is Python's bits and its derivative is finite, the generated
derivative must also agree with autograd's to 1e-8. Where it cannot, the check is counted by reason in
`AUTOGRAD_NOT_COMPARED` (a driver reports it), never silently passed.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

import numpy as np

from .oracles import Wrong, autograd_or_none, close, copies, leaves

# the derivative checks where autograd was not compared, by reason (a driver clears and reports it per kernel)
AUTOGRAD_NOT_COMPARED: Counter = Counter()


def unjudged_report() -> str:
    """The derivative checks autograd did not judge (compared with differences only), by reason: a driver's last
    lines, so that a count of checks passed is never read as autograd's; then, where there are any, the C checks
    passed as round-off within the NumPy backend's own spread (c_target.WITHIN_SPREAD), so that those are never
    read as agreement to rtol 1e-10."""
    from .c_target import WITHIN_SPREAD

    report = "derivative checks autograd did not judge (differences only), by reason:\n" + (
        "\n".join(f"{n:5d}  {reason}" for reason, n in AUTOGRAD_NOT_COMPARED.most_common()) or "    none")
    if WITHIN_SPREAD:
        report += "\nC checks passed as round-off, by form:\n" + "\n".join(
            f"{n:5d}  {reason}" for reason, n in WITHIN_SPREAD.most_common())
    return report


def _results(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _total(value):
    """The sum of every element of a result (a list of arrays: pymoo's `out["G"] = [g1, g2]`), one order for
    autograd's boxes and Python's arrays alike."""
    if isinstance(value, (tuple, list)):
        return sum(_total(v) for v in value)
    return value.sum() if hasattr(value, "sum") else value


def _comparable(form: str, traced, expected, differences=None, noise: float = 0.0) -> bool:
    """Whether autograd's (value, derivative) may judge: counted by reason where not. Where autograd's derivative
    is itself off the central differences that Lifted's passed (autograd's `np.full_like` sends nothing to the fill
    value, its `np.pad(..., reflect_type="odd")` and `sum(where=)` are not NumPy's), autograd is not the judge."""
    if traced is None:
        AUTOGRAD_NOT_COMPARED[f"{form}: autograd cannot run the source"] += 1
    elif not _float_arrays(traced):  # (a list of its boxes: autograd has no rule for np.poly, np.block's lists)
        AUTOGRAD_NOT_COMPARED[f"{form}: autograd's value or derivative is not an array of floats"] += 1
    elif not np.array_equal(np.asarray(traced[0], float), np.asarray(expected, float), equal_nan=True):
        AUTOGRAD_NOT_COMPARED[f"{form}: autograd's value is not Python's bits"] += 1
    elif not np.all(np.isfinite(np.asarray(traced[1], float))):
        AUTOGRAD_NOT_COMPARED[f"{form}: autograd's derivative is not finite"] += 1
    elif differences is not None and not _near(traced[1], differences, noise):
        AUTOGRAD_NOT_COMPARED[f"{form}: autograd's derivative is off the central differences"] += 1
    else:
        return True
    return False


def _float_arrays(traced) -> bool:
    try:
        return all(np.asarray(part, float) is not None for part in traced)
    except (ValueError, TypeError):
        return False


def _near(derivative, differences, noise: float) -> bool:
    try:
        close(np.ravel(np.asarray(derivative, float)), np.ravel(np.asarray(differences, float)), "", 1e-5, noise)
    except Wrong:
        return False
    return True


def check_gradient(traced, expected, got, differences, noise: float, what: str) -> None:
    """grad's derivative against autograd's `(value, gradient)`, where autograd may judge (`_comparable`, as for
    vjp and jvp: autograd's `np.trim_zeros` of a 0-d array has derivative 0, its differences 1)."""
    if _comparable("g", traced and (traced[0], leaves(traced[1])[0]), expected, differences, noise):
        close(got, leaves(traced[1])[0], f"{what} vs autograd", 1e-8, 1e-10)


def check_tangent(oracle: Callable | None, args: list, expected, derivatives: tuple, direction, checked: dict,
                  what: str) -> None:
    """The jvp of the first argument along `direction`, result by result (those in `checked`: float results the
    differences judged, each with its differences and their noise), against autograd's forward mode."""
    from autograd import make_jvp

    for k in sorted(checked):
        wanted = _results(expected)[k]

        def traced(k=k):
            rest = copies(args[1:])
            return make_jvp(lambda x: _results(oracle(x, *rest))[k])(copies(args[:1])[0])(direction)
        found = autograd_or_none(traced) if oracle is not None else None
        if _comparable("fj", found, wanted, *checked[k]):
            close(derivatives[k], found[1], f"jvp result {k} at {what} vs autograd", 1e-8, 1e-10)


def check_cotangent(oracle: Callable | None, args: list, expected, cotangent, what: str, differences=None,
                    noise: float = 0.0) -> None:
    """The vjp of the first argument with a cotangent of ones: autograd's gradient of the sum of every result
    (judging where it agrees with the central `differences` Lifted's passed)."""
    from autograd import value_and_grad

    found = autograd_or_none(lambda: value_and_grad(lambda *a: _total(oracle(*a)))(*copies(args))) if oracle is not None else None
    python = _total([np.asarray(r, float) for r in _results(expected)])
    if _comparable("vjp", found and (found[0], leaves(found[1])[0]), python, differences, noise):
        close(np.ravel(np.asarray(cotangent, float)), np.ravel(leaves(found[1])[0]),
              f"vjp (ones) at {what} vs autograd", 1e-8, 1e-10)
