"""Build-time answers about dtypes and `in` (transpiler/frontend/dtype_objects.py, normalize/static_operations.py):
`x.dtype.kind`, `np.dtype(t)`, `np.iinfo(t)`, `issubclass` of NumPy's type classes, `==` of dtypes, `in` over a
string and over a list with a number computed at run time, np.array's positional dtype. Each answer is Python's own
(value and type), and what Python raises on is refused with a place and a hint (CuPy's tests write these)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
          'def f(x: "f64[3]", a: "i32[2,3]", s: "f64[]", k: "i64[]"):\n    n = 3\n    return {}\n')
NAN = np.array([np.nan, 2.0, -0.0])


def _python(body, args):
    scope: dict = {}
    exec(HEADER.format(body).replace("from lifted import kernel", "kernel = lambda f: f"), scope)
    return scope["f"](*args)


def _args(x=(0.5, 2.0, -1.0), s=2.0, k=4):
    return (np.array(x), np.arange(6, dtype=np.int32).reshape(2, 3), np.float64(s), np.int64(k))


@pytest.mark.parametrize("body", [
    "a.dtype.kind in 'biu'", "x.dtype.kind not in 'biu'", "x.dtype.char in 'efdFD'", "'i' in 'biu'",
    "np.iinfo(np.int32).max", "np.iinfo(a.dtype).min", "np.iinfo('i').min", "np.iinfo(np.int64).bits",
    "np.iinfo(k).max", "np.iinfo(a.dtype).dtype == np.int32",
    "np.dtype(np.float32).itemsize", "np.dtype('f8').itemsize * 2", "np.dtype(a.dtype).type(0) - 1",
    "issubclass(np.float64, np.integer)", "issubclass(np.int32, (np.floating, np.integer))",
    "issubclass(a.dtype.type, np.signedinteger)", "issubclass(bool, int)",
    "a.dtype == np.int32", "x.dtype == 'float64'", "'f8' != x.dtype", "x.dtype != np.float32",
    "np.float64 == 'float64'", "np.dtype('i4') == a.dtype", "np.float64 == np.dtype('f8')",
    "np.zeros(2, dtype=np.dtype('f4'))", "x.astype(np.dtype(bool))", "np.finfo(x.dtype).dtype == x.dtype",
    "np.array(x, np.float32)", "np.array([1, 2], np.int32)", "np.asarray(a, np.float64)", "np.array(x, 'i4')",
    "np.zeros(2, 'f')", "getattr(a.dtype, 'kind') == 'i'", "getattr(x.dtype, 'itemsize')", "np.array([np.iinfo(a.dtype).min, 0], a.dtype)",
    "x[1] in [1.0, 2.0]", "x[1] not in [1.0, 2.0]", "x[0] in (2.0, np.nan)", "np.nan in [x[0], s]",
    "a[0,1] in (a[0,0], a[0,1])", "a[0,1] not in (a[0,0], 7)", "True in [a[0,1]]", "k in [a[1,1], 3]",
    "k in [4.0]", "s in [2]", "x[0] in []", "n in [1, 3]",
])
@pytest.mark.parametrize("x", [(0.5, 2.0, -1.0), (np.nan, 2.0, -0.0), (2.0, 1.0, np.inf)])
def test_answer_is_pythons(body, x):
    args = _args(x)
    expected = _python(body, args)
    got = load_source(HEADER.format(body), "dtypes.py").f(*args)
    assert type(got) is type(expected), (got, expected)
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)
    else:
        assert got == expected or (got != got and expected != expected), (got, expected)


@pytest.mark.parametrize("body, word", [
    ("np.iinfo(np.float64)", "ValueError"),
    ("np.iinfo(x)", "np.iinfo"),
    ("np.dtype('xyz')", "TypeError"),
    ("np.dtype(x)", "np.dtype"),
    ("np.dtype(np.dtype).type(0)", "'|O'"),
    ("issubclass(a.dtype, np.integer)", "not a class"),
    ("issubclass(x, np.integer)", "not a class"),
    ("a.dtype(3)", "not callable"),
    ("a.dtype.foo", ".foo"),
    ("np.iinfo(a.dtype).foo", ".foo"),
    ("x[1] in (x[0], x[1])", "NaN"),  # identity before equality: `v in [v]` is True for a NaN
    ("s in [x[0]]", "NaN"),
    ("x in [x]", "array"),
    ("x[0] in [None]", "None"),
    ("x[0] in 'abc'", "`in`"),
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(HEADER.format(body), "dtypes.py")
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)


def test_in_with_a_traced_number_was_wrong_without_the_fix():
    """`x[1] in [1.0, 2.0]` once compared the traced value's stand-in with the list: always False."""
    got = load_source(HEADER.format("x[1] in [1.0, 2.0]"), "dtypes.py").f(*_args())
    assert got is True


def test_chained_comparisons_of_type_objects_are_pythons():
    """`np.float64 == np.float64 == np.bool_` (CuPy's test_cross) was refused: `np.float64` cannot be used as an
    array. Each link is Python's `==` of the objects, joined as `and` joins them."""
    from gradcheck import load_source
    text = '''import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[3]"):
    if np.float64 == np.float64 == np.bool_:
        return x * 0.0
    if np.float32 != np.float64 == x.dtype == "float64":
        return x + 1.0
    return x
'''
    import numpy as np
    assert np.array_equal(load_source(text).f(np.ones(3)), np.full(3, 2.0))


def test_modules_compare_as_python_compares_them():
    """`np == np` (CuPy's `xp == numpy` once converted) was refused: `numpy` cannot be used as an array."""
    from gradcheck import load_source
    text = '''import math
import numpy as np
from lifted import kernel


@kernel
def f(x: "f64[3]"):
    if np == np and not (np != np) and not (np == math):
        return x * 2.0
    return x
'''
    import numpy as np
    assert np.array_equal(load_source(text).f(np.ones(3)), np.full(3, 2.0))
