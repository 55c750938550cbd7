"""np.linalg.svd and the second derivatives of singular values (primitives/singular_values.py: svd_u and svd_vh
have derivatives now): hessian, jvp(grad) and grad(grad) of np.linalg.cond and of a sum of singular values
against autograd's hessian and central differences of autograd's gradient (float64); np.linalg.svd's factors bit
for bit against NumPy with every transform (benchmarks/corpus/checks.py); the located run-time ValueError where
the singular values are repeated or zero, and the located refusals at build time."""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import all_forms_pass, kernel_module

SECOND = """import numpy as np
from lifted import grad, hessian, jvp, kernel


@kernel
def f(a: {note}):
    return {body}


h = hessian(f)
g = grad(f)
jg = jvp(g)


@kernel
def w(a: {note}):
    return np.sum(g(a) * np.cos(a))


gg = grad(w)
"""

BODIES = {
    "np.linalg.cond(a)": lambda a: _values(a)[..., 0] / _values(a)[..., -1],
    "np.linalg.cond(a, -2)": lambda a: _values(a)[..., -1] / _values(a)[..., 0],
    "np.linalg.cond(a, 'nuc')": lambda a: anp.sum(_values(a)) * anp.sum(_values(anp.linalg.inv(a))),
    "np.sum(np.linalg.svd(a, compute_uv=False))": lambda a: anp.sum(_values(a)),
    "np.sum(np.linalg.svd(a, compute_uv=False) ** 2 * np.arange(1.0, 4.0))":
        lambda a: anp.sum(_values(a) ** 2 * np.arange(1.0, 4.0)),
}


def _values(a):
    return anp.linalg.svd(a, compute_uv=False)


def _differences(function, a: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences of `function` (array -> array), one per element of `a`, stacked on trailing axes."""
    columns = []
    for index in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[index] = step
        columns.append((function(a + e) - function(a - e)) / (2 * step))
    return np.stack(columns, axis=-1).reshape(np.shape(columns[0]) + a.shape)


@pytest.mark.parametrize("body", list(BODIES))
@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 3)])
def test_second_derivatives_against_autograd_and_differences(body, shape):
    if ("cond(a," in body or "arange" in body) and shape != (3, 3):
        pytest.skip("square matrices (cond's inverse; three singular values)")
    note = '"f64[%s]"' % ",".join(map(str, shape))
    module = load_source(SECOND.format(note=note, body=body))
    reference = BODIES[body]
    rng = np.random.default_rng(sum(shape))
    for _ in range(2):
        a = rng.normal(size=shape)
        expected = autograd.hessian(reference)(a)
        gradient = autograd.grad(reference)
        assert np.allclose(_differences(gradient, a), expected, rtol=1e-5, atol=1e-5)
        hessian = module.h(a)
        assert np.allclose(hessian, expected, rtol=1e-9, atol=1e-9)
        t = rng.normal(size=shape)
        _, tangent = module.jg(a, t)
        assert np.allclose(tangent, np.tensordot(expected, t, axes=t.ndim), rtol=1e-9, atol=1e-9)
        assert np.allclose(module.gg(a), autograd.grad(lambda x: anp.sum(gradient(x) * anp.cos(x)))(a),
                           rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("note, shape, body", [
    ('"f64[4,3]"', (4, 3), "np.sum(u * np.arange(12.0).reshape(4, 3)) + np.sum(np.sin(vh)) + np.sum(s ** 2)"),
    ('"f64[3,4]"', (3, 4), "np.sum(np.abs(u[:, 0]) * u[:, 0]) + np.sum(vh ** 3)"),
    ('"f64[3,3]"', (3, 3), "np.sum(u @ vh * np.tanh(s))"),
    ('"f64[2,3,3]"', (2, 3, 3), "np.sum((u * s[:, None, :]) @ vh)"),
    ('"f64[n,n]"', (3, 3), "u[0, 1] * vh[2, 0] + s[1]"),
])
def test_factors_are_numpys_with_every_transform(note, shape, body):
    text = kernel_module(f"a: {note}", "_parts(a)").replace(
        "@kernel", f"def _parts(a):\n    u, s, vh = np.linalg.svd(a, full_matrices=False)\n    return {body}\n\n\n"
        "@kernel", 1)
    rng = np.random.default_rng(len(shape))
    all_forms_pass(text, ["a"], [[rng.normal(size=shape)] for _ in range(2)])


def test_full_matrices_of_square_matrices_and_the_values_alone():
    module = load_source(kernel_module('a: "f64[3,3]"', "np.linalg.svd(a)"))
    a = np.random.default_rng(3).normal(size=(3, 3))
    for got, expected in zip(module.f(a), np.linalg.svd(a)):
        assert np.array_equal(got, expected)
    module = load_source(kernel_module('a: "f64[2,3,4]"', "np.linalg.svd(a, compute_uv=False)"))
    b = np.random.default_rng(4).normal(size=(2, 3, 4))
    assert np.array_equal(module.f(b), np.linalg.svd(b, compute_uv=False))


def test_repeated_or_zero_singular_values_refuse_the_second_derivative_at_run_time():
    module = load_source(SECOND.format(note='"f64[3,3]"', body="np.sum(np.linalg.svd(a, compute_uv=False))"),
                         "case.py")
    for a in (np.diag([2.0, 2.0, 0.5]), np.diag([3.0, 1.0, 0.0])):
        for form in (module.h, module.gg):
            with pytest.raises(ValueError, match=r"case.py:7:\d+: np.linalg.svd has no derivative"):
                form(a)
    module = load_source(SECOND.format(note='"f64[3,3]"', body="np.linalg.cond(a)"), "case.py")
    with pytest.raises(ValueError, match=r"case.py:7:\d+: np.linalg.cond has no derivative"):
        module.h(np.diag([3.0, 1.0, 1.0]))


@pytest.mark.parametrize("signature, body, message", [
    ('a: "f64[3,4]"', "np.linalg.svd(a)", "full_matrices=False"),
    ('a: "f64[n,m]"', "np.linalg.svd(a, True)", "full_matrices=False"),
    ('a: "f64[3,3]"', "np.linalg.svd(a, hermitian=True)", "hermitian"),
    ('a: "f64[3]"', "np.linalg.svd(a)", "LinAlgError"),
])
def test_refusals_are_located(signature, body, message):
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module(signature, body))
    assert ":7:" in str(error.value) and message in str(error.value)
