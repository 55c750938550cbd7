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
    ('a: "f64[3,3]", n: "f64[]"', "np.linalg.matrix_power(a, n)", "TypeError"),
    ('a: "f64[3,3]", n: "i64[2]"', "np.linalg.matrix_power(a, n)", "TypeError"),
    ('a: "f64[2,3]"', "np.linalg.matrix_power(a, 2)", "LinAlgError"),
    ('a: "f64[3]"', "np.linalg.matrix_power(a, 2)", "LinAlgError"),
    ('a: "f64[3,3]"', "np.linalg.matrix_power(a, 2.0)", "TypeError"),
])
def test_refusals_are_located(signature, body, message):
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module(signature, body))
    assert ":7:" in str(error.value) and message in str(error.value)


RUN_TIME = """import numpy as np
from lifted import grad, jvp, kernel, vmap


@kernel
def f(a: {note}, n: "i64[]"):
    return np.linalg.matrix_power(a, n)


@kernel
def total(a: {note}, n: "i64[]"):
    return np.sum(np.linalg.matrix_power(a, n) * np.cos(a))


g = grad(total, wrt="a")
t = jvp(total, wrt="a")
each_n = vmap(f, in_axes=(None, 0))
both = vmap(f, in_axes=(0, 0))
"""


@pytest.mark.parametrize("note, shape, dtype", [('"f64[3,3]"', (3, 3), np.float64),
                                                ('"f64[2,3,3]"', (2, 3, 3), np.float64),
                                                ('"f32[4,4]"', (4, 4), np.float32),
                                                ('"f64[k,n,n]"', (3, 2, 2), np.float64)])
def test_run_time_exponent_is_numpys_bits(note, shape, dtype):
    """n a parameter, -4..9: NumPy's branches (0, negative, 1, 2, 3) and its squarings from the lowest bit, the
    same products in the same order; vmap over n alone (each example its own trips) and over both."""
    module = load_source(RUN_TIME.format(note=note))
    a = _matrices(shape, dtype)
    exponents = np.arange(-4, 10)
    for n in exponents:
        got = module.f(a, int(n))
        assert got.dtype == dtype and np.array_equal(got, np.linalg.matrix_power(a, int(n))), n
    stacked = np.stack([_matrices(shape, dtype, seed=s) for s in range(len(exponents))])
    for got, a_k, n in zip(module.both(stacked, exponents), stacked, exponents):
        assert np.array_equal(got, np.linalg.matrix_power(a_k, int(n))), n
    for got, n in zip(module.each_n(a, exponents), exponents):
        assert np.array_equal(got, np.linalg.matrix_power(a, int(n))), n


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 4, 6, 9])
def test_run_time_exponent_derivatives(n):
    """grad and jvp in `a` against central differences (float64) and autograd's product of n factors."""
    import autograd
    from more_functions_oracles import LinalgOracles

    module = load_source(RUN_TIME.format(note='"f64[3,3]"'))
    a = _matrices((3, 3), seed=4)
    linalg = LinalgOracles(autograd.numpy)
    expected = autograd.grad(lambda x: autograd.numpy.sum(linalg.matrix_power(x, n) * autograd.numpy.cos(x)))(a)
    assert np.allclose(module.g(a, n), expected, rtol=1e-10, atol=1e-10)
    differences = np.zeros((3, 3))
    for index in np.ndindex(3, 3):
        step = np.zeros((3, 3))
        step[index] = 1e-6
        differences[index] = (module.total(a + step, n) - module.total(a - step, n)) / 2e-6
    assert np.allclose(expected, differences, rtol=1e-6, atol=1e-6)
    direction = np.random.default_rng(5).normal(size=(3, 3))
    _, tangent = module.t(a, n, direction)
    assert np.isclose(tangent, np.sum(expected * direction), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n", [5, -2, 0])
def test_run_time_exponent_every_form(n):
    """all_forms_pass with n an argument: f, vjp, fj, fv (n batched too) against NumPy, differences, autograd."""
    text = kernel_module('a: "f64[2,3,3]", n: "i64[]"', "np.linalg.matrix_power(a, n)")
    all_forms_pass(text, ["a", "n"], [[_matrices((2, 3, 3), seed=s), n] for s in range(2)])


def test_run_time_exponent_c_target(tmp_path):
    text = kernel_module('a: "f64[3,3]", n: "i64[]"', "np.linalg.matrix_power(a, n) + np.linalg.matrix_power(a, -n)")
    all_forms_pass(text, ["a", "n"], [[_matrices((3, 3)), 7], [_matrices((3, 3), seed=1), -4]], c=True,
                   tmp_path=tmp_path)


def test_run_time_exponent_of_integer_and_singular_matrices():
    """An integer matrix: NumPy's integer products for n >= 0, a located ValueError for n < 0 (NumPy's float64
    inverse); a singular matrix raises LinAlgError only where n < 0 (NumPy inverts only there)."""
    module = load_source(kernel_module('a: "i64[3,3]", n: "i64[]"', "np.linalg.matrix_power(a, n)"), "case.py")
    a = _matrices((3, 3), np.int64)
    for n in range(0, 10):
        got = module.f(a, n)
        assert got.dtype == np.int64 and np.array_equal(got, np.linalg.matrix_power(a, n))
    with pytest.raises(ValueError, match=r"case.py:7:\d+: np.linalg.matrix_power of an integer matrix"):
        module.f(a, -1)
    module = load_source(kernel_module('a: "f64[2,2]", n: "i64[]"', "np.linalg.matrix_power(a, n + 1)"))
    singular = np.ones((2, 2))
    for n in (-1, 0, 1, 5):
        assert np.array_equal(module.f(singular, n), np.linalg.matrix_power(singular, n + 1))
    with pytest.raises(np.linalg.LinAlgError):
        module.f(singular, -2)
