"""`copy=` of np.array and reshape, `shape=` of the array makers, the _like functions' layouts and `.swapaxes()`
(transpiler/frontend/copy_and_shape.py): NumPy's values on every transform, NumPy's aliasing (the argument itself
or a new array), refused with a place where NumPy raises or the answer is the caller's layout."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, _parse, all_forms_pass, kernel_module

VALUES = [
    ('"f64[2,3]"', "x.reshape(3, 2, copy=True) * 2.0"), ('"f64[2,3]"', "x.reshape(3, 2, copy=None) * x.T"),
    ('"f64[2,3]"', "np.reshape(x, (3, 2), order='F', copy=True)"),
    ('"f64[2,3]"', "np.reshape(x.copy(), (6,), copy=False) * 3.0"),
    ('"f64[6]"', "x.reshape(2, 3, order='F', copy=False)"), ('"f64[2,3]"', "np.array(x, copy=None) * x"),
    ('"f64[2,3]"', "np.array(x, copy=None, order='F') * x"), ('"f64[2,3]"', "np.array(x, copy=False) * 2.0"),
    ('"f32[2,3]"', "np.array(x, copy=None, dtype=np.float64)"), ('"f64[2,3]"', "np.array(x, copy=True) - x"),
    ('"f64[2,3]"', "np.array([1.0, 2.0, 3.0], copy=None) * x"),
    ('"f64[2,3]"', "np.zeros_like(x, shape=(3, 2)) + x.T"), ('"f32[2,3]"', "np.ones_like(x, shape=(4,))"),
    ('"f64[2,3]"', "np.ones_like(x, np.float32, shape=(2,)) * x[0, :2]"),
    ('"f64[2,3]"', "np.zeros(shape=(2, 3)) + x"), ('"f64[2,3]"', "np.full(shape=(3,), fill_value=2.0) * x"),
    ('"f64[2,3]"', "np.ones(shape=x.shape, dtype=np.float32) * x"),
    ('"f64[2,3,4]"', "x.swapaxes(0, 2) * 2.0"), ('"f64[2,3]"', "x.swapaxes(1, 0) @ x"),
]


@pytest.mark.parametrize("note, body", VALUES)
def test_copy_and_shape_give_numpys_values(note, body):
    """NumPy's bits on hostile inputs, every transform against differences and autograd, vmap against a loop."""
    dtype, shape = _parse(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)])


def _written_after(make: str) -> str:
    """`b` made of a kernel-made (C-contiguous) `a`, then `a` written: `b` sees it where it is `a` or a view."""
    return kernel_module('x: "f64[2,3]"', "g(x)").replace(
        "@kernel\ndef f", f"def g(x):\n    a = x.copy()\n    b = {make}\n    a[0, 0] = 7.0\n    a[1] += 1.0\n"
        "    return b\n\n\n@kernel\ndef f")


@pytest.mark.parametrize("make", [
    "np.array(a, copy=None)", "np.array(a, copy=False)", "np.array(a, copy=True)", "np.array(a, copy=None, order='C')",
    "np.array(a, copy=False, order='K')", "np.array(a, copy=None, dtype=np.float32)",
    "a.reshape(3, 2, copy=True)", "a.reshape(3, 2, copy=None)", "a.reshape(6, copy=False)",
    "np.reshape(a, (3, 2), copy=True)", "np.reshape(a, (3, 2), order='F', copy=True)", "a.swapaxes(0, 1)"])
def test_copy_decides_whether_a_write_is_seen(make):
    """NumPy's aliasing: the argument itself (or its view) sees the later write, a copy does not."""
    rows = np.arange(6.0).reshape(2, 3) - 2.5
    all_forms_pass(_written_after(make), ["x"], [[rows], [np.asfortranarray(rows)]])


@pytest.mark.parametrize("body, word", [
    ("np.array(m, copy=False, order='C')", "layout"), ("np.array(m, copy=False, order='F')", "layout"),
    ("np.array([1.0, 2.0], copy=False)", "list"), ("np.array(m, copy=False, dtype=np.float32)", "dtype"),
    ("np.array(m, copy=None, ndmin=3)", "ndmin"), ("m.reshape(6, copy=False)", "layout"),
    ("np.reshape(m, (3, 2), order='F', copy=False)", "layout"), ("m.reshape(6, copy='False')", "ValueError"),
    ("np.array(m * 1.0, copy=False, order='F')", "layout"), ("np.full_like(m, 1.0).flags.c_contiguous", "layout"),
    ("np.zeros_like(m, shape=(2, 3)).flags.f_contiguous", "layout"),
    ("np.ones_like(np.asfortranarray(m), shape=(2, 3)).flags.c_contiguous", "layout"), ("(2.0).swapaxes(0, 1)", "AttributeError"),
    ("m.swapaxes(axis1=0, axis2=1)", "positional"),
])
def test_copy_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


@pytest.mark.parametrize("body", [
    "np.full_like(x.copy(), 1.0).flags.c_contiguous", "np.zeros_like(np.asfortranarray(x)).flags.f_contiguous",
    "np.ones_like(x.copy(), shape=(2, 3)).flags.c_contiguous",
    "np.zeros_like(x, shape=(2, 3), order='F').flags.f_contiguous",
    "np.empty_like(x.copy(), shape=(x.shape[0], 3)).flags.f_contiguous",
    "x.reshape(x.shape[0] * x.shape[1], copy=True).flags.c_contiguous",
    "np.zeros_like(x, shape=(4,)).flags.c_contiguous"])
def test_like_layouts_follow_the_prototype(body):
    """The _like functions in order 'K' keep a prototype's known layout (NumPy's flags), at every shape."""
    text = kernel_module('x: "f64[n,m]"', body)
    module, python = load_source(text), {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    for shape in ((2, 3), (1, 3), (2, 0)):
        x = np.arange(float(np.prod(shape))).reshape(shape)
        for arg in (x, np.asfortranarray(x)):
            assert module.f(arg.copy(order="K")) == python["f"](arg.copy(order="K")), (body, shape)


def test_copy_and_shape_on_the_c_target(tmp_path):
    body = ("np.array(x, copy=None) * x.reshape(2, 3, copy=True) + np.zeros_like(x, shape=(3, 2)).T "
            "+ np.ones(shape=(2, 3)) * np.reshape(x.copy(), (3, 2), copy=False).swapaxes(0, 1)")
    rng = np.random.default_rng(7)
    all_forms_pass(kernel_module('x: "f64[2,3]"', body), ["x"], [[rng.normal(size=(2, 3))]], c=True,
                   tmp_path=tmp_path)


@pytest.mark.parametrize("make", ["np.full_like(x, 1.0)", "np.zeros_like(x)", "np.ones_like(x, order='A')",
                                  "np.array(x)", "np.copy(x)"])
def test_a_like_of_a_parameter_is_not_taken_for_c_contiguous(make):
    """A _like of a Fortran parameter is Fortran in NumPy (order 'K'): its reshape is a copy, so a write through it
    must not reach the array (before, `np.full_like(x, 1.0)` was taken for C-contiguous: 7.0 where NumPy has 1.0).
    Refused, located; of a C-contiguous copy the write goes through, as in Python."""
    def through(prototype: str) -> str:
        return kernel_module('x: "f64[2,3]"', "g(x)").replace("@kernel\ndef f", "def g(x):\n    b = "
            + make.replace("(x", f"({prototype}") + "\n    r = b.reshape(-1)\n    r[0] = 7.0\n    return b\n\n\n"
            "@kernel\ndef f")
    with pytest.raises(TranspileError) as info:
        load_source(through("x"))
    assert info.value.loc is not None and info.value.loc.line == 8 and info.value.hint
    rows = np.arange(6.0).reshape(2, 3) - 2.5
    all_forms_pass(through("x.copy()"), ["x"], [[rows], [np.asfortranarray(rows)]])
