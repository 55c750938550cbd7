"""np.repeat with one count per element (transpiler/frontend/repeat_counts.py): a gather along the axis whose
derivative is the segment sum of the cotangent; counts written in the program or an integer array known at run
time; NumPy's errors (ValueError) refused where known at build time, raised where known at run time."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, _parse, all_forms_pass, kernel_module

STATIC = [
    ('"f64[2,3]"', "np.repeat(x, [1, 2, 0], axis=1)"), ('"f64[2,3]"', "np.repeat(x, [1, 2, 0], axis=-1) * x[0, 0]"),
    ('"f64[2,3]"', "np.repeat(x, np.array([2, 1]), axis=0)"), ('"f64[2,3]"', "np.repeat(x, [2])"),
    ('"f64[2,3]"', "x.repeat([1, 0, 2, 1, 1, 3])"), ('"f32[4]"', "np.repeat(x, (3, 0, 1, 2))"),
    ('"f64[2,3]"', "np.repeat(x, [0, 0, 0], axis=1)"), ('"i32[2,3]"', "np.repeat(x, [1, 2], axis=0)"),
    ('"f64[]"', "np.repeat(x, [3])"), ('"f64[3,4]"', "np.repeat(x, np.array([True]), axis=0)"),
    ('"f64[3]"', "np.repeat(x, np.array([True, False, True]))"), ('"f64[2,3]"', "np.repeat(x, np.array([1, 2, 3], dtype=np.int32), 1)"),
]


@pytest.mark.parametrize("note, body", STATIC)
def test_counts_written_in_the_program(note, body):
    """NumPy's bits, every transform against differences and autograd (np.repeat of a list of counts), vmap
    against a loop."""
    dtype, shape = _parse(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)])


def test_counts_of_a_named_axis_checked_at_run_time():
    text = kernel_module('x: "f64[n,m]"', "np.repeat(x, [2, 0, 1], axis=1) * 2.0")
    rng = np.random.default_rng(2)
    all_forms_pass(text, ["x"], [[rng.normal(size=(2, 3))], [rng.normal(size=(0, 3))], [rng.normal(size=(2, 4))]])


@pytest.mark.parametrize("body", ["np.repeat(x, c) * x[0]", "np.repeat(y, c, axis=1) ** 2",
                                  "y.repeat(c, axis=-1).sum(axis=1)"])
def test_counts_known_at_run_time(body):
    """Counts an i64 parameter: the result's length is their sum at run time; negative counts raise ValueError."""
    text = kernel_module('x: "f64[n]", c: "i64[n]", y: "f64[2,n]"', body)
    rng = np.random.default_rng(4)
    inputs = [[rng.normal(size=3), np.array([2, 0, 3]), rng.normal(size=(2, 3))],
              [rng.normal(size=4), np.array([0, 0, 0, 0]), rng.normal(size=(2, 4))],
              [rng.normal(size=0), np.zeros(0, np.int64), rng.normal(size=(2, 0))],
              [rng.normal(size=2), np.array([1, -1]), rng.normal(size=(2, 2))]]
    all_forms_pass(text, ["x", "c", "y"], inputs)


@pytest.mark.parametrize("body, word", [
    ("np.repeat(m, [1, 2], axis=1)", "ValueError"), ("np.repeat(m, [1, -1, 2], axis=1)", "negative"),
    ("np.repeat(m, [1.0, 2.0], axis=0)", "TypeError"), ("np.repeat(m, [[1, 2]], axis=0)", "1-d"),
    ("np.repeat(v, c)", "annotation"),
])
def test_repeat_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]", c: "i64[k]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


def test_repeat_counts_on_the_c_target(tmp_path):
    text = kernel_module('x: "f64[2,3]", c: "i64[3]"', "np.repeat(x, [1, 2, 0], axis=1).sum() + np.repeat(x[0], c)")
    rng = np.random.default_rng(6)
    all_forms_pass(text, ["x", "c"], [[rng.normal(size=(2, 3)), np.array([1, 0, 2])]], c=True, tmp_path=tmp_path)
