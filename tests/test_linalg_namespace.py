"""np.linalg forms of CuPy's linalg tests (twenty-fifth session): eigh/eigvalsh with UPLO='U' and eigvalsh as
NumPy's own call (its bits differ from eigh's values), tensorsolve and tensorinv (frontend/tensor_solve.py),
svdvals, the array-API names np.linalg.matmul and matrix_transpose, and np.einsum's optimize= of one operand.
Values bit for bit against NumPy with every form (benchmarks/corpus/checks.py) and the C target; derivatives
against central differences and autograd; located refusals."""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import all_forms_pass, kernel_module


def _symmetric_draws(shape, count=2, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=shape)] for _ in range(count)]


@pytest.mark.parametrize("note, shape, body", [
    ('"f64[4,4]"', (4, 4), "np.linalg.eigvalsh(a)"),
    ('"f64[4,4]"', (4, 4), "np.linalg.eigvalsh(a, UPLO='U')"),
    ('"f64[2,3,3]"', (2, 3, 3), "np.linalg.eigvalsh(a, 'u')"),
    ('"f32[n,n]"', (5, 5), "np.linalg.eigvalsh(a, UPLO='U')"),
    ('"f64[3,3]"', (3, 3), "np.linalg.eigh(a, UPLO='U')[0] + np.abs(np.linalg.eigh(a, 'U')[1][0])"),
    ('"f64[2,4,4]"', (2, 4, 4), "np.sum(np.linalg.eigh(a, UPLO='U')[1] ** 2 * np.arange(4.0), axis=-1)"),
])
def test_eigh_and_eigvalsh_are_numpys_bits_with_every_form(note, shape, body):
    """eigvalsh was eigh(a)[0] (315 of 400 random matrices differ from NumPy's eigvalsh in their bits); UPLO='U'
    was refused."""
    draws = [[x.astype(np.float32) if "f32" in note else x] for [x] in _symmetric_draws(shape)]
    all_forms_pass(kernel_module(f"a: {note}", body), ["a"], draws)


def test_eigvalsh_is_not_eighs_values():
    module = load_source(kernel_module('a: "f64[n,n]"', "np.linalg.eigvalsh(a)"))
    rng = np.random.default_rng(5)
    for n in range(1, 9):
        a = rng.normal(size=(n, n))
        assert np.array_equal(module.f(a), np.linalg.eigvalsh(a))


UPPER = """import numpy as np
from lifted import grad, hessian, kernel


@kernel
def f(a: "f64[4,4]"):
    w, v = np.linalg.eigh(a, UPLO='U')
    return np.sum(w * np.arange(4.0)) + np.sum(v[1] ** 2 * np.arange(4.0)) + np.sum(np.linalg.eigvalsh(a, 'U') ** 3)


g = grad(f)
h = hessian(f)
"""


def _upper_reference(a):
    full = anp.triu(a) + anp.triu(a, 1).T  # the symmetric matrix NumPy's UPLO='U' reads
    w, v = anp.linalg.eigh(full)
    return anp.sum(w * np.arange(4.0)) + anp.sum(v[1] ** 2 * np.arange(4.0)) + anp.sum(w ** 3)


def _differences(function, a, step=1e-6):
    columns = []
    for index in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[index] = step
        columns.append((function(a + e) - function(a - e)) / (2 * step))
    return np.stack(columns, axis=-1).reshape(np.shape(columns[0]) + a.shape)


def test_upper_triangle_derivatives_against_differences_and_autograd():
    module = load_source(UPPER)
    a = np.random.default_rng(2).normal(size=(4, 4))
    reference = lambda x: _upper_reference(x)  # noqa: E731
    expected = autograd.grad(reference)(a)
    assert np.allclose(_differences(reference, a), expected, rtol=1e-6, atol=1e-6)
    assert np.allclose(module.g(a), expected, rtol=1e-9, atol=1e-9)
    assert np.all(np.tril(module.g(a), -1) == 0)  # the lower triangle is not read
    hessian = autograd.hessian(reference)(a)
    assert np.allclose(_differences(autograd.grad(reference), a), hessian, rtol=1e-5, atol=1e-5)
    assert np.allclose(module.h(a), hessian, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("signature, shapes, body", [
    ('a: "f64[2,3,6]", b: "f64[2,3]"', [(2, 3, 6), (2, 3)], "np.linalg.tensorsolve(a, b)"),
    ('a: "f64[2,3,6]", b: "f64[2,3]"', [(2, 3, 6), (2, 3)], "np.linalg.tensorsolve(a, b, axes=(0, 2))"),
    ('a: "f64[3,4,4,3]", b: "f64[3,4]"', [(3, 4, 4, 3), (3, 4)], "np.linalg.tensorsolve(a, b, (0, 2))"),
    ('a: "f64[n0,n1,n2]", b: "f64[n0,n1]"', [(2, 3, 6), (2, 3)], "np.linalg.tensorsolve(a, b, axes=(0, 2))"),
    ('a: "f64[4,6,8,3]"', [(4, 6, 8, 3)], "np.linalg.tensorinv(a)"),
    ('a: "f64[4,6,24]"', [(4, 6, 24)], "np.linalg.tensorinv(a, ind=2)"),
    ('a: "f64[6,2,3]"', [(6, 2, 3)], "np.linalg.tensorinv(a, 1)"),
    ('a: "f64[2,3,4]"', [(2, 3, 4)], "np.linalg.svdvals(a)"),
    ('a: "f32[2,3,4]", b: "f32[4,5]"', [(2, 3, 4), (4, 5)], "np.linalg.matmul(a, b)"),
    ('a: "f64[2,3,4]"', [(2, 3, 4)], "np.linalg.matrix_transpose(a) * 2.0"),
    ('a: "f64[n,n]"', [(4, 4)], "np.einsum(a, [0, 1], [1], optimize=True)"),
    ('a: "f64[n,m]"', [(4, 3)], "np.einsum('ij->j', a, optimize='greedy')"),
    ('a: "f64[n,n]"', [(3, 3)], "np.einsum('ij,jk->ik', a, a, optimize=False)"),
])
def test_tensor_solves_and_array_api_names_are_numpys_with_every_form_and_c(signature, shapes, body, tmp_path):
    rng = np.random.default_rng(len(shapes[0]))
    dtype = np.float32 if "f32" in signature else np.float64
    draws = [[rng.normal(size=shape).astype(dtype) for shape in shapes] for _ in range(2)]
    params = [part.split(":")[0].strip() for part in signature.split(", ")]
    all_forms_pass(kernel_module(signature, body), params, draws, c=True, tmp_path=tmp_path)


def test_tensorsolve_of_integer_arrays_is_float64_as_numpys():
    module = load_source(kernel_module('a: "i64[2,2,4]", b: "i64[2,2]"', "np.linalg.tensorsolve(a, b)"))
    a = np.array([[[2, 1, 0, 0], [0, 3, 1, 0]], [[1, 0, 4, 1], [0, 0, 1, 5]]])
    b = np.array([[1, 2], [3, 4]])
    assert np.array_equal(module.f(a, b), np.linalg.tensorsolve(a, b)) and module.f(a, b).dtype == np.float64


def test_tensorsolve_of_named_sizes_checks_numpys_requirement_at_run_time():
    module = load_source(kernel_module('a: "f64[n0,n1,n2]", b: "f64[n0,n1]"', "np.linalg.tensorsolve(a, b)"))
    with pytest.raises(np.linalg.LinAlgError, match="prod"):
        module.f(np.ones((3, 5, 6)), np.ones((3, 5)))


@pytest.mark.parametrize("signature, body, message", [
    ('a: "f64[3,3]"', "np.linalg.eigvalsh(a, UPLO='X')", "UPLO must be 'L' or 'U'"),
    ('a: "f64[2,3,5]", b: "f64[2,3]"', "np.linalg.tensorsolve(a, b)", "LinAlgError"),
    ('a: "f64[2,3,6]", b: "f64[2,3]"', "np.linalg.tensorsolve(a, b, axes=(3,))", "axis 3"),
    ('a: "f64[4,4]"', "np.linalg.tensorinv(a, ind=0)", "Invalid ind"),
    ('a: "f64[3]"', "np.linalg.svdvals(a)", "LinAlgError"),
    ('a: "f64[3,3]"', "np.einsum('ij,jk->ik', a, a, optimize=True)", "optimize=True of 2 operands"),
    ('a: "f64[2,3]", b: "f64[3,2]"', "np.linalg.matmul(a, b, b)", "takes 2"),
])
def test_refusals_are_located(signature, body, message):
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module(signature, body))
    assert ":7:" in str(error.value) and message in str(error.value), str(error.value)


@pytest.mark.parametrize("note, shape, body", [
    ('"f64[n]"', (5,), "np.linalg.norm(a, -2, 0, True)"),
    ('"f64[3,4]"', (3, 4), "np.linalg.norm(a, 1, 1, True)"),
    ('"f64[3,4]"', (3, 4), "np.linalg.norm(a, 'fro', (0, 1), False)"),
])
def test_norm_with_keepdims_by_position_is_numpys(note, shape, body):
    """np.linalg.norm(x, ord, axis, keepdims) with all four by position (CuPy's TestNorm) was refused."""
    all_forms_pass(kernel_module(f"a: {note}", body), ["a"], _symmetric_draws(shape))
