"""np.linalg.matrix_power composed from matmul, inv and eye in NumPy's order of products
(transpiler/frontend/matrix_powers.py): bit for bit against NumPy running the same source, every transform
against central differences and autograd (benchmarks/corpus/checks.py via all_forms_pass), the C target too."""
from __future__ import annotations

import numpy as np
import pytest

from lifted.transpiler import TranspileError
from gradcheck import load_source
from test_jax_numpy_api import all_forms_pass, kernel_module


def _matrices(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape) * 0.6 + np.eye(shape[-1])
    return a.astype(dtype) if np.dtype(dtype).kind == "f" else np.round(a * 2).astype(dtype)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 13, -1, -2, -3, -6])
def test_matrix_power_is_numpys(n):
    text = kernel_module('a: "f64[3,3]"', f"np.linalg.matrix_power(a, {n})")
    all_forms_pass(text, ["a"], [[_matrices((3, 3), seed=s)] for s in range(2)])


@pytest.mark.parametrize("note, n", [('"f64[2,3,3]"', 5), ('"f64[2,3,3]"', -7), ('"f64[2,3,3]"', 0),
                                     ('"f32[4,4]"', 6), ('"i64[3,3]"', 9), ('"i32[2,2,2]"', 0),
                                     ('"f64[n,n]"', 11), ('"f64[k,n,n]"', -2)])
def test_matrix_power_of_stacks_dtypes_and_named_sizes(note, n):
    dtype = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32}[note[1:4]]
    shape = {'"f64[n,n]"': (4, 4), '"f64[k,n,n]"': (2, 3, 3)}.get(note) or \
        tuple(int(d) for d in note[5:-2].split(","))
    text = kernel_module(f"a: {note}", f"np.linalg.matrix_power(a, {n})")
    all_forms_pass(text, ["a"], [[_matrices(shape, dtype, seed=s)] for s in range(2)])


def test_large_exponents_are_numpys_bits():
    """2**50 and 123456789123456789: NumPy's squarings from the lowest bit, the same products in the same order."""
    permutation = np.eye(6, k=4) + np.eye(6, k=-2)  # CuPy's test matrix, smaller
    for n in (1 << 50, 123456789123456789, -987654321987654321):
        module = load_source(kernel_module('a: "f64[6,6]"', f"np.linalg.matrix_power(a, {n})"))
        assert np.array_equal(module.f(permutation), np.linalg.matrix_power(permutation, n))


def test_matrix_power_c_target(tmp_path):
    text = kernel_module('a: "f64[2,3,3]"', "np.linalg.matrix_power(a, 6) + np.linalg.matrix_power(a, -1)")
    all_forms_pass(text, ["a"], [[_matrices((2, 3, 3))]], c=True, tmp_path=tmp_path)


def test_non_square_at_run_time_is_numpys_linalgerror():
    module = load_source(kernel_module('a: "f64[n,m]"', "np.linalg.matrix_power(a, 1)"))
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.matrix_power(np.ones((2, 3)), 1)
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        module.f(np.ones((2, 3)))


@pytest.mark.parametrize("signature, body, message", [
    ('a: "f64[3,3]", n: "i64[]"', "np.linalg.matrix_power(a, n)", "1:1"),
    ('a: "f64[2,3]"', "np.linalg.matrix_power(a, 2)", "LinAlgError"),
    ('a: "f64[3]"', "np.linalg.matrix_power(a, 2)", "LinAlgError"),
    ('a: "f64[3,3]"', "np.linalg.matrix_power(a, 2.0)", "TypeError"),
])
def test_refusals_are_located(signature, body, message):
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module(signature, body))
    assert ":7:" in str(error.value) and (message in str(error.value) or message == "1:1")
