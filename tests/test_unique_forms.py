"""np.unique with return_index/return_inverse/return_counts and equal_nan=False, NumPy 2's np.unique_counts,
np.unique_inverse and np.unique_all, and the set functions np.union1d, np.intersect1d, np.setdiff1d, np.setxor1d
(transpiler/frontend/unique_forms.py): NumPy's bits and dtypes on hostile inputs (NaNs, signed zeros, ties), the
values' derivatives against differences and autograd, vmap against a loop, the C target; refusals located."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, all_forms_pass, kernel_module

TIES = np.array([3.0, np.nan, 1.0, 3.0, -0.0, 0.0, np.nan, 1.0, 2.5, -4.0, 0.0, 3.0])


def _sets(shape, dtype) -> list:
    sets = [[a] for a in _draws(shape, dtype)]
    if np.dtype(dtype).kind == "f":
        sets.append([np.resize(TIES, shape).astype(dtype)])
    else:
        sets.append([np.resize(np.array([2, -1, 2, 0, -1, 5]), shape).astype(dtype)])
    return sets


FORMS = [
    ('"f64[12]"', "np.unique(x, return_counts=True)[0] * 2.0"),
    ('"f64[12]"', "np.unique(x, return_index=True)"), ('"f64[3,4]"', "np.unique(x, return_inverse=True)"),
    ('"f64[12]"', "np.unique(x, True, True, 1)"), ('"f32[3,4]"', "np.unique(x, return_counts=True)"),
    ('"f64[12]"', "np.unique(x, equal_nan=False)"), ('"i32[3,4]"', "np.unique(x, return_index=True, "
                                                                  "return_counts=True)"),
    ('"f64[3,4]"', "np.unique(x, return_inverse=True, equal_nan=False)[1]"),
    ('"f64[]"', "np.unique(x, return_inverse=True)"), ('"f64[0]"', "np.unique(x, return_counts=True)"),
    ('"f64[12]"', "np.unique_counts(x)[1]"), ('"f64[12]"', "np.unique_counts(x)[0] * 3.0"),
    ('"f64[3,4]"', "np.unique_inverse(x)[1]"), ('"f64[3,4]"', "np.unique_inverse(x)[0]"),
    ('"f64[12]"', "np.unique_all(x)[0]"), ('"f64[12]"', "np.unique_all(x)[1]"), ('"i64[3,4]"', "np.unique_all(x)[2]"),
    ('"i64[3,4]"', "np.unique_all(x)[3]"), ('"f64[12]"', "np.unique_counts(x).counts * 1.5"),
    ('"f64[3,4]"', "np.unique_inverse(x).inverse_indices"), ('"f64[12]"', "np.unique_all(x).values"),
    ('"f64[12]"', "np.unique_all(x)[0] @ np.unique_all(x)[3]"),
    ('"f64[3,4]"', "np.unique(x, return_inverse=True)[0][np.unique(x, return_inverse=True)[1]]"),
    ('"f64[12]"', "np.unique_values(x)"), ('"f32[3,4]"', "np.unique_values(x) * 2.0"),
    ('"f64[0]"', "np.unique_values(x)"),
    ('"f64[3,4]"', "np.unique_values(x > 0.5)"), ('"f64[]"', "np.unique_values(x)"),
]


def _parse(note: str):
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[note[1:4]]
    return dtype, tuple(int(n) for n in note[5:-2].split(",") if n)


@pytest.mark.parametrize("note, body", FORMS)
def test_unique_outputs_are_numpys(note, body):
    dtype, shape = _parse(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], _sets(shape, dtype))


SETS = ["np.union1d({x}, {y})", "np.union1d({x}, {y}) * 2.0", "np.intersect1d({x}, {y})",
        "np.intersect1d({y}, {x}[:3])", "np.intersect1d({x}[0], {y}, assume_unique=True)", "np.setdiff1d({x}, {y})",
        "np.setdiff1d({y}, {x}, True)", "np.setxor1d({x}, {y})", "np.setxor1d({y}, {y}[::-1])",
        "np.setxor1d({x}[0], {y}, assume_unique=True)", "np.setdiff1d({x}, {x})", "np.intersect1d({x}, {y}[:0])"]


@pytest.mark.parametrize("body", SETS)
def test_set_functions_are_numpys(body):
    """NumPy's values (sorted, NaN and signed zeros where NumPy's sort and masks put them) and the derivative of
    each value's first occurrence, against differences and autograd, vmap against a loop. The differences move
    the first argument, a positive scale of both arrays, so values equal across them stay equal (a set function
    jumps where a move makes two values differ)."""
    text = kernel_module('s: "f64[]", x: "f64[3,4]", y: "f64[5]"', body.format(x="(x * s)", y="(y * s)"))
    rng = np.random.default_rng(4)
    sets = [[1.5, np.round(rng.normal(size=(3, 4)) * 2) / 2, np.round(rng.normal(size=5) * 2) / 2],
            [0.75, np.resize(TIES, (3, 4)), np.array([3.0, -0.0, np.nan, 7.5, 1.0])],
            [2.0, rng.normal(size=(3, 4)), rng.normal(size=5)]]
    all_forms_pass(text, ["s", "x", "y"], sets)


def test_set_functions_of_integers():
    text = kernel_module('x: "i32[6]", y: "i64[4]"', "(np.union1d(x, y), np.intersect1d(x, y), np.setdiff1d(x, y), "
                         "np.setxor1d(x, y))")
    all_forms_pass(text, ["x", "y"], [[np.array([3, 1, 1, -2, 0, 3], np.int32), np.array([0, 5, 3, 5])]])


def test_unpacked_outputs_on_the_c_target(tmp_path):
    text = kernel_module('x: "f64[3,4]"', "h(x)").replace("@kernel\ndef f", (
        "def h(x):\n    values, index, inverse, counts = np.unique_all(x)\n"
        "    return np.sum(values[inverse] * x) + np.sum(values * counts) + np.sum(x.ravel()[index]) + "
        "np.sum(np.union1d(x[0], x[1])) * np.sum(np.intersect1d(x, x[2])) + np.sum(np.setxor1d(x[0], x[1:]))\n\n\n"
        "@kernel\ndef f"))
    all_forms_pass(text, ["x"], _sets((3, 4), np.float64), c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.unique(m, axis=0)", "axis=0"), ("np.unique(v, sorted=False)", "hash"),
    ("np.unique(v, return_index=v[0] > 0)", "build time"),
    ("np.unique_values(m.astype(np.int32))", "hash"), ("np.unique_all(v, v)", "positional"),
    ("np.unique_counts(v).size", "attribute"), ("np.intersect1d(v, v, return_indices=True)", "return_indices"),
])
def test_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


def test_unique_values_on_the_c_target(tmp_path):
    """np.unique_values of floats: NumPy 2.4's sort path (each NaN kept), on the C target's host calls."""
    text = kernel_module('x: "f64[3,4]"', "np.sum(np.unique_values(x) * 2.0) + np.sum(np.unique_values(x > 0.0))")
    all_forms_pass(text, ["x"], _sets((3, 4), np.float64), c=True, tmp_path=tmp_path)
