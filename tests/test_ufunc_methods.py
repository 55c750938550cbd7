"""The ufunc methods DaCe's test programs write (transpiler/frontend/ufunc_methods.py): `np.<ufunc>.reduce` of add,
multiply, maximum, minimum, logical_and and logical_or (NumPy's np.sum, np.prod, np.max, np.min, np.all, np.any are
these calls, with `axis=0` the ufunc's default), `np.add.accumulate` and `np.multiply.accumulate` (np.cumsum's
and np.cumprod's own), and `np.arange(..., dtype=)` (NumPy's fill in the chosen dtype). Each kernel goes through
the corpus checks (benchmarks/corpus/checks.py): NumPy running the same source bit for bit on drawn and hostile
inputs, every transform against central differences and autograd where it runs the source, vmap against a loop,
and the C target against the NumPy backend."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from gradcheck import load_source
from lifted.transpiler import TranspileError, transpile_source
from test_jax_numpy_api import _draws, all_forms_pass, kernel_module
from test_more_functions import _sets

ONE_ARRAY = [
    # reduce: NumPy's reductions with the ufunc's default axis 0
    ('"f64[3,4]"', "np.add.reduce(x)"),
    ('"f64[3,4]"', "np.add.reduce(np.absolute(x), axis=1)"),  # DaCe's ufunc_nested_call_test
    ('"f64[2,3,2]"', "np.add.reduce(x, axis=(0, 2), keepdims=True)"),
    ('"f64[3,4]"', "np.add.reduce(x, None, np.float32)"),
    ('"f64[3,4]"', "np.add.reduce(x, initial=5.0) * x[0]"),
    ('"f64[3,4]"', "np.add.reduce(x, where=x > 0)"),
    ('"i32[2,2,2,2,2]"', "np.add.reduce(x, axis=(0, 2, 4))"),
    ('"i32[10]"', "np.add.reduce(5) + x"),  # an int64 array of the number: the sum is int64
    ('"f32[4]"', "np.add.reduce(2.0) * x"),
    ('"bool[5]"', "np.add.reduce(x)"),
    ('"f64[3,4]"', "np.multiply.reduce(x, 1)"),
    ('"i32[3,4]"', "np.multiply.reduce(x)"),
    ('"f64[3,4]"', "np.maximum.reduce(x)"),
    ('"f32[3,4]"', "np.maximum.reduce(x, axis=None)"),
    ('"i32[2,2,2,2,2]"', "np.minimum.reduce(x, initial=5)"),
    ('"i32[2,2,2,2,2]"', "np.minimum.reduce(x, initial=None)"),
    ('"f64[3,4]"', "np.minimum.reduce(x, axis=-1, keepdims=True) * x"),
    ('"f64[3,4]"', "np.logical_and.reduce(x > 0)"),
    ('"f64[3,4]"', "np.logical_or.reduce(x, axis=1)"),
    ('"f64[]"', "np.maximum.reduce(x) + np.add.reduce(x, -1)"),  # a 0-d array: axis 0 or -1 reduces none
    ('"f64[]"', "np.sum(x, axis=0) * np.max(x, axis=-1) + np.prod(x, 0, keepdims=True)"),  # np.sum's too (was refused)
    ('"f64[]"', "np.all(x > 0, axis=0) | np.any(x, -1)"),
    # accumulate: the running sum and product along one axis (axis 0 unless given)
    ('"f64[3,4]"', "np.add.accumulate(x)"),
    ('"f64[3,4]"', "np.add.accumulate(np.absolute(x), 1)"),
    ('"i32[3,2,4]"', "np.add.accumulate(x, axis=(2,))"),
    ('"i32[6]"', "np.add.accumulate(x, dtype=np.int32)"),
    ('"bool[5]"', "np.multiply.accumulate(x)"),
    ('"f64[5]"', "np.multiply.accumulate(x, axis=None, dtype=np.float32)"),
    ('"f64[3,4]"', "np.multiply.accumulate(x, axis=-1)"),
    # np.arange's dtype=: NumPy's fill in that dtype
    ('"f64[3]"', "np.arange(10, dtype=np.int32) + x[0]"),
    ('"f64[3]"', "np.arange(2, 10, 3, dtype=np.int32) * x[1]"),
    ('"f64[3]"', "np.arange(2.5, 10, 3, dtype=np.float32) * x[0]"),
    ('"f64[3]"', "np.arange(2.5, 10, 3, dtype=np.int32) + x[0]"),
    ('"f64[3]"', "np.arange(0.5, 5, 0.5, dtype=np.int32) + x[0]"),  # 0, 1, 2, ...: not the truncated halves
    ('"f64[3]"', "np.arange(0.1, 100, 0.1, dtype=np.float32) * x[0]"),
    ('"f64[3]"', "np.arange(5, dtype=np.float64) * x[0]"),
    # by keyword (shape_handlers.py reads start, stop, step and dtype as one call)
    ('"f64[3]"', "np.arange(0.5, stop=5, step=0.5, dtype=np.int32) + x[0]"),
    ('"f64[3]"', "np.arange(start=2.5, stop=10, step=3, dtype=np.float32) * x[0]"),
    ('"f64[3]"', "np.arange(7, None, 2, dtype=np.int32) + x[0]"),
]

RUN_TIME_LENGTHS = [  # a length that depends on the argument: vmap refuses it (the examples' shapes would differ)
    ('"f32[]"', "np.arange(x, 10.0, 0.7, dtype=np.float32)"),
    ('"f64[]"', "np.arange(x, 4.0, 0.75, np.float32)"),
    ('"f64[]"', "np.arange(-0.0, x, dtype=np.float32)"),  # element 0 keeps the sign of start's zero
    ('"f64[]"', "np.arange(x, 9.0, 1.5, dtype=np.int32)"),
]


@pytest.mark.parametrize("note, body", ONE_ARRAY)
def test_ufunc_methods_and_arange_dtype_are_numpys(note, body, tmp_path):
    inputs = [[a] for a in _draws((), np.float64)] if note == '"f64[]"' else _sets(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], inputs, c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("note, body", RUN_TIME_LENGTHS)
def test_arange_dtype_of_a_run_time_length(note, body, tmp_path):
    dtype = np.float32 if note == '"f32[]"' else np.float64
    inputs = [[np.asarray(v, dtype)] for v in (0.5, 3.25, 2.0, -1.5)]
    with np.errstate(all="ignore"):
        outcomes = check_kernel(kernel_module(f"x: {note}", body), ["x"], inputs, lambda args: args, c=True,
                                folder=tmp_path)
    assert outcomes.pop("fv")[0] == "refused", outcomes
    assert outcomes["f"][0] == "pass" and outcomes["c"][0] == "pass", outcomes
    assert all(outcome in ("pass", "skip") for outcome, _ in outcomes.values()), outcomes


def test_the_tangent_of_a_cast_may_be_a_python_number():
    """`np.float64(x)` of a float32 parameter under jvp, the tangent passed as a Python float: the cast's tangent
    was rendered `tx.astype(np.float64)`, an AttributeError (found by np.arange(x, ..., dtype=np.float32))."""
    module = load_source(kernel_module('x: "f32[]"', "np.float64(x) * 2.0") + "fj = jvp(f, wrt=0)\n", "cast.py")
    value, tangent = module.fj(np.float32(0.5), 1.0)
    assert (value, tangent) == (1.0, 2.0) and type(tangent) is np.float64


@pytest.mark.parametrize("body, message", [
    ("np.add.accumulate(x, axis=None)", "accumulate does not allow multiple axes"),
    ("np.add.accumulate(x, axis=(0, 1))", "accumulate does not allow multiple axes"),
    ("np.add.accumulate(x[0, 0])", "cannot accumulate on a scalar"),
    ("np.add.reduce(x, out=x[0])", "`out=`"),
    ("np.add.reduce(x, axis=0, axis2=1)", "axis2"),
    ("np.maximum.reduce(x, dtype=np.float32)", "dtype"),
    ("np.add.reduce(x[0, 0], axis=(0,))", "rank 0"),
    ("np.sum(x[0, 0], axis=(0,))", "rank 0"),  # NumPy: AxisError (only an integer axis 0 or -1 of a 0-d array)
    ("np.sum(x[0, 0], axis=1)", "rank 0"),
    ("np.mean(x[0, 0], axis=0)", "rank 0"),  # np.mean is no ufunc reduction: AxisError
    ("np.arange(3, dtype=bool)", "dtype=bool"),
])
def test_what_numpy_raises_or_kernels_do_not_take_is_refused_with_a_place(body, message):
    source = kernel_module('x: "f64[3,4]"', body)
    with pytest.raises(TranspileError) as raised:
        transpile_source(source, "case.py")
    assert message in str(raised.value) and "case.py:" in str(raised.value), str(raised.value)
