"""np.full with dtype=np.float64 and an integer fill: NumPy's array is float64 (the generated call once dropped the
dtype as the default of np.zeros, and NumPy's np.full(shape, 7) is int64)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from test_common_functions import kernel_module


@pytest.mark.parametrize("body", ["np.full((3,), 7, dtype=np.float64) // 2", "np.full((3,), 7, np.float64)",
                                  "np.full(3, 7, dtype=float) + x", "np.full((2, 2), True, dtype=np.float64)"])
def test_full_of_an_integer_as_float64(body):
    text = kernel_module('x: "f64[3]"', body)
    python = {}
    exec(text, python)
    got, expected = load_source(text).f(np.arange(3.0)), python["f"](np.arange(3.0))
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
