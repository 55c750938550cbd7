"""np.histogram with a number of bins at any size (transpiler/frontend/histograms/): NumPy
2.4's own algorithm, each element's bin from `(a - first_edge) / norm_denom * bins` and its corrections against the
edges, counted by np.bincount (one call), weights summed block by block of 65536 as NumPy adds them; float32 data
with float32 edges; run-time lengths (an empty array included); NumPy's ValueErrors at run time.

Bit for bit against NumPy at sizes up to 1e6; derivatives of weighted counts (and of the edges through the min and
max) against central differences and autograd, vmap against a loop, and the C target, through all_forms_pass.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import load_source
from test_common_functions import all_forms_pass, kernel_module

DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32}
BODIES = ["np.histogram(x, 7)", "np.histogram(x, 5, range=(-1.0, 1.0), weights=w)",
          "np.histogram(x, 3, weights=w, density=True)", "np.histogram(x, 1)",
          "np.histogram(x, 4, range=(0.25, 0.25))", "np.histogram(x, 6, density=True)",
          "np.histogram(x, 9, (-0.1, 2.7), True, w)"]


def _data(kind: int, n: int, dtype: str, rng) -> np.ndarray:
    """Drawn, repeated, constant, and wide (integers near the int64 limits, float data near 1e-30 where float32
    cannot make the bins: NumPy's ValueError) values."""
    if kind == 3 and dtype.startswith("i"):
        info = np.iinfo(DTYPES[dtype])
        return rng.integers(info.min, info.max, size=n, dtype=DTYPES[dtype], endpoint=True)
    values = [rng.normal(size=n) * 3, np.round(rng.normal(size=n), 1), np.full(n, 0.25),
              rng.normal(size=n) * 1e-30][kind]
    return values.astype(DTYPES[dtype])


def _same_outcome(module, python, args) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NumPy's warnings for the uint64 cast of a wide range)
        try:
            expected = python(*args)
        except ValueError:
            with pytest.raises(ValueError):
                module(*args)
            return
        got = module(*args)
    flat = lambda r: [a for part in r for a in (flat(part) if isinstance(part, tuple) else [part])]  # noqa: E731
    for g, e in zip(flat(got), flat(expected)):
        assert g.dtype == e.dtype and g.shape == e.shape and g.tobytes() == e.tobytes(), (g, e)


@pytest.mark.parametrize("data, weights", [("f64", "f64"), ("f32", "f32"), ("i64", "i32"), ("i32", "i64"),
                                           ("f32", "f64"), ("f64", "f32")])
def test_counts_and_edges_are_numpys_at_every_size(data, weights):
    """Run-time lengths 0 to 300000 (one block, the first element of a second, five blocks) and a known length of
    70000; each body on four kinds of data, weights of another dtype than the data."""
    rng = np.random.default_rng(5)
    for dim, sizes in (("n", (0, 1, 2, 65536, 65537, 300000)), ("70000", (70000,))):
        for body in BODIES:
            text = kernel_module(f'x: "{data}[{dim}]", w: "{weights}[{dim}]"', body)
            module, python = load_source(text), {}
            exec(text, python)
            for n in sizes:
                for kind in range(4):
                    w = (rng.normal(size=n) * 10).astype(DTYPES[weights])
                    _same_outcome(module.f, python["f"], (_data(kind, n, data, rng), w))


@pytest.mark.parametrize("body", ["np.histogram(x, 10)", "np.histogram(x, 100, weights=w)",
                                  "np.histogram(x, 30, range=(-2.0, 2.0), weights=w, density=True)"])
def test_a_million_elements(body):
    """1e6 float64 values (sixteen blocks): the counts and NumPy's block-by-block sums of the weights, to the bit."""
    text = kernel_module('x: "f64[n]", w: "f64[n]"', body)
    module, python = load_source(text), {}
    exec(text, python)
    rng = np.random.default_rng(6)
    _same_outcome(module.f, python["f"], (rng.normal(size=1_000_000), rng.normal(size=1_000_000) * 1e3))


@pytest.mark.parametrize("values", [[np.nan, 1.0], [1.0, np.inf], [], [2.5], [-0.0, 0.0], [1e308, -1e308]])
def test_hostile_data(values):
    """NaN and infinite data without a range (NumPy's ValueError), empty (edges 0 to 1), one element and equal
    values (edges moved by 0.5), signed zeros, a range whose width overflows to inf (NumPy's bins from inf)."""
    text = kernel_module('x: "f64[n]", w: "f64[n]"', "(np.histogram(x, 4), np.histogram(x, 3, weights=w))")
    module, python = load_source(text), {}
    exec(text, python)
    x = np.array(values, dtype=np.float64)
    _same_outcome(module.f, python["f"], (x, np.arange(len(values), dtype=np.float64)))
    _same_outcome(module.f, python["f"], (x.astype(np.float32).astype(np.float64), np.ones(len(values))))


@pytest.mark.parametrize("body", ["np.histogram(x, 4, weights=w * w)[0]", "np.histogram(x, 3, weights=w)",
                                  "np.histogram(x, 5, range=(-1.0, 1.0), weights=np.exp(w), density=True)",
                                  "np.histogram(x, 2)[1] * w[0]"])
def test_derivatives_vmap_and_c_target(body, tmp_path):
    """Weighted counts' derivative (a gather of the cotangent by each element's bin) against differences and
    autograd, vmap against a loop (a batched np.bincount of np.histogram moves each example's positions past the
    earlier examples' bins), the C target."""
    text = kernel_module('x: "f64[n]", w: "f64[n]"', body)
    rng = np.random.default_rng(7)
    sets = [[rng.normal(size=40), rng.normal(size=40)], [np.round(rng.normal(size=40), 1), rng.normal(size=40)]]
    # (not constant data here: the edges jump from [x - 0.5, x + 0.5] when one element moves, no derivative)
    all_forms_pass(text, ["x", "w"], sets, c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body", ["np.histogram(x, 5)", "np.histogram(x, 4, weights=w)",
                                  "np.histogram(x, 3, range=(-0.5, 1.0), density=True)"])
def test_float32_data(body, tmp_path):
    """NumPy's float32 path: edges np.linspace in float32 (from the data's float32 min and max) or float64 cast
    to float32 (from a range), the float32 index estimate (over a range: float32 differences divided by NumPy's
    float64 denominator), float32 weights added in float32 block by block."""
    text = kernel_module('x: "f32[n]", w: "f32[n]"', body)
    rng = np.random.default_rng(8)
    sets = [[rng.normal(size=30).astype(np.float32), rng.normal(size=30).astype(np.float32)],
            [np.full(30, 0.1, np.float32), np.ones(30, np.float32)]]
    all_forms_pass(text, ["x", "w"], sets, c=True, tmp_path=tmp_path)


def test_weights_of_another_run_time_length_raise_numpys_value_error():
    text = kernel_module('x: "f64[n]", w: "f64[k]"', "np.histogram(x, 3, weights=w)")
    module = load_source(text)
    with pytest.raises(ValueError, match="same shape"):
        module.f(np.zeros(4), np.ones(5))
    expected = np.histogram(np.arange(4.0), 3, weights=np.ones(4))[0]
    assert module.f(np.arange(4.0), np.ones(4))[0].tolist() == expected.tolist()
