"""np.linalg.norm of a whole array (ord None, 'fro' of a matrix, 2 of a vector, no axis) is NumPy's
`sqrt(x.ravel(order='K').dot(...))`, a BLAS dot in memory order: `sqrt(np.sum(x * x))`, which Lifted computed
before, differed in the last bit for about a quarter of random matrices and vectors. The registry's `norm` entry
renders NumPy's call (its bits for every layout), the C targets sum the squares (backends/c/norm.py)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler.errors import TranspileError
from test_common_functions import all_forms_pass, kernel_module


def _draws(shape: tuple[int, ...], count: int = 3) -> list[list]:
    rng = np.random.default_rng(sum(shape) + len(shape))
    draws = [[rng.normal(size=shape)] for _ in range(count)]
    if len(shape) == 2:  # a caller's Fortran-ordered array: NumPy's dot reads it in memory order
        draws.append([np.asfortranarray(rng.normal(size=shape))])
    return draws


@pytest.mark.parametrize("note, shape, body", [
    ('"f64[n]"', (37,), "np.linalg.norm(a)"),
    ('"f64[n]"', (23,), "np.linalg.norm(a, 2)"),
    ('"f64[n,m]"', (7, 9), "np.linalg.norm(a)"),
    ('"f64[n,m]"', (6, 5), "np.linalg.norm(a, 'fro')"),
    ('"f64[n,m]"', (6, 5), "np.linalg.norm(a, 'f', keepdims=True)"),
    ('"f64[2,3,4]"', (2, 3, 4), "np.linalg.norm(a * 3.0 - 1.0)"),
    ('"f64[n,m]"', (5, 8), "np.linalg.norm(a.T @ a) * a[0, 0]"),
    ('"f32[n,m]"', (6, 7), "np.linalg.norm(a)"),
    ('"i64[n]"', (9,), "np.linalg.norm(a)"),
])
def test_norm_of_the_whole_array_is_numpys_bits(note, shape, body):
    inputs = _draws(shape)
    if note.startswith('"f32'):
        inputs = [[x.astype(np.float32)] for (x,) in inputs]
    if note.startswith('"i64'):
        inputs = [[np.round(x * 10).astype(np.int64)] for (x,) in inputs]
    all_forms_pass(kernel_module(f"a: {note}", body), ["a"], inputs)


@pytest.mark.parametrize("body", ["np.linalg.norm(a)", "np.linalg.norm(a, keepdims=True) * a"])
def test_norm_on_the_c_target(body, tmp_path):
    all_forms_pass(kernel_module('a: "f64[n,m]"', body), ["a"], _draws((4, 6)), c=True, tmp_path=tmp_path)


def test_norm_bits_over_many_draws():
    """The bits that differed: 300 vectors and matrices of random sizes, against np.linalg.norm."""
    module = load_source(kernel_module('a: "f64[n,m]"', "np.linalg.norm(a)"))
    rng = np.random.default_rng(5)
    for _ in range(300):
        x = rng.normal(size=tuple(rng.integers(1, 9, size=2)))
        assert module.f(x) == np.linalg.norm(x)


def test_frobenius_norm_of_rank_three_without_axis_is_refused():
    """NumPy raises ValueError ("Improper number of dimensions to norm."): Lifted computed a value."""
    with pytest.raises(ValueError):
        np.linalg.norm(np.ones((2, 2, 2)), "fro")
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module('a: "f64[2,2,2]"', "np.linalg.norm(a, 'fro')"))
    assert ":7:" in str(error.value) and "NumPy raises ValueError" in str(error.value)
