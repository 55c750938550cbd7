"""np.matvec and np.vecmat (transpiler/primitives/matvec.py: NumPy 2.2's gufuncs as entries, NumPy's own calls).

Each kernel goes through the corpus drivers' checks (benchmarks/corpus/checks.py): NumPy running the same source
bit for bit on drawn and hostile inputs (NaN, infinities, signed zeros, the dtypes), every transform against
central differences and autograd (the products summed: tests/more_functions_oracles.py), vmap against a loop, the
C target (a host call of NumPy's).
"""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.against_autograd import AUTOGRAD_NOT_COMPARED
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import _draws, all_forms_pass, kernel_module


def _sets(*notes: str) -> list[list]:
    """Drawn and hostile inputs of each annotation, zipped."""
    columns = []
    for note in notes:
        dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[note[1:4]]
        shape = tuple(int(n) for n in note[note.index("[") + 1:-2].split(",") if n)
        columns.append(_draws(shape, dtype))
    return [list(row) for row in zip(*columns)]


CASES = [
    (('"f64[3,4]"', '"f64[4]"'), "np.matvec(x, y)"),
    (('"f64[2,3,4]"', '"f64[4]"'), "np.matvec(x, y) * 2.0"),
    (('"f64[3,4]"', '"f64[2,4]"'), "np.matvec(x, y)"),
    (('"f64[2,1,3,4]"', '"f64[5,4]"'), "np.matvec(x, y)"),
    (('"f64[4,4]"', '"f64[4]"'), "np.matvec(x, np.sin(y)) + np.matvec(x.T, y)"),
    (('"f64[3]"', '"f64[3,4]"'), "np.vecmat(x, y)"),
    (('"f64[2,3]"', '"f64[3,4]"'), "np.vecmat(x, y)"),
    (('"f64[3]"', '"f64[2,3,4]"'), "np.vecmat(x, y) - 1.0"),
    (('"f64[4,4]"', '"f64[4]"'), "np.vecmat(y, x * x)"),
    (('"f32[3,4]"', '"f32[4]"'), "np.matvec(x, y)"),
    (('"f32[3,4]"', '"f64[4]"'), "np.matvec(x, y)"),
    (('"i32[3,4]"', '"i32[4]"'), "np.matvec(x, y)"),
    (('"i64[3]"', '"f64[3,4]"'), "np.vecmat(x, y)"),
    (('"f64[0,4]"', '"f64[4]"'), "np.matvec(x, y)"),
    (('"f64[3,0]"', '"f64[0]"'), "np.matvec(x, y)"),
    (('"f64[1,1]"', '"f64[1]"'), "np.vecmat(y, x)"),
]


@pytest.mark.parametrize("notes, body", CASES)
def test_matvec_and_vecmat_are_numpys(notes, body):
    """Bits and dtypes NumPy's (int32 stays int32); every transform against differences and autograd's sums of
    products."""
    AUTOGRAD_NOT_COMPARED.clear()
    all_forms_pass(kernel_module(f"x: {notes[0]}, y: {notes[1]}", body), ["x", "y"], _sets(*notes))
    if "f64" in notes[0] and "f64" in notes[1]:  # autograd judged (tests/more_functions_oracles.py's sums)
        assert not AUTOGRAD_NOT_COMPARED, AUTOGRAD_NOT_COMPARED


def test_matvec_of_long_rows_on_the_c_target(tmp_path):
    """Rows of 1000: BLAS's gemv and np.sum(A * v, axis=-1) differ in the last bits there; the C target's host call
    is NumPy's."""
    rng = np.random.default_rng(12)
    a, v = rng.normal(size=(5, 1000)), rng.normal(size=1000)
    assert not np.array_equal(np.matvec(a, v), np.sum(a * v, axis=-1))
    all_forms_pass(kernel_module('x: "f64[5,1000]", y: "f64[1000]"', "np.vecmat(np.matvec(x, y), x)"), ["x", "y"],
                   [[a, v]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.matvec(y, y)", "rank 2"),
    ("np.vecmat(x, y)", "rank 2"),
    ("np.matvec(x, x[:, 0])", "length 3"),
    ("np.vecmat(y, x)", "length 4"),
    ("np.matvec(x > 0, y > 0)", "booleans"),
    ("np.matvec(x, y, axes=[(-2, -1), (-1,), (-1,)])", "axes="),
    ("np.vecmat(y)", "positional"),
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3,4]", y: "f64[4]"', body))
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)
