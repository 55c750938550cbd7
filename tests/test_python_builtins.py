"""Python's builtins `max`, `min`, `float` and `int` of numbers in kernels (transpiler/frontend/python_builtins.py).

Also `float(v)` and `int(k)` of scalars: Python numbers, weak to NumPy's promotion (`int()` of a float:
tests/test_python_int_of_float.py).

Python keeps the first of the largest: `max(nan, 1.0)` is nan, `max(1.0, nan)` is 1.0 (NumPy's `np.maximum` gives
nan for both), `max(2, 2.0)` is the int 2, and the result is the chosen object itself (a Python float stays one,
which decides the dtype of what it meets). Every program is checked against Python running the same source:
the value and its type, gradients against central differences and autograd (which runs builtin `max` on its
boxes, so the derivative flows to the chosen argument), the C target and vmap against the NumPy backend, or a
located refusal where a Python number's dtype would depend on the data.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import TranspileError
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, kernel, vmap\n\n"


def _python(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


VALUES = HEAD + '''
@kernel
def two(x: "f64[3]"):
    return max(x[0], x[1]), min(x[0], x[1])


@kernel
def three(x: "f64[3]"):
    return max(x[0], x[1], x[2]), min((x[2], x[1], x[0])), max([x[1], x[0]])


@kernel
def running(x: "f64[n]"):
    largest = -np.inf
    smallest = np.inf
    for i in range(x.shape[0]):
        largest = max(largest, x[i])
        smallest = min(x[i], smallest)
    return largest, smallest


@kernel
def integers(k: "i64[3]"):
    return max(k[0], k[1], 0), min(k[2], 5)
'''
SPECIAL = [np.array([1.0, 2.0, 0.5]), np.array([np.nan, 1.0, 2.0]), np.array([1.0, np.nan, -1.0]),
           np.array([2.0, 2.0, 2.0]), np.array([-0.0, 0.0, -0.0]), np.array([0.0, -0.0, np.inf]),
           np.array([-np.inf, np.nan, np.nan])]


@pytest.mark.parametrize("x", SPECIAL, ids=lambda x: str(list(x)))
def test_values_are_pythons_first_of_the_largest(x):
    """NaN kept only where it comes first, ties keep the first (`max(-0.0, 0.0)` is -0.0), the same type."""
    module, python = load_source(VALUES), _python(VALUES)
    for name in ("two", "three", "running"):
        for got, expected in zip(getattr(module, name)(x.copy()), python[name](x.copy())):
            assert type(got) is type(expected), (name, got, expected)
            assert np.array_equal(got, expected, equal_nan=True) and np.signbit(got) == np.signbit(expected), \
                (name, x, got, expected)
    k = np.array([-3, 7, 9])
    assert module.integers(k) == python["integers"](k)
    assert [type(v) for v in module.integers(k)] == [type(v) for v in python["integers"](k)]


GRADIENT = HEAD + '''
@kernel
def f(x: "f64[4]") -> "f64[]":
    m = max(x[0] * x[1], np.sin(x[2]), x[3] ** 2)
    n = min(np.sum(x), 0.5 * m)
    return m * n + max(x[0], -np.inf)


g = grad(f)
'''


@pytest.mark.parametrize("seed", range(4))
def test_gradients_flow_to_the_chosen_argument(seed):
    x = np.random.default_rng(seed).normal(size=4)
    check_against_python(GRADIENT, [x])


def test_the_c_target_and_vmap_agree_with_python(tmp_path):
    module, _ = c_module(VALUES + "\nthrees = vmap(three)\n", tmp_path, "extremes")
    python = _python(VALUES)
    for x in SPECIAL:
        for name in ("two", "three", "running"):
            for got, expected in zip(getattr(module, name)(x.copy()), python[name](x.copy())):
                assert np.array_equal(got, expected, equal_nan=True), (name, x, got, expected)
        k = np.array([-3, 7, 9])
        assert module.integers(k) == python["integers"](k)
    batch = np.stack(SPECIAL)
    for got, expected in zip(module.threes(batch), zip(*[python["three"](x) for x in batch])):
        assert np.array_equal(got, np.array(expected), equal_nan=True)


def test_a_python_number_that_may_win_is_refused_where_its_dtype_would_differ(tmp_path):
    """`max(0.25, s) - x32`: float32 where the Python float wins, float64 where `s` does."""
    text = HEAD + '''
@kernel
def f(b: "f64[n]", x: "f32[n]"):
    return max(0.25, np.sum(b)) - x


fv = vmap(f)
'''
    with pytest.raises(TranspileError) as caught:
        load_source(text)
    assert "the Python number 0.25" in str(caught.value) and caught.value.loc.line == 7 and caught.value.hint
    plain = load_source(text.replace("fv = vmap(f)", ""))  # the NumPy backend follows Python itself
    python = _python(text)
    for b in (np.array([0.1, 0.0]), np.array([1.0, 2.0])):
        x = np.array([1.0, 3.0], np.float32)
        assert plain.f(b, x).dtype == python["f"](b, x).dtype


@pytest.mark.parametrize("call, message", [
    ("max(x, y)", "takes numbers in kernels"),
    ("max(np.outer(x, y))", "iterates over its rows"),  # (of a vector: Python's walk, tests/test_scipy_go.py)
    ("max(x[0], x[1], key=abs)", "`key=` is not supported"),
    ("min(())", "of nothing"),
])
def test_what_python_would_not_compute_as_numbers_is_refused(call, message):
    text = HEAD + f'''
@kernel
def f(x: "f64[3]", y: "f64[3]"):
    return {call}
'''
    with pytest.raises(TranspileError) as caught:
        load_source(text)
    assert message in str(caught.value) and caught.value.loc.line == 7 and caught.value.hint


def test_a_merge_of_a_merge_that_may_keep_a_python_number_is_judged_too():
    """`w` may be the Python float `v` kept: h-weak's merge analysis saw only merges with a number on one side."""
    text = HEAD + '''
@kernel
def f(b: "f64[n]", a: "f32[n]"):
    s = np.sum(b)
    if s > 1.0:
        v = 0.25
    else:
        v = s
    if np.sum(a) > 0.0:
        w = v
    else:
        w = np.sum(b * b)
    return w - a


fv = vmap(f)
'''
    with pytest.raises(TranspileError) as caught:
        load_source(text)
    assert "`v` is the Python number 0.25" in str(caught.value) and caught.value.loc.line == 8


NUMBERS = HEAD + '''
@kernel
def convert(x: "f32[3]", k: "i64[3]", m: "bool[3]"):
    s = float(np.sum(x))
    return x * s, x * float(k[0]), int(k[1]) * x, int(m[2]) + k, float(2), s


@kernel
def h(x: "f64[3]") -> "f64[]":
    return float(np.sum(x * x)) * np.sin(x[0]) + float(x[1]) ** 2


g = grad(h)
'''


def test_float_and_int_make_python_numbers(tmp_path):
    """`x32 * float(s)` stays float32 (a Python float is weak); the C target computes the same."""
    module, python = load_source(NUMBERS), _python(NUMBERS)
    c, _ = c_module(NUMBERS, tmp_path, "numbers")
    x, k, m = np.array([1.5, -2.0, 0.25], np.float32), np.array([3, -4, 5]), np.array([True, False, True])
    expected = python["convert"](x, k, m)
    for got in (module.convert(x, k, m), c.convert(x, k, m)):
        for g, e in zip(got, expected):
            assert np.asarray(g).dtype == np.asarray(e).dtype and np.array_equal(g, e), (g, e)
    assert type(module.convert(x, k, m)[-1]) is float


@pytest.mark.parametrize("seed", range(3))
def test_the_derivative_of_float_is_the_identity(seed):
    """Python's `float(v)` is `v`'s value: finite differences of the source see the identity (autograd and JAX
    stop at float(), so they are no oracle here)."""
    text = NUMBERS.replace("def h", "def f").replace("grad(h)", "grad(f)")
    check_against_python(text, [np.random.default_rng(seed).normal(size=3)])


@pytest.mark.parametrize("call, message", [
    ("int(x)", "`int()` of an array"), ("float(x)", "`float()` of an array"), ("float(x[0], 2)", "takes 1 positional argument"),
])
def test_conversions_python_would_not_make_exactly_are_refused(call, message):
    with pytest.raises(TranspileError) as caught:
        load_source(HEAD + f'\n@kernel\ndef f(x: "f64[3]"):\n    return {call}\n')
    assert message in str(caught.value) and caught.value.loc.line == 7 and caught.value.hint
