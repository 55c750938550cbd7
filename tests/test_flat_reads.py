"""`x.flat[k]` reads (transpiler/normalize/index.py's `_flat_read`): NumPy's flat iterator read at an int, a slice or
an index array is `x.reshape(-1)` read there, a new array for a slice or an index array (a copy: a later write into
`x` leaves it as it was), the element for an int. Each kernel through the corpus drivers' checks: NumPy's bits on
drawn and hostile inputs, every transform against central differences and autograd, vmap against a loop, the C
target. Writes through `.flat` stay refused, located.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import all_forms_pass
from test_jax_numpy_api import _draws, kernel_module

SIGNATURE = 'x: "f64[2,3]", v: "f64[4]"'


def _statements_module(lines: str) -> str:
    body = "\n".join(f"    {line}" for line in lines.split("; "))
    return kernel_module(SIGNATURE, "None").replace("    return None", body)


@pytest.mark.parametrize("lines", [
    "return x.flat[4] * v",
    "return x.flat[-1] * v.flat[0]",
    "return x.flat[1:5] * v",
    "return x.T.flat[1:5]",
    "return x.flat[[0, 5, -2]]",
    "return x.flat[::2] + v.flat[[3, 0, 1]]",
    "return x.flat[x.ravel() > 0]",
    "a = x * 1.0; b = a.flat[0:3]; a[0, 0] = 5.0; return b * a[0]",
    "return np.sum(x.flat[2:2]) + x.flat[5]",
])
def test_flat_reads_are_numpys(lines):
    inputs = [[a, b] for a, b in zip(_draws((2, 3), np.float64), _draws((4,), np.float64))]
    all_forms_pass(_statements_module(lines), ["x", "v"], inputs)


def test_flat_reads_of_integers():
    text = kernel_module('x: "i32[2,3]", v: "bool[4]"', "x.flat[1:4] * v.flat[1] + x.T.flat[-1]")
    inputs = [[a, b] for a, b in zip(_draws((2, 3), np.int32), [np.array([True, False, True, True])] * 2)]
    all_forms_pass(text, ["x", "v"], inputs)


def test_flat_reads_on_the_c_target(tmp_path):
    rng = np.random.default_rng(8)
    all_forms_pass(_statements_module("return x.T.flat[1:5] * v.flat[2] + x.flat[[0, 5, -2, 1]]"), ["x", "v"],
                   [[rng.normal(size=(2, 3)), rng.normal(size=4)]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("lines, word", [
    ("x.flat[1:3] += 2.0; return x", "`.flat`"),
    ("return x.flat[0, 1]", "one index"),
    ("return x.flat", "`.flat`"),
    ("n = 3; return n.flat[0]", "Python number"),
])
def test_refusals_are_located(lines, word):
    with pytest.raises(TranspileError) as info:
        load_source(_statements_module(lines))
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)
