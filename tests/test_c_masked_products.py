"""Products and sums of a tie mask times factors on the C target (backends/c/masked_products.py, loops/masked.py,
`lifted_masked_matmul` and `lifted_masked_sum` in the loop prelude): `x.T @ (mask * t * -2.0)` and
`np.sum(mask * t, axis=0)` of kmeans' gradient read the `x == min` mask where a kernel stored the n x k operand.
The sparse path (a mask at most one true in eight, finite factors and operand) adds the true elements' terms only,
so results are NumPy's up to the order of additions; denser masks and non-finite values take the dense product,
NaNs where NumPy has them. Checked against the NumPy backend with each operand in several layouts, with ties,
empty and one-row inputs, float32, and the gradient against finite differences and autograd.
"""
from __future__ import annotations

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from gradcheck import check_gradient_and_hessian_diagonal, load_source
from test_c_backend import assert_agree, c_module
from test_c_row_walk import views

SOURCE = '''
import numpy as np
from lifted import grad, jvp, kernel


@kernel
def nearest(p: "f64[n,d]", c: "f64[k,d]") -> "f64[]":
    distances = np.sum(p * p, axis=1)[:, None] - 2.0 * (p @ c.T) + np.sum(c * c, axis=1)[None, :]
    return np.sum(np.min(distances, axis=1))


nearest_grad = grad(nearest, wrt="c")
nearest_hvp = jvp(nearest_grad, wrt="c")


@kernel
def nearest32(p: "f32[n,d]", c: "f32[k,d]") -> "f32[]":
    distances = np.sum(p * p, axis=1)[:, None] - 2.0 * (p @ c.T) + np.sum(c * c, axis=1)[None, :]
    return np.sum(np.min(distances, axis=1))


nearest32_grad = grad(nearest32, wrt="c")


@kernel
def tie_products(a: "f64[n,k]", b: "f64[k,m]", e: "f64[m,n]", w: "f64[k]", s: "f64[]"):
    mask = a == np.max(a, axis=1, keepdims=True)
    x = (w * mask) * s * a
    return x @ b, e @ (mask * 3.0), np.sum(x, axis=1), np.sum(mask * w, axis=0, keepdims=True)


@kernel
def tie_products32(a: "f32[n,k]", b: "f32[k,m]", w: "f32[k]"):
    mask = a == np.min(a, axis=1, keepdims=True)
    x = mask * w * 0.1
    return x @ b, np.sum(x, axis=0)
'''


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("masked_products")
    return c_module(SOURCE, folder, "masked")[0], load_source(SOURCE, "masked.py"), \
        c_module(SOURCE, folder, "masked_host", loop_kernels=False)[0]


def check(compiled, reference, name: str, args: list, rtol: float = 1e-12) -> None:
    """Every operand in each layout (the others contiguous) against the NumPy backend, NaNs where it has them."""
    expected = getattr(reference, name)(*args)
    for position, arg in enumerate(args):
        for layout, view in (views(arg).items() if np.ndim(arg) else [("scalar", arg)]):
            called = list(args)
            called[position] = view
            assert_agree(getattr(compiled, name)(*called), expected, f"{name}: operand {position} {layout}", rtol)


def test_the_mask_is_read_where_the_operand_was_stored():
    out = transpile_c(SOURCE, "masked.py")
    assert "lifted_masked_matmul(v_t_" in out.kernels and "lifted_masked_sum(v_mask, 0," in out.kernels
    assert "lifted_masked_sum(v_mask, 1," in out.kernels  # (tie_products' sum over rows)
    # kmeans' gradient: no kernel stores the n x k operand of the product or walks the mask's columns
    specs = [line for line in out.host.splitlines() if line.strip().startswith('"nearest_grad_k')]
    assert specs and not any("'columns'" in line or "('out', 'f64', True)" in line for line in specs)
    host = transpile_c(SOURCE, "masked.py", loop_kernels=False).host
    assert "_runtime.matmul(p.T, mask * t_5 * -2.0)" in host  # (outside a run: the chain as NumPy computes it)
    assert "np.sum(mask * t_5, axis=0, keepdims=True)" in host


@pytest.mark.parametrize("k", [1, 2, 3, 8, 10, 40, 100])
def test_kmeans_gradient_in_every_layout(modules, k):
    compiled, reference, host = modules
    rng = np.random.default_rng(k)
    p, c = rng.normal(size=(60, 4)), rng.normal(size=(k, 4))
    check(compiled, reference, "nearest_grad", [p, c])
    check(compiled, reference, "nearest_hvp", [p, c, np.ones_like(c)])
    assert_agree(host.nearest_hvp(p, c, np.ones_like(c)), reference.nearest_hvp(p, c, np.ones_like(c)), "host")


@pytest.mark.parametrize("n, k", [(0, 5), (1, 1), (1, 30), (5, 0), (300, 1)])
def test_empty_and_one_row_inputs(modules, n, k):
    compiled, reference, _host = modules
    rng = np.random.default_rng(n + k)
    p, c = rng.normal(size=(n, 3)), rng.normal(size=(k, 3))
    if not k:
        with pytest.raises(ValueError):  # (NumPy: a min over an empty axis)
            reference.nearest_grad(p, c)
        with pytest.raises(ValueError):
            compiled.nearest_grad(p, c)
        return
    assert_agree(compiled.nearest_hvp(p, c, np.ones_like(c)), reference.nearest_hvp(p, c, np.ones_like(c)),
                 f"{n} x {k}")


def test_ties_split_the_gradient_as_numpy(modules):
    compiled, reference, _host = modules
    rng = np.random.default_rng(5)
    c = rng.integers(0, 3, size=(40, 2)).astype(float)
    c[1] = c[0]  # the same centroid twice: every nearest point ties between them
    p = rng.integers(0, 3, size=(500, 2)).astype(float)  # points on the centroids' grid: many ties
    gradient = compiled.nearest_grad(p, c)
    assert_agree(gradient, reference.nearest_grad(p, c), "ties")
    assert np.array_equal(gradient[0], gradient[1])


def test_values_that_are_not_finite_give_numpys_nans(modules):
    compiled, reference, _host = modules
    rng = np.random.default_rng(6)
    p, c = rng.normal(size=(50, 3)), rng.normal(size=(20, 3))
    for row, value in ((3, np.inf), (7, np.nan), (0, -np.inf)):
        bad = p.copy()
        bad[row, 1] = value  # an inf distance row (the min's mask), or NaN: nothing equals it, a count of 0
        with np.errstate(all="ignore"):
            expected = reference.nearest_hvp(bad, c, np.ones_like(c))
            actual = compiled.nearest_hvp(bad, c, np.ones_like(c))
        for got, want in zip(actual, expected):
            assert np.array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_float32(modules):
    compiled, reference, _host = modules
    rng = np.random.default_rng(7)
    p, c = rng.normal(size=(200, 5)).astype(np.float32), rng.normal(size=(30, 5)).astype(np.float32)
    actual, expected = compiled.nearest32_grad(p, c), reference.nearest32_grad(p, c)
    assert actual.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=2e-5)
    assert "auto value = [&](int64_t i, int64_t j, float m) -> float" in transpile_c(SOURCE, "masked.py").kernels
    a = rng.integers(0, 5, size=(70, 16)).astype(np.float32)
    args = [a, rng.normal(size=(16, 3)).astype(np.float32), rng.normal(size=16).astype(np.float32)]
    for got, want in zip(compiled.tie_products32(*args), reference.tie_products32(*args)):
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n, k, m", [(40, 12, 3), (33, 9, 1), (7, 64, 5), (50, 2, 4), (0, 10, 3), (9, 1, 2)])
def test_masks_on_either_side_and_sums_over_either_axis(modules, n, k, m):
    compiled, reference, host = modules
    rng = np.random.default_rng(n * k + m)
    a = rng.integers(0, 4, size=(n, k)).astype(float)  # ties in most rows
    args = [a, rng.normal(size=(k, m)), rng.normal(size=(m, n)), rng.normal(size=k), np.float64(-1.5)]
    check(compiled, reference, "tie_products", args)
    assert_agree(host.tie_products(*args), reference.tie_products(*args), "host")
    for s in (np.inf, np.nan):  # a factor that is not finite: the dense product, NaNs at NumPy's places
        args[-1] = np.float64(s)
        with np.errstate(all="ignore"):
            actual, expected = compiled.tie_products(*args), reference.tie_products(*args)
        for got, want in zip(actual, expected):
            assert np.array_equal(np.isnan(got), np.isnan(want)) and np.array_equal(np.isinf(got), np.isinf(want))


@pytest.mark.parametrize("n, k", [(8, 8), (9, 8), (7, 9), (13, 10), (127, 9), (3, 64), (2, 65), (1, 130),
                                  (40, 200)])
@pytest.mark.parametrize("place", ["first", "last", "random"])
def test_true_flags_at_every_place_of_the_64_flag_blocks(modules, n, k, place):
    """The sparse scan (`lifted_each_true`) reads the mask 64 flags at a time as the bits of one word: a true flag
    first or last in its row, rows that end inside a block or span several, and a last block of fewer than 64
    flags give NumPy's products and sums (one true flag per row: the sparse path wherever k >= 8)."""
    compiled, reference, host = modules
    rng = np.random.default_rng(n * k)
    a = rng.normal(size=(n, k))
    columns = {"first": np.zeros(n, int), "last": np.full(n, k - 1), "random": rng.integers(0, k, size=n)}[place]
    a[np.arange(n), columns] = 10.0
    args = [a, rng.normal(size=(k, 3)), rng.normal(size=(3, n)), rng.normal(size=k), np.float64(0.5)]
    check(compiled, reference, "tie_products", args)


UPDATED = '''
import numpy as np
from lifted import kernel


@kernel
def updated(a: "f64[n,k]", b: "f64[k,m]"):
    y = a * 1.0
    mask = y == np.max(y, axis=1, keepdims=True)
    x = mask * y
    y[:, 0] = 7.0  # (after x: the product and the sum must not see it)
    return x @ b, np.sum(x, axis=0), y
'''


def test_a_factor_updated_in_place_keeps_the_product(tmp_path):
    assert "lifted_masked" not in transpile_c(UPDATED, "updated.py").kernels.split("// updated_block")[-1]
    compiled = c_module(UPDATED, tmp_path, "updated")[0]
    a, b = np.random.default_rng(10).normal(size=(30, 12)), np.random.default_rng(11).normal(size=(12, 3))
    assert_agree(compiled.updated(a, b), load_source(UPDATED, "updated.py").updated(a, b), "updated")


DIAGONAL_VIEW = '''
import numpy as np
from lifted import kernel


@kernel
def viewed(a: "f64[n,k]", s: "f64[k,k]", b: "f64[k,m]"):
    t = s * 1.0
    d = np.diagonal(t)
    mask = a == np.max(a, axis=1, keepdims=True)
    x = mask * d
    t[0, 0] = 7.0  # (after x, through the factor's view: the product must not see it)
    return x @ b, t
'''


def test_a_factor_viewing_an_array_updated_in_place_keeps_the_product(tmp_path):
    """`np.diagonal` is a view (the merge had left the old `diag` in the list of views): its array's later update
    keeps the product as written."""
    assert "lifted_masked" not in transpile_c(DIAGONAL_VIEW, "viewed.py").kernels.split("// viewed_block")[-1]
    compiled = c_module(DIAGONAL_VIEW, tmp_path, "viewed")[0]
    rng = np.random.default_rng(12)
    a, s, b = rng.normal(size=(30, 12)), rng.normal(size=(12, 12)), rng.normal(size=(12, 3))
    assert_agree(compiled.viewed(a, s, b), load_source(DIAGONAL_VIEW, "viewed.py").viewed(a, s, b), "viewed")

def test_sizes_that_disagree_raise_numpys_errors(modules):
    compiled, reference, _host = modules
    rng = np.random.default_rng(8)
    a, b, e = rng.normal(size=(6, 4)), rng.normal(size=(5, 2)), rng.normal(size=(2, 6))
    with pytest.raises((ValueError, TypeError)):
        reference.tie_products(a, b, e, rng.normal(size=4), np.float64(1.0))
    with pytest.raises((ValueError, TypeError)):
        compiled.tie_products(a, b, e, rng.normal(size=4), np.float64(1.0))


def test_kmeans_gradient_and_hessian_diagonal_against_oracles(modules):
    compiled, _reference, _host = modules
    rng = np.random.default_rng(9)
    p, c = rng.normal(size=(120, 4)), rng.normal(size=(25, 4))  # one true in 25: the sparse path
    gradient, hessian_diagonal = compiled.nearest_hvp(p, c, np.ones_like(c))
    check_gradient_and_hessian_diagonal(SOURCE, "nearest", [p, c], 1, gradient, hessian_diagonal)


FLOAT32_PRODUCTS = '''
import numpy as np
from lifted import kernel


@kernel
def columns32(p: "f32[n,d]", a: "f32[n,k]", w: "f32[k]"):
    mask = a == np.min(a, axis=1, keepdims=True)
    return p.T @ (mask * w * 0.5)


@kernel
def rows32(a: "f32[n,k]", b: "f32[k,m]", w: "f32[k]"):
    mask = a == np.min(a, axis=1, keepdims=True)
    return (mask * w * 0.5) @ b
'''


def test_float32_masked_products_are_no_farther_from_float64_than_numpys(tmp_path):
    """The sparse path adds a float32 term for each true element: `p.T @ (mask * w)` adds one term a true row into
    each column's sums, n / k terms a sum. In one float32 chain (each term rounded twice) it came out 8 times as
    far from the exact product as NumPy's sgemm at n = 1e5, k = 8; the terms now add in double and round once."""
    compiled = c_module(FLOAT32_PRODUCTS, tmp_path, "masked32")[0]
    rng = np.random.default_rng(3)
    for n, d, k, m in [(100_000, 3, 8, 2), (20_000, 5, 10, 3), (300, 4, 9, 5)]:
        c_error = numpy_error = 0.0
        for _ in range(3):
            p, a = rng.uniform(0, 1, (n, d)).astype(np.float32), rng.uniform(0, 1, (n, k)).astype(np.float32)
            w, b = rng.uniform(0.5, 1, k).astype(np.float32), rng.uniform(-1, 1, (k, m)).astype(np.float32)
            x = (a == a.min(axis=1, keepdims=True)) * w * np.float32(0.5)
            for got, exact, numpy in ((compiled.columns32(p, a, w), p.T.astype(np.float64) @ x.astype(np.float64),
                                       p.T @ x),
                                      (compiled.rows32(a, b, w), x.astype(np.float64) @ b.astype(np.float64), x @ b)):
                assert got.dtype == np.float32
                c_error += np.abs(got - exact).mean()
                numpy_error += np.abs(numpy - exact).mean()
        assert c_error <= numpy_error, (n, c_error, numpy_error)
