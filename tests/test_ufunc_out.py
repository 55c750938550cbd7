"""A ufunc called as a statement with `out=` and `where=` (normalize/ufunc_out.py): `np.add(a, b, out=c)`,
`np.exp(x, out=y)`, `np.multiply(a, b, out=a, where=m)`, NumPy's positional `out`, `out=(y,)`, a view as `out`:
NumPy's values and dtypes bit for bit against Python (every name and view of `out` sees the write, `where=` keeps
out's other elements, the result computed in the inputs' loop and cast with casting='same_kind'), derivatives
through the write against finite differences and autograd (whose oracle writes the update as np.where), vmap of
the gradient against a loop; refusals located. The call read as a value is the write, then `out` itself;
np.isneginf/np.isposinf write their `out` the same way."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError

HEAD = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
        'def f(x: "f64[3]", y: "f64[3]", i: "i32[3]", c: "f64[2,3]"):\n')


def _args():
    return [np.array([0.5, -1.0, 2.0]), np.array([3.0, 4.0, -5.0]), np.array([1, 2, 3], np.int32),
            np.arange(6.0).reshape(2, 3) - 2.5]


def _python(text: str):
    scope: dict = {}
    exec(text.replace("from lifted import kernel", "kernel = lambda f: f"), scope)
    return scope["f"](*_args())


@pytest.mark.parametrize("body", [
    "np.add(x, y, out=y)\n    return y",
    "v = y\n    np.exp(x, out=y)\n    return v + 0.0",  # (an alias sees the write)
    "np.multiply(x, y, out=x, where=x > 0)\n    return x * 1.0",
    "np.add(x, y, y)\n    return y * 1",  # (NumPy's positional out)
    "np.multiply(i, i, out=x)\n    return x",  # (int32's loop, then cast)
    "k = np.zeros(3, np.int64)\n    np.multiply(i * 100000, i * 100000, out=k)\n    return k",  # (wraps in int32)
    "r = c[0]\n    np.sin(x, out=(c[0],))\n    return r * 2.0",  # (a view of out sees it)
    "np.negative(x, out=c, where=[True, False, True])\n    return c",  # (broadcast into out)
    "np.add(1.0, 2.0, out=c[:, 1])\n    return c", "np.maximum(x, i, out=x)\n    return x",
    "np.subtract(c, x, out=c.T.T, where=c > 0)\n    return c", "np.sqrt(x, out=x, where=x >= 0)\n    return x",
    "np.logical_not(x > 0, out=c[0])\n    return c", "np.floor_divide(i, 2, out=i)\n    return i",
    # read as a value: the write, then `out` itself (NumPy's value), aliases seeing later writes through it
    "return np.add(x, y, out=y)", "return np.exp(x, out=y, where=x > 0) + y",
    "v = np.add(x, y, c[1])\n    v[0] = 9.0\n    return c", "return np.sin(x, out=(c[0],)) * np.add(x, c[0], out=c[0])",
    # np.isneginf/np.isposinf: NumPy's np.logical_and(isinf, signbit, out), `out` positional or a keyword
    "return np.isneginf(np.where(x > 1, np.inf, -np.inf), y)",
    "np.isposinf(np.where(x > 1, np.inf, -np.inf), out=i)\n    return i",
    "return np.isposinf(np.where(c > 1, np.inf, c), c[::-1])",
    "return np.isneginf(x, None) * 1.5 + np.add(x, y, None) + np.sin(x, out=None)",  # (None: a new array)
])
def test_as_python(body):
    text = HEAD + "    " + body + "\n"
    expected = _python(text)
    got = load_source(text, "out.py").f(*_args())
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize("body, word", [
    ("return np.exp(x, where=x > 0)", "uninitialized"), ("np.exp(x, where=x > 0)\n    return x", "uninitialized"),
    ("return np.isneginf(x, y, where=x > 0)", "`out=` in kernels"), ("return np.isposinf(x, out=i * 2)", "out"),
    ("np.add(x, 1.5, out=i)\n    return i", "same_kind"), ("np.add(x, y, out=y, casting='unsafe')\n    return y", "out="),
    ("np.add(x, y, out=(y, x))\n    return y", "one array"), ("np.divmod(x, y, out=y)\n    return y", "2 outputs"),
    ("np.add(x, out=y)\n    return y", "2 input"), ("np.add(x, y, out=c[0, 0])\n    return c", "scalar"),
    ("np.add(x, y, out=y, where=i)\n    return y", "boolean"),
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(HEAD + "    " + body + "\n", "out.py")
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


DERIVED = '''import numpy as np
from lifted import grad, jvp, kernel, vmap


@kernel
def f(x: "f64[4]", y: "f64[4]", c: "f64[2,4]"):
    v = c[1]
    np.multiply(x, y, out=v, where=x > 0)
    np.exp(y, out=c[0])
    np.add(x, c[1], out=x)
    return np.sum(c * c) + np.sum(x * v)


g = grad(f, wrt=(0, 1, 2))
fj = jvp(f, wrt=(0, 1, 2))
vg = vmap(g)
'''
ORACLE = '''import numpy as np


def f(x, y, c):
    c1 = np.where(x > 0, x * y, c[1])
    c0 = np.exp(y)
    x2 = x + c1
    return np.sum(c0 * c0) + np.sum(c1 * c1) + np.sum(x2 * c1)
'''


def test_derivatives_against_differences_and_autograd():
    """grad of every argument through three writes (a masked one into a view, one into a row, one into an input
    that is also read) against central differences of Python's own function and autograd's of the np.where form;
    jvp along a random direction against the gradient's dot product; vmap of grad against a loop."""
    from autograd import grad as autograd_grad

    module = load_source(DERIVED, "out_grad.py")
    python: dict = {}
    exec(compile(DERIVED.split("from lifted")[0] + "kernel = lambda f: f\n" + DERIVED.split("import grad, jvp, "
                 "kernel, vmap\n")[1].split("\n\ng = grad")[0], "python_reference", "exec"), python)
    rng = np.random.default_rng(2)
    args = [rng.normal(size=4), rng.normal(size=4), rng.normal(size=(2, 4))]
    fresh = lambda: [a.copy() for a in args]  # noqa: E731  (Python's f writes into its arguments)
    reference = lambda *a: python["f"](*[v.copy() for v in a])  # noqa: E731
    assert_close(module.f(*fresh()), reference(*args), rtol=1e-14, atol=0, what="value vs Python")
    oracle = autograd_kernels(ORACLE)["f"]
    gradients = module.g(*fresh())
    for position, got in enumerate(gradients):
        assert_close(got, central_difference(reference, fresh(), position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")
        assert_close(got, autograd_grad(oracle, position)(*fresh()), rtol=1e-12, atol=1e-12,
                     what=f"d/d argument {position} vs autograd")
    directions = [rng.normal(size=4), rng.normal(size=4), rng.normal(size=(2, 4))]
    _, tangent = module.fj(*fresh(), *directions)
    assert_close(tangent, sum(np.sum(g * d) for g, d in zip(gradients, directions)), rtol=1e-12, atol=1e-12,
                 what="jvp vs grad")
    batch = [np.stack([a, a * 0.5 - 1.0]) for a in args]
    batched = module.vg(*[b.copy() for b in batch])
    for k in range(2):
        single = module.g(*[b[k].copy() for b in batch])
        for got, want in zip(batched, single):
            assert_close(got[k], want, rtol=1e-14, atol=1e-14, what="vmap of grad vs a loop")


def test_on_the_c_target(tmp_path):
    """The C target's host code writes the same values and gives the same gradient."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    module = transpile_c(DERIVED.replace("vg = vmap(g)\n", ""), "out_c.py")
    (tmp_path / "out_c.cu").write_text(module.kernels)
    (tmp_path / "out_c.py").write_text(module.host)
    compiled, reference = import_path(tmp_path / "out_c.py"), load_source(DERIVED, "out_grad.py")
    rng = np.random.default_rng(3)
    args = [rng.normal(size=4), rng.normal(size=4), rng.normal(size=(2, 4))]
    assert_close(compiled.f(*[a.copy() for a in args]), reference.f(*[a.copy() for a in args]), rtol=1e-14, atol=0)
    for got, want in zip(compiled.g(*[a.copy() for a in args]), reference.g(*[a.copy() for a in args])):
        assert_close(got, want, rtol=1e-13, atol=1e-13, what="C target's gradient")
