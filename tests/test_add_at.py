"""`np.add.at(a, indices, b)` (transpiler/normalize/add_at.py): the unbuffered add NumPy users write where indices
repeat (rougier's exercise 64, benchmarks/numpy_100). Each kernel goes through the corpus drivers' checks
(benchmarks/corpus/checks.py): NumPy running the same source bit for bit on drawn and hostile inputs, every
transform against central differences (autograd cannot write in place), vmap against a loop, the C target."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_array_writes import _inputs, _statements_module
from test_jax_numpy_api import all_forms_pass

SIGNATURE = 'x: "f64[2,3]", y: "f64[2,3]", v: "f64[4]"'


@pytest.mark.parametrize("lines", [
    "a = v * 1.0; np.add.at(a, [0, 2, 0, 0], np.sin(v)); return a * v",
    "a = v * 1.0; np.add.at(a, [1, 1, -1], 2.5); return a",
    "a = v * 1.0; np.add.at(a, 3, x[0, 0]); return a * a",
    "a = x * 1.0; np.add.at(a, ([0, 1, 1], [2, 2, -3]), v[:3]); return a * y",
    "a = x * 1.0; np.add.at(a, [1, 0, 1], y[0]); return a",
    "a = x * 1.0; np.add.at(a, [0, 0], y); return a + x",
    "a = x * 1.0; np.add.at(a, 1, y[0]); np.add.at(a, (0, 2), 1.5); return a * y",
    "a = np.zeros(4); np.add.at(a, (y[0] > 0).astype(np.int64), v[:3]); return a * v",
    "a = np.zeros((2, 3), dtype=np.int64); np.add.at(a, ([1, 1], [0, 0]), 3); return a + x",
    "a = v * 1.0; b = a; np.add.at(a, [0, 0], v[1:3]); return b * v",
    "np.add.at(v, [2, 2], x[1, :2]); return v * 2.0",
    "a = x * 1.0; b = a.T; np.add.at(a, [1, 1], y[0] * v[0]); return b * 2.0",
])
def test_add_at_is_numpys(lines):
    all_forms_pass(_statements_module(SIGNATURE, lines), ["x", "y", "v"], _inputs())


def test_add_at_on_the_c_target(tmp_path):
    text = _statements_module(SIGNATURE, "a = v * 1.0; np.add.at(a, [0, 3, 0, 0], np.cos(v)); b = x * 1.0; "
                                         "np.add.at(b, ([0, 1, 0], [2, 2, 2]), v[:3] * v[1]); np.add.at(a, [1, 1], 2.5); "
                                         "np.add.at(b, ([1, 1], [0, 0]), x[0, 0]); return a[1] * b")
    rng = np.random.default_rng(7)
    all_forms_pass(text, ["x", "y", "v"], [[rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=4)]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("lines, word", [
    ("a = v.astype(np.int64); np.add.at(a, [0], 2.5); return a", "unsafely"),
    ("a = v.astype(np.int32); np.add.at(a, [0], v[:1]); return a", "unsafely"),
    ("a = v > 0; np.add.at(a, [0], True); return a", "unsafely"),
    ("a = v * 1.0; np.add.at(a, v > 0, 1.0); return a", "integer indices"),
    ("a = v * 1.0; np.add.at(a, [0, 1]); return a", "np.add.at takes"),
    ("a = x * 1.0; b = a[0]; np.add.at(b, [0], 1.0); return a", "view"),
    ("np.add.at(x[0], [1], 2.0); return x", "held by a name"),
    ("a = v * 1.0; np.add.at(a, [0, 1], v); return a", "ValueError"),
    ("a = x * 1.0; np.add.at(a, 0, y[:1]); return a", "ValueError"),
    ("a = x * 1.0; np.add.at(a, (1, 2), v[:1]); return a", "ValueError"),
])
def test_add_at_refusals_are_located(lines, word):
    with pytest.raises(TranspileError) as info:
        load_source(_statements_module(SIGNATURE, lines))
    assert word in str(info.value) and info.value.loc is not None and info.value.loc.line > 0 and info.value.hint


def test_add_at_of_a_module_constant_on_the_c_target(tmp_path):
    """The user-forms generator's seed 0 with the `add_at` flag: `np.add.at(A, [0, 2, 0], K)` of a module constant
    `K` (a constant of the IR, not a variable) in a kernel whose derivatives are declared: the C emitter named the
    value's variable before it looked at its rank, and a constant has none (AttributeError while compiling)."""
    text = _statements_module(SIGNATURE, "a = np.array([v[0] * 1.5, x[0, 0], 0.5]); np.add.at(a, [0, 2, 0], K); return np.sum(a * a) * 0.5").replace(
        "\n\n@kernel", "K = 3.0\nK += 1.5\n\n\n@kernel")
    rng = np.random.default_rng(8)
    all_forms_pass(text, ["x", "y", "v"], [[rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=4)]],
                   c=True, tmp_path=tmp_path)
