"""The forms of a kernel whose first parameter is a tree (a list of `(W, b)`, a dict of weights) that
benchmarks/corpus/checks.py compiles but does not compare: `jvp(f)` along a tree tangent, `vjp(f)` with a
cotangent of ones, and `vmap(f)` over a batch of trees, each against Python.

* `fj`: the value against Python's bits; the tangent against a central difference of Python's `f` along the tree
  direction (none where the one-sided slopes or the two steps disagree: a kink or a branch within reach), and
  against autograd's forward mode (`make_jvp`) where autograd's value is Python's;
* `vjp`: the value against Python's; the cotangent, leaf by leaf, against central differences of the sum of the
  results and against autograd's gradient of that sum where autograd's value is Python's;
* `fv`: three trees (the point moved along the direction) stacked leaf by leaf, against a Python loop;
* with `c=True`, each of them on the C CPU target against the NumPy backend.

Where autograd is not compared (its value is not Python's bits, it cannot run the source, its derivative is not
finite) the check counts it in `autograd_skips`, which the driver reports; it never passes silently.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..corpus.oracles import compiled_or_outcome
from ..corpus.oracles import (Outcomes, Wrong, autograd_or_none, close, copies, difference_noise, leaves, same,
                              smooth_gradient)

TREE_FORMS = {"fj": "fj = jvp(f, wrt=0)\n", "vjp": "fvjp = vjp(f, wrt=0)\n"}
NAMES = {"fj": "fj", "vjp": "fvjp", "fv": "fv"}


def is_float_tree(value) -> bool:
    """A tuple, list or dict whose leaves are all float arrays or numbers (the forms here move every leaf)."""
    if not isinstance(value, (tuple, list, dict)):
        return False
    items = list(value.values()) if isinstance(value, dict) else list(value)
    return bool(items) and all(is_float_tree(item) if isinstance(item, (tuple, list, dict)) else
                               np.asarray(item).dtype.kind == "f" for item in items)


def stack_trees(trees: list):
    """Trees of one structure stacked leaf by leaf on a new first axis (what vmap takes with in_axes=0)."""
    first = trees[0]
    if isinstance(first, dict):
        return {key: stack_trees([tree[key] for tree in trees]) for key in first}
    if isinstance(first, (tuple, list)):
        return type(first)(stack_trees([tree[k] for tree in trees]) for k in range(len(first)))
    return np.stack([np.asarray(tree) for tree in trees])


def _results(value) -> list[np.ndarray]:
    return [np.asarray(r, dtype=float) for r in (value if isinstance(value, (tuple, list)) else (value,))]


class TreePoint:
    """One input whose first argument is a float tree: the tree as a vector, a direction, Python's result."""

    def __init__(self, python, oracle, args: list, skips: Counter):
        self.python, self.oracle, self.args, self.skips = python, oracle, args, skips
        self.vector, self.rebuild = leaves(args[0])
        self.direction = np.cos(np.arange(self.vector.size) + 0.5)
        self.expected = python(*copies(args))

    def at(self, t: float) -> list:
        """The arguments with the tree moved by t along the direction."""
        return [self.rebuild(self.vector + t * self.direction)] + copies(self.args[1:])

    def _autograd(self, form: str, make, value_of):
        """autograd's result where it runs and its value is Python's bits; else None, counted with its reason."""
        if self.oracle is None:
            self.skips[f"{form}: autograd cannot run the source"] += 1
            return None
        traced = autograd_or_none(make)
        if traced is None:
            self.skips[f"{form}: autograd raised on the source"] += 1
            return None
        if not all(np.array_equal(a, b, equal_nan=True) for a, b in zip(_results(value_of(traced)),
                                                                       _results(self.expected))):
            self.skips[f"{form}: autograd's value is not Python's bits"] += 1
            return None
        return traced

    def tangent(self, module) -> str:
        from autograd import make_jvp

        value, derivative = module.fj(*copies(self.args), self.rebuild(self.direction))
        same(value, self.expected, f"jvp's value at {self.args!r}")
        got = _results(derivative)
        plus, minus, plus4, minus4, here = (_results(self.python(*self.at(t))) for t in (1e-6, -1e-6, 1e-4, -1e-4, 0))
        verdict = "skip"
        for k in range(len(got)):
            fd, coarse = (plus[k] - minus[k]) / 2e-6, (plus4[k] - minus4[k]) / 2e-4
            kink = not np.allclose((plus[k] - here[k]) / 1e-6, (here[k] - minus[k]) / 1e-6, rtol=1e-3, atol=1e-4)
            if kink or not np.all(np.isfinite(fd)) or not np.allclose(fd, coarse, rtol=1e-3, atol=1e-5):
                continue
            close(got[k], fd, f"jvp result {k} at {self.args!r} vs finite differences", 1e-5,
                  max(1e-6, difference_noise(here[k])))
            verdict = "pass"
        traced = self._autograd("fj", lambda: make_jvp(self.oracle, 0)(*copies(self.args))(self.rebuild(self.direction)),
                                lambda traced: traced[0])
        if traced is not None:
            if all(np.all(np.isfinite(t)) for t in _results(traced[1])):
                for k, expected in enumerate(_results(traced[1])):
                    close(got[k], expected, f"jvp result {k} at {self.args!r} vs autograd", 1e-8, 1e-10)
                verdict = "pass"
            else:
                self.skips["fj: autograd's derivative is not finite"] += 1
        return verdict

    def cotangent(self, module) -> str:
        from autograd import value_and_grad

        results = self.expected if isinstance(self.expected, (tuple, list)) else (self.expected,)
        if not all(np.asarray(r).dtype.kind == "f" for r in results):
            return "skip"
        ones = tuple(np.ones_like(np.asarray(r)) if np.ndim(r) else 1.0 for r in results)
        value, got = module.fvjp(*copies(self.args), ones if isinstance(self.expected, (tuple, list)) else ones[0])
        same(value, self.expected, f"vjp's value at {self.args!r}")
        got = leaves(got)[0]

        def total(*args):
            return float(sum(np.sum(r) for r in _results(self.python(*copies(list(args))))))

        verdict = "skip"
        fd = smooth_gradient(total, self.args, 0)
        if fd is not None:
            close(got, fd, f"vjp (a cotangent of ones) at {self.args!r} vs finite differences", 1e-5,
                  max(1e-6, difference_noise(self.expected)))
            verdict = "pass"

        def summed(*args):
            result = self.oracle(*args)
            return sum(np.sum(r) for r in (result if isinstance(result, (tuple, list)) else (result,)))

        traced = self._autograd("vjp", lambda: value_and_grad(summed, 0)(*copies(self.args)),
                                lambda traced: float(sum(np.sum(r) for r in _results(self.expected))))
        if traced is not None:
            expected = leaves(traced[1])[0]
            if np.all(np.isfinite(expected)):
                close(got, expected, f"vjp at {self.args!r} vs autograd", 1e-8, 1e-10)
                verdict = "pass"
            else:
                self.skips["vjp: autograd's derivative is not finite"] += 1
        return verdict

    def examples(self) -> list:
        return [self.rebuild(self.vector + 0.25 * k * self.direction) for k in range(3)]

    def batched(self, module) -> str:
        from hostile import stack

        try:
            loop = [self.python(*([tree] + copies(self.args[1:]))) for tree in self.examples()]
        except Exception:  # noqa: BLE001  Python raises on an example: nothing to compare
            return "skip"
        same(module.fv(stack_trees(self.examples()), *copies(self.args[1:])), stack(loop),
             f"vmap(f) over trees at {self.args!r} vs a loop", 1e-10, 1e-12, values_only=True)
        return "pass"


def check_tree_forms(text: str, params: list[str], inputs: list[list], oracle, outcomes: Outcomes,
                     c: bool = False, folder: Path | None = None) -> Counter:
    """Record `fj`, `vjp` and `fv` (and their C target under "c") of a kernel whose first parameter is a float
    tree into `outcomes`; returns the autograd comparisons not made, by reason."""
    import warnings

    from gradcheck import load_source

    skips: Counter = Counter()
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    points = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for args in inputs:
            if args and is_float_tree(args[0]):
                try:
                    points.append(TreePoint(python["f"], oracle, args, skips))
                except Exception:  # noqa: BLE001  Python raises here: corpus.checks judged `f` already
                    continue
        if not points:
            return skips
        forms = dict(TREE_FORMS)
        forms["fv"] = f"fv = vmap(f, in_axes={tuple(0 if k == 0 else None for k in range(len(params)))!r})\n"
        modules = {}
        for form, declaration in forms.items():
            modules[form], refusal = compiled_or_outcome(text + declaration, lambda t: load_source(t, "tree_case.py"))
            if refusal:
                outcomes.record(form, *refusal)
        checks = {"fj": TreePoint.tangent, "vjp": TreePoint.cotangent, "fv": TreePoint.batched}
        for point in points:
            for form, check in checks.items():
                if modules.get(form) is not None:
                    outcomes.guarded(form, lambda: check(point, modules[form]))
        if c:
            _c_target(text, {f: d for f, d in forms.items() if modules.get(f) is not None}, points, outcomes,
                      folder or Path("."))
    return skips


def _c_target(text: str, forms: dict[str, str], points: list[TreePoint], outcomes: Outcomes, folder: Path) -> None:
    """The tree forms on the C CPU target against the NumPy backend, leaf by leaf."""
    from gradcheck import load_source

    from ..corpus.c_target import built_c_module

    full = text + "".join(forms.values())
    compiled = built_c_module(full, f"corpus_tree_c_{abs(hash(full)) % 10**8}", folder, outcomes)
    if compiled is None:
        return
    reference = load_source(full, "tree_case.py")
    for point in points:
        calls = {"fj": copies(point.args) + [point.rebuild(point.direction)],
                 "vjp": copies(point.args) + [1.0 if not isinstance(point.expected, (tuple, list)) and
                                              not np.ndim(point.expected) else None],
                 "fv": [stack_trees(point.examples())] + copies(point.args[1:])}
        for form in forms:
            call = calls[form]
            if call[-1] is None:  # (a vjp of an array or tuple result: its cotangent is not a number)
                continue

            def compare(form=form, call=call):
                try:
                    expected = getattr(reference, NAMES[form])(*copies(call))
                except Exception:  # noqa: BLE001  the NumPy backend raises too: nothing to compare
                    return "skip"
                got = getattr(compiled, NAMES[form])(*copies(call))
                same(leaves(got)[0], leaves(expected)[0], f"C {NAMES[form]} over a tree at {point.args!r}", 1e-10,
                     1e-12, values_only=True)
                return "pass"
            outcomes.guarded("c", compare)


__all__ = ["check_tree_forms", "is_float_tree", "stack_trees", "Wrong"]
