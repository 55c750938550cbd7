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
from hostile_trees import KINDS, judge
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
'''
RNG = np.random.default_rng(0)
SHARED = RNG.normal(size=2)
HANDWRITTEN_ARGS = {
    "loss": [[(RNG.normal(size=(3, 4)), RNG.normal(size=4))], RNG.normal(size=(2, 3)), 0.5],
    "total": [{"w": RNG.normal(size=3), "b": np.float64(0.25), "layers": [SHARED, SHARED]}, RNG.normal(size=3)],
    "nested": [{"in": {"a": RNG.normal(size=4), "k": np.arange(4)},
                "pair": (RNG.normal(size=4).astype(np.float32), np.array([True, False, True, True]))}, 1.5],
}


def _python(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def run(text: str, calls: dict, folder: Path, targets: tuple, tally: collections.Counter, failures: list,
        name: str) -> None:
    """Every kind for each function name -> plain arguments of `calls`, on every target."""
    python = _python(text)
    for target in targets:
        try:
            module = load_source(text, f"{name}.py") if target == "numpy" else c_module(text, folder, name)[0]
        except TranspileError:
            tally["program refused"] += 1
            continue
        for function, plain in calls.items():
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
