"""Values, comparisons and finite differences for benchmarks/corpus/checks.py: trees of arguments as vectors,
central differences that know when they mean nothing (a kink, a branch within reach), and outcomes that keep the
worst result of a form over its inputs."""
from __future__ import annotations

import copy
import re
import traceback
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from lifted.transpiler import TranspileError

ORDER = ("skip", "pass", "refused", "arg-refused", "bad", "WRONG")


# a derivative refused at run time, located (the derivative rules' checks, as np.unique's at tied elements:
# `file.py:line:col: ... has no derivative ...`), or a value NumPy computes from an order of operations Lifted
# does not model (np.interp's guessed search over an xp with NaNs: `file.py:line:col: ... which Lifted does not
# model`): a refusal with a place, as a build-time one
RUN_TIME_REFUSAL = re.compile(r"^\S+\.py:\d+:\d+: .* (has no derivative |which Lifted does not model)")


class Wrong(Exception):
    """A number that differs from its oracle."""


class Outcomes(dict):
    """form -> (outcome, detail), keeping the worst outcome seen (a pass keeps the first reason given for one:
    c_target's round-off within NumPy's own spread)."""

    def record(self, form: str, outcome: str, detail: str = "") -> None:
        if form not in self or ORDER.index(outcome) > ORDER.index(self[form][0]) or \
                (outcome == "pass" == self[form][0] and detail and not self[form][1]):
            self[form] = (outcome, detail)

    def guarded(self, form: str, check: Callable[[], str]) -> None:
        """Run one check of `form`; its result or the exception it raised becomes an outcome."""
        try:
            self.record(form, check())
        except Wrong as exc:
            self.record(form, "WRONG", str(exc))
        except Exception as exc:  # noqa: BLE001  a crash of generated code is an outcome, not a harness error
            detail = f"{type(exc).__name__}: {str(exc)[:200]}"
            if isinstance(exc, ValueError) and RUN_TIME_REFUSAL.match(str(exc)):
                self.record(form, "refused", detail)  # a located run-time refusal of a derivative
            elif argument_refused(exc):
                self.record(form, "arg-refused", detail)
            elif isinstance(exc, TypeError):
                self.record(form, "bad", detail)
            else:
                place = traceback.extract_tb(exc.__traceback__)[-1]
                self.record(form, "bad", f"{detail} ({Path(place.filename).name}:{place.lineno})")


def argument_refused(exc: Exception) -> bool:
    """The generated function's own check of its arguments refused the call (a located refusal of what was passed,
    not a crash): its TypeErrors on an argument's type, and the ValueErrors of templates/host/
    updated_arguments.py.j2 where a parameter it updates in a copy shares memory with another argument (or is a
    0-d array another name holds), whose writes Python would see and the copy cannot show."""
    text = str(exc)
    if isinstance(exc, TypeError):
        return "argument" in text or "weak scalar" in text
    return isinstance(exc, ValueError) and "(): argument `" in text and "the generated code updates a copy" in text


# -- values ------------------------------------------------------------------------------------------------------
def copies(args: list) -> list:
    return copy.deepcopy(args)


def leaves(tree) -> tuple[np.ndarray, Callable]:
    """The float vector of a tree's leaves (numbers, arrays, tuples, lists, dicts by sorted key) and the function
    rebuilding a tree of the same structure, types and dtypes from such a vector."""
    parts, kinds = [], []

    def walk(node):
        if isinstance(node, dict):
            return {key: walk(node[key]) for key in sorted(node)}
        if isinstance(node, (tuple, list)):
            return type(node)(walk(item) for item in node)
        array = np.asarray(node)
        parts.append(array.ravel())
        kinds.append((array.shape, array.dtype, isinstance(node, (int, float)) and array.ndim == 0))
        return len(parts) - 1

    skeleton = walk(tree)
    vector = np.concatenate(parts) if parts else np.zeros(0)

    def rebuild(new: np.ndarray):
        values, start = [], 0
        for shape, dtype, python_number in kinds:
            size = int(np.prod(shape))
            piece = np.asarray(new[start:start + size]).reshape(shape)
            start += size
            values.append(float(piece) if python_number else piece.astype(dtype if dtype.kind == "f" else float))

        def build(node):
            if isinstance(node, dict):
                return {key: build(item) for key, item in node.items()}
            if isinstance(node, (tuple, list)):
                return type(node)(build(item) for item in node)
            return values[node]
        return build(skeleton)

    return vector, rebuild


def is_float(value) -> bool:
    vector, _ = leaves(value)
    return np.asarray(vector).dtype.kind == "f" and vector.size > 0


def direction_for(point) -> np.ndarray | float:
    """A tangent for `point` in its dtype."""
    direction = np.cos(np.arange(np.size(point)) + 0.5).reshape(np.shape(point))
    if np.ndim(point) == 0:  # a Python number's tangent is a Python float; a NumPy one's of its dtype (not weak)
        numpy = isinstance(point, (np.generic, np.ndarray)) and point.dtype.kind == "f"
        return point.dtype.type(direction) if numpy else float(direction)
    return direction.astype(np.asarray(point).dtype)


def close(got, expected, what: str, rtol: float, atol: float) -> None:
    try:
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=rtol,
                                   atol=atol, equal_nan=True)
    except AssertionError as exc:
        raise Wrong(f"{what}: {' '.join(str(exc).split())[-240:]}") from None


def same(got, expected, what: str, rtol: float = 1e-12, atol: float = 1e-12, values_only: bool = False) -> None:
    """tests/hostile.py's `same_values`; Python's exact big integers compared exactly; with `values_only` (a
    transform or the C target, documented to compute in the annotated dtype) the values as floats."""
    from hostile import same_values

    try:
        if isinstance(expected, int) and not isinstance(expected, bool) and abs(expected) > 2 ** 62:
            assert (got == expected) if not values_only else np.isclose(float(got), float(expected), rtol=rtol), \
                f"{what}: {got!r} vs {expected!r}"
        elif values_only and isinstance(expected, (tuple, list)):
            for k, (g, e) in enumerate(zip(got, expected)):
                same(g, e, f"{what}[{k}]", rtol, atol, values_only)
        elif values_only:
            same_values(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), what, rtol, atol)
        else:
            same_values(got, expected, what, rtol, atol)
    except AssertionError as exc:
        raise Wrong(' '.join(str(exc).split())[:300]) from None


# -- finite differences ------------------------------------------------------------------------------------------
def moved(args: list, position: int, vector: np.ndarray) -> list:
    result = copies(args)
    result[position] = leaves(args[position])[1](vector)
    return result


def central(f: Callable, args: list, position: int, eps: float) -> np.ndarray:
    """d f / d args[position], one leaf coordinate at a time."""
    point = np.asarray(leaves(args[position])[0], dtype=float)
    gradient = np.zeros_like(point)
    for k in range(point.size):
        step = np.zeros_like(point)
        step[k] = eps
        gradient[k] = (float(f(*moved(args, position, point + step))) -
                       float(f(*moved(args, position, point - step)))) / (2 * eps)
    return gradient


def difference_noise(*values, eps: float = 1e-6) -> float:
    """How far a central difference of step `eps` can be off by rounding alone where the function's values are
    of the size of `values` (a few ulps of the largest, over 2 eps): the absolute tolerance a comparison with it
    needs besides 1e-6 (a gradient of 134 differenced at a value of 6e9 is off by 0.1)."""
    try:
        flat = np.abs(np.asarray(leaves(list(values))[0], dtype=float))
    except (TypeError, ValueError):  # not numbers (a string, None): no allowance
        return 0.0
    largest = float(np.max(flat[np.isfinite(flat)], initial=0.0))
    return 8 * np.finfo(float).eps * largest / eps


def smooth_gradient(f: Callable, args: list, position: int) -> np.ndarray | None:
    """Central differences of `f` where they mean something: None at a kink (one-sided slopes differ) or where
    steps of 1e-6 and 1e-4 disagree (a branch or tie within reach), each beyond what rounding alone explains, and
    where the argument's dtype cannot hold the one-sided steps (no kink could be seen)."""
    point = np.asarray(leaves(args[position])[0], dtype=float)
    base = float(f(*copies(args)))
    for k in range(point.size):
        slopes = []
        for eps in (1e-7, -1e-7):
            step = np.zeros_like(point)
            step[k] = eps
            if leaves(moved(args, position, point + step)[position])[0][k] == point[k]:
                return None  # the argument's dtype rounds the step away (float32 near 5): no kink can be seen
            slopes.append((float(f(*moved(args, position, point + step))) - base) / eps)
        if not np.isclose(slopes[0], slopes[1], rtol=1e-4, atol=max(1e-5, difference_noise(base, eps=1e-7))):
            return None
    fine, coarse = central(f, args, position, 1e-6), central(f, args, position, 1e-4)
    if not np.allclose(fine, coarse, rtol=1e-3, atol=max(1e-5, difference_noise(base))):
        return None
    return fine if _partials_predict_a_direction(f, args, position, point, fine, base) else None


def _partials_predict_a_direction(f: Callable, args: list, position: int, point: np.ndarray, partials: np.ndarray,
                                  base: float) -> bool:
    """Whether the partial derivatives give the central difference along one generic direction, as they do where
    `f` is differentiable. Where they exist but `f` is not differentiable (the median of [2, 2, 2]: moving one
    element leaves it, so every partial is 0; moving all moves it), there is no gradient to compare with."""
    if point.size < 2:
        return True
    direction = np.random.default_rng(0).uniform(-1.0, 1.0, point.shape)
    eps = 1e-6
    along = (float(f(*moved(args, position, point + eps * direction))) -
             float(f(*moved(args, position, point - eps * direction)))) / (2 * eps)
    predicted = float(np.sum(partials * direction))
    noise = max(1e-5, difference_noise(base)) * (1.0 + float(np.sum(np.abs(direction))))
    return bool(np.isclose(along, predicted, rtol=1e-3, atol=noise))


def autograd_or_none(make: Callable):
    """An autograd result, or None where autograd cannot run the source (in-place writes on traced arrays)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return make()
    except Exception:  # noqa: BLE001
        return None


def compiled_or_outcome(text: str, load: Callable):
    """(module, None) or (None, (outcome, detail)) for one form."""
    try:
        return load(text), None
    except TranspileError as exc:
        if exc.loc is not None and exc.loc.line > 0 and exc.hint:
            return None, ("refused", f"{exc.loc.line}:{exc.loc.col}: {exc.message.splitlines()[0][:160]}")
        return None, ("bad", "a refusal without a place or hint: " + str(exc)[:300])
    except Exception as exc:  # noqa: BLE001
        return None, ("bad", f"{type(exc).__name__} while compiling: {str(exc)[:200]}")
