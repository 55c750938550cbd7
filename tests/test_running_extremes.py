"""`np.maximum.accumulate` and `np.minimum.accumulate` (primitives/running_extremes.py, frontend/ufunc_methods.py):
NumPy's bits and dtypes on hostile inputs (empty, length 1, integers, booleans, NaN, signed zeros, ties), the
derivatives against differences (np.maximum's tie rule: half to each, so a tie is checked against the mean of the
one-sided differences), vmap against a loop, the C target; refusals located."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, all_forms_pass, kernel_module

FORMS = [
    ('"f64[3,4]"', "np.maximum.accumulate(x)"), ('"f64[3,4]"', "np.minimum.accumulate(x, axis=1) * x"),
    ('"f64[12]"', "np.maximum.accumulate(x) ** 2"), ('"f32[3,4]"', "np.minimum.accumulate(x, -1)"),
    ('"i32[3,4]"', "np.maximum.accumulate(x, axis=(1,))"), ('"i64[5]"', "np.minimum.accumulate(x > 0)"),
    ('"f64[0]"', "np.maximum.accumulate(x)"), ('"f64[1]"', "np.minimum.accumulate(x) * 3.0"),
    ('"f64[2,0]"', "np.maximum.accumulate(x, axis=1)"), ('"f64[5]"', "np.maximum.accumulate(x, axis=None)"),
    ('"f64[3,4]"', "np.sum(np.maximum.accumulate(np.tanh(x), 0) * np.minimum.accumulate(x, 1))"),
]


@pytest.mark.parametrize("note, body", FORMS)
def test_running_extremes_are_numpys(note, body):
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[note[1:4]]
    shape = tuple(int(n) for n in note[5:-2].split(",") if n)
    sets = [[a] for a in _draws(shape, dtype)]
    if dtype == np.float64 and len(shape) == 1 and shape[0] > 4:  # ties and signed zeros
        sets.append([np.resize(np.array([1.0, 1.0, -0.0, 0.0, 2.0, 2.0, 0.5]), shape)])
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], sets)


def test_tie_rule_is_half_to_each():
    """At a tie each step hands half to the running value and half to the new element (np.maximum's rule): the
    mean of the one-sided slopes, which central differences see."""
    module = load_source(kernel_module('x: "f64[3]"', "np.sum(np.maximum.accumulate(x))") + "g = grad(f, wrt=0)\n")
    assert np.array_equal(module.g(np.array([1.0, 1.0, 0.0])), [2.0, 1.0, 0.0])
    eps, x = 1e-6, np.array([1.0, 1.0, 0.0])
    differences = [(np.sum(np.maximum.accumulate(x + eps * e)) - np.sum(np.maximum.accumulate(x - eps * e))) /
                   (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(module.g(x), differences, rtol=1e-9)


def test_running_extremes_on_the_c_target(tmp_path):
    text = kernel_module('x: "f64[3,4]"', "np.sum(np.maximum.accumulate(x, 1) * np.minimum.accumulate(x) * x)")
    all_forms_pass(text, ["x"], [[np.random.default_rng(5).normal(size=(3, 4))]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.maximum.accumulate(x, dtype=np.float32)", "dtype="), ("np.maximum.accumulate(x, axis=2)", "out of range"),
    ("np.minimum.accumulate(x[0, 0])", "scalar"), ("np.maximum.accumulate(x, axis=(0, 1))", "more than one axis"),
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3,4]"', body))
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)
