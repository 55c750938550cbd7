"""`with np.errstate(...)` blocks whose modes only print: the generated module runs the block's code under the
same modes (normalize/errstate_blocks.py, backends/numpy/errstate.py), so it prints no warning the user's block
silenced, and still warns where the source does, outside the block."""
from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

from gradcheck import load_source
from test_c_backend import c_module

SOURCE = '''
import numpy as np
from lifted import kernel, grad


@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    a = np.sum(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(x) / y
        with np.errstate(all="ignore"):
            q = np.exp(x * 1000.0)
        if a > 100.0:
            return np.sum(r) + np.sum(q)
    s = 0.0
    while s < 3.0:
        with np.errstate(divide="ignore"):
            s = s + np.minimum(np.sum(1.0 / x), 1.0)
    return np.sum(r) + np.sum(q) + s


@kernel
def h(x: "f64[n]", y: "f64[n]") -> "f64[]":
    with np.errstate(divide="ignore"):
        t = np.sum(1.0 / x)
    return t + np.sum(1.0 / y)


@kernel
def g(x: "f64[n]") -> "f64[]":
    with np.errstate(divide="ignore"):
        return np.sum(np.log(x))


g_grad = grad(g)
'''

# every floating-point error the blocks silence: log(0), 0/0 and x/0, exp overflow, 1/0 in the loop
X = np.array([0.0, 1.0, 2.0])
Y = np.array([0.0, 0.0, 1.0])


def python_module() -> types.ModuleType:
    module = types.ModuleType("case_source")
    exec(compile(SOURCE, "case.py", "exec"), module.__dict__)
    return module


def quietly(fn, *args):
    """`fn(*args)` with every warning an error: a RuntimeWarning the source's block silenced fails here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


def test_python_itself_is_quiet_here():
    source = python_module()
    quietly(source.f, X, Y)
    quietly(source.g, X)
    quietly(source.h, X, Y + 1.0)


@pytest.mark.parametrize("args", [(X, Y), (X + 100.0, Y)])  # the return inside the block, and after it
def test_numpy_module_silences_what_the_block_silenced(args):
    generated = load_source(SOURCE)
    expected = python_module().f(*args)
    np.testing.assert_equal(quietly(generated.f, *args), expected)


def test_a_return_folded_into_the_block_and_its_adjoint_are_silenced():
    generated = load_source(SOURCE)
    assert quietly(generated.g, X) == -np.inf
    np.testing.assert_equal(quietly(generated.g_grad, X), np.array([np.inf, 1.0, 0.5]))


def test_code_after_the_block_still_warns_as_python_does():
    generated, source = load_source(SOURCE), python_module()
    for module in (source, generated):
        quietly(module.h, X, Y + 1.0)  # the division by zero is inside the block
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            quietly(module.h, X + 1.0, Y)  # outside it


def test_the_with_is_in_the_generated_code():
    from lifted.transpiler import transpile_source

    text = transpile_source(SOURCE, "case.py")
    assert "with np.errstate(divide='ignore', invalid='ignore'):" in text
    assert "with np.errstate(divide='ignore', invalid='ignore', over='ignore', under='ignore'):" in text


def test_c_target_is_quiet(tmp_path):
    """The C target computes in C, which sets no NumPy error state and warns of nothing."""
    compiled, _ = c_module(SOURCE, tmp_path)
    expected = python_module()
    for args in ((X, Y), (X + 100.0, Y)):
        np.testing.assert_equal(quietly(compiled.f, *args), expected.f(*args))
    assert quietly(compiled.g, X) == -np.inf


def test_modes_that_raise_or_call_and_unknown_keywords_are_refused():
    from lifted.transpiler import TranspileError

    for modes in ('all="raise"', 'divide="ignore", call=print', 'dividing="ignore"'):
        with pytest.raises(TranspileError, match="raise or call a function") as raised:
            load_source(SOURCE.replace('divide="ignore", invalid="ignore"', modes))
        assert raised.value.loc is not None
