"""Order statistics and searching functions composed from np.sort, indexing and arithmetic
(transpiler/frontend/order_statistics.py): np.median.

Each kernel goes through the corpus drivers' checks (benchmarks/corpus_checks.py via all_forms_pass): NumPy running
the same source bit for bit on drawn and hostile inputs (NaN, infinities, signed zeros, ties), every transform
against central differences and autograd where it has the function, vmap against a loop; the C target in its own
test.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import _draws, all_forms_pass, kernel_module

DTYPES = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64, "boo": np.bool_}


def _sets(note: str, shape: tuple | None = None) -> list[list]:
    dtype = DTYPES[note[1:4]]
    if shape is None:
        shape = tuple(int(n) for n in note[note.index("[") + 1:-2].split(",") if n)
    sets = [[a] for a in _draws(shape, dtype)]
    if dtype in (np.float64, np.float32) and shape and np.prod(shape) > 1:  # ties, and no NaN
        tied = np.resize(np.array([1.5, -0.5, 1.5, 2.0, -0.5, 1.5, 0.0, -0.0]), shape).astype(dtype)
        sets.append([tied])
    return sets


MEDIANS = [
    ('"f64[5]"', "np.median(x)"),
    ('"f64[6]"', "np.median(x) * x"),
    ('"f64[3,4]"', "np.median(x, axis=1)"),
    ('"f64[3,4]"', "np.median(x, axis=0)"),
    ('"f64[3,4]"', "np.median(x, -1, keepdims=True) - x"),
    ('"f64[3,4]"', "np.median(x, keepdims=True)"),
    ('"f64[2,3,4]"', "np.median(x, axis=(0, 2))"),
    ('"f64[2,3,4]"', "np.median(x, axis=(2, 0), keepdims=True)"),
    ('"f64[2,3,4]"', "np.median(x, axis=(0, 1, 2))"),
    ('"f32[7]"', "np.median(x)"),
    ('"f32[2,4]"', "np.median(x, axis=1)"),
    ('"i32[5]"', "np.median(x)"),
    ('"i64[2,4]"', "np.median(x, axis=0)"),
    ('"bool[4]"', "np.median(x)"),
    ('"f64[]"', "np.median(x)"),
    ('"f64[1]"', "np.median(x)"),
    ('"f64[3,4]"', "np.median(x, axis=None, overwrite_input=False)"),
]


@pytest.mark.parametrize("note, body", MEDIANS)
def test_median_is_numpys(note, body):
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], _sets(note))


@pytest.mark.parametrize("body", ["np.median(x)", "np.median(x, axis=0)", "np.median(x, axis=1, keepdims=True)"])
def test_median_of_run_time_lengths_and_empty_axes(body):
    """Odd, even, one and no elements along a length known only at run time (an empty input: NumPy's mean of an
    empty slice, NaN with a RuntimeWarning)."""
    text = kernel_module('x: "f64[n,m]"', body)
    rng = np.random.default_rng(5)
    sets = [[rng.normal(size=shape)] for shape in ((3, 4), (4, 3), (1, 5), (2, 1))]
    sets.append([np.array([[1.0, np.nan, 2.0], [np.nan, 3.0, -np.nan]])])
    all_forms_pass(text, ["x"], sets)
    module = load_source(text)
    for shape in ((0, 3), (3, 0), (0, 0)):
        empty = np.zeros(shape)
        with warnings.catch_warnings(record=True) as numpys:
            warnings.simplefilter("always")
            expected = eval(body, {"np": np, "x": empty})
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            got = module.f(empty)
        assert type(got) is type(expected) and got.shape == expected.shape
        assert np.array_equal(got, expected, equal_nan=True)
        assert {w.category for w in ours} == {w.category for w in numpys}, (ours, numpys)


def test_median_on_the_c_target(tmp_path):
    body = "np.sum(np.median(x, axis=1) * y) + np.median(x * x)"
    text = kernel_module('x: "f64[3,5]", y: "f64[3]"', body)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5))
    x[2, 1] = np.nan
    all_forms_pass(text, ["x", "y"], [[x, rng.normal(size=3)], [rng.normal(size=(3, 5)), rng.normal(size=3)]],
                   c=True, tmp_path=tmp_path)


def test_median_gradient_at_ties_follows_the_stable_sort():
    """At tied values there is no derivative; the one given goes to the element NumPy's stable sort puts in the
    middle (the second of three equal values here); JAX 0.10.2's jnp.median gives the same ([0, 1, 0] and [0.5, 0, 0,
    0.5]); autograd has no VJP for np.median."""
    module = load_source(kernel_module('x: "f64[n]"', "np.median(x)") + "\n\ng = grad(f)\n")
    assert np.array_equal(module.g(np.array([1.0, 1.0, 1.0])), [0.0, 1.0, 0.0])
    assert np.array_equal(module.g(np.array([2.0, 1.0, 2.0, 1.0])), [0.5, 0.0, 0.0, 0.5])


@pytest.mark.parametrize("body, word", [
    ("np.median(x, axis=2)", "AxisError"),
    ("np.median(x, axis=(0, 0))", "repeats"),
    ("np.median(x, overwrite_input=True)", "overwrite_input"),
    ("np.median(x, 0, None, False, True, 3)", "np.median"),
])
def test_median_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3,4]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)
