"""The builtin `int(x)` of a float scalar (SciPy's Mishra10, docs/corpora.md): Python's truncation toward zero, the
value a Python int (weak: `x32 * int(s)` stays float32), its derivative zero; where Python raises (NaN: ValueError,
inf: OverflowError) the kernel raises the same error with Python's message, on every target; a float past int64
(Python's int grows, a kernel's is int64) is a run-time OverflowError that says so. Checked against Python running
the source, gradients against central differences and autograd (which cannot take `int()` of its box, so its
oracle reads the box's value: the same function), jvp against differences, vmap against a Python loop, and the C
target against Python (transpiler/frontend/python_builtins.py).
"""
from __future__ import annotations

import builtins

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_c_backend import c_module

SOURCE = '''import numpy as np
from lifted import grad, jvp, kernel, vmap


@kernel
def f(x: "f64[3]"):
    k = int(x[0] * 3.0)
    return np.sum(x * x * k) + k - int(x[1])


@kernel
def single(x: "f32[]"):
    return x * int(x) + int(-x)


g = grad(f)
fj = jvp(f)
fv = vmap(f)
singles = vmap(single)
'''

POINTS = [np.array([1.7, -2.6, 0.5]), np.array([-1.7, 2.9, 0.25]), np.array([-0.2, 0.99, 2.0]),
          np.array([0.4, -0.0, 3.0]), np.array([3.0e5, -7.5e17, 1.0])]
# (where Python raises: the error and its message)
RAISING = [(np.nan, ValueError), (np.inf, OverflowError), (-np.inf, OverflowError), (3.0e19, OverflowError),
           (-2.8e19, OverflowError)]


def _python() -> dict:
    namespace: dict = {}
    exec(compile(SOURCE, "python_reference", "exec", dont_inherit=True), namespace)
    return namespace


def _autograd_f():
    """The source under autograd, `int()` reading the box's value (autograd refuses `int()` of a box)."""
    import autograd.numpy as anp

    namespace: dict = {"int": lambda v: builtins.int(getattr(v, "_value", v))}
    exec(compile(SOURCE.replace("import numpy as np", "import autograd.numpy as np").split("\ng = grad")[0]
                 .replace("from lifted import grad, jvp, kernel, vmap", "kernel = lambda f: f"),
                 "autograd_reference", "exec", dont_inherit=True), namespace)
    assert namespace["np"] is anp
    return namespace["f"]


def _central(f, x: np.ndarray, direction: np.ndarray, eps: float = 1e-6) -> float:
    return (f(x + eps * direction) - f(x - eps * direction)) / (2 * eps)


def test_values_truncate_toward_zero_as_python_does():
    module, python = load_source(SOURCE, "int_of_float.py"), _python()
    for x in POINTS[:4]:
        got, expected = module.f(x.copy()), python["f"](x.copy())
        assert got == expected and type(got) is type(expected), (x, got, expected)
    for s in (np.float32(2.5), np.float32(-2.5), np.float32(0.75)):
        got, expected = module.single(s), python["single"](s)
        assert got == expected and got.dtype == expected.dtype == np.float32, (s, got, expected)


def test_the_derivative_is_zero_through_int_against_differences_and_autograd():
    from autograd import grad as autograd_grad

    module, python, oracle = load_source(SOURCE, "int_of_float.py"), _python(), _autograd_f()
    for x in POINTS[:4]:  # (away from the integers, where int() jumps)
        gradient = module.g(x.copy())
        differences = np.array([_central(python["f"], x, e) for e in np.eye(3)])
        np.testing.assert_allclose(gradient, differences, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(gradient, autograd_grad(oracle)(x.copy()), rtol=1e-12, atol=0)
        direction = np.array([0.3, -1.0, 2.0])
        value, tangent = module.fj(x.copy(), direction)
        assert value == python["f"](x.copy())
        np.testing.assert_allclose(tangent, _central(python["f"], x, direction), rtol=1e-6, atol=1e-6)


def test_vmap_is_the_python_loop():
    module, python = load_source(SOURCE, "int_of_float.py"), _python()
    batch = np.stack(POINTS)
    assert np.array_equal(module.fv(batch), [python["f"](x.copy()) for x in batch])
    singles = np.array([2.5, -2.5, 0.75, -0.0], np.float32)
    got = module.singles(singles)
    assert got.dtype == np.float32 and np.array_equal(got, [python["single"](s) for s in singles])


def _raises_as_python(function, reference, x) -> None:
    with pytest.raises(Exception) as expected:
        reference(x.copy())
    with pytest.raises(Exception) as got:
        function(x.copy())
    if expected.type is OverflowError and "infinity" not in str(expected.value):  # Python's int grew past int64
        assert got.type is OverflowError and "past int64" in str(got.value)
        return
    assert got.type is expected.type and str(got.value) == str(expected.value)


@pytest.mark.parametrize("bad, error", RAISING)
def test_where_python_raises_the_kernel_raises_the_same_error(bad, error):
    module, python = load_source(SOURCE, "int_of_float.py"), _python()
    x = np.array([bad / 3.0, 0.5, 1.0])
    if error is OverflowError and np.isfinite(bad):
        python["f"](x.copy())  # (Python makes a big int; the kernel refuses it at run time)
        with pytest.raises(OverflowError, match="past int64"):
            module.f(x.copy())
    else:
        _raises_as_python(module.f, python["f"], x)
    with pytest.raises(error):
        module.fv(np.stack([POINTS[0], x]))


def test_the_c_target_agrees_with_python(tmp_path):
    module, _ = c_module(SOURCE, tmp_path, "int_of_float")
    python = _python()
    for x in POINTS:
        assert module.f(x.copy()) == python["f"](x.copy()), x
        np.testing.assert_allclose(module.g(x.copy()), load_source(SOURCE, "int_of_float.py").g(x.copy()),
                                   rtol=1e-12)
    batch = np.stack(POINTS)
    assert np.array_equal(module.fv(batch), [python["f"](x.copy()) for x in batch])
    for bad, error in RAISING:
        x = np.array([bad / 3.0, 0.5, 1.0])
        if np.isfinite(bad):
            with pytest.raises(OverflowError, match="past int64"):
                module.f(x.copy())
        else:
            _raises_as_python(module.f, python["f"], x)


def test_int_of_a_nan_known_at_build_time_is_a_located_error():
    with pytest.raises(TranspileError) as caught:
        load_source('import numpy as np\nfrom lifted import kernel\n\n\n@kernel\ndef f(x: "f64[3]"):\n'
                    '    return x * int(np.nan)\n', "int_nan.py")
    assert "raises here at every call" in str(caught.value) and caught.value.loc.line == 7 and caught.value.hint


def test_int_in_a_loop_on_the_c_target_raises_where_python_does(tmp_path):
    """A loop holding the checks stays on the C target's host (as a run-time `assert` does): the same values and
    gradient as Python and the NumPy backend, Python's error at the first NaN or inf the loop meets."""
    source = '''import numpy as np
from lifted import grad, kernel


@kernel
def f(x: "f64[n]"):
    t = 0.0
    for i in range(x.shape[0]):
        t = t + x[i] * int(x[i] * 2.5)
    return t


g = grad(f)
'''
    module, _ = c_module(source, tmp_path, "int_loop")
    python: dict = {}
    exec(compile(source, "python_reference", "exec", dont_inherit=True), python)
    x = np.array([1.3, -2.7, 0.1, 4.4])
    assert module.f(x.copy()) == python["f"](x.copy())
    np.testing.assert_allclose(module.g(x.copy()), load_source(source, "int_loop.py").g(x.copy()), rtol=1e-12)
    for bad in (np.nan, np.inf):
        moved = x.copy()
        moved[2] = bad
        _raises_as_python(module.f, python["f"], moved)
