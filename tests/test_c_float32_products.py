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
