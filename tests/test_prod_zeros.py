"""Regression (issue #10 item 8): `np.prod`'s derivatives where an entry is 0, at every order.

The old rules divided the product by the entry (0 / 0 = NaN). Each expected value here is exact: a product's
derivative with respect to one factor is the product of the others, and the oracles multiply the factors out
(autograd's own `prod` divides as well, so it cannot be the oracle at zeros).
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from gradcheck import central_difference, load_source

SOURCE = '''
import numpy as np
import pytest
from lifted import kernel, grad, jvp, hessian, vjp, jacfwd


@kernel
def f(x: "f64[4]"):
    return np.prod(x)


@kernel
def rows(x: "f64[3,4]"):
    return np.sum(np.sin(x.prod(axis=1)))


@kernel
def cubic(s: "f64[]"):
    return np.prod(np.stack((s, s + 1.0, 2.0 * s)))


f_grad = grad(f)
f_jvp = jvp(f)
f_hessian = hessian(f)
f_hvp = jvp(grad(f))
f_grad_vjp = vjp(grad(f))
f_third = jacfwd(hessian(f))
rows_grad = grad(rows)
rows_hessian = hessian(rows)
cubic_second = grad(grad(cubic))
cubic_third = grad(grad(grad(cubic)))
'''

X = np.array([2.0, 0.0, 3.0, -1.5])


def _f(x):
    return x[0] * x[1] * x[2] * x[3]


def _rows(x):
    return anp.sum(anp.sin(x[:, 0] * x[:, 1] * x[:, 2] * x[:, 3]))


def test_prod_derivatives_at_a_zero_entry_are_the_products_of_the_others():
    m = load_source(SOURCE, "prod_zeros.py")
    # gradient: only the zero entry's derivative survives, the product of the three others
    np.testing.assert_array_equal(m.f_grad(X), [0.0, 2.0 * 3.0 * -1.5, 0.0, 0.0])
    np.testing.assert_allclose(m.f_grad(X), central_difference(m.f, [X], 0), atol=1e-8)
    tangent = np.array([0.5, -1.0, 2.0, 0.25])
    value, derivative = m.f_jvp(X, tangent)
    assert value == 0.0 and derivative == 9.0  # -1 * (2 * 3 * -1.5)
    hess = m.f_hessian(X)
    assert np.all(np.isfinite(hess))
    np.testing.assert_allclose(hess, autograd.hessian(_f)(X), rtol=1e-14, atol=0.0)
    assert hess[0, 1] == 3.0 * -1.5 and hess[0, 2] == 0.0 and np.all(np.diag(hess) == 0.0)
    np.testing.assert_allclose(m.f_hvp(X, tangent)[1], hess @ tangent, rtol=1e-14)
    np.testing.assert_allclose(m.f_grad_vjp(X, tangent)[1], hess.T @ tangent, rtol=1e-14)
    third = m.f_third(X)
    np.testing.assert_allclose(third, autograd.jacobian(autograd.hessian(_f))(X), rtol=1e-14, atol=0.0)
    assert third[0, 1, 2] == -1.5 and third[0, 2, 3] == 0.0


def test_prod_along_an_axis_with_zeros_and_repeated_zeros():
    m = load_source(SOURCE, "prod_zeros.py")
    x = np.random.default_rng(8).normal(size=(3, 4))
    x[0, 1] = x[0, 3] = x[2, 0] = 0.0  # two zeros in one row, one in another
    np.testing.assert_allclose(m.rows_grad(x), autograd.grad(_rows)(x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(m.rows_hessian(x), autograd.hessian(_rows)(x), rtol=1e-13, atol=1e-15)
    assert m.rows_hessian(x)[0, 1, 0, 3] == x[0, 0] * x[0, 2]  # the two zeros' mixed derivative


def test_prod_of_a_scalar_program_differentiated_three_times_at_zero():
    """s (s + 1) 2s = 2s^3 + 2s^2: second derivative 12s + 4, third 12."""
    m = load_source(SOURCE, "prod_zeros.py")
    assert m.cubic_second(0.0) == 4.0
    assert m.cubic_third(0.0) == 12.0


LONG = '''
import numpy as np
import pytest
from lifted import kernel, grad


@kernel
def rows(x: "f64[2,n]"):
    return np.sum(np.prod(x, axis=1) * np.array([1.5, -0.5]))


@kernel
def columns(x: "f64[n,2]"):
    return np.sum(np.prod(x, axis=0) * np.array([1.5, -0.5]))


@kernel
def whole(x: "f64[n]"):
    return np.prod(x)


rows_grad = grad(rows)
columns_grad = grad(columns)
whole_grad = grad(whole)
'''


def _others(v: np.ndarray) -> np.ndarray:
    """The products before and after each entry of a vector, by running products written out here."""
    before = np.concatenate(([1.0], np.cumprod(v[:-1])))
    after = np.concatenate((np.cumprod(v[::-1][:-1])[::-1], [1.0]))
    return before * after


@pytest.mark.parametrize("kind", ["near_one", "zeros", "huge_and_tiny"])
def test_long_groups_are_split_into_blocks_and_stay_exact(kind):
    """Groups longer than 1024 entries (2500 here: two full blocks and a part) are taken block by block."""
    m = load_source(LONG, "prod_long.py")
    x = np.exp(np.random.default_rng(5).normal(scale=0.02, size=(2, 2500)))
    if kind == "zeros":
        x[0, [3, 1700]] = 0.0  # two zeros in different blocks of the first row
        x[1, 2400] = 0.0  # one zero in the last, partial block
    elif kind == "huge_and_tiny":
        x[0, [10, 1100, 2200]] = [1e200, 1e-150, 1e-40]
        x[1, [5, 6]] = [1e300, 1e-300]
    expected = np.stack([1.5 * _others(x[0]), -0.5 * _others(x[1])])
    np.testing.assert_allclose(m.rows_grad(x), expected, rtol=1e-11, atol=0.0)
    np.testing.assert_allclose(m.columns_grad(x.T.copy()), expected.T, rtol=1e-11, atol=0.0)
    np.testing.assert_allclose(m.whole_grad(x[1]), _others(x[1]), rtol=1e-11, atol=0.0)
