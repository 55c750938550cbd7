"""np.tril and np.triu of a vector (transpiler/frontend/axis_functions.py's `triangle`): NumPy's
`where(tri(n, n, k), m, 0)` broadcasts the vector to the square matrix of its rows, so the kernel takes the
triangle of that broadcast view. Each kernel through the corpus drivers' checks: NumPy's bits on drawn and hostile
inputs (NaN, infinities, signed zeros, the dtypes), every transform against central differences and autograd
(whose np.tril of a vector is NumPy's), vmap against a loop, the C target.
"""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.against_autograd import AUTOGRAD_NOT_COMPARED
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import _draws, all_forms_pass, kernel_module

_DTYPES = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64, "boo": np.bool_}


@pytest.mark.parametrize("note, body", [
    ('"f64[4]"', "np.tril(x)"),
    ('"f64[4]"', "np.triu(x, 1) * 2.0"),
    ('"f64[4]"', "np.tril(x, k=-2) + np.triu(np.sin(x), -1)"),
    ('"f64[3]"', "np.tril(x, 5)"),
    ('"f64[3]"', "np.triu(x, -7)"),
    ('"f64[1]"', "np.tril(x)"),
    ('"f64[0]"', "np.triu(x)"),
    ('"f32[4]"', "np.tril(x)"),
    ('"i32[4]"', "np.triu(x)"),
    ('"i64[4]"', "np.tril(x, -1)"),
    ('"bool[4]"', "np.tril(x)"),
    ('"f64[4]"', "np.tril(x) @ x"),
])
def test_triangle_of_a_vector_is_numpys(note, body):
    dtype = _DTYPES[note[1:4]]
    shape = tuple(int(n) for n in note[note.index("[") + 1:-2].split(",") if n)
    AUTOGRAD_NOT_COMPARED.clear()
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)])
    assert not any("off the central" in reason for reason in AUTOGRAD_NOT_COMPARED), AUTOGRAD_NOT_COMPARED
    if dtype == np.float64 and "@" not in body:  # (autograd's oracle: tests/more_functions_oracles.py's _triangle)
        assert not AUTOGRAD_NOT_COMPARED, AUTOGRAD_NOT_COMPARED


def test_triangle_of_a_vector_on_the_c_target(tmp_path):
    x = np.random.default_rng(4).normal(size=5)
    all_forms_pass(kernel_module('x: "f64[5]"', "np.tril(x, 1) * np.triu(x)"), ["x"], [[x]], c=True,
                   tmp_path=tmp_path)


def test_triangle_of_a_scalar_is_refused_located():
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[]"', "np.tril(x)"))
    assert info.value.loc is not None and info.value.hint and "TypeError" in str(info.value), str(info.value)
