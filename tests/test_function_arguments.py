"""np.piecewise and np.apply_along_axis (transpiler/frontend/function_arguments.py): functions known at build time,
inlined. NumPy's bits on hostile inputs, every transform against central differences and autograd, vmap against a
loop, the C target; what NumPy refuses, or what cannot be sized at build time, refused, located."""
from __future__ import annotations

import numpy as np
import pytest

from function_oracles import oracle_for
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import HEADER, _draws, _parse, all_forms_pass, kernel_module

PIECEWISE = [
    ('"f64[6]"', "np.piecewise(x, [x < 0, x >= 0], [lambda t: -t, lambda t: t ** 2])"),
    ('"f64[6]"', "np.piecewise(x, [x < 0], [lambda t: np.sqrt(-t), np.log1p])"),  # NaN nowhere: only selected
    ('"f64[6]"', "np.piecewise(x, [x < -1, x > 1], [-1.0, 1, np.sin])"),
    ('"f64[6]"', "np.piecewise(x, x > 0, [np.exp])"), ('"f64[6]"', "np.piecewise(x, [x > 0, x > 1], [np.exp, 0.5])"),
    ('"f64[3,4]"', "np.piecewise(x, [x < 0.5], [lambda t, a: a * t, lambda t, a: np.cos(t)], 3.0)"),
    ('"f64[3,4]"', "np.piecewise(x, [x < 0.5], [lambda t: np.sum(t), lambda t: t * x[0, 0]])"),
    ('"f32[5]"', "np.piecewise(x, [x < 0], [lambda t: t * 2.5, 1e10])"),
    ('"i64[6]"', "np.piecewise(x, [x < 0], [lambda t: t * 2.5, 7.9])"),
    ('"f64[]"', "np.piecewise(x, [x > 0], [np.tanh, lambda t: t * 3.0])"),
]


@pytest.mark.parametrize("note, body", PIECEWISE)
def test_piecewise_is_numpys(note, body):
    """Each function sees only its selected elements (NumPy's `y[cond] = f(x[cond])`): no NaN computed where
    np.sqrt's argument is negative, and none in the derivative; later conditions overwrite earlier ones."""
    dtype, shape = _parse(note)
    text = kernel_module(f"x: {note}", body)
    all_forms_pass(text, ["x"], [[a] for a in _draws(shape, dtype)], oracle=oracle_for(text))


APPLY = [
    ('"f64[3,4]"', "np.apply_along_axis(np.sum, 0, x)"), ('"f64[3,4]"', "np.apply_along_axis(np.sum, 1, x) * x[0, 0]"),
    ('"f64[3,4]"', "np.apply_along_axis(lambda r: r[::-1] * 2.0, 1, x)"),
    ('"f64[3,4]"', "np.apply_along_axis(lambda r: np.outer(r, r), 0, x)"),
    ('"f64[2,3,4]"', "np.apply_along_axis(np.diff, 1, x)"), ('"f64[2,3,4]"', "np.apply_along_axis(np.sort, -1, x)"),
    ('"f64[3,4]"', "np.apply_along_axis(lambda r, p: np.sum(r ** p), 1, x, 2)"),
    ('"f64[3,4]"', "np.apply_along_axis(np.max, 1, x)"), ('"i32[3,4]"', "np.apply_along_axis(np.mean, 0, x)"),
    ('"f64[5]"', "np.apply_along_axis(np.cumsum, 0, x)"),
]


@pytest.mark.parametrize("note, body", APPLY)
def test_apply_along_axis_is_numpys(note, body):
    """One inlined call per slice, the results stacked with their axes where `axis` was (NumPy's buff_permute)."""
    dtype, shape = _parse(note)
    text = kernel_module(f"x: {note}", body)
    all_forms_pass(text, ["x"], [[a] for a in _draws(shape, dtype)], oracle=oracle_for(text))


def test_function_arguments_on_the_c_target(tmp_path):
    body = "np.piecewise(np.apply_along_axis(lambda r: r * np.sum(r), 1, x), [x > 0], [np.sqrt, lambda t: -t])"
    text = kernel_module('x: "f64[3,4]"', body)
    all_forms_pass(text, ["x"], [[np.random.default_rng(2).normal(size=(3, 4))]], c=True, tmp_path=tmp_path,
                   oracle=oracle_for(text))


def test_apply_along_axis_with_a_module_function():
    text = kernel_module('x: "f64[3,4]"', "np.apply_along_axis(g, 1, x, 0.5)").replace(
        "@kernel\ndef f", "def g(row, t):\n    total = 0.0\n    for v in row:\n        total = total + np.tanh(v * t)\n"
        "    return total\n\n\n@kernel\ndef f")
    all_forms_pass(text, ["x"], [[a] for a in _draws((3, 4), np.float64)], oracle=oracle_for(text))


@pytest.mark.parametrize("body, word", [
    ("np.piecewise(v, [v[:2] > 0], [np.sin])", "IndexError"), ("np.piecewise(v, [v > 0, v > 1], [np.sin])",
                                                                 "ValueError"),
    ("np.piecewise(v, [v > 0], np.sin)", "funclist"), ("np.piecewise(v, [v > 0])", "3 or more"),
    ("np.apply_along_axis(np.sum, 2, m)", "AxisError"), ("np.apply_along_axis(3.0, 0, m)", "function"),
    ("np.apply_along_axis(np.sum, 1, np.zeros((300, 2)))", "inlined call"),
    ("np.apply_along_axis(np.sum, 0, np.zeros((3, 0)))", "ValueError"),
    ("np.apply_along_axis(np.sum, int(v[0]), m)", "build time"),
])
def test_function_argument_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[5]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and word in str(info.value), str(info.value)


PIECEWISE_THEN_A_ROW_LOOP = HEADER + '''

@kernel
def f(x: "f64[5]", M: "f64[5,3]"):
    y = np.piecewise(x, [x > 0.5], [np.tanh, lambda t: t * 0.5])
    for i in range(len(x)):
        y[i] = y[i] * 2.0 + np.sum(M[i])
    Y = np.piecewise(M, [M < 0.0, M > 1.0], [np.sin, 0.5, lambda t: t * t])
    for row in Y:
        row *= 3.0
    return np.sum(y * y) + np.sum(Y * M)
'''


def test_piecewise_named_then_updated_in_a_loop(tmp_path):
    """`y = np.piecewise(...)` is `zero = zeros_like(x); zero[m] = ...`: the assignment renamed only the last
    update's result to `y`, the code wrote into `zero`, and the loop after it read `y`, which nothing assigned
    (UnboundLocalError in every function of the module). The array and its updates take the name together."""
    rng = np.random.default_rng(5)
    inputs = [[rng.normal(size=5), rng.normal(size=(5, 3))], [np.linspace(-1.0, 2.0, 5), np.full((5, 3), 0.75)]]
    all_forms_pass(PIECEWISE_THEN_A_ROW_LOOP, ["x", "M"], inputs, c=True, tmp_path=tmp_path,
                   oracle=oracle_for(PIECEWISE_THEN_A_ROW_LOOP))
