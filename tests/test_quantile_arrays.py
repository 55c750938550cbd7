"""np.quantile/np.percentile (and the NaN-ignoring forms) with q an array the kernel has, and every method with a
length known only at run time (transpiler/frontend/quantile_methods.py): bit for bit against NumPy running the
same source on drawn and hostile inputs, every transform against central differences and autograd where it has
the function, vmap against a loop (benchmarks/corpus/checks.py via all_forms_pass); the C target too."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import all_forms_pass, kernel_module

METHODS = ["linear", "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
           "hazen", "weibull", "median_unbiased", "normal_unbiased", "lower", "higher", "nearest", "midpoint"]


def _inputs(x_shape, q_shape, dtype=np.float64, q_dtype=np.float64, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    sets = []
    for k in range(3):
        x = (rng.normal(size=x_shape) * 3).astype(dtype)
        q = rng.uniform(0.02, 0.98, size=q_shape)
        if k == 1:  # the ends, and values tied
            q.flat[0], q.flat[-1] = 0.0, 1.0
            x = np.resize(np.array([1.5, -0.5, 1.5, 2.0, -0.5]), x_shape).astype(dtype)
        if k == 2 and np.dtype(dtype).kind == "f":
            x.flat[1] = np.nan
        sets.append([x, (q * scale).astype(q_dtype)])
    return sets


@pytest.mark.parametrize("method", METHODS)
def test_array_q_every_method(method):
    text = kernel_module('x: "f64[3,8]", q: "f64[4]"', f"np.percentile(x, q, axis=-1, method={method!r})")
    all_forms_pass(text, ["x", "q"], _inputs((3, 8), (4,), scale=100.0))


@pytest.mark.parametrize("signature, body, shapes, dtypes", [
    ('x: "f64[2,3,4]", q: "f64[3]"', "np.quantile(x, q)", ((2, 3, 4), (3,)), (np.float64, np.float64)),
    ('x: "f64[n,m]", q: "f64[k]"', "np.quantile(x, q, axis=0, keepdims=True)", ((5, 3), (2,)),
     (np.float64, np.float64)),
    ('x: "f64[2,3,4]", q: "f64[2,2]"', "np.quantile(x, q, axis=(0, 2), method='hazen')", ((2, 3, 4), (2, 2)),
     (np.float64, np.float64)),
    ('x: "f32[3,5]", q: "f32[3]"', "np.percentile(x, q * 100, axis=1)", ((3, 5), (3,)), (np.float32, np.float32)),
    ('x: "f32[3,5]", q: "f64[3]"', "np.quantile(x, q, axis=None, method='weibull')", ((3, 5), (3,)),
     (np.float32, np.float64)),
    ('x: "i64[4,5]", q: "f64[3]"', "np.quantile(x, q, axis=1, method='median_unbiased')", ((4, 5), (3,)),
     (np.int64, np.float64)),
    ('x: "f64[6]", q: "f64[3]"', "np.nanquantile(x, q) * 2.0", ((6,), (3,)), (np.float64, np.float64)),
    ('x: "f64[3,6]", q: "f64[2]"', "np.nanpercentile(x, q * 100, axis=1, keepdims=True)", ((3, 6), (2,)),
     (np.float64, np.float64)),
])
def test_array_q_shapes_axes_dtypes(signature, body, shapes, dtypes):
    all_forms_pass(kernel_module(signature, body), ["x", "q"], _inputs(*shapes, *dtypes))


@pytest.mark.parametrize("method", ["hazen", "inverted_cdf", "nearest", "midpoint"])
def test_run_time_length_with_a_method(method):
    """A length known only at run time with a method other than 'linear' (the CuPy q_list and scalar_q cases)."""
    for body in (f"np.quantile(x, 0.1337, method={method!r})", f"np.percentile(x, [99, 99.9], method={method!r})"):
        all_forms_pass(kernel_module('x: "f64[n]"', body), ["x"], [[np.arange(1001.0)], [np.linspace(-1, 1, 7)]])


@pytest.mark.parametrize("method", ["hazen", "nearest", "averaged_inverted_cdf"])
def test_computed_q_with_a_method(method):
    """A q the kernel computes with a method other than 'linear' (refused before: it needed q at build time); the
    derivative with respect to x flows through q too."""
    body = f"np.quantile(x, np.abs(np.tanh(x[0, 0])), axis=1, method={method!r})"
    rng = np.random.default_rng(4)
    all_forms_pass(kernel_module('x: "f64[3,6]"', body), ["x"], [[rng.normal(size=(3, 6))] for _ in range(2)])


def test_integer_q_takes_the_element():
    """np.quantile's integer q is NumPy's `take` (the input's dtype); np.percentile divides it (float64)."""
    module = load_source(kernel_module('x: "f64[5]", q: "i64[2]"', "np.quantile(x, q), np.percentile(x, q * 50)"))
    x, q = np.array([3.0, -1.0, 2.0, 0.5, 7.0]), np.array([0, 1])
    for got, expected in zip(module.f(x, q), (np.quantile(x, q), np.percentile(x, q * 50))):
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_q_out_of_range_raises_numpys_valueerror():
    module = load_source(kernel_module('x: "f64[5]", q: "f64[2]"', "np.percentile(x, q)"))
    for q in ([-0.1, 3.0], [50.0, 100.1], [np.nan, 1.0]):
        with pytest.raises(ValueError, match="Percentiles must be in the range"):
            np.percentile(np.ones(5), q)
        with pytest.raises(ValueError, match="Percentiles must be in the range"):
            module.f(np.ones(5), np.array(q))


def test_array_q_c_target(tmp_path):
    text = kernel_module('x: "f64[3,8]", q: "f64[4]"', "np.quantile(x, q, axis=1, method='hazen')")
    all_forms_pass(text, ["x", "q"], _inputs((3, 8), (4,)), c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("signature, body, message", [
    ('x: "f64[5]", q: "f64[2,2,2]"', "np.quantile(x, q)", "q must be a scalar or 1d"),
    ('x: "f64[5]", q: "i64[2]"', "np.quantile(x, q, method='hazen')", "integer q"),
    ('x: "f64[5]", q: "bool[2]"', "np.quantile(x, q)", "bool"),
])
def test_refusals_are_located(signature, body, message):
    with pytest.raises(TranspileError) as error:
        load_source(kernel_module(signature, body))
    assert ":7:" in str(error.value) and message in str(error.value)
