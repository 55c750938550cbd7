"""np.iterable and np.isscalar (transpiler/frontend/more_elementwise.py): Python bools known at build time, the same
object Python's run gives (a bool, not a NumPy bool), for arrays, lists, tuples, Python numbers and rank-0 values;
np.isscalar of a rank-0 value that may be a NumPy scalar (True) or a 0-d array (False) is refused, located; what a
scalar type makes of a number or a 0-d value (`np.float64(1.0)`) is a NumPy scalar."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
          'def f(x: "f64[3]", s: "f64[]", m: "f64[2,0]", i: "i32[1]"):\n    n = 3\n    return {}\n')
ARGS = (np.array([0.5, np.nan, -0.0]), 2.0, np.zeros((2, 0)), np.array([7], np.int32))


@pytest.mark.parametrize("body", [
    "np.iterable(x)", "np.iterable(s)", "np.iterable(2.5)", "np.iterable(n)", "np.iterable(True)",
    "np.iterable([1.0, 2.0])", "np.iterable([])", "np.iterable((x, x))", "np.iterable(m)", "np.iterable(i)",
    "np.iterable(x[0])", "np.iterable(x > 0)", "np.iterable(np.sum(x))",
    "np.isscalar(x)", "np.isscalar(2.5)", "np.isscalar(n)", "np.isscalar(True)", "np.isscalar(x.shape[0])",
    "np.isscalar([s])", "np.isscalar(())", "np.isscalar(m)", "np.isscalar(i)", "np.isscalar(x > 0)",
    "s * np.iterable(x) + np.isscalar(n)",
    "np.isscalar(np.float64(1.0))", "np.isscalar(np.float32(s))", "np.isscalar(np.int32(x[0] > 0))",
    "np.isscalar(np.bool_(True))", "np.isscalar(np.float64(x))", "np.isscalar(np.int64(i))",
])
def test_static_answer_is_pythons(body):
    scope: dict = {}
    exec(HEADER.format(body).replace("from lifted import kernel", "kernel = lambda f: f"), scope)
    expected = scope["f"](*ARGS)
    got = load_source(HEADER.format(body), "static.py").f(*ARGS)
    assert type(got) is type(expected) and got == expected, (got, expected)


@pytest.mark.parametrize("body, word", [
    ("np.isscalar(s)", "0-d array"),
    ("np.isscalar(x[0])", "0-d array"),
    ("np.isscalar(np.sum(x))", "0-d array"),
    ("np.iterable(x, x)", "positional"),
    ("np.isscalar(element=x)", "element="),
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(HEADER.format(body), "static.py")
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)
