"""The run-time pair walk of flat kernels on the C target (operands.py's `_runtime_pair_walk`, h-gmm7).

A flat kernel of rank 3 or more whose last axis is known only at run time walks rows of that axis when a launch's
rows are long enough and its operands step 1 along them; a launch whose last axis is short (GradBench gmm's (n, k,
d) arrays at d = 2) unravelled every lane's index along every axis instead. Such a launch now walks the rows of the
last two axes (the `lifted_pair` instance of the kernel's walk) when they hold `shortest` elements or more: the
row's other coordinates once per chunk, one unravel step by the run-time length per lane, every operand with its
run-time strides. Same element computations, so NumPy's bits (arithmetic here, which C and NumPy round alike) for
operands in every layout, on every side of each launch's choice (short pairs, short rows, long rows); a sum over
everything groups its lanes differently (round-off); the gradient agrees with finite differences and autograd.
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from test_c_backend import c_module
from test_c_row_walk import check

SOURCE = '''
import numpy as np
from lifted import grad, kernel


@kernel
def spread(x: "f64[n,d]", m: "f64[k,d]") -> "f64[n,k,d]":
    return x[:, None, :] - m[None, :, :]


@kernel
def scaled(w: "f64[n,k]", q: "f64[n,k,d]", c: "f64[d]") -> "f64[n,k,d]":
    return 2.0 * (w[:, :, None] * q) + c


@kernel
def rank4(x: "f64[p,q,r,s]", y: "f64[q,1,s]") -> "f64[p,q,r,s]":
    return x * y - x


@kernel
def squares(x: "f64[a,b,c]", e: "f64[c]") -> "f64[a,b,c]":
    return x ** 2 + x ** 3 * e


@kernel
def total(x: "f64[a,b,c]", y: "f64[b,c]") -> "f64[]":
    return np.sum(x * y[None, :, :])


@kernel
def static_last(x: "f64[n,k,3]", y: "f64[k,3]") -> "f64[n,k,3]":
    return x * y[None, :, :]


@kernel
def rank2(x: "f64[n,d]", y: "f64[d]") -> "f64[n,d]":
    return x * y[None, :]


@kernel
def loss(w: "f64[n,k]", q: "f64[n,k,d]") -> "f64[]":
    return np.sum(np.sin(w[:, :, None] * q) * q)


loss_grad = grad(loss, wrt=("w", "q"))
'''


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runtime_pair_walk")
    return c_module(SOURCE, folder, "runtime_pair_walk")[0], load_source(SOURCE, "runtime_pair_walk.py")


@pytest.fixture(scope="module")
def kernels():
    return transpile_c(SOURCE, "runtime_pair_walk.py").kernels


def pair_launch(kernels: str, name: str) -> str | None:
    """The condition under which a kernel's launch takes the pair walk, None where it never does."""
    found = re.search(rf"if \((.*?)\) return {name}_k\d+_walk<true, true>", kernels)
    return found.group(1) if found else None


def test_a_run_time_last_axis_takes_the_pair_walk_when_it_is_short(kernels):
    assert pair_launch(kernels, "spread") == "d2 < 8 && LIFTED_WALKS_ROWS_OF(d1 * d2, 8)"
    assert pair_launch(kernels, "rank4") == "d3 < 8 && LIFTED_WALKS_ROWS_OF(d2 * d3, 8)"
    assert pair_launch(kernels, "squares") == "d2 < 16 && LIFTED_WALKS_ROWS_OF(d1 * d2, 16)"  # a power's rows
    assert "LIFTED_WALK_FOR(i, n, (lifted_pair ? lifted_dp : d2))" in kernels
    # one unravel step by the run-time length splits the lane's place; the operands keep their run-time steps
    assert ("const int64_t i2 = lifted_pair ? lifted_unravel_step(lifted_place, d2, lifted_inverse_d2) : "
            "lifted_place;") in kernels
    assert "(lifted_pair ? y_s3 : LIFTED_ROW_STRIDE(y_s3))" in kernels
    # rank 2 (a pair would be the whole space) and static short axes (`_pair_walk`) do not
    assert pair_launch(kernels, "rank2") is None and pair_launch(kernels, "static_last") is None
    assert "#ifndef __CUDACC__" in kernels  # the GPU's threads unravel their elements as before


@pytest.mark.parametrize("n, k, d", [(7, 3, 1), (50, 5, 2), (33, 9, 3), (20, 4, 5), (9, 2, 3), (4, 1, 7),
                                     (30, 3, 8), (12, 2, 13), (1, 1, 2), (0, 3, 2), (4, 0, 3), (3, 4, 0)])
def test_numpys_bits_on_every_side_of_the_choice(modules, n, k, d):
    compiled, reference = modules
    rng = np.random.default_rng(n * 100 + k * 10 + d)
    check(compiled, reference, "spread", [rng.normal(size=(n, d)), rng.normal(size=(k, d))])
    check(compiled, reference, "scaled", [rng.normal(size=(n, k)), rng.normal(size=(n, k, d)),
                                          rng.normal(size=d)])
    x, e = rng.normal(size=(n, k, d)), rng.normal(size=d)
    # (`x ** 3` by squaring, as every launch does: round-off from libm's pow, not the walk)
    assert np.allclose(compiled.squares(x, e), reference.squares(x, e), rtol=1e-14, atol=0)
    assert np.allclose(compiled.squares(x.transpose(1, 0, 2).copy().transpose(1, 0, 2), e),
                       reference.squares(x, e), rtol=1e-14, atol=0)
    check(compiled, reference, "rank4", [rng.normal(size=(2, n % 5 + 1, k, d)), rng.normal(size=(n % 5 + 1, 1, d))])
    x, y = rng.normal(size=(n, k, d)), rng.normal(size=(k, d))
    assert np.allclose(compiled.total(x, y), reference.total(x, y), rtol=1e-13, atol=1e-13)


def test_gmms_turned_stack_at_d_2(modules):
    compiled, reference = modules
    rng = np.random.default_rng(2)
    w, q = rng.normal(size=(1000, 5)), rng.normal(size=(5, 1000, 2))
    turned = q.transpose(1, 0, 2)  # the (k, n, d) stack seen as (n, k, d)
    c = rng.normal(size=2)
    assert np.array_equal(compiled.scaled(w, turned, c), reference.scaled(w, np.ascontiguousarray(turned), c))


def test_the_gradient_agrees_with_the_oracles(modules):
    compiled, _ = modules
    rng = np.random.default_rng(5)
    w, q = rng.normal(size=(40, 6)), rng.normal(size=(40, 6, 2))
    args = [w, np.ascontiguousarray(np.swapaxes(q, 0, 1)).swapaxes(0, 1)]
    got = compiled.loss_grad(*args)
    python: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), python)
    from autograd import grad as autograd_grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        oracle = autograd_kernels(SOURCE)["loss"]
    for position, gradient in enumerate(got):
        assert_close(gradient, central_difference(python["loss"], [w, q], position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")
        assert_close(gradient, autograd_grad(oracle, position)(w, q), rtol=1e-9, atol=1e-10,
                     what=f"d/d argument {position} vs autograd")
