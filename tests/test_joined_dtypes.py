"""`dtype=` and `casting=` of np.concatenate, np.stack, np.hstack and np.vstack (transpiler/frontend/joined_dtypes.py):
the values and dtypes NumPy gives for every pair of the kernel's dtypes and every casting rule, a refusal (located,
with a hint) exactly where NumPy raises, and derivatives through the cast against finite differences and autograd."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import TranspileError

DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}
NAMES = {"f64": "np.float64", "f32": "np.float32", "i64": "np.int64", "i32": "np.int32", "bool": "bool"}
SOURCE = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
          'def f(a: "{0}[2,3]", b: "{0}[2,3]"):\n    return {1}\n')


def _inputs(dtype: str):
    values = np.array([[0.5, -2.0, np.nan], [np.inf, -0.0, 3.75]])
    if dtype in ("i64", "i32"):
        values = np.array([[0, -2, 7], [2**31 - 1, -1, 3]])
    if dtype == "bool":
        values = np.array([[True, False, True], [False, False, True]])
    return values.astype(DTYPES[dtype]), values[::-1].astype(DTYPES[dtype])


@pytest.mark.parametrize("call", ["np.concatenate((a, b){})", "np.concatenate((a, b), axis=None{})",
                                  "np.stack((a, b), 1{})", "np.hstack((a, b){})", "np.vstack((a, b){})",
                                  "np.concatenate(a{})"])
@pytest.mark.parametrize("source, target", list(itertools.product(DTYPES, list(DTYPES) + [None])))
@pytest.mark.parametrize("casting", [None, "no", "equiv", "safe", "same_kind", "unsafe"])
def test_as_numpy(call, source, target, casting):
    extra = (f", dtype={NAMES[target]}" if target else "") + (f", casting={casting!r}" if casting else "")
    if not extra and call != "np.concatenate((a, b){})":
        pytest.skip("without the keywords: covered elsewhere")
    text = SOURCE.format(source, call.format(extra))
    args = _inputs(source)
    scope: dict = {}
    exec(text.replace("from lifted import kernel", "kernel = lambda f: f"), scope)
    try:
        with np.errstate(invalid="ignore"):
            expected = scope["f"](*args)
    except TypeError:
        with pytest.raises(TranspileError) as info:
            load_source(text, "joined.py")
        assert info.value.loc is not None and info.value.hint and "TypeError" in str(info.value)
        return
    with np.errstate(invalid="ignore"):
        got = load_source(text, "joined.py").f(*args)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=got.dtype.kind == "f"), (got, expected)


@pytest.mark.parametrize("body, word", [
    ("np.concatenate((a, b), casting='bogus')", "ValueError"),
    ("np.concatenate((a, b[0]), dtype=np.int32)", "same rank"),  # NumPy's ValueError of shapes comes first
    ("np.stack((a, b), dtype=np.int32, casting='safe')", "'safe'"),
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(SOURCE.format("f64", body), "joined.py")
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)


@pytest.mark.parametrize("body", [
    "np.sum(np.concatenate((x, y), dtype=np.float64, casting='safe') ** 3)",
    "np.sum(np.sin(np.stack((x, y), 1, dtype=np.float64)) * np.arange(8.0).reshape(4, 2))",
    "np.sum(np.vstack((x, y), dtype=np.float64, casting='no') ** 2 * np.array([1.0, 2.0])[:, None])",
    "np.sum(np.hstack((x, i), dtype=np.float64) ** 2)",
])
def test_derivatives(body):
    text = ('import numpy as np\nfrom lifted import kernel, grad\n\n\n@kernel\n'
            'def f(x: "f64[4]", y: "f64[4]", i: "i32[2]"):\n    return ' + body + '\n\n\ng = grad(f, wrt=("x", "y"))\n')
    rng = np.random.default_rng(3)
    check_against_python(text, [rng.normal(size=4), rng.normal(size=4), np.array([3, -1], np.int32)])
