"""NumPy functions a listing of dir(np) showed kernels refused (transpiler/frontend/listed_functions.py):
np.cumulative_sum, np.cumulative_prod, np.diff's prepend=/append=, np.hanning, np.hamming, np.blackman, np.bartlett,
np.kaiser, np.correlate, np.polyint, np.polymul, np.trim_zeros, np.choose.

Each as the corpus drivers check a kernel (all_forms_pass): NumPy running the same source bit for bit (values,
dtypes, shapes, exceptions) on drawn and hostile inputs, every transform against central differences and autograd,
vmap against a loop; the C target in its own test; refusals located.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, all_forms_pass, kernel_module

SPARSE = np.array([0.0, -0.0, 1.5, 0.0, np.nan, -2.0, 0.0, 3.0, 0.0, 0.0, 0.5, -0.0])


def _sets(kind: str, shapes: list[tuple]) -> list[list]:
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[kind]
    drawn = [_draws(shape, dtype) for shape in shapes]
    sets = [[d[k] for d in drawn] for k in range(2)]
    if dtype in (np.float64, np.float32):
        sets.append([np.resize(SPARSE, shape).astype(dtype) for shape in shapes])
    return sets


ONE = [
    ("np.cumulative_sum(v)", "f64"), ("np.cumulative_sum(v, include_initial=True) * 2.0", "f64"),
    ("np.cumulative_prod(m, axis=1)", "f64"), ("np.cumulative_prod(m, axis=0, include_initial=True)", "f64"),
    ("np.cumulative_sum(m, axis=-1, dtype=np.float32)", "f64"), ("np.cumulative_sum(v)", "i32"),
    ("np.cumulative_prod(v, include_initial=True)", "i32"), ("np.cumulative_sum(v[0])", "f64"),
    ("np.cumulative_sum(m, axis=0, include_initial=True)", "f32"),
    ("np.diff(v, prepend=0.0)", "f64"), ("np.diff(v, append=v[-1])", "f64"),
    ("np.diff(m, axis=0, prepend=m[:1], append=2.0)", "f64"), ("np.diff(v, 2, prepend=[1.0, 2.0])", "f64"),
    ("np.diff(v, prepend=0)", "i32"), ("np.diff(m, 1, 1, 0.5)", "f32"),
    ("np.hanning(7) * v[:7]", "f64"), ("np.hamming(6) @ v[:6]", "f64"), ("np.blackman(12) * v", "f64"),
    ("np.bartlett(5) + v[0]", "f64"), ("np.kaiser(9, 14.0) * v[0]", "f64"), ("np.kaiser(4, v[1] * v[1])", "f64"),
    ("np.hanning(1) * v[0]", "f64"), ("np.hamming(0)", "f64"), ("np.bartlett(-2)", "f64"),
    ("np.hanning(len(v)) * v", "f32"), ("np.kaiser(1, 3)", "f64"),
    ("np.correlate(v, m[0])", "f64"), ("np.correlate(m[1], v, 'full')", "f64"),
    ("np.correlate(v, v[:3], mode='same')", "f64"), ("np.correlate(v[:2], v, mode='same')", "f64"),
    ("np.correlate(v, v)", "i32"), ("np.correlate(v[:5], m[0], 'valid')", "f32"),
    ("np.polyint(v)", "f64"), ("np.polyint(m[0], 2, k=[1.0, -2.0])", "f64"), ("np.polyint(v[:4], 3, k=1.5)", "f64"),
    ("np.polyint(v)", "i32"), ("np.polyint(v[:3], k=2)", "f32"), ("np.polyint(v, 0)", "f64"),
    ("np.polymul(v, m[0])", "f64"), ("np.polymul(v[:3], v[:3])", "i64"), ("np.polymul(v * 0.0, m[1])", "f64"),
    ("np.trim_zeros(v)", "f64"), ("np.trim_zeros(v, 'f') * 2.0", "f64"), ("np.trim_zeros(v, trim='B')", "f64"),
    ("np.trim_zeros(m)", "f64"), ("np.trim_zeros(m, axis=1)", "f64"), ("np.trim_zeros(v * 0.0)", "f64"),
    ("np.trim_zeros(v)", "i32"), ("np.trim_zeros(m, 'b', axis=-2)", "f64"),
]


@pytest.mark.parametrize("body, kind", ONE)
def test_listed_functions_are_numpys(body, kind):
    text = kernel_module(f'v: "{kind}[12]", m: "{kind}[3,4]"', body)
    all_forms_pass(text, ["v", "m"], _sets(kind, [(12,), (3, 4)]))


CHOICES = [
    "np.choose(i, [x, x * 2.0, -x])", "np.choose(i % 2, (x[:, :1], 0.5))", "np.choose(i, [x, y], mode='wrap')",
    "np.choose(i - 1, [x, y, x * y], mode='clip')", "np.choose(i % 3, np.stack([x, x * y, -x]))",
    "np.choose(i[0, 0] % 2, [x, y])", "np.choose(i, [x, y])", "np.choose(i > 1, [x, y])",
    "np.choose(i % 2, [x.astype(np.float32), 0.5])",
]


@pytest.mark.parametrize("body", CHOICES)
def test_choose_is_numpys(body):
    """The choices broadcast with the index array and picked in NumPy's dtype; an index out of range raises
    NumPy's ValueError in mode='raise' (the third set)."""
    text = kernel_module('i: "i64[2,3]", x: "f64[2,3]", y: "f64[3]"', body)
    rng = np.random.default_rng(9)
    sets = [[np.array([[0, 1, 2], [2, 1, 0]]), rng.normal(size=(2, 3)), rng.normal(size=3)],
            [np.array([[1, 1, 0], [0, 2, 1]]), np.array([[-0.0, np.nan, 1.0], [np.inf, 2.0, -3.0]]),
             np.array([0.0, -0.0, 4.0])],
            [np.array([[0, 3, 1], [-1, 1, 0]]), rng.normal(size=(2, 3)), rng.normal(size=3)]]
    all_forms_pass(text, ["i", "x", "y"], sets)


def test_listed_functions_on_the_c_target(tmp_path):
    body = ("np.sum(np.cumulative_sum(v, include_initial=True) * np.hanning(13)) + np.sum(np.correlate(v, w)) "
            "+ np.sum(np.diff(v, prepend=0.0) * np.choose(i, [v, w[0] * v])) + np.sum(np.polyint(w, 2)) "
            "+ np.sum(np.kaiser(12, 5.0) * np.cumulative_prod(v)) + np.sum(np.histogram(v, 4)[1]) "
            "+ np.sum(np.histogram(v, 3, weights=v * v)[0]) + np.sum(np.histogram(v, 3, (-1.0, 1.0))[0] * w[:3])")
    text = kernel_module('v: "f64[12]", w: "f64[4]", i: "i64[12]"', body)
    rng = np.random.default_rng(3)
    sets = [[rng.normal(size=12), rng.normal(size=4), rng.integers(0, 2, size=12)],
            [np.resize(SPARSE, 12), rng.normal(size=4), rng.integers(0, 2, size=12)]]
    all_forms_pass(text, ["v", "w", "i"], sets, c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.cumulative_sum(m)", "axis"), ("np.cumulative_sum(v, axis=1)", "AxisError"),
    ("np.cumulative_prod(v, out=v)", "out="), ("np.hanning(v)", "number"), ("np.hamming('a')", "integer"),
    ("np.kaiser(4, v)", "beta"), ("np.correlate(v, m)", "vectors"),
    ("np.correlate(v, v, 'middle')", "mode"), ("np.polyint(v, -1)", "negative"), ("np.polyint(v, 3, k=[1, 2])",
                                                                                   "shorter"),
    ("np.polyint(n)", "build time"), ("np.trim_zeros(v, 'x')", "ValueError"), ("np.trim_zeros(m, axis=2)",
                                                                              "AxisError"),
    ("np.choose(v, [v, v])", "TypeError"), ("np.choose(i, [v, v], mode='fast')", "mode"),
    ("np.choose(i, [v, v], out=v)", "out="), ("np.choose(i, [])", "no choices"),
])
def test_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]", n: "f64[k]", i: "i64[3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


HISTOGRAMS = [
    "np.histogram(x)", "np.histogram(x, bins=3)[1] * 2.0", "np.histogram(x, 5)[0]", "np.histogram(m, 4)",
    "np.histogram(x, 7, range=(-1.0, 1.5))", "np.histogram(x, 4, (0, 1), weights=x * x)",
    "np.histogram(m, bins=2, density=True)", "np.histogram(x, bins=6, weights=np.exp(x), density=True)",
    "np.histogram(x, bins=1, range=(2.0, 2.0))",
]


@pytest.mark.parametrize("body", HISTOGRAMS)
def test_histogram_is_numpys(body):
    """NumPy's counts (int64) and edges to the bit on drawn data, data with repeated values and NaN (NumPy's
    ValueError without a range, left out with one), a constant array (edges moved by 0.5); the derivatives of the
    edges (through the smallest and largest value) and of weighted counts against differences and autograd."""
    text = kernel_module('x: "f64[30]", m: "f64[3,4]"', body)
    rng = np.random.default_rng(12)
    with_nan = rng.normal(size=30)
    with_nan[::7] = np.nan
    sets = [[rng.normal(size=30), rng.normal(size=(3, 4))],
            [np.round(rng.normal(size=30), 1), np.full((3, 4), 2.0)],
            [with_nan, np.arange(12.0).reshape(3, 4) * 0.1]]
    all_forms_pass(text, ["x", "m"], sets)


def test_histogram_of_integers():
    text = kernel_module('i: "i64[20]", j: "i32[2,5]"',
                         "(np.histogram(i, 5)[0], np.histogram(i, 5)[1], np.histogram(j, 3, range=(0, 5))[0], "
                         "np.histogram(i, 4, weights=i)[0], np.histogram(j, 2, weights=j, density=True)[0])")
    rng = np.random.default_rng(13)
    all_forms_pass(text, ["i", "j"], [[rng.integers(-3, 9, size=20), rng.integers(-1, 7, size=(2, 5)).astype(
        np.int32)], [np.full(20, 4), np.zeros((2, 5), np.int32)]])


EDGES = [
    "np.histogram(x, bins=[-1.0, 0.0, 0.5, 2.0])", "np.histogram(x, [-np.inf, -0.0, 1, np.inf])[0]",
    "np.histogram(x, bins=np.linspace(np.min(m), np.max(m), 4))", "np.histogram(x, [0.5])",
    "np.histogram(m, bins=np.sort(m[0]) * 2.0, density=True)", "np.histogram(x, [-1.0, np.nan, 1.0])",
    "np.histogram(x, [0.0, 1.0, np.nan])", "np.histogram(x, [2.0, 1.0])", "np.histogram(x, [])",
    "np.histogram(x, [-1, 0, 1], range=(5.0, 6.0))", "np.histogram(x.astype(np.float32), [0.1, 0.2, 1.0 / 3.0])",
    "np.histogram(m.astype(np.float32), np.array([-0.5, 0.25, 1.0], dtype=np.float32), density=True)",
    "np.histogram((x * 3).astype(np.int64), [-2, 0, 1, 3])", "np.histogram_bin_edges(x, [0.0, 1.0]) * m[0, 0]",
]


@pytest.mark.parametrize("body", EDGES)
def test_histogram_with_edges_is_numpys(body):
    """Explicit edges (NumPy's non-uniform path: the sorted data's searchsorted): counts to the bit with NaN in the
    data and in the edges, -0.0 against 0.0, infinite edges, float32 data against float64 edges (compared in
    float64, as searchsorted casts) and float32 edges, decreasing edges (NumPy's ValueError, at run time); the
    derivative of edges computed from the data passes through."""
    text = kernel_module('x: "f64[30]", m: "f64[3,4]"', body)
    rng = np.random.default_rng(12)
    hostile = np.resize(np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, 0.1, 1.0 / 3.0, 2.0]), 30)
    sets = [[rng.normal(size=30), rng.normal(size=(3, 4))], [hostile, np.arange(12.0).reshape(3, 4) * 0.1],
            [np.round(rng.normal(size=30), 1), np.full((3, 4), 0.25)]]
    all_forms_pass(text, ["x", "m"], sets)


@pytest.mark.parametrize("body, word", [
    ("np.histogram(v, bins=[0.0, 1.0], weights=v)", "unstable argsort"), ("np.histogram(v, bins='auto')", "edges"),
    ("np.histogram(v, bins=m)", "1d"), ("np.histogram(v > 0, bins=[0.0, 1.0])", "boolean"),
    ("np.histogram(v, 0)", "positive"), ("np.histogram(v, 3, range=(1.0, 0.0))", "ValueError"),
    ("np.histogram(v, 3, range=(0.0, np.inf))", "ValueError"), ("np.histogram(v > 0.0, 3)", "uint8"),
    ("np.histogram(v, 3, weights=m)", "shape"),
])
def test_histogram_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]", n: "f64[k]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


INDEX_FORMS = [
    "np.unravel_index(i, (2, 3))", "np.unravel_index(i * 3, (4, 5), order='F')", "np.unravel_index(7, (3, 4))",
    "np.unravel_index(i + 4, (2, 3))", "np.unravel_index(i[0], (6,))",
    "np.ravel_multi_index((i, i), (3, 4))", "np.ravel_multi_index((i, i + 2), (3, 4))",
    "np.ravel_multi_index((i - 1, i * 5), (3, 4), mode='wrap')",
    "np.ravel_multi_index((i - 1, i * 5), (3, 4), mode='clip', order='F')", "np.ravel_multi_index((2, 1), (3, 4))",
    "np.unstack(m)", "np.unstack(m * 2.0, axis=1)[2]", "np.unstack(m, axis=-1)", "np.astype(m, np.float32)",
    "np.astype(i, np.float64) * m[0, :3]", "np.astype(m, np.int32, copy=True)", "np.iscomplexobj(m)",
    "np.histogram_bin_edges(m, 3)", "np.histogram_bin_edges(m * m, 2, (0.0, 1.0))",
]


@pytest.mark.parametrize("body", INDEX_FORMS)
def test_index_functions_are_numpys(body):
    """np.unravel_index, np.ravel_multi_index (NumPy's ValueError for an index out of range, the second set),
    np.unstack, np.astype, np.iscomplexobj and np.histogram_bin_edges (frontend/index_functions.py)."""
    text = kernel_module('m: "f64[3,4]", i: "i64[3]"', body)
    rng = np.random.default_rng(14)
    sets = [[rng.normal(size=(3, 4)), np.array([0, 5, 2])], [rng.normal(size=(3, 4)), np.array([1, 2, 7])],
            [np.resize(SPARSE, (3, 4)) + 1.0, np.array([3, 1, 1])]]
    all_forms_pass(text, ["m", "i"], sets)


@pytest.mark.parametrize("body, word", [
    ("np.unravel_index(m, (2, 3))", "TypeError"), ("np.unravel_index(i, (2, -3))", "non-negative"),
    ("np.unravel_index(i, (2, 3), order='K')", "ValueError"), ("np.ravel_multi_index(i, (3, 4))", "tuple"),
    ("np.ravel_multi_index((i, i), (3, 4), mode=('wrap', 'clip'))", "mode"), ("np.unstack(m, axis=2)", "AxisError"),
    ("np.unstack(n)", "build time"), ("np.astype(m, np.float32, copy=False)", "copy=False"),
    ("np.astype(1.0, np.float32)", "TypeError"),
])
def test_index_function_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('m: "f64[2,3]", i: "i64[3]", n: "f64[k]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


def test_index_functions_on_the_c_target(tmp_path):
    body = ("np.sum(m.ravel()[np.ravel_multi_index(np.unravel_index(i, (3, 4)), (3, 4))] * np.unstack(m)[1][:3]) "
            "+ np.sum(np.astype(m * 10.0, np.int32)) + np.sum(np.histogram_bin_edges(m, 3))")
    # (not np.sum of a float32 array: the C target sums float32 in double and rounds once, NumPy pairwise in float32)
    text = kernel_module('m: "f64[3,4]", i: "i64[3]"', body)
    rng = np.random.default_rng(15)
    all_forms_pass(text, ["m", "i"], [[rng.normal(size=(3, 4)), np.array([0, 5, 11])],
                                      [rng.normal(size=(3, 4)), np.array([0, 12, 1])]], c=True, tmp_path=tmp_path)
