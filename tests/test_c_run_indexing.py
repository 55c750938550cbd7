"""Gathers, scatter-adds, array arithmetic and sums to a shape inside runs (CPU target, `loops/indexed.py`,
`loops/array_math.py`): a loop over host-computed bounds that gathers rows by index, assigns slices of run-time
bounds and, in its reverse sweep, adds into tables with `np.add.at` and sums cotangents to their values' shapes
(`_unbroadcast`) is one C call, with the host module's exact meaning.

Checked here: C calls per function call; values against Python, the NumPy backend (bit for bit where the host code
adds in NumPy's order: repeated indices), finite differences and autograd (tests/gradcheck.py); negative indices
wrapping and NumPy's IndexError with its message for indices out of range on both ends; empty slices; NumPy's
ValueError when operands do not broadcast; a cotangent summed where one operand had a single row at run time.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from test_c_backend import c_module, compare_all
from test_c_loop_kernels import check_c_against_python
from test_c_runs import _calls
from test_property import inputs_for, program_for_seed

LEVELS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", w: "f64[n,m]", idx: "i64[k,j]", rows: "i64[k]", bounds: "i64[b]") -> "f64[]":
    acc = np.ones(idx.shape[0])
    for t in range(bounds.shape[0] - 1):
        lo = bounds[t]
        hi = bounds[t + 1]
        g = x[idx[lo:hi]] * acc[rows[lo:hi]][:, None]
        acc[lo:hi] = np.sum(g, axis=1) + 0.5 * np.sum(w[rows[lo:hi]], axis=1) - acc[lo:hi] / 3.0
    return np.sum(acc * acc)


g = grad(f, wrt=("x", "w"))
'''


def _levels_args(rng, n=6, m=3):
    idx = np.array([[0, 1, 1], [-1, 2, 0], [5, 5, 5], [3, -6, 4], [1, 1, -2], [2, 0, 0], [4, 3, -1]])
    rows = np.array([0, 0, 1, -1, 2, 5, 1])
    bounds = np.array([0, 2, 2, 3, 7])  # (the second level is empty)
    return [rng.normal(size=n), rng.normal(size=(n, m)), idx, rows, bounds]


def test_a_loop_of_gathers_and_its_scatter_adds_is_one_c_call(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    args = _levels_args(rng)
    module = check_c_against_python(LEVELS, args, tmp_path, "levels", (0, 1))
    host = (tmp_path / "levels.py").read_text()
    assert "np.add.at" not in host and "_unbroadcast(" not in host.split("\ndef f(")[1]
    assert _calls(module, "f", args, monkeypatch) == 1
    assert _calls(module, "g", args, monkeypatch) == 1
    reference = load_source(LEVELS, "levels_numpy.py")
    for got, expected in zip(module.g(*args), reference.g(*args)):  # (np.add.at's order: the same bits)
        assert np.array_equal(got, expected)


def test_gather_indices_out_of_range_raise_numpys_index_error(tmp_path):
    module, _ = c_module(LEVELS, tmp_path, "levels_bad")
    python: dict = {}
    exec(compile(LEVELS, "python_reference", "exec", dont_inherit=True), python)
    rng = np.random.default_rng(4)
    for row, value in ((2, 6), (3, -7), (5, 40)):
        args = _levels_args(rng)
        args[2] = args[2].copy()
        args[2][row, 1] = value
        for function in (module.f, module.g):
            with pytest.raises(IndexError) as c_error:
                function(*args)
            with pytest.raises(IndexError) as python_error:
                python["f"](*args)
            assert str(c_error.value) == str(python_error.value)


def test_empty_and_single_row_levels(tmp_path):
    """Empty slices everywhere, and levels of one row: the gradient's cotangents summed to one row."""
    rng = np.random.default_rng(5)
    args = _levels_args(rng)
    for bounds in ([0, 0, 0, 7], [0, 1, 2, 3, 4, 5, 6, 7], [3, 3], [0, 7, 7]):
        args[4] = np.array(bounds)
        check_c_against_python(LEVELS, args, tmp_path, f"levels_{len(bounds)}_{bounds[1]}", (0, 1))


BROADCAST = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]", idx: "i64[k]", a: "i64[]", b: "i64[]") -> "f64[]":
    total = 0.0
    for t in range(2):
        u = x[idx[a:b]] * x[t:t + 3] - x[idx[t + 1:t + 4]] / 2.0
        total = total + np.sum(-u * u)
    return total


g = grad(f, wrt="x")
'''


@pytest.mark.parametrize("a, b", [(0, 3), (2, 3), (4, 5)])
def test_array_arithmetic_broadcasts_as_numpy(tmp_path, a, b):
    """Slices of run-time length meet in `*` and `-`: equal lengths, a single element broadcast (its cotangent
    summed back to one element in C)."""
    rng = np.random.default_rng(6)
    args = [rng.normal(size=6), np.array([5, -1, 0, 2, 2, 1]), a, b]
    check_c_against_python(BROADCAST, args, tmp_path, f"broadcast_{a}_{b}", (0,))


def test_operands_that_do_not_broadcast_raise_value_error(tmp_path):
    module, _ = c_module(BROADCAST, tmp_path, "broadcast_bad")
    python: dict = {}
    exec(compile(BROADCAST, "python_reference", "exec", dont_inherit=True), python)
    args = [np.linspace(0.0, 1.0, 6), np.array([5, -1, 0, 2, 2, 1]), 0, 2]
    with pytest.raises(ValueError):
        python["f"](*args)
    for function in (module.f, module.g):
        with pytest.raises(ValueError, match="could not be broadcast"):
            function(*args)


@pytest.mark.parametrize("seed", [17, 41, 77, 115, 128, 265])
def test_property_programs_gathering_through_sliced_indices(seed, tmp_path):
    """The random programs (of the first 300 seeds) whose loops gather through `idx[i:i + 3]`, every function
    against the NumPy backend."""
    text = program_for_seed(seed)[0]
    assert "[idx[" in text
    compare_all(text, tmp_path, inputs_for(seed), f"sliced_{seed}")


FLOAT32 = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f32[n]", w: "f32[n,m]", idx: "i32[k,j]", bounds: "i64[b]") -> "f32[]":
    acc = np.zeros(idx.shape[0], dtype=np.float32)
    for t in range(bounds.shape[0] - 1):
        lo = bounds[t]
        hi = bounds[t + 1]
        acc[lo:hi] = np.sum(x[idx[lo:hi]] * w[idx[lo:hi, 0]][:, :1] - x[idx[lo:hi]] / 3.0, axis=1)
    return np.sum(acc * acc)


g = grad(f, wrt=("x", "w"))
'''


def test_float32_gathers_and_arithmetic_with_int32_indices(tmp_path, monkeypatch):
    """float32 tables gathered through int32 index arrays, float32 products and quotients: one C call for `f`,
    the same bits as the NumPy backend; the gradient (host loops: a float literal written into a float32 slice
    keeps them there) to float32 round-off, as every float32 kernel."""
    module, _ = c_module(FLOAT32, tmp_path, "float32")
    reference = load_source(FLOAT32, "float32_numpy.py")
    rng = np.random.default_rng(7)
    x, w = rng.normal(size=6).astype(np.float32), rng.normal(size=(6, 2)).astype(np.float32)
    idx = np.array([[0, 1, 1], [-1, 2, 0], [5, 5, 5], [3, -6, 4]], dtype=np.int32)
    for bounds in (np.array([0, 1, 1, 4]), np.array([0, 4])):
        args = [x, w, idx, bounds]
        assert _calls(module, "f", args, monkeypatch) == 1
        value = module.f(*args)
        assert value.dtype == np.float32 and value == reference.f(*args)
        for got, expected in zip(module.g(*args), reference.g(*args)):
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
