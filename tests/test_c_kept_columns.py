"""Columns kernels that keep several axes, on the C target (h-gmm6).

A columns kernel keeping several axes (`np.sum(x - m[None], axis=0)` over (n, k, d), kept (k, d): GradBench gmm's
column sum for `dmu`) walks rows of its last kept axis when a launch's rows have 8 outputs or more and its operands
step 1 along that axis (`_kept_rows_walk` in operands.py): chunks never cross a row, so lanes load contiguous
vectors where they unravelled their outputs and gathered. Otherwise (rows too short, a strided or transposed
operand) its lanes' kept coordinates are unravelled once per chunk into lane arrays (`_kept_coordinates`) instead
of in every lane block of every step of the runs; so are those of the short rows walked as columns (gmm's
`np.sum(qdiff * qdiff, axis=2)`, kept (n, k)). Each output adds its run in order either way: the sums are NumPy's
bits for every layout, gmm's turned (k, n, d) stack among them, and the gradient through them agrees with finite
differences and autograd.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from test_c_backend import c_module
from test_c_row_walk import views

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def kept_sums(x: "f64[n,k,d]", m: "f64[k,d]") -> "f64[k,d]":
    return np.sum(x - m[None, :, :], axis=0)


@kernel
def kept_rank4(x: "f64[n,a,b,d]", m: "f64[a,b,d]") -> "f64[a,b,d]":
    return np.sum(x * m[None], axis=0)


@kernel
def short_rows(q: "f64[n,k,d]") -> "f64[n,k]":
    return np.sum(q * q, axis=2)


@kernel
def short_static(q: "f64[n,k,3]") -> "f64[n,k]":
    return np.sum(q * q, axis=2)


@kernel
def loss(x: "f64[n,k,d]", m: "f64[k,d]") -> "f64[]":
    s = np.sum(x - m[None, :, :], axis=0)
    return np.sum(np.sin(s)) + np.sum(np.sum(x * x, axis=2) * np.cos(x[:, :, 0]))


loss_grad = grad(loss, wrt=("x", "m"))
'''


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    return c_module(SOURCE, tmp_path_factory.mktemp("kept_columns"), "kept_columns")[0], \
        load_source(SOURCE, "kept_columns.py")


def turned(array: np.ndarray) -> np.ndarray:
    """`array`'s values as the (n, k, d) view of a (k, n, d) stack (gmm's `qdiff` and `ddiff`)."""
    return np.ascontiguousarray(np.swapaxes(array, 0, 1)).swapaxes(0, 1)


def layouts(array: np.ndarray) -> dict:
    return views(array) | {"turned": turned(array)}


def test_the_kernels_walk_rows_of_the_last_kept_axis_or_unravel_once_per_chunk():
    cu = transpile_c(SOURCE, "kept_columns.py").kernels
    assert "LIFTED_WALK_FOR(lifted_o, lifted_n_out, d1)" in cu and "LIFTED_WALKS_ROWS_OF(d1, 8) && x_s1 == 1" in cu
    assert "LIFTED_WALK_FOR(lifted_o, lifted_n_out, d2)" in cu  # kept (a, b, d): rows of d
    # the short rows walked as columns: kept (n, k) from lane arrays filled once per chunk
    assert "LIFTED_AT(lifted_kept1) = lifted_unravel_step(rest_o, d1, lifted_inverse_d1);" in cu
    assert "const int64_t i1 = LIFTED_AT(lifted_kept1);" in cu


@pytest.mark.parametrize("n, k, d", [(5, 3, 2), (9, 2, 7), (9, 3, 8), (40, 4, 10), (300, 3, 20), (3, 2, 70),
                                     (1, 1, 9), (0, 3, 10), (4, 0, 10), (2000, 5, 9)])
def test_kept_sums_are_numpys_bits_in_every_layout(modules, n, k, d):
    compiled, reference = modules
    rng = np.random.default_rng(n * 100 + k * 10 + d)
    x, m = rng.normal(size=(n, k, d)), rng.normal(size=(k, d))
    want = reference.kept_sums(x, m)
    # NumPy adds the rows of an axis-0 sum one after the other: so does every output's run, walked or not
    for layout, view in layouts(x).items():
        assert np.array_equal(compiled.kept_sums(view, m), want), layout
    for layout, view in views(m).items():
        assert np.array_equal(compiled.kept_sums(x, view), want), f"m {layout}"
    y, w = rng.normal(size=(n, 2, k, d)), rng.normal(size=(2, k, d))
    want = reference.kept_rank4(y, w)
    for layout, view in views(y).items():
        assert np.array_equal(compiled.kept_rank4(view, w), want), f"rank 4 {layout}"


@pytest.mark.parametrize("n, k, d", [(7, 3, 2), (50, 5, 7), (40, 9, 10), (1, 70, 5), (0, 3, 4)])
def test_short_rows_as_columns_are_numpys_sums(modules, n, k, d):
    compiled, reference = modules
    rng = np.random.default_rng(n + k + d)
    q = rng.normal(size=(n, k, d))
    want = reference.short_rows(q)
    for layout, view in layouts(q).items():
        # NumPy sums rows of fewer than 8 elements in order (pairwise from 8 on: round-off apart there)
        got = compiled.short_rows(view)
        assert np.array_equal(got, want) if d < 8 else np.allclose(got, want, rtol=1e-14, atol=0), layout
    q3 = rng.normal(size=(n, k, 3))
    for layout, view in layouts(q3).items():
        assert np.array_equal(compiled.short_static(view), reference.short_static(q3)), f"static {layout}"


def test_gradient_through_the_kept_sums(modules):
    compiled, _ = modules
    rng = np.random.default_rng(3)
    args = [turned(rng.normal(size=(30, 4, 11))), rng.normal(size=(4, 11))]
    got = compiled.loss_grad(*args)
    python: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), python)
    from autograd import grad as autograd_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        oracle = autograd_kernels(SOURCE)["loss"]
    plain = [np.ascontiguousarray(a) for a in args]
    for position, gradient in enumerate(got):
        assert_close(gradient, central_difference(python["loss"], plain, position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")
        assert_close(gradient, autograd_grad(oracle, position)(*plain), rtol=1e-9, atol=1e-10,
                     what=f"d/d argument {position} vs autograd")
