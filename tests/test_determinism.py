"""Emitted code depends on the source only: not on string hashing (PYTHONHASHSEED), nor on where objects live.

Two ways a compiler's output can follow something else: iterating a set (of strings: the order changes with the
per-process hash seed; of objects or ids: it changes with the heap), and tables keyed by `id()` that outlive the
object (CPython gives a freed object's address to the next one made, which then inherits its entries). The
second gave cf_return_tuple_in_loop the name `t_1` instead of `total_1` in some long test runs: a loop body
lowered again dropped its values while the names table still held their ids. Every IR object is now held for
the whole compilation (transpiler/ir/arena.py).
"""
from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from lifted.transpiler import transpile_source
from lifted.transpiler.pipeline import transpile_c
from lifted.transpiler.ir import Var
from lifted.transpiler.ir.arena import one_compilation
from lifted.transpiler.ir.types import TensorType

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "inputs"
# what the determinism checks below emit: every golden input, for NumPy and for the C target
EMIT_ALL = """
import hashlib, sys
from pathlib import Path
from lifted.transpiler import transpile_source
from lifted.transpiler.pipeline import transpile_c
from lifted.transpiler.errors import TranspileError
for path in sorted(Path(sys.argv[1]).glob("*.py")):
    text = path.read_text()
    out = transpile_source(text, path.name)
    try:
        c = transpile_c(text, path.name)
        out += c.kernels + c.host
    except TranspileError as exc:  # what the C backend refuses (dist functions, module-level arrays): its message
        out += str(exc)
    print(path.stem, hashlib.sha256(out.encode()).hexdigest())
"""


def _digests(output: str) -> dict[str, str]:
    return dict(line.split() for line in output.splitlines())


def test_every_golden_input_emits_the_same_code_under_any_hash_seed():
    """Three hash seeds give byte-identical modules, NumPy and C (the three processes run side by side)."""
    seeds = (0, 1, 2)
    runs = [subprocess.Popen([sys.executable, "-c", EMIT_ALL, str(GOLDEN)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)}) for seed in seeds]
    outputs = [run.communicate()[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    reference = _digests(outputs[0])
    assert len(reference) == len(list(GOLDEN.glob("*.py")))
    for seed, output in zip(seeds[1:], outputs[1:]):
        differing = [case for case, digest in _digests(output).items() if reference[case] != digest]
        assert not differing, f"PYTHONHASHSEED={seed} and 0 emit different code for {differing}"


class _Slots3:
    __slots__ = ("a", "b", "c")  # the size of a Var: fragments the heap where Vars are made


@pytest.mark.parametrize("case", ["cf_return_tuple_in_loop", "lists_unrolled_append_stack"])
def test_emission_does_not_depend_on_the_heap(case):
    """Cases whose lowering drops work (a loop lowered again with wider types, or unrolled): emitted again and
    again with the heap rearranged in between, the code stays the same (before ir/arena.py, a few repetitions
    were enough to make cf_return_tuple_in_loop differ)."""
    text = (GOLDEN / f"{case}.py").read_text()
    rng = random.Random(0)
    kept: list = []
    emitted = set()
    for _ in range(10):
        junk = [_Slots3() if rng.random() < 0.7 else [None] * rng.randint(0, 8) for _ in range(rng.randint(0, 4000))]
        kept += rng.sample(junk, len(junk) // 3)
        del junk
        c = transpile_c(text, f"{case}.py")
        emitted.add(hashlib.sha256((transpile_source(text, f"{case}.py") + c.kernels + c.host).encode()).digest())
    assert len(emitted) == 1


def test_values_made_during_a_compilation_keep_their_ids_to_its_end():
    """Inside `one_compilation`, a value nothing refers to any more is still held: no later value takes its
    id. Outside one, nothing is held."""
    scalar = TensorType("f64", ())
    with one_compilation():
        ids = {id(Var("v", scalar)) for _ in range(1000)}
        with one_compilation():  # a nested compilation joins the outer one
            ids |= {id(Var("w", scalar)) for _ in range(1000)}
    assert len(ids) == 2000
    # outside, values are freed as usual (their ids are free to be reused)
    assert len({id(Var("v", scalar)) for _ in range(1000)}) < 1000
