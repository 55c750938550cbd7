"""np.linspace(start, stop) without `num`: NumPy's 50 points (the default was an untyped constant, and reading it
as a shape raised AttributeError inside the transpiler)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import kernel_module


@pytest.mark.parametrize("body", ["np.linspace(x[0], x[1])", "np.linspace(0.0, x[2], endpoint=False)",
                                  "np.linspace(x[0], 1)"])
def test_fifty_points_by_default(body):
    text = kernel_module('x: "f64[5]"', body)
    python = {}
    exec(text, python)
    x = np.array([0.5, -1.0, 2.0, 0.25, 1.5])
    got, expected = load_source(text).f(x), python["f"](x)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


def test_array_bounds_are_refused_with_a_place():
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[5]", y: "f64[5]"', "np.linspace(x, y)"))
    assert info.value.loc is not None and info.value.loc.line == 7
