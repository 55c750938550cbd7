"""The method `a.choose(choices, mode=...)` (frontend/listed_functions.py `method_choose`): NumPy's np.choose of the
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


def _python(text, args):
    scope: dict = {}
    exec(text.replace("from lifted import kernel", "kernel = lambda f: f"), scope)
    return scope["f"](*args)


@pytest.mark.parametrize("body", [
    "a.choose([y, x])", "a.choose((x, y, 1.5))", "a.choose(y)", "a.choose(y[0], x, 0.5)",
    "i.choose([x, x * 2, x * 3], mode='wrap')", "i.choose([x, x * 2], mode='clip')", "b.choose([x, 2 * x])",
    "a[0].choose([y[1], -x], mode='raise')", "a.choose([i, 3])", "a.T.choose([y.T, 0.0])",
])
@pytest.mark.parametrize("args", [_args(), _args(a=((0, 2, 1), (1, 0, -1))), _args(i=(-1, 3, 0))])
def test_as_python(body, args):
    text = HEADER.format(body)
    try:
        expected = _python(text, args)
    except ValueError as raised:
        with pytest.raises(ValueError, match=str(raised)):
            load_source(text, "choose.py").f(*args)
        return
    got = load_source(text, "choose.py").f(*args)
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
