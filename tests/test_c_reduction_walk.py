"""Reductions over some axes on the C target read their strided operands with steps known at compile time when
a launch allows it (operands.py's `_rows_walk` and `_columns_walk`, `LIFTED_BY_ROW_LENGTH_WALK` and
`LIFTED_BY_ROW_WALK` in the prelude): a rows kernel reducing its last axis alone, and a columns kernel keeping one
axis, whose operands read through strides step 1 along the lanes' axis (or lack it). Other launches keep the
run-time strides. Only addressing changes, so the results are NumPy's (bit for bit for `min`, `max` and the
`x == min` mask of min's derivative with its tie counts; to round-off for sums) for contiguous, negative-stride,
strided and transposed operands, at row lengths on both sides of the short-row walk, for empty and one-row
spaces and float32; the kmeans gradient and Hessian diagonal against finite differences and autograd.
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
def row_min(a: "f64[n,m]", b: "f64[m]", c: "f64[n,1]") -> "f64[n]":
    return np.min(a * b + c, axis=1)


@kernel
def row_ties(a: "f64[n,m]", b: "f64[m]") -> "f64[]":
    return np.sum(np.min(a + b, axis=1))


row_ties_grad = grad(row_ties, wrt=("a", "b"))


@kernel
def column_sum(a: "f64[n,m]", t: "f64[n]", e: "f64[m]") -> "f64[m]":
    return np.sum(a * t[:, None] + e, axis=0)


@kernel
def rows_rank3(x: "f64[p,q,r]", z: "f64[r]", w: "f64[p,1,r]") -> "f64[p,q]":
    return np.max(x * z - w, axis=2)


@kernel
def columns_rank3(x: "f64[p,q,r]", z: "f64[q,r]") -> "f64[q,r]":
    return np.sum(x * z, axis=0)


@kernel
def row_min32(a: "f32[n,m]", b: "f32[m]") -> "f32[n]":
    return np.min(a - b, axis=1)
'''

LENGTHS = [1, 3, 10, 33, 64, 100]  # rows of up to 32 as columns (a short walk), longer ones as rows


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    return c_module(SOURCE, tmp_path_factory.mktemp("reduction_walk"), "reduction_walk")[0], \
        load_source(SOURCE, "reduction_walk.py")


def check(compiled, reference, name: str, args: list, exact: bool = True) -> None:
    """Every operand in each layout (the others contiguous) against the NumPy backend."""
    expected = getattr(reference, name)(*args)
    for position, arg in enumerate(args):
        for layout, view in views(arg).items():
            called = list(args)
            called[position] = view
            actual = getattr(compiled, name)(*called)
            what = f"{name}: operand {position} {layout}"
            if exact:
                for got, want in zip(actual if isinstance(actual, tuple) else (actual,),
                                     expected if isinstance(expected, tuple) else (expected,)):
                    assert got.dtype == want.dtype and np.array_equal(got, want), what
            else:
                assert_agree(actual, expected, what, rtol=1e-12)


def test_the_launch_conditions_name_the_unit_strides():
    cu = transpile_c(SOURCE, "reduction_walk.py").kernels
    # rows: `b` steps along the reduced last axis (checked at launch), `c` lacks it (0)
    assert "LIFTED_BY_ROW_LENGTH_WALK(row_min_k0_rows, b_s1 == 1," in cu
    assert "b_data[i0 * LIFTED_BROADCAST_STRIDE(b_s0) + i1 * LIFTED_ROW_STRIDE(b_s1)]" in cu
    assert "c_data[i0 * c_s0 + i1 * LIFTED_BROADCAST_STRIDE(c_s1)]" in cu
    # columns keeping one axis: `a` (walked across its rows) and `e` step along it, `t` (`v`) lacks it
    assert "LIFTED_BY_ROW_WALK(column_sum_k0_walk, a_s0 == 1 && e_s0 == 1," in cu
    assert "e_data[i0 * LIFTED_ROW_STRIDE(e_s0) + i1 * LIFTED_BROADCAST_STRIDE(e_s1)]" in cu
    # several reduced axes: the run-time strides only; several kept ones (columns_rank3) walk rows of the last
    # kept axis where they are 8 long or more (test_c_kept_columns.py)
    assert "LIFTED_BY_ROW_LENGTH(rows_rank3_k0_rows" not in cu
    assert "LIFTED_BY_ROW_WALK(columns_rank3_k0_walk, LIFTED_WALKS_ROWS_OF(d1, 8) && " in cu
    # an operand with every stride known (a row's broadcast, `c[:, None]` of a row of its own): no check at all
    broadcast = transpile_c(SOURCE.replace("a * b + c, axis=1", "a + c, axis=1"), "broadcast.py").kernels
    assert "c_data[i0 * c_s0]" in broadcast and "LIFTED_BY_ROW_LENGTH(row_min_k0_rows" in broadcast


@pytest.mark.parametrize("m", LENGTHS)
def test_rows_and_columns_in_every_layout_give_numpys_results(modules, m):
    compiled, reference = modules
    rng = np.random.default_rng(m)
    n = 9
    check(compiled, reference, "row_min", [rng.normal(size=(n, m)), rng.normal(size=m), rng.normal(size=(n, 1))])
    check(compiled, reference, "column_sum", [rng.normal(size=(n, m)), rng.normal(size=n), rng.normal(size=m)],
          exact=False)
    check(compiled, reference, "row_min32", [rng.normal(size=(n, m)).astype(np.float32),
                                             rng.normal(size=m).astype(np.float32)])
    check(compiled, reference, "rows_rank3", [rng.normal(size=(3, 4, m)), rng.normal(size=m),
                                              rng.normal(size=(3, 1, m))])
    check(compiled, reference, "columns_rank3", [rng.normal(size=(5, 3, m)), rng.normal(size=(3, m))],
          exact=False)


@pytest.mark.parametrize("m", [2, 10, 33, 100])
def test_ties_in_min_split_the_gradient_as_numpy(modules, m):
    compiled, reference = modules
    rng = np.random.default_rng(m)
    # small integers: every row has its minimum several times over (and rows of equal values)
    a = rng.integers(0, 3, size=(40, m)).astype(float)
    a[0] = 1.0
    b = rng.integers(0, 2, size=m).astype(float)
    check(compiled, reference, "row_ties_grad", [a, b])
    ga, gb = compiled.row_ties_grad(a, b)
    counts = (a + b == np.min(a + b, axis=1, keepdims=True)).sum(axis=1)
    assert np.allclose(ga.sum(axis=1), 1.0) and np.array_equal(ga.max(axis=1), 1.0 / counts) and counts.max() > 1


def test_empty_and_one_row_spaces_and_many_rows_on_the_team(modules):
    compiled, reference = modules
    rng = np.random.default_rng(3)
    for n, m in ((0, 40), (1, 40), (1, 1), (40, 1), (0, 3)):
        a, b, c = rng.normal(size=(n, m)), rng.normal(size=m), rng.normal(size=(n, 1))
        assert np.array_equal(compiled.row_min(a, b, c), reference.row_min(a, b, c))
        t, e = rng.normal(size=n), rng.normal(size=m)
        assert_agree(compiled.column_sum(a, t, e), reference.column_sum(a, t, e), f"column_sum {n}x{m}", 1e-12)
    a, b, c = rng.normal(size=(300, 70)), rng.normal(size=70), rng.normal(size=(300, 1))  # past lifted_parallel_min
    assert np.array_equal(compiled.row_min(a, b, c), reference.row_min(a, b, c))
    # stride 0 along the lanes' axis (a broadcast view): the run-time strides
    assert np.array_equal(compiled.row_min(a, np.broadcast_to(b[:1], (70,)), c),
                          reference.row_min(a, b[:1].repeat(70), c))


@pytest.mark.parametrize("k", [3, 10, 40])
def test_kmeans_gradient_and_hessian_diagonal(modules, k):
    compiled, reference = modules
    rng = np.random.default_rng(k)
    p, c = rng.normal(size=(60, 4)), rng.normal(size=(k, 4))
    ones = np.ones_like(c)
    check(compiled, reference, "nearest_grad", [p, c], exact=False)
    check(compiled, reference, "nearest_hvp", [p, c, ones], exact=False)
    gradient, hessian_diagonal = compiled.nearest_hvp(p, c, ones)
    check_gradient_and_hessian_diagonal(SOURCE, "nearest", [p, c], 1, gradient, hessian_diagonal)


PRODUCTS = '''
import numpy as np
from lifted import grad, kernel


@kernel
def projected(x: "f64[n,d]", g: "f64[n,k]", w: "f64[k,d]") -> "f64[k,d]":
    h = x.T @ g
    return h.T * w + 1.0


@kernel
def loss(x: "f64[n,d]", c: "f64[k,d]") -> "f64[]":
    return np.sum(np.tanh(x @ c.T))


loss_grad = grad(loss, wrt="c")


@kernel
def projected32(x: "f32[n,d]", g: "f32[n,k]") -> "f32[k,d]":
    return (x.T @ g).T * 2.0
'''


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    return c_module(PRODUCTS, tmp_path_factory.mktemp("flipped"), "flipped")[0], load_source(PRODUCTS, "flipped.py")


def test_a_scratch_product_of_few_rows_is_computed_as_its_transpose(products):
    cu = transpile_c(PRODUCTS, "flipped.py").kernels
    assert "LIFTED_GEMM_FLIPS(left.d[0], right.d[1])" in cu and "lifted_transposed(right), lifted_transposed(left)" in cu
    compiled, reference = products
    rng = np.random.default_rng(5)
    # d rows by k columns: flipped at k >= 64 with d <= 16, not at k = 10 or d = 20; K = n = 0 gives zeros
    for n, d, k in ((50, 16, 100), (50, 4, 64), (50, 16, 10), (50, 20, 100), (0, 8, 80), (1, 1, 70)):
        x, g, w = rng.normal(size=(n, d)), rng.normal(size=(n, k)), rng.normal(size=(k, d))
        for layout_x, view_x in views(x).items():
            for layout_g, view_g in views(g).items():
                assert_agree(compiled.projected(view_x, view_g, w), reference.projected(x, g, w),
                             f"projected {n, d, k} {layout_x} {layout_g}", rtol=1e-12)
        x32, g32 = x.astype(np.float32), g.astype(np.float32)
        np.testing.assert_allclose(compiled.projected32(x32, g32), reference.projected32(x32, g32), rtol=1e-5,
                                   atol=1e-5)
        assert compiled.projected32(x32, g32).dtype == np.float32
        c = rng.normal(size=(k, d))
        assert_agree(compiled.loss_grad(x, c), reference.loss_grad(x, c), f"loss_grad {n, d, k}", rtol=1e-12)
