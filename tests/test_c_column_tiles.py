"""Columns kernels on the C target: element work beside a column sum, and the walk in tiles of rows.

Element work over a closing columns region's index space that reads only what the region reads or makes, and whose
result host code reads (a matrix product), joins the region (partition.py's `_free_element_work`): kmeans'
`np.sum(mask * t[:, None], axis=0)` and `mask * t[:, None] * -2.0` are one pass. A columns kernel whose runs lie
across the kept axes in memory walks them in tiles of rows (`LIFTED_COLUMN_TILE` in the prelude), each output
still adding its run in order: the column sums are NumPy's bits, for contiguous, strided, reversed and transposed
operands, runs spanning several tiles, one-row tiles (many outputs), empty and one-row spaces, float32 and a
boolean mask; the gradient through such a sweep against finite differences and autograd.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from test_c_backend import assert_agree, c_module
from test_c_fusion import plan
from test_c_row_walk import views

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def spread(a: "f64[n,m]", t: "f64[n]", c: "f64[m,q]", p: "f64[n,q]"):
    u = a * t[:, None]
    s = np.sum(u, axis=0)
    return s[:, None] * c, (u * -2.0).T @ p


@kernel
def masked(a: "f64[n,m]", t: "f64[n]", c: "f64[m,q]", p: "f64[n,q]"):
    u = (a > 0.0) * t[:, None]
    s = np.sum(u, axis=0)
    return s[:, None] * c, (u * -2.0).T @ p


@kernel
def spread32(a: "f32[n,m]", t: "f32[n]", c: "f32[m,q]", p: "f32[n,q]"):
    u = a * t[:, None]
    s = np.sum(u, axis=0)
    return s[:, None] * c, (u * -2.0).T @ p


@kernel
def column_sums(a: "f64[n,m]", t: "f64[n]") -> "f64[m]":
    return np.sum(a * t[:, None] - a, axis=0)


@kernel
def loss(a: "f64[n,m]", t: "f64[n]", c: "f64[m,q]", p: "f64[n,q]") -> "f64[]":
    u = a * t[:, None]
    s = np.sum(u, axis=0)
    return np.sum(s[:, None] * c) + np.sum(np.tanh((u * -2.0).T @ p))


loss_grad = grad(loss, wrt=("a", "t", "c"))
'''


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    return c_module(SOURCE, tmp_path_factory.mktemp("column_tiles"), "column_tiles")[0], \
        load_source(SOURCE, "column_tiles.py")


def arguments(rng, n: int, m: int, q: int = 3, dtype=np.float64) -> list:
    return [rng.normal(size=shape).astype(dtype) for shape in ((n, m), (n,), (m, q), (n, q))]


def test_element_work_for_a_product_joins_the_column_sum():
    # u * -2.0 reads only u (made by the column sum's kernel) and a product reads it: one pass over `a` that
    # also stores it (8 + 8 bytes an element), then `s[:, None] * c`; before, the sum's pass (8), `s[:, None] * c`
    # and a third kernel loading `a` again to store u * -2.0 (8 + 8)
    assert plan(SOURCE, "spread") == [16, 16]
    cu = transpile_c(SOURCE, "column_tiles.py").kernels
    # its lanes store a contiguous vector where the launch finds the output's step 1 along them
    assert "a_s0 == 1 && t_2_os0 == 1" in cu and "t_2_out[i0 * LIFTED_ROW_STRIDE(t_2_os0) + i1 * t_2_os1]" in cu
    assert "LIFTED_COLUMN_RESUME(s_acc_out, lifted_o, s_acc);" in cu and "lifted_r0 += lifted_tile" in cu
    # element work that feeds element work reading another array stays with it (its own kernel stores neither)
    other = SOURCE.replace('p: "f64[n,q]"):\n    u = a', 'p: "f64[n,q]", z: "f64[n,m]"):\n    u = a', 1) \
        .replace("(u * -2.0).T @ p", "(u * -2.0 * z).T @ p", 1)
    assert plan(other, "spread") == [8, 16, 24]


@pytest.mark.parametrize("n, m", [(9, 1), (9, 3), (300, 100), (40, 64), (3, 8200), (0, 5), (1, 7), (5, 0)])
def test_column_sums_in_tiles_are_numpys_bits(modules, n, m):
    compiled, reference = modules
    rng = np.random.default_rng(n * 1000 + m)
    a, t = rng.normal(size=(n, m)), rng.normal(size=n)
    # NumPy adds a C-contiguous array's rows one after the other along axis 0: so does every output's run
    assert np.array_equal(compiled.column_sums(a, t), reference.column_sums(a, t))
    for name in ("spread", "masked"):
        args = arguments(rng, n, m)
        got, want = getattr(compiled, name)(*args), getattr(reference, name)(*args)
        assert np.array_equal(got[0], want[0]), name  # the column sum scaled
        assert_agree(got[1], want[1], f"{name} product", rtol=1e-12)


@pytest.mark.parametrize("m", [3, 100])
def test_every_operand_layout(modules, m):
    compiled, reference = modules
    rng = np.random.default_rng(m)
    args = arguments(rng, 200, m)
    for position in range(len(args)):
        for layout, view in views(args[position]).items():
            called = list(args)
            called[position] = view
            what = f"spread: operand {position} {layout}"
            assert_agree(compiled.spread(*called), reference.spread(*called), what, rtol=1e-12)
            assert_agree(compiled.column_sums(*called[:2]), reference.column_sums(*called[:2]), what, rtol=1e-12)


def test_float32_and_ties_of_a_mask(modules):
    compiled, reference = modules
    rng = np.random.default_rng(5)
    args = arguments(rng, 150, 70, dtype=np.float32)
    got, want = compiled.spread32(*args), reference.spread32(*args)
    # float32 sums accumulate in float64 on the C target, in float32 in NumPy: round-off apart
    assert got[0].dtype == want[0].dtype == np.float32
    assert_agree(got, want, "spread32", rtol=1e-5)
    a = rng.integers(-1, 2, size=(120, 90)).astype(float)  # zeros: the mask's boundary, many equal entries
    args = [a, rng.normal(size=120), rng.normal(size=(90, 3)), rng.normal(size=(120, 3))]
    got, want = compiled.masked(*args), reference.masked(*args)
    assert np.array_equal(got[0], want[0])
    assert_agree(got[1], want[1], "masked product", rtol=1e-12)


def test_gradient_through_the_joined_sweep(modules):
    compiled, reference = modules
    rng = np.random.default_rng(11)
    args = arguments(rng, 30, 70, q=2)
    got = compiled.loss_grad(*args)
    assert_agree(got, reference.loss_grad(*args), "loss_grad", rtol=1e-11)
    python: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), python)
    from autograd import grad as autograd_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        oracle = autograd_kernels(SOURCE)["loss"]
    for position, gradient in enumerate(got):
        assert_close(gradient, central_difference(python["loss"], args, position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")
        assert_close(gradient, autograd_grad(oracle, position)(*args), rtol=1e-9, atol=1e-10,
                     what=f"d/d argument {position} vs autograd")
