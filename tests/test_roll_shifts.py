"""np.roll by a bool or a float shift (numba's `np.roll(a, True)` usecase): NumPy's roll adds `int(sh)` of each
shift, so True is 1, a float is truncated toward zero, and a NaN or infinite shift is Python's ValueError or
OverflowError at run time (frontend/repeats_and_splits.py `_as_python_int`). Values and exceptions against NumPy
running the same source on both targets; the derivatives in the rolled array through every form."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from both_targets import outcomes_where_python_returns, python_and_lifted

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
SIGNATURE = 'a: "i64[n]", s: "f64[]", b: "bool[]"'
BODIES = ["np.roll(a, True)", "np.roll(a, False)", "np.roll(a, s)", "np.roll(a, b)", "np.roll(a, -2.5)",
          "np.roll(a.reshape(1, -1), (s, b), axis=(1, 0))", "np.roll(a, s, axis=0) * 2"]
INPUTS = [(5, 2.7, True), (5, -1.5, False), (0, 3.0, True), (3, -7.9, True), (4, np.nan, True), (4, np.inf, False),
          (4, -np.inf, True)]


def _text(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"


@pytest.mark.parametrize("c", [False, True], ids=["numpy", "c"])
@pytest.mark.parametrize("body", BODIES)
def test_values_and_errors_are_numpys(body, c, tmp_path):
    text = _text(SIGNATURE, body)
    python, lifted = python_and_lifted(text, "roll_shift", c, tmp_path)
    for n, s, b in INPUTS:
        args = (np.arange(n, dtype=np.int64) * 3 - 1, np.float64(s), np.bool_(b))
        if (outcome := outcomes_where_python_returns(python, lifted, args)) is None:
            continue
        got, expected = outcome
        assert got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(got, expected)


@pytest.mark.parametrize("body", ["np.roll(x, s) * x", "np.roll(x, True) * 2.0"])
def test_every_form_of_a_float_array_rolled_by_a_float(body, tmp_path):
    text = _text('x: "f64[4]", s: "f64[]"', body)
    with np.errstate(all="ignore"):
        outcomes = check_kernel(text, ["x", "s"], [[np.array([1.0, -2.0, 0.5, 3.0]), np.float64(1.7)],
                                                   [np.array([0.0, 2.5, -1.0, 4.0]), np.float64(-6.2)]],
                                lambda args: args, c=True, folder=tmp_path)
    assert {form: outcome for form, (outcome, _) in outcomes.items() if outcome not in ("pass", "skip")} == {}, \
        outcomes
    assert outcomes["c"][0] == "pass" and "vjp" in outcomes, outcomes
