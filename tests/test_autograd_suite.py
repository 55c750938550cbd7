"""Minimal programs for what running autograd's NumPy test suite through Lifted found (docs/corpora.md).

Each was a wrong number or an unlocated failure; each is checked against Python itself (the reference), finite
differences and autograd where it has a derivative.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradcheck import check_against_python, load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, vjp, vmap\n"


def python_function(text: str, name: str = "f"):
    namespace: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace[name]


@pytest.mark.parametrize("shapes", [((2, 3), (4, 3, 2)), ((2, 2, 3), (2, 3, 4)), ((3,), (2, 3, 4))])
def test_np_dot_of_stacks_is_not_a_stacked_matmul(shapes):
    """np.dot(a, b) with b of rank 3 or more keeps every axis of both (shape a[:-1] + b[:-2] + b[-1:])."""
    a_shape, b_shape = shapes
    ann = lambda s: f'"f64[{",".join(map(str, s))}]"'  # noqa: E731
    text = HEADER + f'''

@kernel
def f(a: {ann(a_shape)}, b: {ann(b_shape)}) -> "f64[]":
    return np.sum(np.sin(np.dot(a, b)))


@kernel
def raw(a: {ann(a_shape)}, b: {ann(b_shape)}):
    return a.dot(b)


g = grad(f, wrt=("a", "b"))
raw_jvp = jvp(raw, wrt=("a", "b"))
raw_vmap = vmap(raw)
'''
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    module = check_against_python(text, [a, b])
    assert np.array_equal(module.raw(a, b), np.dot(a, b))
    ta, tb = rng.normal(size=a_shape), rng.normal(size=b_shape)
    _, tangent = module.raw_jvp(a, b, ta, tb)
    np.testing.assert_allclose(tangent, np.dot(ta, b) + np.dot(a, tb), rtol=1e-12)
    stack_a, stack_b = rng.normal(size=(3,) + a_shape), rng.normal(size=(3,) + b_shape)
    np.testing.assert_allclose(module.raw_vmap(stack_a, stack_b),
                               np.stack([np.dot(x, y) for x, y in zip(stack_a, stack_b)]), rtol=1e-12)


def test_np_dot_of_unknown_rank_is_refused_with_its_location():
    text = HEADER + "\n\n@kernel\ndef f(a, b):\n    return np.sum(np.dot(a, b))\n"
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc is not None and info.value.loc.line == 7 and "np.dot" in info.value.message


def test_jvp_of_a_result_that_does_not_depend_on_the_input_has_its_shape():
    text = HEADER + '''
c = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


@kernel
def f(x: "f64[3,2]"):
    return c


f_jvp = jvp(f)
'''
    value, tangent = load_source(text).f_jvp(np.ones((3, 2)), np.ones((3, 2)))
    assert np.array_equal(value, python_function(text)(np.ones((3, 2))))
    assert np.array_equal(tangent, np.zeros((3, 2)))


SCALARS = HEADER + '''

@kernel
def f(y: "f64[]") -> "f64[]":
    return np.power(0.0, y) + np.divide(1.0, y) + np.mod(2.0, y) + np.floor_divide(1.0, y) + np.sum(np.array(y))


f_vmap = vmap(f)
f_jvp = jvp(f)
'''


@pytest.mark.parametrize("y", [-0.5, 0.0, 2.0, np.float64(-0.5)])
def test_numpy_functions_of_python_numbers_compute_what_numpy_computes(y):
    """A scalar parameter may be a Python number: np.power(0.0, y), np.divide(1.0, y) give inf/nan as NumPy does
    (Python's operators raise), and np.array(y) is a 0-d array (a Python float has no `.copy()`)."""
    module = load_source(SCALARS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = python_function(SCALARS)(y)
        got = module.f(y)
        assert np.array_equal(got, expected, equal_nan=True) and type(got) is type(expected)
        if y != 0.0:  # (the tangent of np.mod(2.0, y) at 0 is Python's `2.0 // y`: a ZeroDivisionError there)
            assert np.array_equal(module.f_jvp(y, 1.0)[0], expected, equal_nan=True)
        batch = np.array([-0.5, 0.0, 2.0])
        assert np.array_equal(module.f_vmap(batch), [python_function(SCALARS)(v) for v in batch], equal_nan=True)


def test_numpy_function_of_python_numbers_is_a_float64_scalar():
    """x32 * np.add(1.0, 2.0) is float64 in NumPy 2 (the function returns a NumPy float64, not a weak number)."""
    text = HEADER + '''

@kernel
def f(x: "f32[3]"):
    return x * np.power(2.0, 3.0), x * np.add(1.0, 2.0), x * np.multiply(2.0, 0.5), x * (2.0 ** 3.0)
'''
    x = np.arange(3, dtype=np.float32)
    got, expected = load_source(text).f(x), python_function(text)(x)
    assert [g.dtype for g in got] == [e.dtype for e in expected] == [np.float64] * 3 + [np.float32]
    assert all(np.array_equal(g, e) for g, e in zip(got, expected))


def test_c_target_runs_reductions_of_a_batch_of_scalars(tmp_path):
    """vmap of np.max(x) on a scalar is a reduction over no axes (`np.max(x, axis=())`): the C target's reduction
    kernel declared a coordinate of an axis it did not have (an IndexError while compiling)."""
    from test_c_backend import c_module

    text = HEADER + '''

@kernel
def f(x: "f64[]", b: "bool[]", k: "i64[]"):
    return np.max(x) + np.min(x) + np.mean(x) + np.prod(x) + np.sum(x) + np.sum(b) + np.mean(k)


f_vmap = vmap(f)
'''
    compiled, _ = c_module(text, tmp_path)
    x, b, k = np.array([1.5, -2.0, 3.0]), np.array([True, False, True]), np.array([1, 2, 7])
    expected = [python_function(text)(*args) for args in zip(x, b, k)]
    np.testing.assert_allclose(compiled.f_vmap(x, b, k), expected, rtol=1e-14)
    np.testing.assert_allclose(load_source(text).f_vmap(x, b, k), expected, rtol=1e-14)


@pytest.mark.parametrize("expression, shape", [
    ("np.repeat(x, repeats=2, axis=1)", (2, 3)), ("np.tile(x, reps=(2, 1))", (2, 3)),
    ("np.swapaxes(x, axis1=0, axis2=1)", (2, 3)), ("np.clip(x, a_min=-0.5, a_max=0.5)", (2, 3)),
    ("np.moveaxis(x, source=[0, 1], destination=[2, 0])", (2, 3, 4)), ("np.rollaxis(x, axis=2, start=1)", (2, 3, 4)),
    ("np.vsplit(x, 2)[1]", (4, 2, 3)), ("np.hsplit(x, [1, 2])[2]", (4, 8)), ("np.hsplit(x, 2)[0]", (4,)),
    ("np.dsplit(x, [1])[1]", (2, 2, 3)), ("np.remainder(x, 0.7)", (2, 3)),
    ("np.tensordot(x, x, axes=([0, 1], [1, 0]))", (3, 3, 2)),
    ("np.kron(x, np.tanh(x[:1]))", (2, 3)),
    ("np.array_split(x, 3, axis=1)[0]", (2, 7)), ("np.array_split(x, 4)[3]", (7,)),
    ("np.acosh(x * x + 1.5) + np.asinh(x) + np.atanh(np.tanh(x) * 0.5) + np.acos(np.tanh(x)) + np.atan2(x, 2.0)",
     (2, 3)), ("np.pow(x * x + 1.0, x) + np.permute_dims(x, (1, 0)).T + np.concat((x, x), axis=0)[2:]", (2, 3)),
])
def test_numpy_spellings_autograds_tests_use(expression, shape):
    """Keywords naming NumPy's leading parameters (`repeats=`, `axis1=`), and functions written as others
    (vsplit/hsplit/dsplit as split, moveaxis/rollaxis as a transpose, tensordot as NumPy's matrix product)."""
    ann = '"f64[' + ",".join(map(str, shape)) + ']"'
    text = HEADER + f"\n\n@kernel\ndef f(x: {ann}) -> \"f64[]\":\n    return np.sum(np.sin({expression}))\n\n\ng = grad(f)\n"
    module = check_against_python(text, [np.random.default_rng(1).normal(size=shape)])
    text_raw = HEADER + f"\n\n@kernel\ndef f(x: {ann}):\n    return {expression}\n"
    x = np.random.default_rng(2).normal(size=shape)
    assert np.array_equal(load_source(text_raw).f(x), python_function(text_raw)(x)), module
