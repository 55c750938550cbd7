"""Issue #11: hostile arguments (tests/hostile_trees.py's kinds) for tree parameters and for the dtype generator's
programs, on the NumPy backend and the C CPU target, against Python running the same source on the same arguments.

Programs: `dtype_programs.tree_program(seed)` (a dict or a list of a tuple and the rest, float32/int32/bool/int64
leaves and NumPy scalars), `dtype_programs.program_for_seed(seed)` (the same parameters flat) and the hand-written
tree kernels of tests/test_tree_arguments.py (a list of tuples looped over, nested dicts and lists, the same array as
two leaves). The default run takes a few programs; `-m slow` runs `LIFTED_HOSTILE_PROGRAMS` (default 30) of each
generator and prints the tally (outcome counts).
"""
from __future__ import annotations

import collections
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from dtype_programs import program_for_seed, tree_program
from gradcheck import load_source
from hostile import HEAD
from hostile_trees import KINDS, clear_refusal, fresh, judge, map_leaves
from lifted.transpiler import TranspileError
from test_c_backend import c_module

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]  # (np.matrix)

HANDWRITTEN = HEAD + '''

@kernel
def loss(params: "[(f64[d,h], f64[h])]", x: "f64[n,d]", s: "f64[]"):
    for W, b in params:
        x = np.tanh(x @ W + b)
    return np.sum(x) * s


@kernel
def total(p: "{'w': f64[d], 'b': f64[], 'layers': [f64[h], f64[h]]}", x: "f64[d]"):
    return np.sum(p["w"] * x) + p["b"] + np.sum(p["layers"][0] * p["layers"][1])


@kernel
def nested(p: "{'in': {'a': f64[n], 'k': i64[n]}, 'pair': (f32[n], bool[n])}", s: "f64[]"):
    a = p["in"]["a"] * s + p["in"]["k"]
    return np.sum(np.where(p["pair"][1], a, p["pair"][0]))


loss_grad = grad(loss)
total_grad = grad(total)
total_batched = vmap(total, in_axes=({"w": None, "b": 0, "layers": None}, 0))
nested_grad = grad(nested, wrt="s")
'''
RNG = np.random.default_rng(0)
SHARED = RNG.normal(size=2)
HANDWRITTEN_ARGS = {
    "loss": [[(RNG.normal(size=(3, 4)), RNG.normal(size=4))], RNG.normal(size=(2, 3)), 0.5],
    "total": [{"w": RNG.normal(size=3), "b": np.float64(0.25), "layers": [SHARED, SHARED]}, RNG.normal(size=3)],
    "nested": [{"in": {"a": RNG.normal(size=4), "k": np.arange(4)},
                "pair": (RNG.normal(size=4).astype(np.float32), np.array([True, False, True, True]))}, 1.5],
}
HANDWRITTEN_ARGS.update({
    "loss_grad": HANDWRITTEN_ARGS["loss"], "total_grad": HANDWRITTEN_ARGS["total"],
    "nested_grad": HANDWRITTEN_ARGS["nested"],
    "total_batched": [{"w": RNG.normal(size=3), "b": RNG.normal(size=2), "layers": [SHARED, SHARED]},
                      RNG.normal(size=(2, 3))],
})


def _python(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def run(text: str, calls: dict, folder: Path, targets: tuple, tally: collections.Counter, failures: list,
        name: str) -> None:
    """Every kind for each function name -> plain arguments of `calls`, on every target."""
    python = _python(text)
    try:
        numpy_module = load_source(text, f"{name}_reference.py")
    except TranspileError:
        tally["program refused"] += len(targets)
        return
    for function in calls:  # (a transform: the NumPy backend's on native C-ordered copies of the leaves)
        if function not in python or not callable(getattr(python[function], "__wrapped__", python[function])) or \
                hasattr(numpy_module, function) and function.endswith(("_grad", "_batched")):
            python[function] = lambda *args, f=getattr(numpy_module, function): f(*[map_leaves(
                a, lambda v: np.array(v, dtype=v.dtype.newbyteorder("="), order="C")) for a in args])
    for target in targets:
        try:
            module = load_source(text, f"{name}.py") if target == "numpy" else c_module(text, folder, name)[0]
        except TranspileError:
            tally["program refused"] += 1
            continue
        for function, plain in calls.items():
            try:  # (the C target refuses a Python float where NumPy would promote it weakly: docs/backends.md)
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    getattr(module, function)(*fresh(plain))
            except (TypeError, ValueError) as exc:
                if clear_refusal(exc):
                    tally["plain arguments refused"] += 1
                    continue
            except Exception:  # noqa: BLE001 (Python may raise on them too: the kinds judge it)
                pass
            for kind in KINDS:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        outcome = judge(getattr(module, function), python[function], kind, plain,
                                        f"{target} {name} {function}")
                    except AssertionError as exc:
                        outcome = "failed"
                        failures.append(str(exc)[:400])
                tally[outcome] += 1


def check(programs: list, folder: Path, targets: tuple) -> collections.Counter:
    tally: collections.Counter = collections.Counter()
    failures: list = []
    for name, text, calls in programs:
        run(text, calls, folder, targets, tally, failures, name)
    assert not failures, "\n".join(failures[:12]) + f"\n({len(failures)} failures)"
    return tally


def generated(seeds, trees: bool) -> list:
    out = []
    for seed in seeds:
        program = (tree_program if trees else program_for_seed)(seed)
        out.append((f"hostile_{'tree' if trees else 'dtype'}_{seed}", HEAD + program.source, {"f": program.args}))
    return out


def test_handwritten_tree_kernels_numpy(tmp_path):
    tally = check([("hostile_trees_handwritten", HANDWRITTEN, HANDWRITTEN_ARGS)], tmp_path, ("numpy",))
    assert tally["checked"] and tally["refused"], tally


def test_handwritten_tree_kernels_cpu_target(tmp_path):
    check([("hostile_trees_handwritten", HANDWRITTEN, HANDWRITTEN_ARGS)], tmp_path, ("c",))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tree_programs_numpy(seed, tmp_path):
    check(generated([seed], trees=True), tmp_path, ("numpy",))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_dtype_programs_numpy(seed, tmp_path):
    check(generated([seed], trees=False), tmp_path, ("numpy",))


def test_tree_and_dtype_programs_cpu_target(tmp_path):
    check(generated([3], trees=True) + generated([7], trees=False), tmp_path, ("c",))


@pytest.mark.slow
def test_hostile_trees_long_run(tmp_path):
    count = int(os.environ.get("LIFTED_HOSTILE_PROGRAMS", "30"))
    targets = tuple(os.environ.get("LIFTED_HOSTILE_TARGETS", "numpy,c").split(","))
    tally = check(generated(range(count), True) + generated(range(count), False), tmp_path, targets)
    print(dict(tally))
