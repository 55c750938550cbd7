"""Two row walks of flat kernels on the C target (operands.py): a kernel whose last axis has a short static length
walks the rows of its last two axes (`_pair_walk`: GradBench ht's skinning outer product over (v, b, 4), its
`points - np.transpose(hand)` over (n, 3)), and a kernel reading a view whose last axis steps more than one element
(`corners[:, 0]` of an (n, 3) array, layouts.py's `stepped_values`) still walks its rows, reading that view with its
run-time step. The same element computations as the unravelling loops, so NumPy's bits (arithmetic only here,
which C and NumPy round alike) for operands in every layout, on both sides of each launch's choice.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from gradcheck import load_source
from test_c_backend import c_module
from test_c_row_walk import check

SOURCE = '''
import numpy as np
from lifted import kernel


@kernel
def outer(w: "f64[v,b]", p: "f64[v,4]") -> "f64[v,b,4]":
    return w[:, :, None] * p[:, None, :]


@kernel
def minus_transposed(x: "f64[n,3]", y: "f64[3,n]") -> "f64[n,3]":
    return x - np.transpose(y)


@kernel
def rank4(x: "f64[p,q,r,2]", y: "f64[q,1,2]", z: "f64[2]") -> "f64[p,q,r,2]":
    return x * y + z


@kernel
def hand(v: "f64[3,m]", corners: "i64[n,3]", us: "f64[n,2]") -> "f64[3,n]":
    return (us[:, 0] * v[:, corners[:, 0]] + us[:, 1] * v[:, corners[:, 1]]
            + (1.0 - us[:, 0] - us[:, 1]) * v[:, corners[:, 2]])


@kernel
def column_rows(t: "f64[k,n,2]", a: "f64[k,3,n]") -> "f64[k,3,n]":
    first = t[:, :, 0]
    return a * first[:, None, :] - 2.0
'''


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    return c_module(SOURCE, tmp_path_factory.mktemp("pair_walk"), "pair_walk")[0], load_source(SOURCE, "pair_walk.py")


@pytest.fixture(scope="module")
def kernels():
    return transpile_c(SOURCE, "pair_walk.py").kernels


def launch(kernels: str, name: str) -> str:
    """The launch condition of a kernel's walk (LIFTED_BY_ROW_WALK's third argument)."""
    found = re.search(rf"LIFTED_BY_ROW_WALK\({name}_k\d+_walk, (.*?), \(n, ", kernels)
    assert found, f"{name}: no row walk"
    return found.group(1)


def test_a_short_static_last_axis_walks_rows_of_the_last_two(kernels):
    assert launch(kernels, "outer") == "LIFTED_WALKS_ROWS_OF(d1 * d2, 8)"
    assert "const int64_t lifted_dp = d1 * d2;" in kernels and "LIFTED_WALK_FOR(i, n, lifted_dp)" in kernels
    # the static length's constant divisor and reciprocal, every operand with its run-time steps
    assert "const int64_t i2 = lifted_unravel_step(lifted_pair, 4, 0.25);" in kernels
    assert launch(kernels, "minus_transposed") == "LIFTED_WALKS_ROWS_OF(d0 * d1, 8)"
    assert "const int64_t i1 = lifted_unravel_step(lifted_pair, 3, 0.3333333333333333);" in kernels
    assert launch(kernels, "rank4") == "LIFTED_WALKS_ROWS_OF(d2 * d3, 8)"
    assert "LIFTED_ROW_STRIDE" not in kernels.split("minus_transposed_k")[1].split("LIFTED_KERNEL")[0]


def test_a_stepped_view_does_not_stop_the_walk_of_long_rows(kernels):
    # the columns of `corners` and `us` are read with their steps; the launch checks only the row length and the
    # contiguous operand's step (1 - us[:, 0] - us[:, 1], computed by an earlier kernel)
    condition = launch(kernels, "hand")
    assert condition.startswith("LIFTED_WALKS_ROWS_OF(d1, 8)") and condition.count("== 1") <= 1
    # a view keeping the last axis of a stepped one (`first[:, None, :]` of `t[:, :, 0]`) is stepped too
    assert launch(kernels, "column_rows") == "LIFTED_WALKS_ROWS_OF(d2, 8)"


@pytest.mark.parametrize("b", [1, 2, 3, 5, 40])
def test_outer_products_over_short_last_axes_give_numpys_bits(modules, b):
    compiled, reference = modules
    rng = np.random.default_rng(b)
    for v in (7, 300):  # (300 rows: past lifted_parallel_min, on the team)
        check(compiled, reference, "outer", [rng.normal(size=(v, b)), rng.normal(size=(v, 4))])


@pytest.mark.parametrize("n", [1, 2, 3, 50, 2000])
def test_transposed_operands_over_rows_of_three_give_numpys_bits(modules, n):
    compiled, reference = modules
    rng = np.random.default_rng(n)
    check(compiled, reference, "minus_transposed", [rng.normal(size=(n, 3)), rng.normal(size=(3, n))])


@pytest.mark.parametrize("r", [1, 3, 4, 9])
def test_rank4_short_last_axis_gives_numpys_bits(modules, r):
    compiled, reference = modules
    rng = np.random.default_rng(r)
    check(compiled, reference, "rank4", [rng.normal(size=(2, 5, r, 2)), rng.normal(size=(5, 1, 2)),
                                         rng.normal(size=2)])


@pytest.mark.parametrize("n", [1, 5, 8, 33, 5000])
def test_gathers_through_stepped_columns_give_numpys_bits(modules, n):
    compiled, reference = modules
    rng = np.random.default_rng(n)
    m = 40
    args = [rng.normal(size=(3, m)), rng.integers(-m, m, size=(n, 3)), rng.uniform(0.0, 0.5, size=(n, 2))]
    check(compiled, reference, "hand", args)
    # the stepped guess wrong: a (n, 1)-shaped source's column steps 1 (here the corners of an (n, 3) array's
    # transposed copy, and `us` as the columns of a Fortran-ordered array)
    fortran = [args[0], np.asfortranarray(args[1]), np.asfortranarray(args[2])]
    assert np.array_equal(compiled.hand(*fortran), reference.hand(*args))


@pytest.mark.parametrize("n", [3, 8, 100, 3000])
def test_views_of_stepped_views_give_numpys_bits(modules, n):
    compiled, reference = modules
    rng = np.random.default_rng(n)
    check(compiled, reference, "column_rows", [rng.normal(size=(4, n, 2)), rng.normal(size=(4, 3, n))])


def test_a_static_empty_last_axis_builds_and_runs(tmp_path):
    text = SOURCE + '''

@kernel
def empty_rows(x: "f64[n,0]", y: "f64[n]") -> "f64[n,0]":
    return np.transpose(np.transpose(x) * y)
'''
    compiled = c_module(text, tmp_path, "empty_rows")[0]
    assert compiled.empty_rows(np.ones((5, 0)), np.arange(5.0)).shape == (5, 0)
