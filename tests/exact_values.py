"""The one comparison every random-program oracle makes of primal values: exact where exactness is defined.

`same_values(got, expected, what)` passes when `got` is `expected` to rounding (rtol/atol) and, exactly:
* the same structure (tuples and lists of the same lengths) and shapes;
* the same dtype: float32 is not float64, int32 is not int64 (a Python int or float on the expected side, which
  NumPy would turn into an int64/float64 array, takes the kind of the other side's dtype only);
* integers and booleans equal (no tolerance);
* NaN where NaN, infinities of the same sign;
* where both sides are exactly zero, the same sign (-0.0 is not +0.0: 1/x tells them apart).

Why one helper: allclose and array_equal take -0.0 == 0.0 and compare float32 with float64 silently, so a
generated module that lost the sign of a zero or computed in another dtype passed every random run.
`exact_parts` is the part without tolerance, for oracles whose rounding check is their own (the C target's spread).
"""
from __future__ import annotations

import numpy as np

_KINDS = {"f": "f", "c": "f", "i": "i", "u": "i", "b": "b"}


def _pairs(got, expected, what: str):
    """(got leaf, expected leaf, its name) for each leaf of the (tuple or list) structure of `expected`."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected), f"{what}: {got!r} vs {expected!r}"
        for k, (g, e) in enumerate(zip(got, expected)):
            yield from _pairs(g, e, f"{what}[{k}]")
        return
    yield got, expected, what


def _python_number(value) -> bool:
    return type(value) in (bool, int, float)


def exact_parts(got, expected, what: str) -> None:
    """Structure, shape, dtype, integers, NaN and infinity positions and the signs of zeros (see the module)."""
    for g, e, name in _pairs(got, expected, what):
        _exact_leaf(g, e, name)


def _exact_leaf(got, expected, what: str) -> None:
    got_array, expected_array = np.asarray(got), np.asarray(expected)
    assert got_array.shape == expected_array.shape, f"{what}: shape {got_array.shape} != {expected_array.shape}"
    assert _KINDS[got_array.dtype.kind] == _KINDS[expected_array.dtype.kind], \
        f"{what}: dtype {got_array.dtype} != {expected_array.dtype}"
    if not (_python_number(got) or _python_number(expected)):
        assert got_array.dtype == expected_array.dtype, f"{what}: dtype {got_array.dtype} != {expected_array.dtype}"
    if expected_array.dtype.kind not in "fc":
        assert np.array_equal(got_array, expected_array), f"{what}: {got!r} != {expected!r} (integers differ)"
        return
    assert np.array_equal(np.isnan(got_array), np.isnan(expected_array)), f"{what}: NaN where the other is not: " \
        f"{got!r} vs {expected!r}"
    infinite = np.isinf(expected_array) | np.isinf(got_array)
    assert np.array_equal(got_array[infinite], expected_array[infinite]), \
        f"{what}: infinities differ: {got!r} vs {expected!r}"
    if expected_array.dtype.kind == "c" or got_array.dtype.kind == "c":
        return
    zeros = (expected_array == 0) & (got_array == 0)
    assert np.array_equal(np.signbit(got_array)[zeros], np.signbit(expected_array)[zeros]), \
        f"{what}: the sign of a zero differs: {got!r} vs {expected!r}"


def same_values(got, expected, what: str, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """`exact_parts`, and every float equal to rounding (relative `rtol`, absolute `atol`)."""
    for g, e, name in _pairs(got, expected, what):
        _exact_leaf(g, e, name)
        expected_array = np.asarray(e)
        if expected_array.dtype.kind in "fc":
            np.testing.assert_allclose(np.asarray(g), expected_array, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=name)
