"""`x.item()` of an array of named lengths (numba's `array_item` usecase of an `f32[n0]`, refused before as "needs
the array's shape at build time"): the product of the lengths is checked at run time to be 1 (NumPy's ValueError
otherwise, also for an empty array), then the element as a Python number (frontend/composed_functions.py
`method_item`). Values, types and exceptions against NumPy running the same source on both targets; every form."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from both_targets import outcomes_where_python_returns, python_and_lifted

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
DTYPES = {"f32": np.float32, "f64": np.float64, "i64": np.int64, "boo": np.bool_}
CASES = [('a: "f32[n0]"', "a.item()", [(1,), (0,), (3,)]), ('a: "f64[n,m]"', "a.item() * 2.0", [(1, 1), (1, 2), (0, 1)]),
         ('a: "i64[n]"', "a.item() + 1", [(1,), (2,)]), ('a: "bool[n,m,k]"', "a.item()", [(1, 1, 1), (2, 1, 1)])]


def _text(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"


@pytest.mark.parametrize("c", [False, True], ids=["numpy", "c"])
@pytest.mark.parametrize("signature, body, shapes", CASES)
def test_values_and_errors_are_numpys(signature, body, shapes, c, tmp_path):
    text = _text(signature, body)
    python, lifted = python_and_lifted(text, "item_named", c, tmp_path)
    for shape in shapes:
        a = (np.arange(int(np.prod(shape))) + 3.7).reshape(shape).astype(DTYPES[signature[4:7]])
        if (outcome := outcomes_where_python_returns(python, lifted, (a,))) is None:
            continue
        got, expected = outcome
        assert type(got) is type(expected) and got == expected, (got, expected)


def test_every_form(tmp_path):
    with np.errstate(all="ignore"):
        outcomes = check_kernel(_text('a: "f64[n]"', "a.item() * a"), ["a"], [[np.array([1.5])], [np.array([-2.0])]],
                                lambda args: args, c=True, folder=tmp_path)
    assert {form: outcome for form, (outcome, _) in outcomes.items() if outcome not in ("pass", "skip")} == {}, \
        outcomes
    assert outcomes["c"][0] == "pass" and "vjp" in outcomes, outcomes
