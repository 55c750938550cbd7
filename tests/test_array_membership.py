"""`key in a` of an array (normalize/static_operations.py `array_membership`): NumPy's `ndarray.__contains__`,
`(a == key).any()`, made a Python bool by `in`: NaN keys, signed zeros, integer and bool arrays, an array key
broadcast against the rows; values against Python on both targets, every transform through a branch on it against
differences and autograd; the refusals located."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, vjp, vmap\n"
FLOATS = np.array([1.0, np.nan, 3.0, -0.0, np.inf])


def _text(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    {body}\n"


CASES = [
    ('a: "f64[n]", k: "f64[]"', "return k in a, k not in a",
     [[FLOATS, k] for k in (3.0, np.nan, 0.0, -0.0, np.inf, 7.0)] + [[FLOATS[:0], 1.0]]),
    ('a: "i64[n]", k: "f64[]"', "return k in a, 2 in a, True in a, 2.5 not in a",
     [[np.array([0, 2, 5]), 5.0], [np.array([1, 3]), 0.5]]),
    ('a: "bool[n]", k: "bool[]"', "return k in a", [[np.array([True, True]), np.bool_(False)],
                                                     [np.array([False]), np.bool_(False)]]),
    ('a: "f32[n,m]", k: "f64[m]"', "return k in a",
     [[np.arange(6, dtype=np.float32).reshape(2, 3), np.array([9.0, 4.0, 9.0])],
      [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([9.0, 9.0, 9.0])]]),
]


@pytest.mark.parametrize("signature, body, inputs", CASES, ids=[c[1] for c in CASES])
def test_as_numpy_on_both_targets(signature, body, inputs, tmp_path):
    params = [p.split(":")[0] for p in signature.split(", ") if ":" in p]
    outcomes = check_kernel(_text(signature, body), params, inputs, lambda args: args, c=True, folder=tmp_path)
    failed = {form: outcome for form, outcome in outcomes.items() if outcome[0] in ("bad", "WRONG")}
    assert failed == {} and outcomes["f"][0] == "pass" and outcomes["c"][0] == "pass", outcomes  # (the derivative
    #                                                                     forms of a bool refuse: nothing to derive)


def test_a_branch_on_it_has_every_derivative(tmp_path):
    """(The key and array are integers: a difference step in a float key or array would change the answer.)"""
    text = _text('x: "f64[n]", b: "i64[m]", k: "i64[]"',
                 "if k in b:\n        return np.sum(x * x) * k\n    return np.sum(np.sin(x)) - k")
    inputs = [[np.array([0.5, -1.5, 2.0]), np.array([4, 2]), k] for k in (np.int64(2), np.int64(3))]
    outcomes = check_kernel(text, ["x", "b", "k"], inputs, lambda args: args, c=True, folder=tmp_path)
    assert all(outcome[0] in ("pass", "skip") for outcome in outcomes.values()), outcomes
    assert all(outcomes[form][0] == "pass" for form in ("f", "g", "vjp", "fj", "c")), outcomes


@pytest.mark.parametrize("signature, body, word", [
    ('a: "f64[n]"', "return None in a", "None"),
    ('a: "f64[]"', "return 1.0 in a", "build time"),  # (a NumPy scalar is not iterable: TypeError)
])
def test_refusals_are_located(signature, body, word):
    with pytest.raises(TranspileError) as info:
        load_source(_text(signature, body), "membership.py")
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)
