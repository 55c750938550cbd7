"""The register tiles' edges (`templates/c_tile_products.cuh.j2`): the rows left after the blocks of
`LIFTED_TILE_ROWS` (12 on AVX-512) go in blocks of 8, 4, 2 and 1; a panel narrower than its two vectors, of b's
contiguous rows, is packed as zero vectors, one vector and scalars; a's rows or terms and b's rows a page or so
apart (a component's slice of a stack, as gmm's (n, k, d) arrays at k = 50 give) are prefetched a block or a few
terms ahead. None of these changes a number: each row of the product sums its terms along q in one order, whichever
block holds it, so a product's rows have the bits of the same rows in a product whose blocks are all whole.
"""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

from test_c_backend import c_module
from test_c_tile_products import GEMM

SGEMM = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
                         ctypes.c_int64, ctypes.c_float, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                         ctypes.c_int64, ctypes.c_float, ctypes.c_void_p, ctypes.c_int64)

PRODUCT = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "f64[n,k]", b: "f64[k,m]", c: "f64[n,m]"):
    return a @ b + c


@kernel
def f32(a: "f32[n,k]", b: "f32[k,m]", c: "f32[n,m]"):
    return a @ b + c
'''


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    module, _ = c_module(PRODUCT, tmp_path_factory.mktemp("remainders"), "tile_remainders")
    return module


def _operands(rng, dtype, columns: int, far: str):
    """a (24 x 300) and b (300 x columns), as contiguous arrays or as slices whose rows (a's, b's) or terms (a's)
    lie far apart in memory."""
    if far == "rows":  # a's rows 4 x 300 elements apart, b's rows 8 x columns (>= 640 bytes for doubles)
        a = rng.normal(size=(24, 4, 300))[:, 1, :]
        b = rng.normal(size=(300, 8, columns))[:, 2, :]
    elif far == "terms":  # a[r, q] and a[r, q + 1] 96 elements apart
        a = rng.normal(size=(300, 4, 24))[:, 3, :].T
        b = rng.normal(size=(300, columns))
    else:
        a, b = rng.normal(size=(24, 300)), rng.normal(size=(300, columns))
    return a.astype(dtype), b.astype(dtype)


@pytest.mark.parametrize("dtype, columns", [(np.float64, 10), (np.float64, 15), (np.float64, 16), (np.float64, 20),
                                           (np.float64, 40), (np.float32, 16), (np.float32, 20), (np.float32, 50)])
@pytest.mark.parametrize("far", ["none", "rows", "terms"])
def test_rows_left_after_whole_blocks_have_the_bits_of_whole_blocks(product, dtype, columns, far):
    """(b of 16 columns or more for float32, whose panels are 32 wide: narrower products are BLAS's.) 23 rows are a
    block of 12, then 8, 2 and 1; 22, 21, 20, 14 and 13 rows the other ways; each of their rows
    has the bits of the same row in the 24-row product (two blocks of 12), and NumPy's numbers to round-off."""
    rng = np.random.default_rng(columns * 3 + len(far))
    a, b = _operands(rng, dtype, columns, far)
    function = product.f if dtype == np.float64 else product.f32
    pointer = ctypes.c_void_p.in_dll(product._kernels.library,
                                     "lifted_blas_dgemm" if dtype == np.float64 else "lifted_blas_sgemm")
    saved, calls = pointer.value, []
    counting = (GEMM if dtype == np.float64 else SGEMM)(lambda *args: calls.append(args[3:6]))
    try:
        pointer.value = ctypes.cast(counting, ctypes.c_void_p).value
        function(a, b, np.zeros((24, columns), dtype))
        assert not calls  # (the tiles, not BLAS)
    finally:
        pointer.value = saved
    whole = function(a, b, np.zeros((24, columns), dtype))
    reference = a.astype(np.float64) @ b.astype(np.float64)
    tolerance = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(whole, reference, rtol=tolerance, atol=tolerance * np.sqrt(300) * np.abs(reference).max())
    for rows in (23, 22, 21, 20, 14, 13, 11, 10):
        np.testing.assert_array_equal(function(a[:rows], b, np.zeros((rows, columns), dtype)), whole[:rows])


@pytest.mark.parametrize("columns", [9, 10, 12, 15, 20, 25])
def test_a_short_panel_of_contiguous_rows_packs_its_columns_and_zeros(product, columns):
    """b of 9 to 15 columns (one panel, short) or 20 and 25 (a whole panel, then a short one of 4 or 9): the short
    panel's packed rows hold b's columns and zeros after them; a zero padding column would add nothing visible, so a
    NaN of a in a row shows it took no column that is not b's (the product's row is NaN, the others finite)."""
    rng = np.random.default_rng(columns)
    a, b = rng.normal(size=(40, 64)), rng.normal(size=(64, columns))
    c = np.zeros((40, columns))
    got = product.f(a, b, c)
    np.testing.assert_allclose(got, a @ b, rtol=1e-12, atol=1e-12 * 8 * np.abs(a @ b).max())
    a[7, 5] = np.nan
    got = product.f(a, b, c)
    assert np.isnan(got[7]).all() and np.isfinite(np.delete(got, 7, axis=0)).all()
