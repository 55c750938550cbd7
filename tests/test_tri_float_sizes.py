"""np.tri, np.tril_indices and np.triu_indices of a float N or M (numba's `np.tril_indices(n)` of an `f64[]`,
refused before as "np.tri's `N` is an integer"): NumPy's `arange(N)` and `arange(-k, M - k)` of a float are
`ceil(N)` and `ceil((M - k) + k)` long in float64 (so `np.tri(1e-17, k=3)` has no column), NumPy's ValueError at
NaN, infinities and past int64, and none at 2**63 itself (frontend/common_functions.py `_arange_length`). Values,
dtypes and exceptions against NumPy running the same source on both targets."""
from __future__ import annotations

import numpy as np
import pytest

from both_targets import outcomes_where_python_returns, python_and_lifted

HEADER = "import numpy as np\nfrom lifted import kernel\n"
SIGNATURE = 'N: "f64[]", M: "f64[]", n: "i64[]"'
BODIES = ["np.tri(N)", "np.tri(N, M, 3)", "np.tri(N, n, -2)", "np.tri(n, M, 3, dtype=np.int32)", "np.tri(2.5, M)",
          "np.tril_indices(N)", "np.triu_indices(N, 1, M)", "np.tril_indices(n, -1, M)", "np.tri(N, None, 3)"]
VALUES = [2.5, 3.0, -1.5, 0.3, 1e-17, 0.0, np.nan, np.inf, -np.inf, 1e300, 2.0 ** 63]


def _text(body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({SIGNATURE}):\n    return {body}\n"


@pytest.mark.parametrize("c", [False, True], ids=["numpy", "c"])
@pytest.mark.parametrize("body", BODIES)
def test_values_and_errors_are_numpys(body, c, tmp_path):
    text = _text(body)
    python, lifted = python_and_lifted(text, "tri_float", c, tmp_path)
    for big in VALUES:
        for small in VALUES[:7]:
            args = (np.float64(big), np.float64(small), np.int64(3))
            if (outcome := outcomes_where_python_returns(python, lifted, args)) is None:
                continue
            got, expected = outcome
            pairs = zip(got, expected) if isinstance(expected, tuple) else [(got, expected)]
            for g, w in pairs:
                assert g.dtype == w.dtype and g.shape == w.shape and np.array_equal(g, w), (args, g, w)
