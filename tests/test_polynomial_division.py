"""np.polydiv (transpiler/frontend/polynomial_division.py): NumPy's quotient and remainder to the bit (its loop run
at build time, the same operations in the same dtypes), the remainder's leading near-zeros dropped at run time as
NumPy's allclose loop; derivatives against central differences and autograd, vmap against a loop (refused, located,
where the remainder's length differs between examples), the C target."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.jax.corpus import bit_for_bit
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import all_forms_pass, kernel_module

BODIES = [
    "np.polydiv(x, y)", "np.polydiv(x, y)[0] * 2.0", "np.polydiv(x, y[:1])", "np.polydiv(x[:2], y)",
    "np.polydiv(x, [1.0, -2.0])", "np.polydiv(np.convolve(x[:2], y), y)", "np.polydiv(x, 2)",
    "np.polydiv([1, 2, 3], x[:2])", "np.polydiv(x.astype(np.float32), y)[1]",
    "np.polydiv(x[0], y[0])",
    "np.sum(np.polydiv(x, y)[1]) * x",
]


@pytest.mark.parametrize("body", BODIES)
def test_polydiv_is_numpys(body):
    text = kernel_module('x: "f64[5]", y: "f64[3]"', body)
    rng = np.random.default_rng(21)
    sets = [[rng.normal(size=5), rng.normal(size=3)],
            [np.array([0.0, -0.0, np.nan, 1.0, 2.0]), np.array([0.0, 1.0, 2.0])],
            [np.array([1.0, 1e-9, -1e-9, 3.0, np.inf]), np.array([-0.0, 1e300, 2.0])]]
    all_forms_pass(text, ["x", "y"], sets)


@pytest.mark.parametrize("body", BODIES + ["np.polydiv(x.astype(np.float32), y.astype(np.float32))"])
def test_polydiv_trims_as_numpy(body):
    """x divisible by y: the remainder's leading coefficients within 1e-8 of 0 dropped (NumPy's values; no
    derivative there: the remainder's length jumps with any change of x). In float32 the coefficients the loop
    cancels are left about 1e-8 from 0, above or below: NumPy's remainder has 2 or 5 coefficients by the data, which
    Lifted's has too (no derivative is checked: a difference quotient changes the length)."""
    module, python = load_source(kernel_module('x: "f64[5]", y: "f64[3]"', body)), {}
    exec(compile(kernel_module('x: "f64[5]", y: "f64[3]"', body), "python_reference", "exec"), python)
    rng = np.random.default_rng(23)
    for _ in range(8):
        root = rng.normal(size=2)
        exact = np.array([1.0, -(root[0] + root[1]), root[0] * root[1]])
        args = (np.polymul(exact, rng.normal(size=3)), exact)
        bit_for_bit(module, args, python["f"](*args))
    args = (np.array([3.0, 2.0, 1e-9, 0.0, 5e-9]), np.array([1.0, 0.5, 0.25]))
    bit_for_bit(module, args, python["f"](*args))


def test_polydiv_on_the_c_target(tmp_path):
    text = kernel_module('x: "f64[5]", y: "f64[3]"', "np.polydiv(x, y)[0] * np.sum(np.polydiv(x, y)[1])")
    rng = np.random.default_rng(22)
    all_forms_pass(text, ["x", "y"], [[rng.normal(size=5), rng.normal(size=3)]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.polydiv(m, v)", "1-d"), ("np.polydiv(v, n)", "build time"), ("np.polydiv(v)", "2 positional"),
    ("np.polydiv(v, np.zeros(0))", "IndexError"), ("np.roots(v)", "complex"), ("np.polyfit(v, v, 1)", "lstsq"),
])
def test_polydiv_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]", n: "f64[k]"', body))
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)
