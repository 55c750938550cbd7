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
from lifted.transpiler import TranspileError

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


SPRING = '''
import numpy as np
from lifted import grad, jvp, kernel, vmap


@kernel
def f(cpos: "f64[n,2]", w: "f64[3,n]"):
    force = np.zeros((cpos.shape[0], 2))
    for i in range(1, cpos.shape[0]):
        dx, dy = cpos[i] - cpos[i - 1]
        dist = np.sqrt(dx**2 + dy**2)
        fvec = np.array([-2.0 * dist * dx / dist, -2.0 * dist * dy / dist])
        force[i - 1] -= fvec
        force[i] += fvec
    a, b, c = w
    a += 1.0  # a row is a view: w's first row changes too (the kernel's copy of w: docs/kernel-language.md)
    first, *rest = force[0]
    return np.sum(force * force) + np.sum(a * b - c) + first * rest[0]


g = grad(f, wrt=0)
fj = jvp(f, wrt=0)
fv = vmap(f, in_axes=(0, None))
'''


def test_unpacking_an_array_of_a_static_first_axis():
    """numpy-benchmarks' wave: `dx, dy = cpos[i] - cpos[i - 1]` of an `[n, 2]` array was refused ("only tuples,
    lists and dicts ... can be unpacked here"). The rows (views) of an array whose first axis has a length known
    at build time, as Python iterates over it; the value against Python, the gradient against differences and
    autograd, jvp and vmap against Python."""
    rng = np.random.default_rng(5)
    cpos, w = rng.standard_normal((4, 2)), rng.standard_normal((3, 4))
    module = check_against_python(SPRING, [cpos, w])  # (w's row written through: the sum reads it)
    python: dict = {}
    exec(compile(SPRING, "python_reference", "exec", dont_inherit=True), python)
    value, tangent = module.fj(cpos.copy(), w.copy(), np.ones((4, 2)))
    step = 1e-6
    fd = (python["f"](cpos + step, w.copy()) - python["f"](cpos - step, w.copy())) / (2 * step)
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-6)
    batch = rng.standard_normal((3, 4, 2))
    np.testing.assert_allclose(module.fv(batch, w.copy()), [python["f"](b.copy(), w.copy()) for b in batch],
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(TranspileError, match="cannot unpack 3 values into 2 names"):
        load_source(SPRING.replace("a, b, c = w", "a, b = w"))
    with pytest.raises(TranspileError, match="arrays whose first axis has a length known at build time"):
        load_source(SPRING.replace("a, b, c = w", "a, b, c = w.T"))


TILE = '''
import numpy as np
from lifted import grad, jvp, kernel, vmap


@kernel
def f(x: "f64[n]", k: "i64[]"):
    N = len(x)
    t = np.tile(x, (N, 1))
    d = t - t.T
    u = np.tile(x, k) + np.sum(np.tile(x[:1], (2, k)))
    return np.sum(d * d) + np.sum(u * np.sum(x[:1])) + np.sum(np.tile(x, 2))


g = grad(f, wrt=0)
fv = vmap(f, in_axes=(0, None))
'''


@pytest.mark.parametrize("n", [0, 1, 3])
@pytest.mark.parametrize("k", [0, 1, 2])
def test_tile_by_a_run_time_count(n, k):
    """numpy-benchmarks' periodic_dist: `np.tile(x, (N, 1))` with `N = len(x)` was refused ("the repetitions must
    be a constant known at build time"). A repetition may be an integer scalar known at run time (a size, an int
    parameter), as np.repeat's count; a negative one raises ValueError as NumPy does."""
    rng = np.random.default_rng(n * 10 + k)
    x = rng.standard_normal(n)
    python: dict = {}
    exec(compile(TILE, "python_reference", "exec", dont_inherit=True), python)
    if n and k:  # (autograd's np.tile rule divides by the repetitions: k = 0 against differences below)
        module = check_against_python(TILE, [x, k])
    else:
        module = load_source(TILE)
        same_values(module.f(x.copy(), k), python["f"](x.copy(), k), "f vs Python")
        if n:
            step = 1e-6
            np.testing.assert_allclose(module.g(x.copy(), k), [(python["f"](x + step * e, k) - python["f"](
                x - step * e, k)) / (2 * step) for e in np.eye(n)], rtol=1e-6, atol=1e-6)
    batch = rng.standard_normal((3, n))
    np.testing.assert_allclose(module.fv(batch, k), [python["f"](b.copy(), k) for b in batch], rtol=1e-12)
    with pytest.raises(ValueError):
        module.f(x.copy(), -1)


@pytest.mark.parametrize("call", ["it.repeat(None, 3)", "it.count(0)", "os.getpid()"])
def test_a_module_function_outside_the_language_is_refused_with_a_hint(call):
    """pythran's descent case (`for _ in it.repeat(None, N_epochs)`): "`itertools.repeat` is not available in
    kernels" came without a hint, which the corpus drivers count as bad (a refusal must say what to write)."""
    text = f'''
import itertools as it
import os
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[n]"):
    for _ in {call}:
        x = x * 2.0
    return x
'''
    with pytest.raises(TranspileError) as raised:
        load_source(text)
    assert raised.value.loc is not None and raised.value.loc.line == 10 and raised.value.hint


@pytest.mark.parametrize("body", ['def f(x: "f64[n]"): return x * 2.0',
                                  'def f(x: "f64[n]", k: "i64[]"):\n    if k < 2: return x\n    return x * 2.0',
                                  'def f(x: "f64[n]", k: "i64[]"):\n    lengths = {1: 1}\n'
                                  '    if k in lengths:\n        return x\n    return x * 2.0'])
def test_one_line_bodies_and_run_time_dict_keys_are_refused_with_a_hint(body):
    """pythran's cases (`def f(i): return ...` on one line, `if n < 2: return []`, euler_challenge14's `if num in
    lengths` of a dict): refused without a hint ("this statement is not part of the kernel language", "dict keys
    must be strings or integers known at build time"), which the corpus drivers count as bad."""
    with pytest.raises(TranspileError) as raised:
        load_source("import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n" + body + "\n")
    assert raised.value.loc is not None and raised.value.loc.line > 0 and raised.value.hint


MASKED_SUM = '''
import numpy as np
from lifted import kernel, vmap


@kernel
def f(d: "f64[n]"):
    seg = d[(d > 1.0)] * 0.5 - 2.0
    return np.sum(seg * seg)


fv = vmap(f, in_axes=(0,))
'''


def test_vmap_of_arithmetic_on_a_masked_selection_of_an_empty_axis():
    """pythran's tax case at size 0: `d[(d > 256303)] * 0.45 - 16164.53` under vmap over examples of 0 elements
    raised "attempt to get argmax of an empty sequence" where Python's loop gives 0.0 for each (fixed by
    transforms/batch/masks.py's stand-in for examples that select nothing: tests/test_vmap_empty_masks.py)."""
    module = load_source(MASKED_SUM)
    python: dict = {}
    exec(compile(MASKED_SUM, "python_reference", "exec", dont_inherit=True), python)
    batch = np.zeros((3, 0))
    same_values(module.fv(batch), np.array([python["f"](row) for row in batch]), "vmap vs a loop")
