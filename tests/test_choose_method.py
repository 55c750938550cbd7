"""The method `a.choose(choices, mode=...)` (frontend/choose.py `method_choose`): NumPy's np.choose of the
array, with the method's own parsing (more than one positional argument are the choices; `out`/`mode` keywords).
Values bit for bit against Python, NumPy's ValueError for an entry out of range in mode 'raise', derivatives to the
chosen elements against finite differences and autograd (the oracle writes the choice as nested np.where)."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import assert_close, autograd_kernels, central_difference, load_source
from lifted.transpiler import TranspileError

HEADER = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
          'def f(x: "f64[3]", y: "f32[2,3]", a: "i64[2,3]", i: "i32[3]", b: "bool[3]"):\n    return {}\n')


def _args(a=((0, 1, 1), (1, 0, 1)), i=(2, 0, 1)):
    return (np.array([0.5, np.nan, -0.0]), np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5,
            np.array(a, np.int64), np.array(i, np.int32), np.array([True, False, True]))


def _python_f(text):
    scope: dict = {}
    exec(compile(text.replace("from lifted import kernel", "kernel = lambda f: f"), "python_reference", "exec"),
         scope)
    return scope["f"]


def _expected_and_module(text, args):
    """Python's result and the compiled module; None where Python raises ValueError (the module raising it too)."""
    try:
        expected = _python_f(text)(*args)
    except ValueError as raised:
        with pytest.raises(ValueError, match=str(raised)):
            load_source(text, "choose.py").f(*args)
        return None
    return expected, load_source(text, "choose.py")


@pytest.mark.parametrize("body", [
    "a.choose([y, x])", "a.choose((x, y, 1.5))", "a.choose(y)", "a.choose(y[0], x, 0.5)",
    "i.choose([x, x * 2, x * 3], mode='wrap')", "i.choose([x, x * 2], mode='clip')", "b.choose([x, 2 * x])",
    "a[0].choose([y[1], -x], mode='raise')", "a.choose([i, 3])", "a.T.choose([y.T, 0.0])",
])
@pytest.mark.parametrize("args", [_args(), _args(a=((0, 2, 1), (1, 0, -1))), _args(i=(-1, 3, 0))])
def test_as_python(body, args):
    found = _expected_and_module(HEADER.format(body), args)
    if found is None:
        return
    expected, module = found
    got = module.f(*args)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize("body, word", [
    ("x.choose([x])", "TypeError"),
    ("a.choose([x, y], out=y)", "out="),
    ("a.choose([x], mode='bad')", "ValueError"),
    ("a.choose([])", "no choices"),
    ("i.choose([x, x * 2], 'raise')", "array"),  # the method reads 'raise' as a second choice (NumPy: objects)
])
def test_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(HEADER.format(body), "choose.py")
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)


GRADIENT = '''import numpy as np
from lifted import kernel, grad


@kernel
def f(x: "f64[4]", y: "f64[2,4]", k: "i64[2,4]"):
    return np.sum(k.choose([x, y ** 2, np.sin(x)], mode="{}") * np.arange(1.0, 9.0).reshape(2, 4))


g = grad(f, wrt=("x", "y"))
'''
ORACLE = GRADIENT.replace('k.choose([x, y ** 2, np.sin(x)], mode="{}")',
                          "np.where(k == 0, x * np.ones((2, 1)), np.where(k == 1, y ** 2, np.sin(x) * np.ones((2, 1))))")
# (autograd's np.where passes the whole cotangent to a broadcast operand: the oracle broadcasts x itself)


@pytest.mark.parametrize("mode, k", [("raise", [[0, 1, 2, 1], [2, 2, 0, 1]]), ("wrap", [[3, -1, 2, 4], [0, 1, 5, -2]]),
                                     ("clip", [[-3, 1, 7, 0], [2, 1, 0, 9]])])
def test_derivatives_against_differences_and_autograd(mode, k):
    from autograd import grad as autograd_grad

    text = GRADIENT.format(mode)
    args = [np.array([0.3, -1.2, 2.5, 0.7]), np.array([[0.1, -0.4, 1.9, 0.6], [1.1, -2.0, 0.2, 0.8]]),
            np.array(k, np.int64)]
    module = load_source(text, "choose_gradient.py")
    python: dict = {}
    exec(compile(text, "python_reference", "exec"), python)
    assert_close(module.f(*args), python["f"](*args), rtol=1e-15, atol=0)
    wrapped = {"raise": k, "wrap": np.mod(k, 3), "clip": np.clip(k, 0, 2)}[mode]
    oracle = autograd_kernels(ORACLE)["f"]
    for position, got in enumerate(module.g(*args)):
        assert_close(got, central_difference(python["f"], args, position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")
        expected = autograd_grad(oracle, position)(args[0], args[1], np.array(wrapped, np.int64))
        assert_close(got, expected, rtol=1e-12, atol=1e-12, what=f"d/d argument {position} vs autograd")


ROWS = ('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\n'
        'def f(c: "f64[n,4]", k: "i64[2,4]", j: "i64[]", v: "f64[n]"):\n    return {}\n')
GRAD = "from lifted import grad\ng = grad(f, wrt=(0, 3))\n"


@pytest.mark.parametrize("body", [
    "np.choose(k, c)", "k.choose(c, mode='wrap')", "np.choose(k, c, mode='clip')", "np.choose(k[0], c)",
    "np.choose(j, v)", "np.choose(j, c)", "np.choose(k[:, :1], v[:, None] * c[:, :1])", "j.choose(v, mode='clip')",
    "np.choose(k.T[:, :1], c[:, None, :])",
])
@pytest.mark.parametrize("n, k, j", [(3, [[0, 1, 2, 1], [2, 2, 0, 1]], 1), (5, [[4, -1, 2, 7], [0, 1, 3, -2]], 6),
                                     (1, [[0, 0, 0, 0], [0, 0, 0, 0]], 0)])
def test_rows_of_a_run_time_count_as_python(body, n, k, j):
    """The choices as the rows of an array whose number of rows is known only at run time: NumPy's values (a
    gather of the broadcast rows), its ValueError for an entry out of range ('raise'), NumPy's scalar for a 0-d
    result, the derivative against finite differences (the choice is a gather: its scatter)."""
    text = ROWS.format(body)
    rng = np.random.default_rng(n)
    args = [rng.normal(size=(n, 4)), np.array(k, np.int64), np.array(j, np.int64), rng.normal(size=n)]
    found = _expected_and_module(text, args)
    if found is None:
        return
    expected, module = found
    got = module.f(*args)
    assert type(got) is type(expected) and got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected)
    summed = ROWS.format(f"np.sum(np.sin({body}))")
    reference = _python_f(summed)
    for position, got in zip((0, 3), load_source(summed + GRAD).g(*args)):
        assert_close(got, central_difference(reference, args, position), rtol=1e-6, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")


def test_rows_of_a_run_time_count_against_autograd_and_empty_choices():
    """The gradient of the rows' gather against autograd's of `c[k, arange]` (mode 'wrap'); no rows: NumPy's
    ValueError '0-length sequence.'."""
    from autograd import grad as autograd_grad
    import autograd.numpy as anp

    module = load_source(ROWS.format("np.sum(np.sin(k.choose(c, mode='wrap')))") + GRAD, "choose.py")
    c, k = np.random.default_rng(1).normal(size=(3, 4)), np.array([[4, -1, 2, 7], [0, 1, 3, -2]], np.int64)
    expected = autograd_grad(lambda c: anp.sum(anp.sin(c[np.mod(k, 3), np.arange(4)])))(c)
    assert_close(module.g(c, k, np.array(0), np.zeros(3))[0], expected, rtol=1e-14, atol=1e-14, what="vs autograd")
    with pytest.raises(ValueError, match="0-length sequence"):
        load_source(ROWS.format("np.choose(k, c)"), "choose.py").f(np.zeros((0, 4)), k, np.array(0), np.zeros(0))


def test_rows_of_a_run_time_count_on_the_c_target(tmp_path):
    """The C target's host code gives the same gather, gradient and 'raise' ValueError."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    text = ROWS.format("np.sum(np.sin(np.choose(k, c) * v[0]))") + GRAD
    module = transpile_c(text, "rows_c.py")
    (tmp_path / "rows_c.cu").write_text(module.kernels)
    (tmp_path / "rows_c.py").write_text(module.host)
    compiled, reference = import_path(tmp_path / "rows_c.py"), load_source(text, "rows.py")
    rng = np.random.default_rng(4)
    args = [rng.normal(size=(3, 4)), np.array([[0, 1, 2, 1], [2, 2, 0, 1]], np.int64), np.array(0), rng.normal(size=3)]
    assert_close(compiled.f(*args), reference.f(*args), rtol=1e-14, atol=0)
    for got, want in zip(compiled.g(*args), reference.g(*args)):
        assert_close(got, want, rtol=1e-13, atol=1e-13, what="C target's gradient")
    with pytest.raises(ValueError, match="invalid entry in choice array"):
        compiled.f(args[0], args[1] + 1, *args[2:])
