"""Flat kernels over broadcast or strided operands on the C target walk rows of their last axis when a launch's
rows are long enough and the operands step 1 along it (`LIFTED_BY_ROW_WALK`, see emit.py's `_row_walk`), and
unravel every lane's index otherwise: the same element computations either way, so the results are NumPy's bit
for bit (arithmetic only here, which C and NumPy round alike) for contiguous, strided, negative-stride,
transposed and broadcast operands of ranks 2 to 4, at row lengths on both sides of the choice.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from gradcheck import load_source
from test_c_backend import assert_agree, c_module, compare_all
from test_property import inputs_for, program_for_seed

SOURCE = '''
import numpy as np
from lifted import kernel


@kernel
def rank2(a: "f64[n,m]", b: "f64[m]", c: "f64[n,1]") -> "f64[n,m]":
    return a * b + c * 2.0 - b / (c * c + 1.0)


@kernel
def rank2_transposed(a: "f64[m,n]", b: "f64[m]", t: "f64[n]") -> "f64[n,m]":
    return a.T * b + t[:, None]


@kernel
def rank3(x: "f64[p,q,r]", y: "f64[q,1]", z: "f64[r]", w: "f64[p,1,r]") -> "f64[p,q,r]":
    return (x - y) * z + w


@kernel
def rank3_swapped(x: "f64[p,r,q]", z: "f64[r]") -> "f64[p,q,r]":
    return np.swapaxes(x, 1, 2) * z + 1.0


@kernel
def rank4(x: "f64[p,q,r,s]", y: "f64[q,1,s]", u: "f64[p,1,1,1]", v: "f64[s]") -> "f64[p,q,r,s]":
    return x * y / u + np.maximum(x, v)


@kernel
def total(a: "f64[n,m]", b: "f64[m]") -> "f64[]":
    return np.sum(a * b)
'''

# the last axis: unravelled (1, 3, 7) and walked (8 on, whole vectors or not: 9, 10, 12, 20 walk since h-gmm4)
LENGTHS = [1, 3, 7, 8, 9, 10, 12, 16, 20, 33, 64, 100]


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    return c_module(SOURCE, tmp_path_factory.mktemp("row_walk"), "row_walk")[0], load_source(SOURCE, "row_walk.py")


def views(array: np.ndarray) -> dict:
    """`array`'s values in several layouts: contiguous, negative strides along every axis, every other element
    along the last axis, a transposed copy's transpose (the last axis steps farthest)."""
    return {"contiguous": array, "reversed": np.flip(np.flip(array).copy()),
            "strided": np.repeat(array, 2, axis=-1)[..., ::2], "transposed": np.ascontiguousarray(array.T).T}


def check(compiled, reference, name: str, args: list) -> None:
    """Every operand in each layout (the others contiguous): the compiled function's result is NumPy's, bit for bit."""
    expected = getattr(reference, name)(*args)
    for position, arg in enumerate(args):
        for layout, view in views(arg).items():
            assert np.array_equal(view, arg)
            called = list(args)
            called[position] = view
            actual = getattr(compiled, name)(*called)
            assert actual.shape == expected.shape
            assert np.array_equal(actual, expected), f"{name}: operand {position} {layout}"


@pytest.mark.parametrize("m", LENGTHS)
def test_rank2_operands_in_every_layout_give_numpys_bits(modules, m):
    compiled, reference = modules
    rng = np.random.default_rng(m)
    n = 7
    check(compiled, reference, "rank2", [rng.normal(size=(n, m)), rng.normal(size=m), rng.normal(size=(n, 1))])
    check(compiled, reference, "rank2_transposed", [rng.normal(size=(m, n)), rng.normal(size=m), rng.normal(size=n)])


@pytest.mark.parametrize("r", [3, 8, 10, 20, 33])
def test_rank3_and_rank4_operands_in_every_layout_give_numpys_bits(modules, r):
    compiled, reference = modules
    rng = np.random.default_rng(r)
    p, q, s = 3, 5, r
    check(compiled, reference, "rank3", [rng.normal(size=(p, q, r)), rng.normal(size=(q, 1)), rng.normal(size=r),
                                         rng.normal(size=(p, 1, r))])
    check(compiled, reference, "rank3_swapped", [rng.normal(size=(p, r, q)), rng.normal(size=r)])
    check(compiled, reference, "rank4", [rng.normal(size=(2, q, 3, s)), rng.normal(size=(q, 1, s)),
                                         rng.normal(size=(2, 1, 1, 1)) + 3.0, rng.normal(size=s)])


def test_broadcast_views_with_stride_zero_and_empty_spaces(modules):
    compiled, reference = modules
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(9, 40)), rng.normal(size=40), rng.normal(size=(9, 1))
    expected = reference.rank2(a, b, c)
    # stride 0 along the last axis (b) and along the first (c): views NumPy's broadcast_to makes
    assert np.array_equal(compiled.rank2(a, np.broadcast_to(b[:1], (40,)), c),
                          reference.rank2(a, b[:1].repeat(40), c))
    assert np.array_equal(compiled.rank2(a, b, np.broadcast_to(c[:1], (9, 1))),
                          reference.rank2(a, b, c[:1].repeat(9, 0)))
    assert np.array_equal(compiled.rank2(a, b, c), expected)
    for n, m in ((0, 40), (9, 0), (0, 0)):
        assert compiled.rank2(np.ones((n, m)), np.ones(m), np.ones((n, 1))).shape == (n, m)


def test_many_rows_on_the_team_and_a_sum_over_everything(modules):
    compiled, reference = modules
    rng = np.random.default_rng(2)
    a, b, c = rng.normal(size=(300, 33)), rng.normal(size=33), rng.normal(size=(300, 1))  # past lifted_parallel_min
    assert np.array_equal(compiled.rank2(a, b, c), reference.rank2(a, b, c))
    for m in (3, 33, 64):
        a, b = rng.normal(size=(200, m)), rng.normal(size=m)
        assert_agree(compiled.total(a, b), reference.total(a, b), f"sum at m = {m}", rtol=1e-12)


def test_the_launch_condition_names_the_row_length_and_the_unit_strides():
    cu = transpile_c(SOURCE, "row_walk.py").kernels
    # `b` steps along the last axis (its stride is checked); `u` lacks or has as 1 every axis but the first
    assert "LIFTED_BY_ROW_WALK(total_k0_walk, LIFTED_WALKS_ROWS_OF(d1, 8) && b_s1 == 1," in cu
    assert "b_data[i0 * LIFTED_BROADCAST_STRIDE(b_s0) + i1 * LIFTED_ROW_STRIDE(b_s1)]" in cu
    assert ("u_data[i0 * u_s0 + i1 * LIFTED_BROADCAST_STRIDE(u_s1) + i2 * LIFTED_BROADCAST_STRIDE(u_s2) + "
            "i3 * LIFTED_BROADCAST_STRIDE(u_s3)]") in cu
    # x.T is read through its strides, both checked: a transposed argument makes it a row walk
    assert "LIFTED_WALKS_ROWS_OF(d2, 8) && t_s2 == 1 && z_s2 == 1" in cu
    # a kernel over operands of its own shape only reads `x[i]`: nothing to unravel, no walk
    plain = transpile_c(SOURCE.replace('b: "f64[m]") -> "f64[]"', 'b: "f64[n,m]") -> "f64[]"'), "plain.py").kernels
    assert "total_k0_walk" not in plain and "LIFTED_RUN(total_k0_body" in plain
    # a power's squaring steps repeat per chunk: its kernel walks rows of 16 or more
    powers = transpile_c(SOURCE.replace("t[:, None]\n", "t[:, None] ** b\n"), "powers.py").kernels
    assert "LIFTED_WALKS_ROWS_OF(d1, 16) && " in powers


@pytest.mark.parametrize("seed", [7, 45])
def test_property_programs_with_long_rows_on_the_cpu_target(seed, tmp_path):
    """The random programs (which these seeds compile to kernels walking rows) with `M` of 33 and 8 columns instead
    of 3, so their launches walk rows, beside NumPy and the reference backend."""
    text = program_for_seed(seed)[0]
    assert re.search(r"LIFTED_BY_ROW_WALK\(\w+_walk, ", transpile_c(text, "walk.py").kernels)
    for columns in (33, 8):
        args = inputs_for(seed)
        args[2] = np.random.default_rng(seed).uniform(-1.5, 1.5, (5, columns))
        compare_all(text, tmp_path, args, f"prop_walk_{seed}")  # (one kernel text: built once)
