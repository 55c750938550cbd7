"""NumPy the kernel language refused in JAX's lax_numpy_test.py (twelfth session): `.dtype`, `.itemsize`, `.nbytes`,
`getattr(np, name)`, `slice(...)` (frontend/introspection.py), np.resize and np.ix_ (resize_and_ix.py), np.pad's
`maximum`/`minimum`/`mean` with `stat_length=`, `linear_ramp` with `end_values=` and `reflect_type='odd'`
(pad_modes.py), np.cov and np.corrcoef (covariance.py), np.convolve (the `convolve` entry,
primitives/convolution.py) and np.poly (convolutions.py).

Each kernel goes through the corpus drivers' checks (benchmarks/corpus/checks.py): NumPy running the same source bit
for bit on drawn and hostile inputs, every transform against central differences and autograd (np.convolve's
oracle spells its sums out: tests/more_functions_oracles.py), vmap against a loop; one kernel on the C target.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import _draws, all_forms_pass, kernel_module

_DTYPES = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64, "bool": np.bool_}


def _sets(*notes: str) -> list[list]:
    """Drawn and hostile inputs for parameters annotated `"f64[3,4]"` ..."""
    columns = []
    for note in notes:
        dtype, dims = note.strip('"').rstrip("]").split("[")
        columns.append(_draws(tuple(int(n) for n in dims.split(",") if n), _DTYPES[dtype]))
    return [list(row) for row in zip(*columns)]


ONE_ARRAY = [
    # asking about an array
    ('"f64[3,4]"', "np.zeros(3, dtype=x.dtype) + x.itemsize + x.nbytes"),
    ('"f32[3,4]"', "(x * 2).astype(x.dtype) + np.ones(4, x.dtype)"),
    ('"bool[3,4]"', "x.nbytes + x.itemsize"),
    ('"i32[2,3]"', "np.full((2, 2), 7, dtype=x.dtype)"),
    ('"f64[3,4]"', "getattr(np, 'triu')(x, k=1)"),
    ('"i64[3,4]"', "getattr(np, 'tril')(x, -1) * getattr(np, 'pi')"),
    ('"f64[3,4]"', "np.delete(x, slice(1, 3), axis=1)"),
    ('"f64[2,3,4]"', "np.delete(x, slice(None), axis=0)"),
    ('"f64[3,4]"', "np.delete(x, slice(1, 5, 2))"),
    ('"f64[3,4]"', "x[slice(1, 3)] * x[(slice(None), 0)][1:, None]"),
    # resize and open grids
    ('"f64[3,4]"', "np.resize(x, (2, 7))"),
    ('"f64[3,4]"', "np.resize(x, (0, 4))"),
    ('"i32[3,4]"', "np.resize(x, ())"),
    ('"i64[0]"', "np.resize(x, (4,))"),
    ('"f64[4]"', "np.resize(x, 10) * 2.0"),
    ('"bool[3]"', "np.resize(x, 5)"),
    ('"i32[7]"', "np.ix_(x)"),
    ('"f64[3]"', "np.ix_()"),
    ('"f64[3,4]"', "x[np.ix_(np.array([2, 0]), np.array([1, 3, 3]))]"),
    # np.pad's statistics, ramps and odd reflections
    ('"f64[3,1]"', "np.pad(x, (1,), mode='maximum', stat_length=(1, 1))"),
    ('"f32[4]"', "np.pad(x, (2, 0), mode='maximum', stat_length=2)"),
    ('"i64[3,1]"', "np.pad(x, (1,), mode='mean', stat_length=(2,))"),
    ('"i32[2,3,4]"', "np.pad(x, 2, mode='mean')"),
    ('"f64[5,4]"', "np.pad(x, ((1, 2), (3, 0)), mode='minimum', stat_length=((2, 3), (1, 4)))"),
    ('"f64[2,1,4]"', "np.pad(x, (1,), mode='linear_ramp', end_values=(1,))"),
    ('"i64[2,1,4]"', "np.pad(x, 2, mode='linear_ramp', end_values=10.0)"),
    ('"f32[4]"', "np.pad(x, (1,), mode='linear_ramp', end_values=100)"),
    ('"f64[3,1]"', "np.pad(x, (2, 0), mode='linear_ramp', end_values=-3)"),
    ('"f64[3,4]"', "np.pad(x, 3, mode='linear_ramp')"),
    ('"f32[2,1,4]"', "np.pad(x, ((2, 3),), mode='reflect', reflect_type='odd')"),
    ('"i64[3,4]"', "np.pad(x, (1,), mode='symmetric', reflect_type='odd')"),
    ('"f64[3,4]"', "np.pad(x, 7, mode='reflect', reflect_type='odd')"),
    ('"f64[3,4]"', "np.pad(x, 9, mode='symmetric', reflect_type='odd')"),
    ('"bool[3,4]"', "np.pad(x, 2, mode='symmetric', reflect_type='odd')"),
    # covariance and correlation
    ('"f32[3,1]"', "np.corrcoef(x, rowvar=False)"),
    ('"f32[1,3]"', "np.corrcoef(x)"),
    ('"f64[3,5]"', "np.corrcoef(x, x + 1.0)"),
    ('"f64[3,5]"', "np.cov(x)"),
    ('"f64[3,5]"', "np.cov(x, rowvar=False, bias=True)"),
    ('"i32[2,6]"', "np.cov(x, ddof=0) * 2.0"),
    ('"f64[4]"', "np.cov(x, x * 2.0)"),
    ('"f64[1,1]"', "np.cov(x)"),
    ('"f64[0,4]"', "np.corrcoef(x)"),
    # polynomials from their roots
    ('"f64[1]"', "np.poly(x)"),
    ('"i64[6]"', "np.poly(x)"),
    ('"f32[4]"', "np.poly(x)"),
    ('"f64[0]"', "np.poly(x)"),
]


@pytest.mark.parametrize("note, body", ONE_ARRAY)
def test_functions_are_numpys(note, body):
    """NumPy's bits on drawn and hostile inputs, every transform against differences and autograd, vmap."""
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], _sets(note))


@pytest.mark.parametrize("notes, body", [
    (('"f64[5]"', '"f64[3]"'), "np.convolve(x, y)"),
    (('"f64[3]"', '"f64[5]"'), "np.convolve(x, y, mode='same')"),
    (('"f64[6]"', '"f64[2]"'), "np.convolve(x, y, 'valid') * 2.0"),
    (('"f64[4]"', '"f64[4]"'), "np.convolve(x, x * y[0], mode='same')"),
    (('"i32[5]"', '"i32[3]"'), "np.convolve(x, y)"),
    (('"f32[5]"', '"i32[3]"'), "np.convolve(x, y, 'same')"),
    (('"f32[5]"', '"f32[3]"'), "np.convolve(x, y)"),
])
def test_convolve_is_numpys(notes, body):
    """np.convolve's bits are NumPy's own call's (each overlap one BLAS dot), its dtypes NumPy's."""
    all_forms_pass(kernel_module(f"x: {notes[0]}, y: {notes[1]}", body), ["x", "y"], _sets(*notes))


def test_new_functions_on_the_c_target(tmp_path):
    """The C target runs them (np.convolve as NumPy's call on the host) with NumPy's bits."""
    body = ("np.sum(np.convolve(v, w, mode='same') * v) + np.sum(np.corrcoef(x)) + np.sum(np.pad(x, 2, "
            "mode='linear_ramp', end_values=1.0)) + np.sum(np.resize(x, (5, 3))) + np.sum(np.poly(w)) "
            "+ np.sum(np.pad(x, 1, mode='mean') * x.itemsize)")
    text = kernel_module('x: "f64[3,4]", v: "f64[6]", w: "f64[3]"', body)
    rng = np.random.default_rng(5)
    all_forms_pass(text, ["x", "v", "w"], [[rng.normal(size=(3, 4)), rng.normal(size=6), rng.normal(size=3)]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("(2.0 * i[0].item()).dtype", "Python number"),
    ("getattr(x, 'shapes')", "`.shapes`"),
    ("x[slice(1, 2, 0)]", "step 0"),
    ("np.resize(x, (-1, 2))", "negative"),
    ("np.ix_(x)", "rank 2"),
    ("np.pad(x, 1, mode='maximum', stat_length=0)", "stat_length of 0"),
    ("np.pad(x, 1, mode='edge', stat_length=2)", "goes with"),
    ("np.pad(x, 1, mode='median')", "median"),
    ("np.pad(x, 1, mode='reflect', reflect_type='both')", "reflect_type"),
    ("np.cov(x, v)", "observations"),
    ("np.cov(x, fweights=i)", "fweights"),
    ("np.cov(np.ones((2, 2, 2)))", "rank 3"),
    ("np.corrcoef(x, dtype=np.int32)", "float dtype"),
    ("np.convolve(x, v)", "rank"),
    ("np.convolve(v > 0, v)", "booleans"),
    ("np.convolve(v, v, mode='middle')", "mode"),
    ("np.convolve(v, v[:0])", "empty"),
    ("np.poly(x)", "eigenvalues"),
])
def test_what_numpy_raises_or_lifted_does_not_model_is_a_located_refusal(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3,4]", i: "i64[3]", v: "f64[3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)
