"""numpy-benchmarks, pythran's kernels (benchmarks/numpy_benchmarks, docs/corpora.md "numpy-benchmarks"): the
driver's smoke test, which skips without a checkout ($LIFTED_NUMPY_BENCHMARKS or /tmp/numpy-benchmarks), and the
reduced programs of what the corpus found, which never skip."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from hostile import same_values

CHECKOUT = Path(os.environ.get("LIFTED_NUMPY_BENCHMARKS", "/tmp/numpy-benchmarks"))


@pytest.mark.skipif(not (CHECKOUT / "numpy_benchmarks" / "benchmarks" / "rosen.py").is_file(),
                    reason="no numpy-benchmarks checkout")
@pytest.mark.filterwarnings("ignore")
def test_driver_runs_numpy_benchmarks(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path / "cache"))
    from benchmarks.numpy_benchmarks.__main__ import main

    results = main(["--numpy-benchmarks", str(CHECKOUT), "--only", "rosen,arc_distance,evolve,grouping",
                    "--json", str(tmp_path / "out.json")])
    assert set(results) == {"rosen", "arc_distance", "evolve", "grouping"}
    assert results["grouping"] == {"not converted": "pythran type 'uint32 []' has no Lifted dtype"}
    for label in ("rosen", "arc_distance", "evolve"):
        assert all(outcome not in ("bad", "WRONG") for outcome, _ in results[label].values()), results[label]
    assert results["rosen"]["g"][0] == "pass" and results["evolve"]["f"][0] == "pass"


def test_driver_converts_an_export_line_to_annotations():
    """One dimension name per size of the setup's arguments, pythran's own sizes kept, scalars as "[]"."""
    from benchmarks.numpy_benchmarks.convert import annotation, split_types

    names: dict = {}
    found = [annotation(t, s, names)[0] for t, s in zip(split_types("float64[1,:], float64[:,:], int, float[][][3]"),
                                                          [(1, 512), (10000, 512), (), (512, 4, 3)])]
    assert found == ["f64[1,n0]", "f64[n1,n0]", "i64[]", "f64[n0,n2,3]"]
    assert annotation("complex128[]", (3,), {})[0] is None


# -- reduced programs ----------------------------------------------------------------------------------------------
ROLL = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(grid: "f64[n,m]", s: "i64[]"):
    shifted = np.roll(grid, +1, 0) + np.roll(grid, -1, 1) + np.roll(grid, s, 1) + np.roll(grid, 2)
    return np.sum(shifted * grid)


g = grad(f, wrt=0)
'''


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0), (1, 1), (2, 3)])
def test_roll_of_an_empty_named_axis(shape):
    """numpy-benchmarks' evolve (`np.roll(grid, +1, 0)` of a grid of 0 rows): the generated roll took the shift
    modulo the axis's length, ZeroDivisionError where NumPy (`shift % (n or 1)`) returns the empty array."""
    rng = np.random.default_rng(1)
    grid = rng.standard_normal(shape)
    if grid.size:
        check_against_python(ROLL, [grid, 4])
    module = load_source(ROLL)
    python: dict = {}
    exec(compile(ROLL, "python_reference", "exec", dont_inherit=True), python)
    same_values(module.f(grid.copy(), -2), python["f"](grid.copy(), -2), "f vs Python")
    same_values(module.g(grid.copy(), 3), np.zeros(shape) if not grid.size else module.g(grid.copy(), 3), "g")
