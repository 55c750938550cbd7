"""`**` in C kernels: whole exponents by repeated squaring, pow elsewhere; NumPy's numbers either way."""
from __future__ import annotations

import numpy as np

from test_c_backend import c_module

POWER = '''
import numpy as np
from lifted import kernel


@kernel
def power(a: "f64[n]", b: "f64[n]") -> "f64[n]":
    return a ** b


@kernel
def power32(a: "f32[n]", b: "f32[n]") -> "f32[n]":
    return a ** b
'''


def test_power_agrees_with_numpy_on_whole_and_other_exponents_and_edge_values(tmp_path):
    module, _ = c_module(POWER, tmp_path, "power")
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 1e-5, 1e-160, 3e-155, 1e155, 1e300, np.inf, -np.inf,
               np.nan, 0.999, -1.001, 7.3]
    exponents = [0.0, -0.0, 1.0, 2.0, 3.0, 7.0, 64.0, 127.0, 128.0, 1023.0, 1024.0, 1025.0, 2.5, -1.0, -2.0,
                 0.5, 1e9, np.inf, np.nan]
    a, b = (np.array(v) for v in zip(*[(x, e) for x in special for e in exponents]))
    rng = np.random.default_rng(8)
    a = np.concatenate((a, rng.uniform(-1.5, 1.5, 5000)))
    b = np.concatenate((b, rng.integers(0, 140, 5000).astype(float)))
    with np.errstate(all="ignore"):
        expected = a ** b
        np.testing.assert_allclose(module.power(a, b), expected, rtol=1e-13, atol=0, equal_nan=True)
        a32, b32 = a.astype(np.float32), b.astype(np.float32)
        np.testing.assert_allclose(module.power32(a32, b32), a32 ** b32, rtol=1e-6, atol=0, equal_nan=True)
    assert np.array_equal(np.signbit(module.power(a, b)), np.signbit(expected))
