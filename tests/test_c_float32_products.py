"""float32 products of the C target inside runs: as accurate as NumPy's (OpenBLAS sgemm) or more.

Tiny loop products (up to 256 multiplications: `lifted_loop_matmul` in templates/c_loop/products.cuh.j2) add
float32 terms in double and round once, so their values are the exact product rounded to float32 (each float
product is exact in double, and a few of them add exactly there): pinned bit for bit against the float64 product
rounded. (Larger loop products, matrix-vector and vector-matrix, keep float32 sums.) The register tiles
(templates/c_tile_products.cuh.j2) add float32 terms in chains of at most 256 fused multiply-adds, each chain's sum
added to the total (as sgemm adds its blocks of terms): a product of 1000 or 3000 terms is no farther from the exact
one than NumPy's (it was 1.6 and 2.4 times as far in one chain). Before, under the prelude's -ffp-contract=off, each term was rounded
twice (product, then sum), and NPBench mlp (4 x 3 @ 3 x 5 layers) came out farther from float64 than NumPy's.
"""
from __future__ import annotations

import numpy as np
import pytest

from test_c_backend import c_module

PRODUCTS = '''
import numpy as np
from lifted import kernel


@kernel
def mm(a: "f32[n,k]", b: "f32[k,m]", c: "f32[n,m]"):
    return a @ b + c


@kernel
def mv(a: "f32[n,k]", x: "f32[k]", c: "f32[n]"):
    return a @ x + c


@kernel
def vm(x: "f32[k]", b: "f32[k,m]", c: "f32[m]"):
    return x @ b + c


@kernel
def layer(x: "f32[n,k]", w: "f32[k,m]", bias: "f32[m]"):
    return np.maximum(x @ w + bias, 0)
'''


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    module, kernels = c_module(PRODUCTS, tmp_path_factory.mktemp("f32products"), "f32_products")
    assert kernels
    return module


def _rounded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The exact product (float64 holds these sums of float32 products to far below float32's ulp), rounded."""
    return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)


def _layout(x: np.ndarray, layout: str) -> np.ndarray:
    if layout == "transposed":
        return np.asfortranarray(x)
    if layout == "strided":
        return np.repeat(x, 2, axis=-1)[..., ::2]
    return x


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
@pytest.mark.parametrize("n, k, m", [(4, 3, 5), (4, 5, 6), (4, 6, 7), (3, 7, 2), (2, 40, 3), (5, 10, 5)])
def test_small_float32_products_are_the_exact_product_rounded_once(products, n, k, m, layout):
    rng = np.random.default_rng(n * 100 + k * 10 + m)
    for _ in range(40):
        a = _layout(rng.random((n, k), dtype=np.float32), layout)
        b = _layout(rng.standard_normal((k, m), dtype=np.float32), layout)
        got = products.mm(a, b, np.zeros((n, m), np.float32))
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, _rounded(a, b))


@pytest.mark.parametrize("n, k", [(8, 30), (1, 200), (12, 20), (3, 5)])
def test_tiny_float32_matrix_vector_products_are_the_exact_product_rounded_once(products, n, k):
    rng = np.random.default_rng(n * 1000 + k)
    for _ in range(40):
        a, x = rng.random((n, k), dtype=np.float32), rng.standard_normal(k, dtype=np.float32)
        np.testing.assert_array_equal(products.mv(a, x, np.zeros(n, np.float32)), _rounded(a, x))
        b = a.T.copy()
        np.testing.assert_array_equal(products.vm(x, b, np.zeros(n, np.float32)), _rounded(x, b))


def test_an_mlp_layer_is_no_farther_from_float64_than_numpys(products):
    """NPBench mlp's layer at its small sizes over many draws: the C value's mean distance to the same layer in
    float64 at most NumPy's (it was 6 % above: docs/backends.md, "Loop products in float32")."""
    rng = np.random.default_rng(7)
    c_error = numpy_error = 0.0
    for _ in range(400):
        x, w, bias = (rng.random(s, dtype=np.float32) for s in ((4, 3), (3, 5), (5,)))
        high = np.maximum(x.astype(np.float64) @ w.astype(np.float64) + bias, 0)
        c_error += np.abs(products.layer(x, w, bias) - high).mean()
        numpy_error += np.abs(np.maximum(x @ w + bias, 0) - high).mean()
    assert c_error <= numpy_error


@pytest.mark.parametrize("n, k, m", [(128, 1000, 64), (100, 3000, 32), (64, 600, 40)])
def test_long_float32_tiled_products_are_no_farther_from_float64_than_numpys(products, n, k, m):
    rng = np.random.default_rng(k)
    c_error = numpy_error = 0.0
    for _ in range(6):
        a, b = rng.random((n, k), dtype=np.float32), rng.standard_normal((k, m), dtype=np.float32)
        exact = a.astype(np.float64) @ b.astype(np.float64)
        c_error += np.abs(products.mm(a, b, np.zeros((n, m), np.float32)) - exact).mean()
        numpy_error += np.abs(a @ b - exact).mean()
    assert c_error <= numpy_error, (c_error, numpy_error)


def _draws(rng, shape, signs: str) -> np.ndarray:
    low = -1.0 if signs == "mixed" else 0.0
    return rng.uniform(low, 1.0, shape).astype(np.float32)


@pytest.mark.parametrize("signs", ["mixed", "positive"])
@pytest.mark.parametrize("n, k", [(100, 5), (100, 12), (64, 30), (64, 300), (64, 1000), (16, 5000), (8, 30000),
                                  (4, 100000)])
def test_float32_matrix_vector_loop_products_are_no_farther_from_float64_than_numpys(products, n, k, signs):
    """A matrix times a vector (past the tiny products: lanes of fused multiply-adds, chains of at most 256 terms a
    lane added into the lane's total, the lanes summed pairwise): over draws, the mean distance to the exact
    product at most NumPy's sgemv's. One float32 chain a lane along all k (before, each term rounded twice) was
    4 to 9 times as far at k = 1e5, 10 to 25 % at k = 5 to 64."""
    rng = np.random.default_rng(k + n)
    c_error = numpy_error = 0.0
    for _ in range(max(4, 200000 // (n * k))):
        a, x = _draws(rng, (n, k), signs), _draws(rng, k, signs)
        exact = a.astype(np.float64) @ x.astype(np.float64)
        c_error += np.abs(products.mv(a, x, np.zeros(n, np.float32)) - exact).mean()
        numpy_error += np.abs(a @ x - exact).mean()
    assert c_error <= numpy_error, (c_error, numpy_error)


@pytest.mark.parametrize("signs", ["mixed", "positive"])
@pytest.mark.parametrize("k, m", [(20, 100), (30, 100), (100, 100), (300, 100), (1000, 64), (10000, 32),
                                  (100000, 8)])
def test_float32_vector_matrix_loop_products_are_no_farther_from_float64_than_numpys(products, k, m, signs):
    """A vector times a matrix (chains of 8 rows from zero, each into a block's sum of 64 rows, each block's sum into
    the total): the mean distance to the exact product at most NumPy's sgemv's (which adds chains of 8 straight
    into the total). Adding every term into the total (before) was 2.5 times as far at k = 300, 3.5 at 1e5."""
    rng = np.random.default_rng(k * 3 + m)
    c_error = numpy_error = 0.0
    for _ in range(max(4, 200000 // (m * k))):
        x, b = _draws(rng, k, signs), _draws(rng, (k, m), signs)
        exact = x.astype(np.float64) @ b.astype(np.float64)
        c_error += np.abs(products.vm(x, b, np.zeros(m, np.float32)) - exact).mean()
        numpy_error += np.abs(x @ b - exact).mean()
    assert c_error <= numpy_error, (c_error, numpy_error)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
@pytest.mark.parametrize("n, k", [(9, 7), (9, 63), (7, 4097), (5, 9000), (1, 300)])
def test_float32_loop_products_in_every_layout_sum_each_term_once(products, n, k, layout):
    """Every lane count (1, 8, 16), the masked last terms, one and several blocks, four rows at a time and the rows
    left, strided operands: within a float32 rounding per chain of the exact product, the same numbers in every
    layout, and a vector times a matrix of k = 1 to 200 rows (chains of 1 to 8, blocks of 64) likewise."""
    rng = np.random.default_rng(n * 7 + k)
    a, x = _layout(rng.standard_normal((n, k), dtype=np.float32), layout), rng.standard_normal(k, dtype=np.float32)
    exact = a.astype(np.float64) @ x.astype(np.float64)
    got = products.mv(a, x, np.zeros(n, np.float32))
    np.testing.assert_array_equal(got, products.mv(np.ascontiguousarray(a), x, np.zeros(n, np.float32)))
    bound = 1e-6 * np.sqrt(k) * (np.abs(a).astype(np.float64) @ np.abs(x).astype(np.float64))
    assert np.all(np.abs(got - exact) <= bound)
    for rows in (1, 2, 7, 8, 9, 63, 64, 65, 129, 200):
        b, y = rng.standard_normal((rows, 600), dtype=np.float32), rng.standard_normal(rows, dtype=np.float32)
        if layout != "contiguous":
            y = _layout(np.tile(y, (2, 1)), layout)[0]
        exact = y.astype(np.float64) @ b.astype(np.float64)
        got = products.vm(y, b, np.zeros(600, np.float32))
        assert np.all(np.abs(got - exact) <= 1e-6 * np.sqrt(rows) * (np.abs(y) @ np.abs(b)).astype(np.float64))
