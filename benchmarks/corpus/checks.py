"""Every form of one kernel `f` against Python: the checks a peer corpus (benchmarks/tangent_corpus.py) runs.

`check_kernel(text, inputs)` compiles `f` and each transform of it on its own (a located `TranspileError` is a
refusal of that form only) and runs every form on every input:

* `f` (the NumPy backend) against the untouched source run by Python (tests/hostile.py's `same_values`: NaN, inf,
  -0.0 and dtypes included), its arguments left as they were;
* `g = grad(f)`, `vg = value_and_grad(f)`, `gall = grad(f, wrt=every float parameter)` and `vjp(f)` with a
  cotangent of ones (Tangent's default) against central differences of Python's `f` in float64 and autograd;
* `fj = jvp(f)` against a central difference along the tangent and autograd's forward mode
  (benchmarks/corpus/against_autograd.py: where autograd runs the source, as for `vjp`);
* second derivatives: `grad(grad(f))` of a scalar parameter against autograd, central differences of the generated
  gradient and the second difference of Python's `f`; for an array parameter `jvp(grad(f))` (forward over reverse)
  and `vjp(grad(f))` (reverse over reverse) against autograd's Hessian-vector product and differences of the
  gradient (neither where `f` has a kink at the point; no differences where the gradient jumps within reach or
  has a kink itself);
* `fv = vmap(f)` (the first parameter batched) against a Python loop over the batch;
* with `c=True`, every compiled form on the C CPU target against the NumPy backend.

Outcomes per form: "pass", "skip" (no oracle applies at any input: a kink, a non-finite point), "refused" (a located
error with a hint), "arg-refused" (the generated function's argument check), "bad" (any other exception, or a
refusal without a place or hint) and "WRONG" (a number that differs). The worst over the inputs is kept.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .against_autograd import AUTOGRAD_NOT_COMPARED, check_cotangent, check_gradient, check_tangent
from .c_target import c_target
from ..limits import CaseTimedOut, time_limit
from .oracles import (Outcomes, Wrong, argument_refused, autograd_or_none, close, compiled_or_outcome, copies,
                             difference_noise, direction_for, is_float, leaves, same, smooth_gradient)
from ..scratch import scratch_folder



# -- the forms ---------------------------------------------------------------------------------------------------
def declarations(sample_args: list, sample_result, params: list[str]) -> dict[str, str]:
    """The transforms of `f` that apply to its signature and result, each declared on its own."""
    if not sample_args:  # a kernel of no parameters (np.eye(3)): `f` only
        return {}
    first = sample_args[0]
    scalar_result = sample_result is not None and not isinstance(sample_result, (tuple, list)) and \
        np.ndim(sample_result) == 0
    forms = {}
    if is_float(first):
        if scalar_result:
            floats = tuple(k for k, a in enumerate(sample_args) if is_float(a) and not isinstance(a, (tuple, dict)))
            forms["g"] = "g = grad(f, wrt=0)\n"
            forms["vg"] = "vg = value_and_grad(f, wrt=0)\n"
            if len(floats) > 1:
                forms["gall"] = f"gall = grad(f, wrt={floats!r})\n"
            if isinstance(first, (int, float)):
                forms["gg"] = "g1 = grad(f, wrt=0)\ngg = grad(g1, wrt=0)\n"
            elif isinstance(first, np.ndarray):
                forms["hvp"] = "g1 = grad(f, wrt=0)\nhvp = jvp(g1, wrt=0)\n"
                forms["rr"] = "g1 = grad(f, wrt=0)\nrr = vjp(g1, wrt=0)\n"
        forms["fj"] = "fj = jvp(f, wrt=0)\n"
        if sample_result is not None:
            forms["vjp"] = "fvjp = vjp(f, wrt=0)\n"
    if isinstance(first, (np.ndarray, float, int)):
        forms["fv"] = f"fv = vmap(f, in_axes={tuple(0 if k == 0 else None for k in range(len(params)))!r})\n"
    return forms


class Point:
    """One input: Python's result there and the oracles that need it."""

    def __init__(self, python: Callable, oracle: Callable | None, args: list, as_annotated: Callable):
        self.python, self.oracle, self.args = python, oracle, args
        self.expected = python(*copies(args))
        self.reference = lambda *a: python(*copies(list(a)))
        self.as_annotated = as_annotated  # args cast to the annotated dtypes (what transforms compute in)
        self.finite = bool(np.all(np.isfinite(leaves(args)[0])))
        self.scalar_result = (not isinstance(self.expected, (tuple, list)) and np.ndim(self.expected) == 0
                              and np.asarray(self.expected).dtype.kind == "f" and bool(np.isfinite(self.expected)))

    def primal(self, module) -> str:
        given = copies(self.args)
        same(module.f(*given), self.expected, f"f at {self.args!r} vs Python")
        if not np.array_equal(leaves(self.args)[0], leaves(given)[0], equal_nan=True):
            raise Wrong("the kernel changed its argument")
        return "pass"

    def gradient(self, got, position: int = 0) -> str:
        """A gradient in the parameter at `position` against finite differences and autograd."""
        from autograd import value_and_grad

        fd = smooth_gradient(self.reference, self.args, position)
        if fd is None:
            return "skip"
        got = np.asarray(leaves(got)[0], dtype=float)
        noise = max(1e-6, difference_noise(self.expected))
        close(got, fd, f"d/d argument {position} at {self.args!r} vs finite differences", 1e-5, noise)
        traced = autograd_or_none(lambda: value_and_grad(self.oracle, position)(*copies(self.args)))
        # autograd where its value is Python's, its gradient finite (its np.sinc rule is NaN at 0, where the
        # differences above found the derivative, 0) and near the differences; where not, counted (drivers report
        # AUTOGRAD_NOT_COMPARED)
        check_gradient(traced, self.expected, got, fd, noise, f"d/d argument {position} at {self.args!r}")
        return "pass"

    def value_and_gradient(self, module, gradient_module) -> str:
        value, gradient = module.vg(*copies(self.args))
        same(value, self.expected, f"value_and_grad's value at {self.args!r}")
        close(leaves(gradient)[0], leaves(gradient_module.g(*copies(self.args)))[0], "value_and_grad vs grad",
              1e-13, 1e-14)
        return "pass"

    def vjp_of_ones(self, module) -> str:
        results = self.expected if isinstance(self.expected, (tuple, list)) else (self.expected,)
        ones = tuple(_ones_like(r) for r in results)
        value, cotangent = module.fvjp(*copies(self.args),
                                       ones if isinstance(self.expected, (tuple, list)) else ones[0])
        same(value, self.expected, f"vjp's value at {self.args!r}")
        as_tuple = lambda v: v if isinstance(v, (tuple, list)) else (v,)  # noqa: E731
        total = lambda *a: float(sum(np.sum(np.asarray(r, float)) for r in as_tuple(self.reference(*a))))  # noqa: E731
        fd = smooth_gradient(total, self.args, 0)
        if fd is None:
            return "skip"
        # the differences are of the total, whose rounding is its own size's, not its largest element's
        noise = max(1e-6, difference_noise(self.expected, total(*copies(self.args))))
        close(np.ravel(cotangent), fd, f"vjp (a cotangent of ones) at {self.args!r} vs finite differences", 1e-5,
              noise)
        check_cotangent(self.oracle, self.args, self.expected, cotangent, repr(self.args), fd, noise)
        return "pass"

    def tangent(self, module) -> str:
        point = self.args[0]
        direction = direction_for(point)
        value, derivative = module.fj(*copies(self.args), direction)
        same(value, self.expected, f"jvp's value at {self.args!r}")

        def along(t: float) -> list:
            shifted = copies(self.args)
            shifted[0] = float(point + t * direction) if type(point) in (int, float) else point + t * direction
            result = self.reference(*shifted)
            return [np.asarray(r, dtype=float) for r in (result if isinstance(result, (tuple, list)) else (result,))]
        derivatives = derivative if isinstance(self.expected, (tuple, list)) else (derivative,)
        verdict, checked = "pass", {}
        results = self.expected if isinstance(self.expected, (tuple, list)) else (self.expected,)
        try:
            steps = [along(t) for t in (1e-6, -1e-6, 1e-4, -1e-4)]
        except Exception:  # noqa: BLE001  Python raises beside the point (an assert of counts): no differences
            return "skip"
        for k, (plus, minus, plus4, minus4, here) in enumerate(zip(*steps, along(0.0))):
            if np.asarray(results[k]).dtype.kind != "f":  # a boolean or integer result has no tangent: None or 0
                if not _no_tangent(derivatives[k]):
                    raise Wrong(f"jvp result {k} at {self.args!r}: a tangent {derivatives[k]!r} of a "
                                f"{np.asarray(results[k]).dtype} result")
                continue
            if len({np.shape(r) for r in (plus, minus, plus4, minus4, here)}) > 1:  # the shape follows the value
                verdict = "skip" if verdict == "skip" or k == 0 else verdict      # (np.arange(x)): no difference
                continue
            fd, coarse = (plus - minus) / 2e-6, (plus4 - minus4) / 2e-4
            kink = not np.allclose((plus - here) / 1e-6, (here - minus) / 1e-6, rtol=1e-3, atol=1e-4)
            if kink or not np.all(np.isfinite(fd)) or not np.allclose(fd, coarse, rtol=1e-3, atol=1e-5) \
                    or np.asarray(point).dtype == np.float32:
                verdict = "skip" if verdict == "skip" or k == 0 else verdict
                continue
            close(derivatives[k], fd, f"jvp result {k} at {self.args!r} vs finite differences", 1e-5,
                  max(1e-6, difference_noise(here)))
            checked[k] = (fd, max(1e-6, difference_noise(here)))
        check_tangent(self.oracle, self.args, self.expected, derivatives, direction, checked, repr(self.args))
        return verdict

    def second_derivative(self, module) -> str:
        """grad(grad(f)) of a scalar parameter."""
        from autograd import grad

        got = float(module.gg(*copies(self.args)))
        first = lambda *a: module.g1(*copies(list(a)))  # noqa: E731
        expected = autograd_or_none(lambda: grad(grad(self.oracle, 0), 0)(*copies(self.args)))
        fd = smooth_gradient(first, self.args, 0)
        smooth = fd is not None and smooth_gradient(self.reference, self.args, 0) is not None
        if expected is not None and not np.isfinite(expected):  # (autograd's np.sinc and np.angle rules at 0: NaN;
            AUTOGRAD_NOT_COMPARED["gg: autograd's derivative is not finite"] += 1  # the differences below judge)
        elif expected is not None and smooth and np.allclose(got, fd[0], rtol=1e-5, atol=1e-5) \
                and not np.allclose(expected, fd[0], rtol=1e-5, atol=1e-5):
            # autograd's own rule cancels (its np.sinc rule's second derivative at 5e-21 is -pi^2, not -pi^2/3):
            # not the judge where it is off the differences Lifted's passed, as for g, vjp and jvp
            AUTOGRAD_NOT_COMPARED["gg: autograd's derivative is off the central differences"] += 1
        elif expected is not None:
            close(got, expected, f"grad(grad(f)) at {self.args!r} vs autograd", 1e-7, 1e-9)
        if not smooth:
            return "skip"
        if not np.allclose(got, fd[0], rtol=1e-5, atol=1e-5):
            if expected is None or not np.isfinite(expected):  # a branch taken at the point only: autograd's
                #                                                   convention (where it has one), which we share
                close(got, fd[0], f"grad(grad(f)) at {self.args!r} vs differences of grad(f)", 1e-5, 1e-5)
            return "skip"
        return "pass"

    def hessian_vector(self, module, name: str) -> str:
        """jvp(grad(f)) (name "hvp") or vjp(grad(f)) (name "rr") against autograd and differences of grad(f)."""
        from autograd import hessian_vector_product

        point = self.args[0]
        v = direction_for(point)
        value, got = getattr(module, name)(*copies(self.args), v)
        close(value, module.g1(*copies(self.args)), f"{name}'s gradient vs grad(f)", 1e-12, 1e-13)
        single = point.dtype == np.float32
        if smooth_gradient(self.reference, self.args, 0) is None:  # a kink of f (|x| at 0): no Hessian to check
            return "skip"
        expected = autograd_or_none(lambda: hessian_vector_product(self.oracle, 0)(*copies(self.args), v))
        if expected is not None and not np.all(np.isfinite(expected)):  # autograd's NaN (0 * inf at sqrt(0)):
            expected = None                                                # the differences below judge
        if expected is not None:  # the Hessian is symmetric: H^T v = H v
            close(got, expected, f"{name} at {self.args!r} vs autograd", 1e-4 if single else 1e-8,
                  1e-4 if single else 1e-9)
        if not single:
            along = lambda t: module.g1(*([point + t * v] + copies(self.args[1:])))  # noqa: E731
            fd, coarse = (along(1e-6) - along(-1e-6)) / 2e-6, (along(1e-4) - along(-1e-4)) / 2e-4
            here = along(0.0)
            forward, backward = (along(1e-6) - here) / 1e-6, (here - along(-1e-6)) / 1e-6
            noise = difference_noise(value)
            if not np.allclose(fd, coarse, rtol=1e-3, atol=max(1e-5, noise)) or \
                    not np.allclose(forward, backward, rtol=1e-3, atol=max(1e-4, 2 * noise)):
                # grad(f) jumps within reach (a branch of f) or has a kink here (f not twice differentiable)
                return "pass" if expected is not None else "skip"
            close(got, fd, f"{name} at {self.args!r} vs differences of grad(f)", 1e-5, max(1e-6, noise))
        return "pass"

    def batched(self, module, loose: bool) -> str:
        """vmap(f) over three examples (the first argument moved) against a Python loop over the batch. A Python
        int given for a float annotation (which `f` takes as a float) is batched as floats: an int64 batch for
        `f64[B]` is refused at entry, as it should be, and is not what a user of vmap would pass."""
        first = self.args[0]
        if type(first) is int and type(self.as_annotated(copies(self.args))[0]) is float:
            first = float(first)
        if isinstance(first, np.ndarray) and first.dtype.kind == "f" and first.size:
            examples = [first + 0.25 * k * direction_for(first) for k in range(3)]
        else:
            examples = [first + k * (0.25 if isinstance(first, float) else 1) for k in range(3)]
        stacked = np.stack([np.asarray(e, dtype=np.asarray(first).dtype) for e in examples])
        try:
            loop = [self.python(*([copies(stacked[k])] + copies(self.args[1:]))) for k in range(3)]
        except Exception:  # noqa: BLE001  Python raises on an example: nothing to compare
            return "skip"
        from hostile import stack

        single = stacked.dtype == np.float32
        same(module.fv(stacked, *copies(self.args[1:])), stack(loop), f"vmap(f) at {self.args!r} vs a loop",
             1e-6 if single else 1e-10, 1e-7 if single else 1e-12, values_only=loose)
        return "pass"


def _ones_like(result):
    """The cotangent of ones of one result, of its structure (a list of arrays: pymoo's `out["G"] = [g1, g2]`)."""
    if isinstance(result, list):
        return [_ones_like(r) for r in result]
    if isinstance(result, (np.generic, np.ndarray)) and not np.ndim(result) and result.dtype.kind == "f":
        return result.dtype.type(1.0)  # a NumPy scalar's or 0-d array's seed is of its dtype (a Python float, weak,
    return np.ones_like(np.asarray(result)) if np.ndim(result) else 1.0  # is refused for it)


def check_kernel_within(seconds: int, text: str, params: list[str], inputs: list[list], c: bool = False,
                        folder: Path | None = None, **options) -> Outcomes:
    """check_kernel with one wall-clock limit for all of a case's forms (three times it with the C target's builds);
    past it, a skip of `f` that says so: gradients by differences of a large example would run for hours."""
    try:
        with time_limit(seconds * (3 if c else 1), CaseTimedOut):
            return check_kernel(text, params, inputs, lambda args: args, c=c, folder=folder, **options)
    except CaseTimedOut as exc:
        outcomes = Outcomes()
        outcomes.record("f", "skip", str(exc))
        return outcomes


def check_kernel(text: str, params: list[str], inputs: list[list], as_annotated: Callable, c: bool = False,
                 folder: Path | None = None, only: set[str] | None = None, oracle_text: str | None = None,
                 same_exception: bool = False) -> Outcomes:
    """Every form of the kernel `f` in `text` (a whole module) on every input (with `only`, the forms named there
    and `f`); see the module docstring. `oracle_text` is the module autograd runs, where it is not `text` with
    NumPy swapped for autograd's (a source written for autograd, its own imports kept). With `same_exception`,
    where Python raises the generated `f` must raise the same exception class (NumPy's docstring examples: a
    `ValueError` NumPy documents is part of the function's contract)."""
    from gradcheck import autograd_kernels, load_source

    outcomes = Outcomes()
    python: dict = {}
    module, refusal = compiled_or_outcome(text, lambda t: load_source(t, "corpus_case.py"))
    if refusal:
        outcomes.record("f", *refusal)
        return outcomes
    try:
        exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    except ImportError as exc:  # the source needs the peer's package (`import tangent`): no reference here
        outcomes.record("f", "skip", str(exc))
        return outcomes
    oracle = autograd_or_none(lambda: _executed(oracle_text)["f"] if oracle_text else autograd_kernels(text)["f"])
    points = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for args in inputs:
            try:
                points.append(Point(python["f"], oracle, args, as_annotated))
            except Exception as raised:  # noqa: BLE001  Python raises: the generated `f` must raise too
                outcomes.guarded("f", lambda raised=raised: _raises_too(module, args, raised, same_exception))
        if not points:
            return outcomes
        forms = {form: declaration for form, declaration in declarations(points[0].args, points[0].expected,
                                                                           params).items()
                 if only is None or form in only}
        modules = {}
        for form, declaration in forms.items():
            modules[form], refusal = compiled_or_outcome(text + declaration,
                                                         lambda t: load_source(t, "corpus_case.py"))
            if refusal:
                outcomes.record(form, *refusal)
        for point in points:
            _check_point(point, module, modules, outcomes)
        if c:
            compiled_forms = {f: d for f, d in forms.items() if modules.get(f) is not None}
            full = text + "".join(dict.fromkeys(line for declaration in compiled_forms.values()  # g1 once
                                                for line in declaration.splitlines(keepends=True)))
            c_target(full, compiled_forms, load_source(full, "corpus_case.py"), points,
                     folder or scratch_folder("corpus_c_"), outcomes)
    return outcomes


def _executed(text: str) -> dict:
    namespace: dict = {"__name__": "autograd_oracle"}
    exec(compile(text, "autograd_oracle", "exec", dont_inherit=True), namespace)
    return namespace


def _raises_too(module, args: list, raised: Exception, same_exception: bool = False) -> str:
    try:
        module.f(*copies(args))
    except Exception as exc:  # noqa: BLE001
        if same_exception and not isinstance(exc, type(raised)):
            if argument_refused(exc):  # the generated argument check: arg-refused
                raise
            raise Wrong(f"Python raises {raised!r} at {args!r}; the generated f raises {exc!r}") from exc
        return "pass"
    raise Wrong(f"Python raises {raised!r} at {args!r}; the generated f returns")


def _check_point(point: Point, module, modules: dict, outcomes: Outcomes) -> None:
    outcomes.guarded("f", lambda: point.primal(module))
    if not point.args:  # a kernel of no parameters: `f` only
        return
    first = point.args[0]
    loose = point.as_annotated(copies(point.args)) is not None and _cast_differs(point)
    differentiable = point.finite and is_float(first)
    checks = {
        "g": lambda m: point.gradient(m.g(*copies(point.args))),
        "vg": lambda m: point.value_and_gradient(m, modules["g"]) if modules.get("g") else "skip",
        "gall": lambda m: _all_gradients(point, m),
        "gg": point.second_derivative,
        "hvp": lambda m: point.hessian_vector(m, "hvp") if first.size else "skip",
        "rr": lambda m: point.hessian_vector(m, "rr") if first.size else "skip",
        "vjp": point.vjp_of_ones,
        "fj": point.tangent,
    }
    for form, check in checks.items():
        module_of_form = modules.get(form)
        if module_of_form is None or not differentiable:
            continue
        if form in ("g", "vg", "gall", "gg", "hvp", "rr") and not point.scalar_result:
            continue
        if form in ("fj", "vjp") and not isinstance(first, (np.ndarray, float, int)):  # a tree: tangents are trees
            continue
        if form == "vjp" and not all(np.asarray(r).dtype.kind == "f" for r in
                                     (point.expected if isinstance(point.expected, (tuple, list))
                                      else (point.expected,))):
            continue
        outcomes.guarded(form, lambda: check(module_of_form))
    if modules.get("fv") is not None:
        outcomes.guarded("fv", lambda: point.batched(modules["fv"], loose))


def _cast_differs(point: Point) -> bool:
    cast = point.as_annotated(copies(point.args))
    return any(np.asarray(a).dtype != np.asarray(b).dtype or type(a) is not type(b)
               for a, b in zip(cast, point.args) if not isinstance(a, (tuple, dict, list)))


def _all_gradients(point: Point, module) -> str:
    floats = [k for k, a in enumerate(point.args) if is_float(a) and not isinstance(a, (tuple, dict))]
    verdicts = [point.gradient(got, position) for position, got in zip(floats, module.gall(*copies(point.args)))]
    return "pass" if "pass" in verdicts else "skip"


def _no_tangent(derivative) -> bool:
    """A boolean or integer result's tangent: None or zeros, item by item where the result is a tuple of numbers
    (`x.shape`'s tangent is `(None, None)`)."""
    if isinstance(derivative, (tuple, list)):
        return all(_no_tangent(d) for d in derivative)
    return derivative is None or not np.any(np.asarray(derivative) != 0)
