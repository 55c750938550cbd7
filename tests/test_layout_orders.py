"""`order=` of the functions that make arrays, np.asfortranarray, and reshape/ravel's 'A'/'K'
(transpiler/frontend/layout_orders.py): NumPy's values on every transform, and NumPy's aliasing where the layout
decides it (a reshape is a view of a C-contiguous array only), refused where the kernel does not know the layout."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, _parse, all_forms_pass, kernel_module

VALUES = [
    ('"f64[2,3]"', "np.zeros((2, 3), order='F') + x"), ('"f64[2,3]"', "np.ones_like(x, order='F') * x"),
    ('"f64[2,3]"', "np.full((2, 3), 2.0, order='F') * x"), ('"f32[2,3]"', "np.full_like(x, 3, order='A') - x"),
    ('"f64[2,3]"', "np.zeros_like(x, order='K') + np.ones((2, 3), order='C') * x"),
    ('"f64[2,3]"', "np.array(x, order='F') * x"), ('"i32[2,3]"', "np.array(x, order='C')"),
    ('"f64[3,2]"', "np.asarray(x, order='F') * 2.0"), ('"f64[3,2]"', "np.asarray(x.T, order='C') * x.T"),
    ('"f64[4]"', "np.asarray(x, order='F') * x"), ('"f64[]"', "np.asarray(x, order='F')"),
    ('"f64[2,3]"', "np.asarray(x, dtype=np.float32, order='F')"), ('"f64[2,3]"', "np.asanyarray(x, order='A') * x"),
    ('"f64[2,3]"', "np.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], order='F') * x"),
    ('"f64[2,3]"', "np.asfortranarray(x) * x"), ('"f64[2,3]"', "np.asfortranarray(x, dtype=np.float32)"),
    ('"f64[]"', "np.asfortranarray(x) * x"), ('"f64[3]"', "np.asfortranarray(x[::-1])"),
    ('"f64[2,3]"', "x.copy(order='F') * x"), ('"f64[2,3]"', "x.astype(np.float32, order='F')"),
    ('"f64[2,3]"', "np.copy(x, order='A') * x"), ('"f64[2,3]"', "x.reshape(3, 2, order='F') * 2.0"),
    ('"f64[5]"', "x.ravel(order='K') * x"), ('"f64[2,3]"', "x.copy().ravel(order='A')"),
    ('"f64[2,3]"', "np.array(x, order='C').reshape(6, order='A') * 2.0"),
    ('"f64[2,3]"', "np.ravel(np.zeros((2, 3)) + 1.0, order='K') * x.ravel()"),
    ('"f64[2,3]"', "np.asfortranarray(x).ravel(order='K')"), ('"f64[2,3]"', "x.copy(order='F').ravel(order='A')"),
    ('"f64[2,3]"', "np.reshape(np.array(x, order='F'), (3, 2), order='A') * 2.0"),
    ('"f64[3,1]"', "np.asarray(x, order='F').reshape(1, 3, order='A')"),
]


@pytest.mark.parametrize("note, body", VALUES)
def test_orders_give_numpys_values(note, body):
    """NumPy's bits on hostile inputs, every transform against differences and autograd, vmap against a loop."""
    dtype, shape = _parse(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)])


def _through_reshape(make: str, write: str = "r = b.reshape(-1)\n    r[0] = 7.0") -> str:
    return kernel_module('x: "f64[2,3]"', "g(x)").replace(
        "@kernel\ndef f", f"def g(x):\n    b = {make}\n    {write}\n    return b\n\n\n@kernel\ndef f")


@pytest.mark.parametrize("make", ["np.array(x, order='C')", "x.astype(np.float64, order='C')",
                                  "x.copy(order='C')", "np.zeros((2, 3), order='C')",
                                  "np.asarray(x.copy(), order='C')", "np.ones_like(x, order='C')"])
def test_a_c_ordered_copy_is_viewed_by_its_reshape(make):
    """A new array in order 'C' is C-contiguous whatever the argument's layout: its reshape is a view, and a write
    through it reaches the array, as in Python."""
    rows = np.arange(6.0).reshape(2, 3) - 2.5
    all_forms_pass(_through_reshape(make), ["x"], [[rows], [np.asfortranarray(rows)]])


@pytest.mark.parametrize("make", ["np.array(x, order='F')", "x.astype(np.float64, order='F')", "x.copy(order='F')",
                                  "np.zeros((2, 3), order='F')", "np.ones_like(x, order='F')",
                                  "np.full((2, 3), 1.0, order='F')", "np.asfortranarray(x.copy())",
                                  "np.empty((2, 3), order='F')", "np.array(x.copy(), order='F')"])
def test_a_fortran_array_is_not_taken_for_c_contiguous(make):
    """NumPy copies a Fortran array of rank 2 on reshape: a write through the reshape would not reach it (the kernel
    does not follow that copy), so the write is refused, located, with a hint."""
    with pytest.raises(TranspileError) as info:
        load_source(_through_reshape(make))
    assert info.value.loc is not None and info.value.loc.line == 8 and info.value.hint


@pytest.mark.parametrize("make, write, said", [
    ("np.asarray(x, order='F')", "b[0, 0] = 7.0", "`b` is `np.asarray(x, order='F')`"),
    ("np.asanyarray(x, order='C')", "b[:, 1] = 7.0", "`b` is `np.asanyarray(x, order='C')`"),
    ("np.asfortranarray(x)", "b[1] = 7.0", "`b` is `np.asfortranarray(x)`"),
    ("np.asarray(x, order='F')", "r = b[0]\n    r[1] = 7.0", "`r` is a view of `np.asarray(x, order='F')`"),
])
def test_a_write_into_an_array_given_in_an_order_names_the_call(make, write, said):
    """np.asarray(x, order=) is `x` itself where `x` has that layout and a copy where not, which a parameter's
    layout (the caller's) leaves open: the refusal names the call the user wrote (no reshape of theirs), located at
    the write, with a hint that compiles (np.array copies always)."""
    with pytest.raises(TranspileError) as info:
        load_source(_through_reshape(make, write))
    message = str(info.value)
    assert said in message and "reshape" not in message.split("hint")[0], message
    assert info.value.loc is not None and info.value.loc.line == 7 + write.count("\n")
    assert "np.array(x, order=" in info.value.hint
    fixed = make.replace("np.asarray(", "np.array(").replace("np.asanyarray(", "np.array(")
    fixed = fixed.replace("np.asfortranarray(x)", "np.array(x, order='F')")
    rows = np.arange(6.0).reshape(2, 3) - 2.5
    all_forms_pass(_through_reshape(fixed, write), ["x"], [[rows], [np.asfortranarray(rows)]])


@pytest.mark.parametrize("body, word", [
    ("np.zeros(3, order='A')", "ValueError"), ("np.full((2, 3), 1.0, order='K')", "ValueError"),
    ("np.array(m, order='X')", "ValueError"), ("m.reshape(6, order='K')", "ValueError"),
    ("m.ravel(order='K')", "memory layout"), ("m.reshape(6, order='A')", "memory layout"),
    ("np.ravel(m * 2.0, order='A')", "memory layout"), ("m.copy(order=v[0])", "constant"),
    ("np.asfortranarray(m, np.float32, 1)", "positional"),
])
def test_order_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


def test_orders_on_the_c_target(tmp_path):
    body = ("np.asfortranarray(x) * np.zeros((2, 3), order='F') + x.reshape(3, 2, order='F').T @ np.ones((3, 3))"
            " + np.array(x, order='F').copy(order='A')")
    rng = np.random.default_rng(7)
    all_forms_pass(kernel_module('x: "f64[2,3]"', body), ["x"], [[rng.normal(size=(2, 3))]], c=True,
                   tmp_path=tmp_path)


FLAGS = ["np.zeros((x.shape[0], 1), order='F').flags.c_contiguous", "np.asarray(x, order='F').flags.f_contiguous",
         "np.asarray(x, order='C').flags.f_contiguous", "x.copy().flags.c_contiguous",
         "np.array(x, order='F').flags.c_contiguous", "np.asfortranarray(x).flags.c_contiguous",
         "x[0].copy().flags.f_contiguous", "np.ones((2, 1, 3), order='F').flags.c_contiguous",
         "np.asarray(x.sum()).flags.f_contiguous"]


@pytest.mark.parametrize("body", FLAGS)
def test_flags_of_a_known_layout_are_numpys(body):
    """`.flags.c_contiguous`/`.f_contiguous` where the kernel knows the layout: a contiguous array is contiguous
    the other way too where it is empty or has at most one axis longer than 1 (named lengths: at run time)."""
    text = kernel_module('x: "f64[n,m]"', body)
    module, python = load_source(text), {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    for shape in ((2, 3), (1, 4), (3, 1), (1, 1), (0, 3), (2, 0)):
        x = np.arange(float(np.prod(shape))).reshape(shape)
        if "x[0]" in body and shape[0] == 0:
            continue
        assert module.f(x.copy()) == python["f"](x.copy()), (body, shape)


@pytest.mark.parametrize("body", ["x.flags.c_contiguous", "(x * 2.0).flags.f_contiguous", "x.T.flags.c_contiguous",
                                  "np.asarray(x, order='C').flags.writeable"])
def test_flags_of_an_unknown_layout_are_refused(body):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[n,m]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint
