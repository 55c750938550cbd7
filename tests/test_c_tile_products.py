"""Register-tiled matrix products inside runs (`templates/c_tile_products.cuh.j2`) and the orientation of a stacked
einsum product (`transpiler/backends/c/cpu_products.py`).

A run's product that fits the tiles (`LIFTED_TILES_PAY`: k >= 8, at least half a panel of columns, 2^14
multiplications, and b packed in at most 1 MiB, at once or in passes of at least 256 terms over a row-contiguous a)
is computed by the tiles, not BLAS: pinned by a stand-in gemm that counts its calls.
Rows of b that are zero across a panel are skipped only where a's column is finite, so an inf or NaN meeting a
zero gives NaN as NumPy's product does; values against NumPy (float64 and float32, every layout, panel and row
block edges, triangular, banded and dense operands) and a gmm-like gradient against finite differences and
autograd.
"""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

from lifted.transpiler.backends.c.cpu_products import einsum_as_stacked_matmul
from lifted.transpiler.ir.types import TensorType
from test_c_backend import c_module
from test_c_loop_kernels import check_c_against_python

PRODUCTS = '''
import numpy as np
from lifted import kernel


@kernel
def f(a: "f64[n,k]", b: "f64[k,m]", c: "f64[n,m]"):
    return a @ b + c, (a @ b) @ b.T


@kernel
def f32(a: "f32[n,k]", b: "f32[k,m]", c: "f32[n,m]"):
    return a @ b + c, (a @ b) @ b.T
'''

GEMM = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
                        ctypes.c_int64, ctypes.c_double, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                        ctypes.c_int64, ctypes.c_double, ctypes.c_void_p, ctypes.c_int64)


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    module, _ = c_module(PRODUCTS, tmp_path_factory.mktemp("tiles"), "tile_products")
    return module


def _layout(x: np.ndarray, layout: str) -> np.ndarray:
    if layout == "transposed":
        return np.asfortranarray(x)
    if layout == "strided":
        return np.repeat(x, 2, axis=-1)[..., ::2]
    if layout == "reversed":
        return np.ascontiguousarray(x[::-1, ::-1])[::-1, ::-1]
    return x


def _check(products, a, b, c, rtol):
    function = products.f if a.dtype == np.float64 else products.f32
    got = function(a, b, c)
    expected = (a.astype(np.float64) @ b + c, (a.astype(np.float64) @ b) @ b.T)
    for value, reference in zip(got, expected):
        assert value.dtype == a.dtype and value.shape == reference.shape
        scale = np.sqrt(a.shape[1]) * np.abs(reference).max(initial=1.0)  # (round-off of a sum of k products)
        np.testing.assert_allclose(value, reference, rtol=rtol, atol=rtol * scale)


def test_products_that_fit_the_tiles_call_no_blas(products):
    """(40 x 64) @ (64 x 64) and its product with b.T run in the tiles, and so does (80 x 2000) @ (2000 x 20) (k >
    1024: two passes of 1000 terms); the same with a transposed a (passes would read it a page a term), (3 x 2000)
    @ (2000 x 20) (fewer than 64 rows for passes), (3 x 2000) @ (2000 x 600) (taken as (600 x 2000) @ (2000 x 3),
    LIFTED_GEMM_FLIPS: 3 columns), a product of 2 columns (less than half a panel), (80 x 2000) @ (2000 x 600)
    (passes of fewer than 256 terms), one of k = 4 and one of 12 x 12 x 12 call BLAS."""
    pointer = ctypes.c_void_p.in_dll(products._kernels.library, "lifted_blas_dgemm")
    saved, calls = pointer.value, []
    counting = GEMM(lambda *args: calls.append(args[3:6]))
    rng = np.random.default_rng(1)
    try:
        pointer.value = ctypes.cast(counting, ctypes.c_void_p).value
        a, b = rng.normal(size=(40, 64)), rng.normal(size=(64, 64))
        value, twice = products.f(a, b, np.zeros((40, 64)))
        np.testing.assert_allclose(value, a @ b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(twice, a @ b @ b.T, rtol=1e-12, atol=1e-10)
        assert calls == []
        products.f(rng.normal(size=(80, 2000)), rng.normal(size=(2000, 20)), np.zeros((80, 20)))
        assert calls == []
        products.f(np.asfortranarray(rng.normal(size=(80, 2000))), rng.normal(size=(2000, 20)), np.zeros((80, 20)))
        products.f(rng.normal(size=(3, 2000)), rng.normal(size=(2000, 20)), np.zeros((3, 20)))
        products.f(rng.normal(size=(3, 2000)), rng.normal(size=(2000, 600)), np.zeros((3, 600)))
        products.f(rng.normal(size=(80, 2000)), rng.normal(size=(2000, 600)), np.zeros((80, 600)))
        products.f(rng.normal(size=(300, 20)), rng.normal(size=(20, 2)), np.zeros((300, 2)))
        products.f(rng.normal(size=(300, 4)), rng.normal(size=(4, 20)), np.zeros((300, 20)))
        products.f(rng.normal(size=(12, 12)), rng.normal(size=(12, 12)), np.zeros((12, 12)))
        assert {(80, 20, 2000), (3, 20, 2000), (600, 3, 2000), (80, 600, 2000), (300, 2, 20), (300, 20, 4), (12, 12, 12)} <= set(calls)
    finally:
        pointer.value = saved


@pytest.mark.parametrize("n, k, m", [(1, 1024, 16), (12, 64, 32), (13, 40, 33), (40, 64, 64), (101, 1024, 8), (300, 8, 9),
                                     (300, 200, 50), (1000, 64, 64), (70, 2500, 20), (100, 1100, 9),
                                     (1000, 10, 10), (200, 10, 15)])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "reversed"])
@pytest.mark.parametrize("shape", ["dense", "lower", "upper", "band", "zero rows"])
def test_tiles_agree_with_numpy(products, n, k, m, layout, shape):
    """Row blocks and panels with and without remainders, products in passes over the terms (k = 2500: three of
    834, 834 and 832; k = 1100: two of 550), every operand layout, b dense, triangular, banded or with whole rows
    of zeros (the skipped ranges, per pass), float64 and float32: NumPy's numbers to round-off."""
    rng = np.random.default_rng(n * 7 + k + m)
    a, b, c = rng.normal(size=(n, k)), rng.normal(size=(k, m)), rng.normal(size=(n, m))
    rows, columns = np.indices((k, m))
    b = {"dense": b, "lower": np.where(rows >= columns, b, 0.0), "upper": np.where(rows <= columns, b, 0.0),
         "band": np.where(abs(rows - columns * k // m) <= 3, b, 0.0),
         "zero rows": np.where((rows % 5 == 0) | (rows > k // 2), 0.0, b)}[shape]
    a, b, c = (_layout(x, layout) for x in (a, b, c))
    _check(products, a, b, c, 1e-12)
    _check(products, *(x.astype(np.float32) for x in (a, b, c)), 2e-5)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("column", [0, 5, 30, 47])
def test_a_non_finite_value_meeting_skipped_zeros_gives_numpys_nan(products, bad, column):
    """b lower-triangular, so panels skip b's leading or trailing rows of zeros; an inf or NaN of a in such a
    column times those zeros is NaN in NumPy's product, and so it is in the tiles (the column is not skipped)."""
    rng = np.random.default_rng(column)
    a, b = rng.normal(size=(30, 48)), np.tril(rng.normal(size=(48, 48)))
    a[7, column] = bad
    for dtype in (np.float64, np.float32):
        typed = [x.astype(dtype) for x in (a, b, np.zeros((30, 48)))]
        value, _ = (products.f if dtype is np.float64 else products.f32)(*typed)
        expected = np.einsum("ik,kj->ij", typed[0], typed[1])  # (NumPy's own loops: every product, 0 * inf too)
        np.testing.assert_array_equal(np.isnan(value), np.isnan(expected))
        finite = np.isfinite(expected)
        np.testing.assert_allclose(value[finite], expected[finite], rtol=1e-5, atol=1e-5 * np.abs(expected[finite]).max())


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_a_non_finite_value_in_a_later_pass_meeting_skipped_zeros_gives_numpys_nan(products, bad):
    """A product of 2100 terms runs in passes (1050 each); b's rows of zeros in the second pass are skipped, but
    not where a's column there holds an inf or NaN: NumPy's NaN, as in one pass."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(70, 2100)), rng.normal(size=(2100, 24))
    b[1500:] = 0.0
    a[3, 1800] = bad
    value, _ = products.f(a, b, np.zeros((70, 24)))
    expected = np.einsum("ik,kj->ij", a, b)
    np.testing.assert_array_equal(np.isnan(value), np.isnan(expected))
    assert np.isnan(value[3]).all() and not np.isnan(np.delete(value, 3, axis=0)).any()
    finite = np.isfinite(expected)
    np.testing.assert_allclose(value[finite], expected[finite], rtol=1e-12, atol=1e-10)


def test_a_stacked_einsum_may_turn_so_its_results_last_axis_is_unit_stride():
    """gmm's Q (x - mu) `"kij,nkj->nki"` may also be computed as `diff @ Q.T` per component, (k, n, i), so the
    result's last axis i is the product's unit-stride one (and Q, the triangular factor, is the packed operand);
    its adjoint's `"kij,nki->nkj"` likewise; `"nki,nkj->kij"` ends with b's free axis and has no other way."""
    qmat, diff = TensorType("f64", (5, 64, 64)), TensorType("f64", (1000, 5, 64))
    forward = einsum_as_stacked_matmul("kij,nkj->nki", qmat, diff)
    assert forward.a_axes == (0, 1, 2) and forward.b_axes == (1, 2, 0) and forward.out_axes == (2, 0, 1)
    assert forward.swapped == ((1, 0, 2), (0, 2, 1), (1, 0, 2)) and forward.free_axis == 1
    adjoint = einsum_as_stacked_matmul("kij,nki->nkj", qmat, diff)
    assert adjoint.swapped is not None and adjoint.swapped[2][-1] == 2 and adjoint.free_axis == 2
    weights = einsum_as_stacked_matmul("nki,nkj->kij", diff, diff)
    assert weights.swapped is None and weights.out_axes == (0, 1, 2)


GMM_LIKE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(q: "f64[k,d,d]", x: "f64[n,d]", mu: "f64[k,d]", lower: "f64[d,d]") -> "f64[]":
    qmat = q * lower
    diff = x[:, None, :] - mu[None, :, :]
    qdiff = np.einsum("kij,nkj->nki", qmat, diff)
    return np.sum(np.tanh(qdiff) * qdiff) + np.sum(np.einsum("nki,nkj->kij", qdiff, diff) * lower)


g = grad(f, wrt=("q", "x", "mu"))
'''


@pytest.mark.parametrize("d", [2, 10, 16])
def test_a_triangular_stacked_product_and_its_gradient(tmp_path, d):
    """gmm's shape, Q lower-triangular through a mask, at d = 16 and 10 (the einsums turned, their products in the
    tiles: k = 3, n = 80; at 10 rows of 10 columns, a vector and scalars stored) and d = 2 (rows of two: not turned), against Python, the NumPy backend, finite differences and
    autograd; the run's text chooses the way at launch."""
    rng = np.random.default_rng(11)
    k, n = 3, 80
    args = [rng.normal(size=(k, d, d)) * 0.3, rng.normal(size=(n, d)), rng.normal(size=(k, d)),
            np.tril(np.ones((d, d)))]
    check_c_against_python(GMM_LIKE, args, tmp_path, "gmm_like", (0, 1, 2))
    # (f's Q (x - mu), and in g that, its adjoint to diff and the adjoint of the second einsum to qdiff)
    assert (tmp_path / "gmm_like.cu").read_text().count("const bool turned = LIFTED_TURNS(double, ") == 4


def test_row_blocks_shared_among_threads_give_the_same_bits(products):
    """A product of 2^22 multiplications or more shares its row blocks among the OpenMP threads; every block
    adds in the same order whichever thread runs it, so two threads give one thread's bits."""
    gomp = ctypes.CDLL("libgomp.so.1")
    rng = np.random.default_rng(4)
    a, b, c = rng.normal(size=(1100, 64)), np.tril(rng.normal(size=(64, 64))), np.zeros((1100, 64))
    before = gomp.omp_get_max_threads()
    try:
        gomp.omp_set_num_threads(1)
        alone = products.f(a, b, c)
        gomp.omp_set_num_threads(2)
        shared = products.f(a, b, c)
    finally:
        gomp.omp_set_num_threads(before)
    for one, two in zip(alone, shared):
        np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(alone[0], a @ b, rtol=1e-12, atol=1e-11)


def _subnormal_rows(rng, n, k, rows, scattered, dtype):
    """A normal a whose `rows` are subnormal throughout and with a `scattered` share of subnormal entries elsewhere
    (gmm's adjoints: a responsibility underflowed, times a row of Q (x - mu)); the shift that made them."""
    shift = 2.0 ** (-1040 if dtype == np.float64 else -140)
    a = rng.normal(size=(n, k)).astype(dtype)
    a[rows] *= dtype(shift)
    a[rng.random((n, k)) < scattered] *= dtype(shift)
    tiny = np.abs(a[a != 0]) < np.finfo(dtype).tiny
    assert tiny.any() and np.isfinite(a).all()
    return a, shift


@pytest.mark.parametrize("n, k, m, shape", [(100, 40, 64, "dense"), (90, 33, 70, "dense"), (300, 24, 20, "lower"),
                                            (1000, 64, 64, "lower"), (40, 1100, 64, "dense")])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_subnormal_entries_of_a_taken_out_of_the_tiles(products, n, k, m, shape, layout, dtype):
    """a with rows of subnormals and 3 % of its other entries subnormal (which the tiles read as zeros and add
    afterwards, where they pay: 4 panels of columns or more, or b with skipped rows, whose pass over a counts them;
    one of two passes over 1100 terms): NumPy's numbers to round-off, and the subnormal rows' results (subnormal
    themselves) against the product of those rows scaled into the normal range, to round-off at their scale."""
    rng = np.random.default_rng(n + k + m)
    tiny_rows = rng.choice(n, size=max(1, n // 10), replace=False)
    a, shift = _subnormal_rows(rng, n, k, tiny_rows, 0.03, dtype)
    b = rng.normal(size=(k, m)).astype(dtype)
    b = np.tril(b) if shape == "lower" else b
    c = np.zeros((n, m), dtype=dtype)
    function = products.f if dtype == np.float64 else products.f32
    value, twice = function(*(_layout(x, layout) for x in (a, b, c)))
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    _check(products, *(_layout(x, layout) for x in (a, b, c)), rtol)
    scaled = (a[tiny_rows].astype(np.float64) / shift) @ b  # (exact scaling: the rows into the normal range)
    assert np.all(value[tiny_rows][np.abs(scaled) * shift > 2 * np.finfo(dtype).smallest_subnormal] != 0)
    np.testing.assert_allclose(value[tiny_rows].astype(np.float64) / shift, scaled, rtol=rtol * 10,
                               atol=rtol * np.sqrt(k) * np.abs(scaled).max() + (2.0 ** -1074 if dtype == np.float64
                                                                               else 2.0 ** -149) / shift * k)
    np.testing.assert_allclose(twice[tiny_rows].astype(np.float64) / shift, scaled @ b.T.astype(np.float64),
                               rtol=rtol * 10, atol=rtol * k * np.abs(scaled @ b.T).max() + 2.0 ** -1074 / shift * k * m)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_subnormal_meeting_an_infinity_of_b_gives_numpys_infinity(products, bad):
    """a subnormal times an infinity is an infinity (a zero times it would be NaN): where b is not finite the tiles
    keep a's subnormals (and their assists), and the product is NumPy's."""
    rng = np.random.default_rng(3)
    a, _ = _subnormal_rows(rng, 100, 40, [4, 50], 0.05, np.float64)
    b = rng.normal(size=(40, 64))
    b[7, 9] = bad
    value, _ = products.f(a, b, np.zeros((100, 64)))
    expected = np.einsum("ik,kj->ij", a, b)
    np.testing.assert_array_equal(np.isnan(value), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(value), np.isinf(expected))
    assert np.isnan(value[4, 9]) if np.isnan(bad) else np.isinf(value[4, 9])
    finite = np.isfinite(expected)
    np.testing.assert_allclose(value[finite], expected[finite], rtol=1e-12, atol=1e-10)


GMM_WEIGHTED = '''
import numpy as np
from lifted import grad, kernel


@kernel
def f(q: "f64[k,d,d]", x: "f64[n,d]", mu: "f64[k,d]", lower: "f64[d,d]", w: "f64[n,k]") -> "f64[]":
    qmat = q * lower
    diff = x[:, None, :] - mu[None, :, :]
    qdiff = np.einsum("kij,nkj->nki", qmat, diff)
    return np.sum(w * np.sum(qdiff * qdiff, axis=2))


g = grad(f, wrt=("q", "x", "mu"))
'''


def test_a_gmm_like_gradient_with_subnormal_weights(tmp_path):
    """gmm's adjoints where responsibilities underflowed: weights of 1e-310 (subnormal) on a fifth of the (n, k)
    pairs make those rows of Q (x - mu)'s adjoint subnormal, the a of both adjoint products (d = 64: 4 panels,
    taken out of the tiles): against Python, the NumPy backend, finite differences and autograd."""
    rng = np.random.default_rng(12)
    k, n, d = 2, 120, 64
    w = rng.uniform(0.5, 1.5, size=(n, k))
    w[rng.random((n, k)) < 0.2] = 1e-310
    args = [rng.normal(size=(k, d, d)) * 0.02, rng.normal(size=(n, d)) * 0.1, rng.normal(size=(k, d)) * 0.1,
            np.tril(np.ones((d, d))), w]
    check_c_against_python(GMM_WEIGHTED, args, tmp_path, "gmm_weighted", (0, 1, 2))
