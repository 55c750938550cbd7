"""np.insert, np.lexsort (transpiler/frontend/insert_lexsort.py) and np.diff of booleans (np.not_equal, as NumPy):
NumPy's bits on hostile inputs, every transform against central differences and autograd, vmap against a loop, the C
target; what NumPy refuses or Lifted cannot size at build time refused, located."""
from __future__ import annotations

import numpy as np
import pytest

from function_oracles import oracle_for
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, _parse, all_forms_pass, kernel_module


INSERTS = [
    ('"f64[5]"', "np.insert(x, 1, 2.5) * x[0]"), ('"f64[5]"', "np.insert(x, -1, x[:2])"),
    ('"f64[5]"', "np.insert(x, 5, [1.0, 2.0])"), ('"f64[5]"', "np.insert(x, [0, 5, 2, 2], np.sin(x[:4]))"),
    ('"f64[5]"', "np.insert(x, [3, -1], 7)"), ('"f64[5]"', "np.insert(x, slice(1, 4), x[1:4] ** 2)"),
    ('"f64[5]"', "np.insert(x, [], 1.0)"), ('"f64[5]"', "np.insert(x, [4], [[1.0]])"),
    ('"f64[2,3]"', "np.insert(x, 1, [[[2.0, 3.0]]], axis=1)"),
    ('"f64[3,4]"', "np.insert(x, 1, 0.5)"), ('"f64[3,4]"', "np.insert(x, 2, x[:, 0], axis=1)"),
    ('"f64[3,4]"', "np.insert(x, [2], x[:, :1], axis=1)"), ('"f64[3,4]"', "np.insert(x, 0, x[1], axis=0)"),
    ('"f64[3,4]"', "np.insert(x, [1, 3, 0], x[0], axis=0)"), ('"f64[3,4]"', "np.insert(x, [1, 1], x[:, :2], axis=-1)"),
    ('"f32[6]"', "np.insert(x, 2, 1e300)"), ('"i32[4]"', "np.insert(x, 1, 2.7)"),
    ('"i64[4]"', "np.insert(x, [0, 4], -3)"),
    ('"f64[]"', "np.insert(x, 0, 2.0)"), ('"f64[3]"', "np.insert(x > 0, 1, 0.0)"),
]


@pytest.mark.parametrize("note, body", INSERTS)
def test_insert_is_numpys(note, body):
    dtype, shape = _parse(note)
    text = kernel_module(f"x: {note}", body)
    all_forms_pass(text, ["x"], [[a] for a in _draws(shape, dtype)], oracle=oracle_for(text))


LEXSORTS = [
    ('"f64[6]"', "np.lexsort((x, np.floor(x)))"), ('"f64[6]"', "np.lexsort([x, x > 0, np.round(x)])"),
    ('"f64[6]"', "np.lexsort((x,))"), ('"f64[3,4]"', "np.lexsort(x)"), ('"f64[3,4]"', "np.lexsort((x, x > 1), axis=0)"),
    ('"f64[3,4]"', "x[1][np.lexsort((x[0], x[1] > 0))] * x[2]"), ('"i32[6]"', "np.lexsort((x, x % 2))"),
    ('"f32[2,3]"', "np.lexsort((x, x), axis=-2)"),
]


@pytest.mark.parametrize("note, body", LEXSORTS)
def test_lexsort_is_numpys(note, body):
    """NaN last and -0.0 equal to 0.0 (NumPy's sort order); ties kept in order (stable); the gathered values'
    derivatives through the permutation."""
    dtype, shape = _parse(note)
    text = kernel_module(f"x: {note}", body)
    all_forms_pass(text, ["x"], [[a] for a in _draws(shape, dtype)], oracle=oracle_for(text))


@pytest.mark.parametrize("note, body", [
    ('"f64[6]"', "np.diff(x > 0)"), ('"f64[3,4]"', "np.diff(x > 0, n=2, axis=0)"),
    ('"f64[6]"', "np.diff(x > 0, prepend=True) * x"), ('"f64[6]"', "np.sum(np.diff(x > 0, n=3)) * x"),
])
def test_diff_of_booleans_is_not_equal(note, body):
    """NumPy's np.diff takes np.not_equal of neighbours for booleans (np.subtract of booleans raises)."""
    dtype, shape = _parse(note)
    text = kernel_module(f"x: {note}", body)
    all_forms_pass(text, ["x"], [[a] for a in _draws(shape, dtype)], oracle=oracle_for(text))


def test_insert_and_lexsort_on_the_c_target(tmp_path):
    body = "np.insert(x, [1, 3], y[:2])[2:] * np.insert(y, 0, 2.0)[1:][np.lexsort((y, np.floor(x)))]"
    text = kernel_module('x: "f64[6]", y: "f64[6]"', body)
    rng = np.random.default_rng(7)
    all_forms_pass(text, ["x", "y"], [[rng.normal(size=6) * 2, rng.normal(size=6)]], c=True, tmp_path=tmp_path,
                   oracle=oracle_for(text))


@pytest.mark.parametrize("body, word", [
    ("np.insert(v, 6, 1.0)", "out of range"), ("np.insert(v, [-6, 0], 1.0)", "out of range"),
    ("np.insert(v, int(v[0]), 1.0)", "build time"), ("np.insert(v, [True], 1.0)", "ints"),
    ("np.insert(v, 1, 1.0, axis=1)", "axis"), ("np.insert(m, [0, 1], v[:3], axis=1)", "broadcast"),
    ("np.insert(v, 0, m[None])", "ValueError"), ("np.lexsort(v)", "2-d array"),
    ("np.lexsort((v, v[:4]))", "one shape"), ("np.lexsort((v, v), axis=1)", "axis"), ("np.lexsort(())", "at least"),
])
def test_insert_and_lexsort_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[5]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and word in str(info.value), str(info.value)
