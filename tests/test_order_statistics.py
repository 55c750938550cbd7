"""Order statistics and searching functions composed from np.sort, indexing and arithmetic
(transpiler/frontend/order_statistics.py, searching.py): np.median, np.quantile and np.percentile
(every method), np.searchsorted, np.digitize, np.isin, np.unique, np.bincount, np.nanmedian, np.nanquantile,
np.nanpercentile and np.interp.

Each kernel goes through the corpus drivers' checks (benchmarks/corpus/checks.py via all_forms_pass): NumPy running
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


QUANTILES = [
    ('"f64[5]"', "np.percentile(x, 30)"),
    ('"f64[6]"', "np.percentile(x, 50) * x"),
    ('"f64[7]"', "np.quantile(x, 0.1) + np.quantile(x, 0.9)"),
    ('"f64[3,4]"', "np.quantile(x, 0.25, axis=1)"),
    ('"f64[3,4]"', "np.quantile(x, 0.75, axis=0, keepdims=True) - x"),
    ('"f64[2,3,4]"', "np.percentile(x, 50, axis=(0, 2), keepdims=True)"),
    ('"f64[2,3,4]"', "np.percentile(x, 12.5, axis=(2, 1))"),
    ('"f64[4]"', "np.percentile(x, 100)"),
    ('"f64[4]"', "np.percentile(x, 0)"),
    ('"f64[4]"', "np.quantile(x, 0.5, method='linear')"),
    ('"f64[]"', "np.percentile(x, 40)"),
    ('"f32[6]"', "np.percentile(x, 70.0)"),
    ('"f32[2,5]"', "np.quantile(x, 0.3, axis=1)"),
    ('"i32[6]"', "np.percentile(x, 33)"),
    ('"i64[2,3]"', "np.quantile(x, 0.4, axis=0)"),
    ('"i32[6]"', "np.quantile(x, 1)"),
    ('"f64[6]"', "np.quantile(x, 0)"),
    ('"f64[6]"', "np.percentile(x, [25, 50, 75])"),
    ('"f64[3,4]"', "np.quantile(x, (0.1, 0.9), axis=1)"),
    ('"f64[3,4]"', "np.quantile(x, [0.5], axis=0, keepdims=True)"),
    ('"i32[6]"', "np.quantile(x, [0, 1])"),
    ('"i64[2,3]"', "np.percentile(x, [10.0, 100], axis=1)"),
]


@pytest.mark.parametrize("note, body", QUANTILES)
def test_quantile_is_numpys(note, body):
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], _sets(note))


METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
           "weibull", "median_unbiased", "normal_unbiased", "lower", "higher", "midpoint", "nearest")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("note, body", [
    ('"f64[5]"', "np.quantile(x, [0.0, 0.1, 0.25, 0.5, 0.6, 0.9, 1.0], method=M)"),
    ('"f64[4]"', "np.percentile(x, [0, 12.5, 25, 37.5, 50, 62.5, 87.5, 100], method=M) * 2.0"),
    ('"f64[3,4]"', "np.quantile(x, 0.3, axis=1, method=M)"),
    ('"f64[3,4]"', "np.percentile(x, 50, axis=0, keepdims=True, method=M) - x"),
    ('"f32[6]"', "np.quantile(x, 0.7, method=M)"), ('"i32[2,3]"', "np.percentile(x, 40, axis=None, method=M)"),
    ('"f64[1]"', "np.quantile(x, 0.5, method=M)"), ('"i64[5]"', "np.quantile(x, 1, method=M)"),
])
def test_quantile_methods_are_numpys(method, note, body):
    """Every method NumPy 2.4 has, at q on and between the sample positions (gamma 0, 0.5 and others): NumPy's bits,
    the derivative of the element read or of the two interpolated, against differences and autograd (float32 has
    no autograd oracle here, and at the middle of three tied values sort's stable convention gives the derivative
    to one element where each partial difference is 0: the tied set is left out there)."""
    sets = _sets(note)[:2] if note.startswith('"f32') else _sets(note)
    all_forms_pass(kernel_module(f"x: {note}", body.replace("M)", f"{method!r})")), ["x"], sets)


def test_quantile_methods_on_the_c_target(tmp_path):
    body = ("np.sum(np.quantile(x, 0.3, axis=1, method='nearest') * y) + np.percentile(x * x, 90, method='hazen') "
            "+ np.sum(np.quantile(x, [0.2, 0.5], axis=0, method='midpoint'))")
    text = kernel_module('x: "f64[3,5]", y: "f64[3]"', body)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5))
    x[2, 1] = np.nan
    all_forms_pass(text, ["x", "y"], [[x, rng.normal(size=3)], [rng.normal(size=(3, 5)), rng.normal(size=3)]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("note", ['"f64[n]"', '"f32[n]"'])
@pytest.mark.parametrize("body", ["np.quantile(x, 0.7)", "np.percentile(x, 25)", "np.quantile(x, 1.0)",
                                  "np.percentile(x, [5, 50, 95.5])"])
def test_quantile_of_a_run_time_length(note, body):
    """The positions and gamma computed at run time as NumPy computes them (a float32 input interpolates with the
    weak Python float gamma rounded to float32, as NumPy's; several q, a float64 array in NumPy, refused there)."""
    dtype = DTYPES[note[1:4]]
    if "[" in body and dtype == np.float32:
        with pytest.raises(TranspileError, match="float32"):
            load_source(kernel_module(f"x: {note}", body))
        return
    rng = np.random.default_rng(6)
    sets = [[(rng.normal(size=k) * 3).astype(dtype)] for k in (1, 2, 5, 8)]
    sets.append([np.array([2.0, np.nan, 1.0, -np.inf], dtype)])
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], sets)


@pytest.mark.parametrize("body", ["np.quantile(x, q)", "np.percentile(x, q * 100.0, axis=0)",
                                  "np.quantile(x, q, axis=1, keepdims=True) * x"])
def test_quantile_of_a_computed_q_has_its_derivative(body):
    """A float64 q the kernel receives: the derivative with respect to q too (away from the kinks at positions)."""
    rng = np.random.default_rng(1)
    all_forms_pass(kernel_module('x: "f64[5,3]", q: "f64[]"', body), ["x", "q"],
                   [[rng.normal(size=(5, 3)), np.float64(v)] for v in (0.3, 0.5, 0.62, 0.99)])


def test_quantile_of_q_out_of_range_raises_numpys_value_error_at_run_time():
    module = load_source(kernel_module('x: "f64[5]", q: "f64[]"', "np.percentile(x, q)"))
    for q in (-1.0, 100.5, np.nan):
        with pytest.raises(ValueError, match=r"Percentiles must be in the range \[0, 100\]"):
            module.f(np.arange(5.0), np.float64(q))
    assert module.f(np.arange(5.0), np.float64(100.0)) == 4.0


def test_quantile_on_the_c_target(tmp_path):
    body = "np.sum(np.quantile(x, 0.3, axis=1) * y) + np.percentile(x * x, 90)"
    text = kernel_module('x: "f64[3,5]", y: "f64[3]"', body)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5))
    x[2, 1] = np.nan
    all_forms_pass(text, ["x", "y"], [[x, rng.normal(size=3)], [rng.normal(size=(3, 5)), rng.normal(size=3)]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.percentile(x, 101)", "ValueError"),
    ("np.quantile(x, -0.5)", "ValueError"),
    ("np.quantile(x, 0.5, method='closest')", "ValueError"),
    ("np.nanquantile(x, 0.5, method='lower')", "method"),
    ("np.quantile(x, [0.25, x[0, 0]])", "one number"),
    ("np.percentile(x, [25, 101])", "ValueError"),
    ("np.quantile(x.astype(np.float32), [0.25, 0.75])", "float32"),
    ("np.quantile(x > 0, 0.5)", "TypeError"),
    ("np.quantile(x.astype(np.float32), x[0, 0])", "float32"),
    ("np.quantile(x, 0.5, axis=3)", "AxisError"),
    ("np.quantile(x, 0.5, weights=x)", "weights"),
    ("np.quantile(np.ones((0, 3)), 0.5, axis=0)", "IndexError"),
])
def test_quantile_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3,4]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


def _sorted_pair(dtype, nan_last: bool = False):
    rng = np.random.default_rng(8)
    a = np.sort((rng.normal(size=6) * 2).astype(dtype))
    v = (rng.normal(size=(2, 3)) * 2).astype(dtype)
    v[0, 0], v[0, 1] = a[2], a[4]  # ties with elements
    if np.dtype(dtype).kind == "f":
        v[1, 1] = np.nan
        if nan_last:
            a[-1] = np.nan
    return v, a


SEARCHES = [
    ("np.searchsorted(a, v)", np.float64), ("np.searchsorted(a, v, side='right')", np.float64),
    ("np.searchsorted(a, v, 'left')", np.float32), ("np.searchsorted(a, v[0, 0])", np.float64),
    ("np.searchsorted(a, 0.5, side='right') + v", np.float64), ("np.searchsorted(a, v)", np.int32),
    ("np.searchsorted(a, v.astype(np.float64) + 0.5)", np.int64), ("np.searchsorted(a, 0.1)", np.float32),
    ("np.searchsorted(a, v * 1.5, sorter=None)", np.int32),
    ("a.searchsorted(v)", np.float64), ("a.searchsorted(v, side='right')", np.int32),
    ("a.searchsorted(v[0, 0], 'right') + v", np.float32), ("a[::2].searchsorted(v, sorter=None)", np.int64),
    ("np.digitize(v, a)", np.float64), ("np.digitize(v, a, right=True)", np.float64),
    ("np.digitize(v[1, 2], a)", np.float64), ("np.digitize(v, a)", np.int64), ("np.digitize(v, a, True)", np.float32),
    ("np.digitize(v, a[::-1])", np.float64), ("np.digitize(v, a[::-1], right=True)", np.int32),
    ("np.digitize(v + 0.5, a)", np.int32),
]


@pytest.mark.parametrize("body, dtype", SEARCHES)
def test_searching_is_numpys(body, dtype):
    """Positions as NumPy's binary search finds them in a sorted array (ties, NaN last, mixed dtypes compared in
    the dtype NumPy converts both to); the values searched for come first, so vmap batches them."""
    note = {np.float64: "f64", np.float32: "f32", np.int32: "i32", np.int64: "i64"}[dtype]
    sets = [list(_sorted_pair(dtype)), list(_sorted_pair(dtype, nan_last=True))]
    all_forms_pass(kernel_module(f'v: "{note}[2,3]", a: "{note}[6]"', body), ["v", "a"], sets)


@pytest.mark.parametrize("bins", [[1.0, 1.0, 2.0, 2.0, 3.0, 3.0], [3.0, 3.0, 3.0, 1.0, 1.0, 0.0], [1.0] * 6,
                                  [1.0, 2.0, 3.0, 4.0, 5.0, np.nan], [np.nan, 5.0, 4.0, 3.0, 3.0, -1.0]])
def test_digitize_reads_monotonic_bins_as_numpy(bins):
    v = np.array([[0.5, 1.0, 2.0], [3.0, np.nan, 5.5]])
    all_forms_pass(kernel_module('v: "f64[2,3]", a: "f64[n]"', "np.digitize(v, a) + np.digitize(v, a, right=True)"),
                   ["v", "a"], [[v, np.array(bins)], [v, np.array(bins[:1])], [v, np.zeros(0)]])


def test_searching_unsorted_arrays_raises_where_numpy_guesses():
    """An array NumPy would search unsorted (its answer is its binary search's), and bins neither increasing nor
    decreasing (NumPy's ValueError), raise ValueError."""
    module = load_source(kernel_module('v: "f64[3]", a: "f64[4]"', "np.searchsorted(a, v)"))
    with pytest.raises(ValueError, match="not sorted"):
        module.f(np.zeros(3), np.array([1.0, 3.0, 2.0, 4.0]))
    with pytest.raises(ValueError, match="not sorted"):
        module.f(np.zeros(3), np.array([1.0, np.nan, 2.0, 4.0]))
    module = load_source(kernel_module('v: "f64[3]", a: "f64[4]"', "np.digitize(v, a)"))
    with pytest.raises(ValueError, match="bins must be monotonically increasing or decreasing"):
        np.digitize(np.zeros(3), np.array([1.0, 3.0, 2.0, 4.0]))
    with pytest.raises(ValueError, match="bins must be monotonically increasing or decreasing"):
        module.f(np.zeros(3), np.array([1.0, 3.0, 2.0, 4.0]))
    with pytest.raises(ValueError, match="bins must be monotonically increasing or decreasing"):
        module.f(np.zeros(3), np.array([1.0, np.nan, 2.0, 4.0]))  # (NumPy's `1 < nan` is False: decreasing)
    assert list(np.digitize(np.zeros(3), np.array([1.0, 2.0, np.nan, 3.0]))) == [0, 0, 0]
    with pytest.raises(ValueError, match="not sorted"):  # (NumPy calls [1, 2, nan, 3] increasing and searches it)
        module.f(np.zeros(3), np.array([1.0, 2.0, np.nan, 3.0]))


def test_searching_on_the_c_target(tmp_path):
    body = "np.sum(np.searchsorted(a, v) * v) + np.sum(np.digitize(v, a, right=True))"
    v, a = _sorted_pair(np.float64, nan_last=True)
    all_forms_pass(kernel_module('v: "f64[2,3]", a: "f64[6]"', body), ["v", "a"],
                   [[v, a], list(_sorted_pair(np.float64))], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.searchsorted(x, v, sorter=np.argsort(v))", "sorter"),
    ("np.searchsorted(x, v, side='middle')", "side"),
    ("np.searchsorted(np.ones((2, 2)), v)", "1-D"),
    ("np.digitize(v, np.ones((2, 2)))", "1-D"),
    ("(1.5).searchsorted(v)", "AttributeError"), ("x.searchsorted(v, side='middle')", "side"),
])
def test_searching_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3]", v: "f64[3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


MEMBERS = [
    "np.isin(v, b)", "np.isin(v, b, invert=True)", "np.isin(v[0, 0], b)", "np.isin(v, [2.0, 5.0], assume_unique=True)",
    "np.sum(np.where(np.isin(v, b), v, 0.0) ** 2)", "np.isin(v.astype(np.int32), b)", "np.isin(v, b.reshape(2, 2))",
    "np.sum(np.unique(v) ** 2)", "np.sum(np.unique(v * b[0]) * 1.5)", "np.sum(np.unique(b) * b[0])",
]


@pytest.mark.parametrize("body", MEMBERS)
def test_isin_and_unique_are_numpys(body):
    """Equality as NumPy's methods test it (NaN in nothing, -0.0 is 0.0); np.unique's values sorted, NaNs as one,
    with their derivatives (the first set is finite, so the transforms run on it; the second's ties make np.unique's
    derivatives the located run-time refusal)."""
    sets = [[np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]), np.array([2.0, 5.5, 1.0, 7.0])],
            [np.array([[2.0, 2.0, -0.0], [1.0, 5.0, 2.0]]), np.array([2.0, 0.0, 3.0, 7.0])],
            [np.array([[2.0, np.nan, -0.0], [np.nan, 5.0, 2.0]]), np.array([2.0, 0.0, np.nan, 7.0])]]
    all_forms_pass(kernel_module('v: "f64[2,3]", b: "f64[4]"', body), ["v", "b"], sets)


@pytest.mark.parametrize("note, make", [('"f64[2,3]"', lambda: np.array([[2.0, np.nan, -0.0], [-np.nan, 0.0, 2.0]])),
                                        ('"f64[n]"', lambda: np.zeros(0)),
                                        ('"i32[5]"', lambda: np.array([3, 1, 3, -2, 1], np.int32)),
                                        ('"f32[4]"', lambda: np.array([1.5, 1.5, np.nan, -1.0], np.float32))])
def test_unique_values_have_numpys_bits_and_run_time_length(note, make):
    x = make()
    got = load_source(kernel_module(f"x: {note}", "np.unique(x)")).f(x)
    expected = np.unique(x)
    assert got.dtype == expected.dtype and got.shape == expected.shape and got.tobytes() == expected.tobytes()


def test_isin_and_unique_on_the_c_target(tmp_path):
    body = "np.sum(np.where(np.isin(v, b), v, 1.0)) + np.sum(np.unique(v) * 2.0)"
    sets = [[np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 2.5]]), np.array([2.0, 5.5, 1.0, 7.0])]]  # (no tie: np.unique's
    all_forms_pass(kernel_module('v: "f64[2,3]", b: "f64[4]"', body), ["v", "b"], sets, c=True,  # derivative runs)
                   tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.unique(v, axis=0)", "axis"),  # (return_index, return_inverse, return_counts, equal_nan: test_unique_forms)
    ("np.unique_values(v.astype(np.int64))", "hash"),
    ("np.isin(v, x, kind='table')", "kind"),
])
def test_isin_and_unique_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3]", v: "f64[3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


COUNTS = ["np.bincount(x)", "np.bincount(x, minlength=9)", "np.bincount(x, w)",
          "np.bincount(x, weights=w, minlength=2)", "np.sum(np.bincount(x, weights=w * w, minlength=3) ** 2)",
          "np.bincount(x, w.astype(np.float32))",
          "np.bincount(x > 1)", "np.bincount(x.astype(np.int32), x)"]


@pytest.mark.parametrize("body", COUNTS)
def test_bincount_is_numpys(body):
    """Counts (int64) and weighted sums (float64, added in NumPy's order: a tiny weight after a large one, -0.0) of
    a length known at run time; the derivative with respect to the weights is a gather."""
    w, x = np.array([0.5, -1.25, 2.0, 3.0, 1e-17, -0.0]), np.array([2, 0, 2, 5, 2, 1])
    all_forms_pass(kernel_module('w: "f64[6]", x: "i64[6]"', body), ["w", "x"],
                   [[w, x], [w * 3, x[::-1].copy()], [np.array([1e16, 1.0, -1e16, 1.0, 0.5, -0.0]), np.zeros(6, int)]])


def test_bincount_of_run_time_lengths_and_numpys_errors():
    module = load_source(kernel_module('w: "f64[n]", x: "i64[m]"', "np.bincount(x, w, minlength=2)"))
    empty = module.f(np.zeros(0), np.zeros(0, np.int64))
    assert empty.dtype == np.float64 and empty.tobytes() == np.bincount(np.zeros(0, np.int64), np.zeros(0),
                                                                        minlength=2).tobytes()
    with pytest.raises(ValueError, match="no negative elements"):
        module.f(np.ones(2), np.array([1, -1]))
    with pytest.raises(ValueError, match="same length"):
        module.f(np.ones(3), np.array([1, 1]))


def test_bincount_on_the_c_target(tmp_path):
    body = "np.sum(np.bincount(x, w, minlength=4) ** 2) + np.sum(np.bincount(x))"
    all_forms_pass(kernel_module('w: "f64[6]", x: "i64[6]"', body), ["w", "x"],
                   [[np.array([0.5, -1.25, 2.0, 3.0, 1e-17, -0.0]), np.array([2, 0, 2, 5, 2, 1])]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.bincount(v)", "TypeError"),
    ("np.bincount(i, minlength=-1)", "minlength"),
    ("np.bincount(i.reshape(3, 1))", "1-D"),
])
def test_bincount_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('i: "i64[3]", v: "f64[3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


def _with_nans(shape, dtype=np.float64):
    rng = np.random.default_rng(11)
    x = (rng.normal(size=shape) * 2).astype(dtype)
    noisy = x.copy().reshape(-1, shape[-1])
    noisy[0, 1] = noisy[-1, -1] = np.nan
    if noisy.shape[0] > 2:
        noisy[1, :] = np.nan  # a slice of NaN alone
    return [[x], [noisy.reshape(shape)], [np.full(shape, np.nan, dtype)]]


NAN_STATISTICS = [
    ('"f64[3,5]"', "np.nanmedian(x)"), ('"f64[3,5]"', "np.nanmedian(x, axis=1)"),
    ('"f64[3,4]"', "np.nanmedian(x, axis=0, keepdims=True) * x"), ('"f64[3,5]"', "np.nanmedian(x[0])"),
    ('"f64[2,3,4]"', "np.nanmedian(x, axis=(0, 2))"), ('"f32[3,4]"', "np.nanmedian(x, axis=1)"),
    ('"f64[3,5]"', "np.nanquantile(x, 0.3)"), ('"f64[3,5]"', "np.nanpercentile(x, 70, axis=1)"),
    ('"f64[3,5]"', "np.nanquantile(x, 1, axis=0)"), ('"f64[3,5]"', "np.nanquantile(x[2], 0.5)"),
    ('"f32[3,5]"', "np.nanpercentile(x, 12.5, axis=1, keepdims=True)"), ('"i32[3,5]"', "np.nanmedian(x, axis=1)"),
    ('"i64[3,5]"', "np.nanpercentile(x, 40)"),
    ('"f64[3,5]"', "np.nanpercentile(x, [40, 90], axis=1)"), ('"f64[3,5]"', "np.nanquantile(x, (0.5, 0.25))"),
    ('"f64[3,5]"', "np.nanquantile(x, [0, 1], axis=0, keepdims=True)"),
]


@pytest.mark.parametrize("note, body", NAN_STATISTICS)
def test_nan_order_statistics_are_numpys(note, body):
    dtype = DTYPES[note[1:4]]
    shape = tuple(int(n) for n in note[note.index("[") + 1:-2].split(","))
    sets = _with_nans(shape, dtype) if np.dtype(dtype).kind == "f" else _sets(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], sets)


@pytest.mark.parametrize("note, body, big", [
    ('"f64[2,3]"', "np.nanmedian(x, axis=1)", True), ('"f64[2,3]"', "np.nanmedian(x)", False),
    ('"f64[n,m]"', "np.nanmedian(x, axis=1)", True), ('"f64[1,600]"', "np.nanmedian(x, axis=1)", False),
    ('"f64[n,m]"', "np.nanmedian(x, axis=1)", False)])
def test_nanmedian_overflows_where_numpys_masked_median_does(note, body, big):
    """Below 600 elements along an axis of a 2-D input NumPy takes np.ma.median, which halves `v + v` for an odd
    count (inf for v = 1.7e308); axis=None and longer axes take the middle value itself."""
    columns = 3 if big else 600 if "600" in note or "n,m" in note else 3
    x = np.ones((1 if columns == 600 else 2, columns))
    x[:, columns // 2] = 1.7e308
    x[:, columns // 2 + 1:] = 1.8e308
    x[0, 0] = np.nan
    x[:, 1] = 1.7e308 if columns == 3 else 1.0
    expected = eval(body, {"np": np, "x": x})
    got = load_source(kernel_module(f"x: {note}", body)).f(x)
    assert np.array_equal(got, expected, equal_nan=True) and np.asarray(got).dtype == np.asarray(expected).dtype, \
        (got, expected)
    assert big == bool(np.any(np.isinf(expected)))


def test_nan_order_statistics_warn_where_numpy_warns_and_run_time_lengths():
    module = load_source(kernel_module('x: "f64[n,m]"', "np.nanmedian(x, axis=0)"))
    for x in (np.full((3, 2), np.nan), np.zeros((0, 2)), np.array([[1.0, np.nan], [np.nan, np.nan]]), np.ones((3, 2))):
        with warnings.catch_warnings(record=True) as numpys:
            warnings.simplefilter("always")
            expected = np.nanmedian(x, axis=0)
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            got = module.f(x)
        assert np.array_equal(got, expected, equal_nan=True) and got.shape == expected.shape
        assert bool(ours) == bool(numpys) and {w.category for w in ours} <= {RuntimeWarning}, (ours, numpys)


def test_nan_order_statistics_on_the_c_target(tmp_path):
    body = "np.sum(np.nanmedian(x, axis=1) * y) + np.nanpercentile(x, 30) + np.sum(np.nanquantile(x, 0.8, axis=0))"
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5))
    x[0, 2] = np.nan
    all_forms_pass(kernel_module('x: "f64[3,5]", y: "f64[3]"', body), ["x", "y"],
                   [[rng.normal(size=(3, 5)), rng.normal(size=3)], [x, rng.normal(size=3)]], c=True, tmp_path=tmp_path)


XP, FP = np.array([-1.0, 0.0, 0.5, 2.0, 3.0]), np.array([1.0, -2.0, 0.25, 4.0, 3.5])
INTERPOLATIONS = [
    "np.interp(x, xp, fp)", "np.interp(x, xp, fp, left=-5.0, right=fp[1] * 2.0)", "np.interp(x[1, 0], xp, fp)",
    "np.sum(np.interp(x, xp, fp) ** 2)", "np.interp(x, xp, fp, None, 0.5)", "np.interp(x.astype(np.float32), xp, fp)",
    "np.interp(x, [0.0, 1.0, 1.0, 2.0], [0, 10, 20, 30])", "np.interp(x, xp.astype(np.int32), fp)",
    "np.interp(0.75, xp, fp * x[0, 0])",
]


@pytest.mark.parametrize("body", INTERPOLATIONS)
def test_interp_is_numpys(body):
    """Inside, on and outside the sample points, NaN, a repeated sample point; derivatives with respect to x, xp
    and fp (the first set away from the sample points)."""
    x = np.array([[-2.0, -1.0, 0.1, 0.5], [1.3, 2.9, 3.0, 7.0]])
    nan = x.copy()
    nan[0, 2] = np.nan
    all_forms_pass(kernel_module('x: "f64[2,4]", xp: "f64[5]", fp: "f64[5]"', body), ["x", "xp", "fp"],
                   [[x + 0.013, XP, FP], [x, XP, FP], [nan, XP, FP]])


@pytest.mark.parametrize("xp, fp", [([0.5], [2.0]), ([np.nan], [2.0]), ([0.0, 1.0], [np.inf, np.inf]),
                                    ([0.0, 1.0, 2.0], [1e308, -1e308, np.inf]), ([0.0, 1e-300, 1.0], [0.0, 1.0, -1.0]),
                                    ([-np.inf, 0.0, np.inf], [1.0, 2.0, 3.0])])
def test_interp_of_run_time_lengths_and_non_finite_samples(xp, fp):
    """One sample point (NumPy's own branch, NaN there too), infinite values (NumPy's second try from the right
    end of the interval, and fp[j] where both are NaN and the values equal)."""
    module = load_source(kernel_module('x: "f64[k]", xp: "f64[n]", fp: "f64[m]"', "np.interp(x, xp, fp)"))
    x = np.array([-np.inf, -1.0, 0.0, 1e-301, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, np.inf, np.nan])
    with np.errstate(all="ignore"):
        got, expected = module.f(x, np.array(xp), np.array(fp)), np.interp(x, np.array(xp), np.array(fp))
    assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True), (got, expected)
    assert np.array_equal(np.signbit(got[expected == 0]), np.signbit(expected[expected == 0]))


def test_interp_raises_numpys_errors_and_refuses_an_unsorted_xp():
    module = load_source(kernel_module('x: "f64[k]", xp: "f64[n]", fp: "f64[m]"', "np.interp(x, xp, fp)"))
    with pytest.raises(ValueError, match="array of sample points is empty"):
        module.f(np.ones(2), np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="fp and xp are not of the same length"):
        module.f(np.ones(2), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="^case.py:7:12: np.interp's xp is not increasing"):
        module.f(np.ones(2), np.array([0.0, 2.0, 1.0]), np.zeros(3))
    with pytest.raises(ValueError, match="^case.py:7:12: np.interp's xp is not increasing"):
        module.f(np.ones(2), np.array([0.0, np.nan, 1.0]), np.zeros(3))  # (a NaN not last)
    # (CuPy's test_interp_nan_fx: NaNs last among 5 sample points or more, where NumPy's guessed search gives a
    # value that depends on the previous x's interval)
    with pytest.raises(ValueError, match="^case.py:7:12: np.interp's xp is not increasing"):
        module.f(np.arange(11.0), np.array([1.0, 3.0, 5.0, 7.0, np.nan]), np.sin([1.0, 3.0, 5.0, 7.0, 9.0]))


def test_interp_run_time_refusal_is_a_refusal_for_the_corpus_judge():
    """The located ValueError where NumPy's value depends on its guessed search is a refusal with a place for
    benchmarks/corpus (as a derivative's at ties), not a crash; an unlocated ValueError stays bad."""
    from benchmarks.corpus.oracles import Outcomes

    module = load_source(kernel_module('x: "f64[k]", xp: "f64[n]", fp: "f64[n]"', "np.interp(x, xp, fp)"))
    outcomes = Outcomes()
    outcomes.guarded("f", lambda: module.f(np.arange(11.0), np.array([1.0, 3.0, 5.0, 7.0, np.nan]), np.ones(5)))
    outcomes.guarded("g", lambda: np.interp(np.ones(2), np.zeros(0), np.zeros(0)))
    assert outcomes["f"][0] == "refused" and "case.py:7:12" in outcomes["f"][1] and outcomes["g"][0] == "bad"


def test_interp_of_nans_in_xp_at_random_places_is_numpys_or_a_located_refusal():
    """xp of 1 to 11 sample points with NaNs last or anywhere, x with NaNs, drawn at random: NumPy's value bit for
    bit, or the located ValueError; NaNs last among more than 4 points are NumPy's value where its guessed search
    (from the previous x's interval) reads none before its bisection, which most draws below meet."""
    module = load_source(kernel_module('x: "f64[k]", xp: "f64[n]", fp: "f64[n]"', "np.interp(x, xp, fp)"), "case.py")
    rng = np.random.default_rng(24)
    exact_with_nan = refused = 0
    for _ in range(600):
        length = int(rng.integers(1, 12))
        xp = np.sort(rng.normal(size=length))
        if rng.random() < 0.5:
            xp[length - int(rng.integers(0, length + 1)):] = np.nan
        else:
            xp[rng.random(length) < 0.3] = np.nan
        fp = rng.normal(size=length)
        x = rng.normal(size=int(rng.integers(0, 8))) * 1.5
        x[rng.random(x.size) < 0.15] = np.nan
        with np.errstate(all="ignore"):
            expected = np.interp(x, xp, fp)
            try:
                got = module.f(x, xp, fp)
            except ValueError as error:
                assert str(error).startswith("case.py:7:12: np.interp's xp is not increasing"), error
                refused += 1
                continue
        assert np.array_equal(got, expected, equal_nan=True), (x, xp, fp, got, expected)
        exact_with_nan += length > 4 and bool(np.isnan(xp).any())
    assert exact_with_nan > 30 and refused > 30, (exact_with_nan, refused)


def test_interp_of_nans_last_among_four_sample_points_is_numpys():
    """NaNs last in `xp` (np.sort's place for them) among at most 4 sample points: NumPy's linear search reads
    them as +inf, as `searchsorted` does, so the value is NumPy's bit for bit (x on a sample point, between, past
    the last finite point, below the first, NaN; NaN in `fp` too), drawn at random."""
    module = load_source(kernel_module('x: "f64[k]", xp: "f64[n]", fp: "f64[n]"', "np.interp(x, xp, fp)"))
    rng = np.random.default_rng(5)
    for size in (1, 2, 3, 4):
        for _ in range(60):
            xp = np.sort(rng.integers(0, 6, size=size).astype(float))
            xp[size - rng.integers(0, size + 1):] = np.nan
            fp = rng.integers(-3, 3, size=size).astype(float)
            fp[rng.random(size) < 0.2] = np.nan
            x = rng.integers(-1, 8, size=6).astype(float)
            x[rng.random(6) < 0.2] = np.nan
            with np.errstate(all="ignore"):
                got, expected = module.f(x, xp, fp), np.interp(x, xp, fp)
            assert np.array_equal(got, expected, equal_nan=True), (xp, fp, x, got, expected)


def test_interp_on_the_c_target(tmp_path):
    x = np.array([[-2.0, -1.0, 0.1, 0.5], [1.3, 2.9, 3.0, 7.0]]) + 0.013
    all_forms_pass(kernel_module('x: "f64[2,4]", xp: "f64[5]", fp: "f64[5]"', "np.sum(np.interp(x, xp, fp) * x)"),
                   ["x", "xp", "fp"], [[x, XP, FP]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.interp(x, xp, fp, period=2.0)", "period"),
    ("np.interp(x, np.ones((2, 2)), fp)", "1-D"),
])
def test_interp_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3]", xp: "f64[4]", fp: "f64[4]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)
