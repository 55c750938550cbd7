"""h-ba3's rules for the C target, each checked against NumPy bit for bit (arithmetic and `np.where` only, which C
and NumPy round alike) and by the structure of the emitted code:

* a flat kernel of rank 2 or more reads a column pick (`a[:, :, 1]`, `b[:, 0]`: an integer on the last axis of a
  view the host passes as it is) through its run-time step when it walks rows, instead of that one operand keeping
  the whole kernel on the lane-by-lane path (layouts.py's `stepped_values`, operands.py's `_stepped`);
* a bool operand is loaded as its byte compared with 0 (operands.py's `load`): GCC left a lane loop scalar that
  converted a loaded bool to a wider integer, as `np.where`'s select does;
* inside a C call (a loop kernel), `np.stack` along the last axis of contiguous parts is one pass writing each
  row once (loops/arrays.py's `interleaved`), one copy per part otherwise.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from lifted.transpiler.pipeline import transpile_c
from gradcheck import load_source
from test_c_backend import c_module

SOURCE = '''
import numpy as np
from lifted import kernel, vjp, vmap


@kernel
def picks(a: "f64[n,m,2]", b: "f64[m,3]", keep: "bool[m]") -> "f64[n,m]":
    return np.where(keep, a[:, :, 1] * b[:, 0] - b[:, 2], a[:, :, 0] / (b[:, 1] * b[:, 1] + 1.0))


@kernel
def columns(x: "f64[p,3]", w: "f64[p]") -> "f64[p,2]":
    squared = np.sum(x * x, axis=1)
    turning = squared > 1.0
    scale = np.where(turning, np.sqrt(np.where(turning, squared, 1.0)), 1.0 + w)
    return np.stack((x[:, 0] * scale + x[:, 1], x[:, 2] / scale - w), axis=1)


columns_vjp = vjp(columns, wrt=("x", "w"))
column_rows = vmap(columns_vjp, in_axes=(None, None, 0))
'''

LENGTHS = [1, 3, 7, 8, 9, 20, 64, 100]  # the last axis: unravelled below 8, walked from 8 on


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("column_picks")
    return c_module(SOURCE, folder, "column_picks")[0], load_source(SOURCE, "column_picks.py"), folder


def test_a_walk_reads_column_picks_through_their_step_and_bools_as_bytes():
    text = transpile_c(SOURCE, "column_picks.py").kernels
    walk = re.search(r"LIFTED_BY_ROW_WALK\(picks_k\d+_walk, ([^;]*)\);", text)
    assert walk and "LIFTED_WALKS_ROWS_OF" in walk.group(1) and "keep_s1 == 1" in walk.group(1)
    # a[:, :, 1], a[:, :, 0], b[:, 0], b[:, 2] (the host's views v, v_1, ...): none asked to step 1 along the rows
    assert not re.search(r"\bv\w*_s1 == 1", walk.group(1)), walk.group(1)
    assert "((const unsigned char*)keep_data)[" in text
    assert not re.search(r"const bool \w+ = \w+_data\[", text)


@pytest.mark.parametrize("m", LENGTHS)
def test_column_picks_and_a_bool_operand_give_numpys_bits(modules, m):
    compiled, reference, _ = modules
    rng = np.random.default_rng(m)
    n = 5
    a, b, keep = rng.normal(size=(n, m, 2)), rng.normal(size=(m, 3)), rng.normal(size=m) > 0.0
    expected = reference.picks(a, b, keep)
    for layout, operand in (("contiguous", a), ("reversed", np.flip(np.flip(a).copy())),
                            ("every other row", np.repeat(a, 2, axis=1)[:, ::2])):
        assert np.array_equal(compiled.picks(operand, b, keep), expected), layout
    # a bool array's bytes other than 0 and 1 (a view of uint8) are true, as NumPy reads them
    bytes_ = np.where(keep, np.uint8(2), np.uint8(0))
    assert np.array_equal(compiled.picks(a, b, bytes_.view(bool)), expected)


@pytest.mark.parametrize("p", [1, 5, 64, 301])
def test_a_batched_sweep_with_column_picks_and_stacks_gives_numpys_bits(modules, p):
    compiled, reference, _ = modules
    rng = np.random.default_rng(p)
    x, w = rng.normal(size=(p, 3)), rng.normal(size=p)
    x[::3] *= 0.1  # rows on both sides of `turning`
    cotangents = rng.normal(size=(2, p, 2))
    expected = reference.column_rows(x, w, cotangents)
    actual = compiled.column_rows(x, w, cotangents)
    out, (dx, dw) = actual
    e_out, (e_dx, e_dw) = expected
    for got, want in ((out, e_out), (dx, e_dx), (dw, e_dw)):
        assert got.shape == want.shape and np.array_equal(got, want)
    assert dx.flags.c_contiguous


def test_a_stack_along_the_last_axis_in_a_c_call_is_one_pass(modules):
    _, _, folder = modules
    text = (folder / "column_picks.cu").read_text()
    # the cotangent of x is a stack of three columns, made in the batched sweep's C call
    assert re.search(r"for \(int64_t i = 0; i < rows; \+\+i, to \+= 3\) \{", text)
    assert "lifted_is_contiguous(" in text  # the per-part copies stay for parts that are not contiguous
