"""`a.sort()` as a statement (transpiler/normalize/sort_in_place.py): sorts the array in place through the write
machinery, so every name and view of it sees the sort as in Python; values bit for bit against Python (NaN last,
-0.0 and 0.0 in NumPy's order), derivatives against finite differences and autograd, refusals located."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError

HEADER = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
          'def f(x: "f64[5]", m: "f64[3,4]", a: "i32[2,3]"):\n{}\n')


def _args():
    m = np.random.default_rng(0).normal(size=(3, 4))
    m[1, 2] = np.nan
    m[2, 0] = -0.0
    return np.array([0.5, np.nan, -1.0, -0.0, 0.0]), m, np.array([[3, 1, 2], [0, -5, 9]], np.int32)


def _source(body: str) -> str:
    return HEADER.format("\n".join("    " + line.strip() for line in body.split(";")))


@pytest.mark.parametrize("body", [
    "y = x.copy(); y.sort(); return y",
    "x.sort(); return x",
    "v = m[1]; m.sort(0); return v, m",  # a view taken before sees the sort
    "b = m; b.sort(axis=0); return m",  # so does another name
    "m.T.sort(); return m",  # a view receiver sorts inside the array it looks into
    "m[0].sort(); return m",
    "m[:, ::2].sort(0); return m",
    "a.sort(kind='stable'); return a",
    "a.sort(-1, 'mergesort'); return a",
    "m.sort(stable=True); t = m[:, 0]; return t * 2.0",
    "y = np.abs(x); y.sort(); return y",
])
def test_sorts_as_python(body):
    text = _source(body)
    scope: dict = {}
    exec(text.replace("from lifted import kernel", "kernel = lambda f: f"), scope)
    expected = scope["f"](*_args())
    got = load_source(text, "sorts.py").f(*_args())
    for g, e in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple) else (expected,)):
        assert g.dtype == e.dtype and np.array_equal(g, e, equal_nan=True)
        assert np.array_equal(np.signbit(g), np.signbit(e))


@pytest.mark.parametrize("body, word", [
    ("m.sort(None); return m", "TypeError"),
    ("m.sort(order='x'); return m", "structured"),
    ("s = m[0, 0]; s.sort(); return m", "AxisError"),
    ("m.sort(0, 'bubble'); return m", "kind"),
    ("m.sort(reverse=True); return m", "ndarray.sort takes"),
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(_source(body), "sorts.py")
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)


GRADIENT = '''import numpy as np
from lifted import kernel, grad


@kernel
def f(x: "f64[6]", w: "f64[6]"):
    y = x * 1.0
    v = y[1:]
    y.sort()
    return np.sum(y * w) + np.sum(v ** 2)


g = grad(f, wrt=("x",))
'''
SORTED = GRADIENT.replace("    y.sort()\n", "").replace("np.sum(v ** 2)", "np.sum(np.sort(x)[1:] ** 2)") \
    .replace("np.sum(y * w)", "np.sum(np.sort(x) * w)")


def test_derivatives_against_differences_and_autograd():
    from autograd import grad as autograd_grad

    args = [np.array([0.3, -1.2, 2.5, 0.7, -0.4, 1.9]), np.arange(1.0, 7.0)]
    module = load_source(GRADIENT, "sort_gradient.py")
    python: dict = {}
    exec(compile(GRADIENT, "python_reference", "exec"), python)
    got = module.g(*[a.copy() for a in args])
    got = got[0] if isinstance(got, tuple) else got
    assert_close(module.f(*[a.copy() for a in args]), python["f"](*[a.copy() for a in args]), rtol=1e-15, atol=0)
    reference = lambda *a: python["f"](*[v.copy() for v in a])  # noqa: E731
    assert_close(got, central_difference(reference, [a.copy() for a in args], 0), rtol=1e-6, atol=1e-6,
                 what="vs finite differences")
    oracle = autograd_kernels(SORTED)["f"]  # the same function written without the write: autograd runs it
    assert_close(got, autograd_grad(oracle, 0)(*args), rtol=1e-12, atol=1e-12, what="vs autograd")
