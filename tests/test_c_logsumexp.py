"""`scipy.special.logsumexp` on the C target: written out as max, exp, sum and log (backends/c/logsumexp.py), so
kernels fuse it instead of a SciPy call on the host; values and derivatives against the untouched source
(SciPy), central finite differences and autograd, special values (infinities, NaN, empty axes) as SciPy gives them.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference
from lifted.transpiler.pipeline import transpile_c
from test_c_backend import c_module, compare_all
from test_property import inputs_for, logsumexp_seeds, program_for_seed
from lazy_seeds import LazySeeds

LSE = '''
import numpy as np
from scipy.special import logsumexp
from lifted import grad, kernel


@kernel
def whole(x: "f64[m,d]") -> "f64[]":
    return logsumexp(x) + 0.5 * logsumexp(-x, axis=None)


@kernel
def per_row(x: "f64[m,d]") -> "f64[]":
    return np.sum(np.sin(logsumexp(2.0 * x, axis=1)))


@kernel
def per_column_kept(x: "f64[m,d]") -> "f64[]":
    return np.sum(x - logsumexp(x, axis=0, keepdims=True) * 0.25)


@kernel
def in_a_loop(x: "f64[m,d]") -> "f64[]":
    total = 0.0
    for i in range(3):
        total = total + logsumexp(x * (i + 1.0), axis=-1)[i]
    return total


@kernel
def rows(x: "f64[m,d]") -> "f64[m]":
    return logsumexp(x, axis=1)


@kernel
def kept(x: "f64[m,d]") -> "f64[1,d]":
    return logsumexp(x, axis=0, keepdims=True)


@kernel
def single(x: "f32[m,d]") -> "f32[m]":
    return logsumexp(x, axis=1)


whole_grad = grad(whole)
per_row_grad = grad(per_row)
per_column_kept_grad = grad(per_column_kept)
in_a_loop_grad = grad(in_a_loop)
'''
SCALAR_FUNCTIONS = ("whole", "per_row", "per_column_kept", "in_a_loop")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    module, _ = c_module(LSE, tmp_path_factory.mktemp("lse"), "lse")
    return module


def python_functions() -> dict:
    namespace: dict = {}
    exec(compile(LSE, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def test_no_scipy_call_stays_on_the_host():
    host = transpile_c(LSE, "lse.py").host
    calls = [line for line in host.splitlines() if "logsumexp(" in line and not line.lstrip().startswith("#")]
    assert calls == []


def test_values_and_gradients_against_the_source(compiled):
    python = python_functions()
    oracles = autograd_kernels(LSE)
    x = np.random.default_rng(0).normal(size=(5, 7))
    for name in SCALAR_FUNCTIONS:
        assert_close(getattr(compiled, name)(x.copy()), python[name](x.copy()), rtol=1e-12, atol=1e-12, what=name)
        gradient = getattr(compiled, f"{name}_grad")(x.copy())
        assert_close(gradient, central_difference(python[name], [x.copy()], 0), rtol=1e-6, atol=1e-6,
                     what=f"{name}: d/dx vs finite differences")
        from autograd import grad as autograd_grad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = autograd_grad(oracles[name])(x.copy())
        assert_close(gradient, expected, rtol=1e-9, atol=1e-10, what=f"{name}: d/dx vs autograd")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_special_values_as_scipy_gives_them(compiled, dtype):
    python = python_functions()
    inf, nan = np.inf, np.nan
    x = np.array([[-inf, -inf, -inf], [1.0, inf, 2.0], [1.0, nan, 2.0], [inf, nan, -inf], [-inf, 0.0, -inf],
                  [1e300 if dtype == np.float64 else 1e30, 0.0, -1.0], [3.0, 3.0, 3.0]], dtype=dtype)
    name = "rows" if dtype == np.float64 else "single"
    with np.errstate(all="ignore"):
        expected = python[name](x.copy())
    actual = getattr(compiled, name)(x.copy())
    assert actual.dtype == expected.dtype
    np.testing.assert_allclose(actual, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(compiled.kept(x.T.astype(np.float64).copy()), python["kept"](x.T.astype(float)),
                                   rtol=1e-14)


def test_empty_axes_give_minus_infinity_as_scipy_does(compiled):
    python = python_functions()
    for shape in [(3, 0), (0, 4)]:
        x = np.zeros(shape)
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(compiled.rows(x), python["rows"](x))
            np.testing.assert_array_equal(compiled.kept(x), python["kept"](x))


LOGSUMEXP_SEEDS = LazySeeds(12, lambda: logsumexp_seeds(12))


@pytest.mark.parametrize("nth", LOGSUMEXP_SEEDS.positions)
def test_random_programs_with_logsumexp_on_the_cpu_target(nth, tmp_path):
    seed = LOGSUMEXP_SEEDS[nth]
    text, _wrt, _as_tuple = program_for_seed(seed, logsumexp=True)
    compare_all(text, tmp_path, inputs_for(seed), f"lse_prop_{seed}")
