"""NumPy functions and keywords the kernel language refused (transpiler/frontend/composed_functions.py, the `cumprod` entry
in transpiler/primitives/cumprod_vecdot.py): np.cumprod and np.nancumprod, `dtype=` of the running sums and products,
np.trapezoid, np.full_like, `order='F'` of reshape, np.diagflat, np.delete, np.indices, np.diag_indices(_from),
`.item()`, np.meshgrid's `sparse=`, `correction=` and `mean=` of np.var and np.std, np.vecdot (an entry: NumPy's
gufunc), and np.fill_diagonal (a statement: an update in place, normalize/fill_diagonal.py).

Each kernel goes through the corpus drivers' checks (benchmarks/corpus/checks.py): NumPy running the same source
bit for bit on drawn and hostile inputs (NaN, infinities, signed zeros, the dtypes), every transform against
central differences and autograd (where autograd has the function; np.cumprod's VJP it lacks, and the generic test
in tests/test_primitives.py checks the entry against products spelled out), vmap against a loop, the C target.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError, transpile_source
from test_jax_numpy_api import _draws, all_forms_pass, kernel_module


def _sets(note: str) -> list[list]:
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64, "boo": np.bool_}[note[1:4]]
    shape = tuple(int(n) for n in note[note.index("[") + 1:-2].split(",") if n)
    return [[a] for a in _draws(shape, dtype)]


ONE_ARRAY = [
    # running products
    ('"f64[3,4]"', "np.cumprod(x, axis=1)"),
    ('"f64[3,4]"', "np.cumprod(x) * 2.0"),
    ('"f64[2,3,2]"', "np.cumprod(x, -2)"),
    ('"f32[2,3]"', "np.cumprod(x, axis=0)"),
    ('"i32[5]"', "np.cumprod(x)"),
    ('"bool[4]"', "np.cumprod(x)"),
    ('"f64[3,4]"', "x.cumprod(axis=0) + x.cumprod()[3]"),
    ('"f64[3,4]"', "np.nancumprod(x, axis=1)"),
    ('"f64[3,4]"', "np.nancumprod(x)"),
    ('"i32[2,3]"', "np.nancumprod(x, axis=1)"),
    # dtype= of the running sums and products
    ('"f64[3,4]"', "np.cumsum(x, axis=1, dtype=np.float32)"),
    ('"f32[3,4]"', "np.cumsum(x, dtype=np.float64)"),
    ('"i32[6]"', "np.cumsum(x, dtype=np.int32)"),
    ('"i32[6]"', "np.cumsum(x, 0, np.float64)"),
    ('"bool[5]"', "np.cumsum(x, dtype=np.bool_)"),
    ('"bool[5]"', "np.cumprod(x, dtype=np.int32)"),
    ('"i64[2,3]"', "np.cumprod(x, axis=1, dtype=np.float32)"),
    ('"f64[3,4]"', "np.nancumsum(x, axis=0, dtype=np.float32)"),
    ('"f64[3,4]"', "np.nancumprod(x, dtype=np.float32)"),
    ('"f64[3,4]"', "x.cumsum(axis=1, dtype=np.float32)"),
    ('"i32[3,4]"', "x.cumprod(0, np.int32)"),
    ('"f64[3,4]"', "np.cumsum(x, dtype=np.int64)"),
    ('"f64[3,4]"', "np.cumprod(x, axis=1, dtype=np.int32)"),
    ('"f32[6]"', "np.cumsum(x, dtype=np.bool_)"),
    ('"i64[6]"', "np.cumprod(x, dtype=np.bool_)"),
    # integration
    ('"f64[3,4]"', "np.trapezoid(x)"),
    ('"f64[3,4]"', "np.trapezoid(x, axis=0)"),
    ('"f64[3,4]"', "np.trapezoid(x, dx=0.25)"),
    ('"f64[5]"', "np.trapezoid(x, np.array([0.0, 0.5, 1.5, 2.0, 4.0]))"),
    ('"f64[3,4]"', "np.trapezoid(x, x=np.array([0.0, 1.0, 3.0]), axis=0)"),
    ('"f64[3,4]"', "np.trapezoid(x * x, x)"),
    ('"f32[2,5]"', "np.trapezoid(x, dx=0.5)"),
    ('"i32[2,5]"', "np.trapezoid(x)"),
    ('"i32[2,5]"', "np.trapezoid(x, dx=2)"),
    # construction
    ('"f64[3,4]"', "np.full_like(x, 2.5) * x"),
    ('"i32[3,4]"', "np.full_like(x, 2.7)"),
    ('"f64[3,4]"', "np.full_like(x, 7, dtype=np.int32)"),
    ('"f64[3,4]"', "np.full_like(x, 1.5, np.float32, shape=(2, 5))"),
    ('"f64[3,4]"', "np.full_like(x, x[0])"),
    ('"f64[3,4]"', "np.full_like(x, np.nan)"),
    ('"f64[3,4]"', "np.full_like(x, x[1, 2]) + x"),
    ('"f64[3,4]"', "np.full((2, 3, 4), x) * 2.0"),
    ('"f64[3,4]"', "np.full((3, 4), x[0], dtype=np.float32)"),
    ('"i32[3,4]"', "np.full((2, 4), x[1], np.float64)"),
    ('"f64[3,4]"', "np.full((3, 4), x[:, 1:2])"),
    ('"f64[2,3]"', "np.diagflat(x)"),
    ('"f64[3]"', "np.diagflat(x, k=1) * 2.0"),
    ('"f64[3]"', "np.diagflat(x, -2)"),
    ('"i32[2,2]"', "np.diagflat(x)"),
    ('"f64[3,4]"', "np.indices((2, 3))[0] * x[:2, :3]"),
    ('"f64[3,4]"', "x[tuple(np.indices((3, 2), dtype=np.int32))]"),
    ('"f64[3,4]"', "x[:2, :3] * np.indices((2, 3), sparse=True)[1]"),
    ('"f64[3,4]"', "x[:3, :1] * np.indices(dimensions=(3, 1), dtype=np.float32, sparse=False)"),
    ('"f64[3,3]"', "x[np.diag_indices_from(x)]"),
    ('"f64[3,3]"', "x[np.diag_indices(3)] * 2.0"),
    # mean= of var and std
    ('"f64[3,4]"', "np.var(x, axis=1, mean=np.mean(x, axis=1, keepdims=True))"),
    ('"f64[3,4]"', "np.std(x, mean=np.mean(x), ddof=1)"),
    ('"f32[3,4]"', "x.var(axis=0, keepdims=True, mean=x.mean(axis=0, keepdims=True))"),
    ('"i32[3,4]"', "np.var(x, axis=1, mean=np.mean(x, axis=1, keepdims=True))"),
    ('"i32[3,4]"', "np.std(x, axis=1, mean=2)"),
    ('"f64[3,4]"', "np.var(x, axis=(0, 1), mean=np.mean(x), correction=1)"),
    ('"f64[3,4]"', "np.var(x, axis=1, mean=x[:, :1])"),
    ('"f64[3,4]"', "np.std(x, axis=0, mean=0.25) * x"),
    # shapes
    ('"f64[3,4]"', "np.reshape(x, (4, 3), order='F')"),
    ('"f64[3,4]"', "np.reshape(x, (2, -1), order='F') * 2.0"),
    ('"f64[3,4]"', "np.reshape(x, 12, order='F')"),
    ('"f64[3,4]"', "np.reshape(x, (4, 3), order='C')"),
    ('"f64[2,3,2]"', "x.reshape(3, 4, order='F')"),
    ('"i32[2,3]"', "x.reshape((3, 2), order='F')"),
    ('"f64[6]"', "np.delete(x, [1, 3])"),
    ('"f64[6]"', "np.delete(x, -1) * 2.0"),
    ('"f64[3,4]"', "np.delete(x, 1, axis=1)"),
    ('"f64[3,4]"', "np.delete(x, [0, 2, 2], 0)"),
    ('"f64[3,4]"', "np.delete(x, [0, 5, 6])"),
    ('"f64[3,4]"', "np.delete(x, [0, 1, 2], axis=0)"),
    ('"i32[3,4]"', "np.delete(x, (0, 3), axis=-1)"),
    ('"f64[4]"', "np.meshgrid(x, x[:3], sparse=True)[0] * np.meshgrid(x, x[:3], sparse=True)[1]"),
    ('"f64[4]"', "np.meshgrid(x, x[:2], x[:3], indexing='ij', sparse=True)[2]"),
    ('"f64[4]"', "np.meshgrid(x, x[:2], x[:3], sparse=True)[0]"),
]


@pytest.mark.parametrize("note, body", ONE_ARRAY)
def test_functions_are_numpys(note, body):
    """NumPy's bits on drawn and hostile inputs, every transform against differences and autograd, vmap."""
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], _sets(note))


@pytest.mark.parametrize("note, body", [('"f64[1,1]"', "x.item() * x"), ('"f64[1]"', "x.item()"),
                                        ('"f32[1]"', "x.item()"),
                                        ('"i32[1,1,1]"', "x.item()"), ('"f64[3,4]"', "x[1:2, 2:3].item() * x"),
                                        ('"f32[3]"', "x * x[:1].item()"), ('"f64[3,4]"', "x.item(5) * x"),
                                        ('"f64[3,4]"', "x.item(-1)"), ('"f64[3,4]"', "x.item(2, 1)"),
                                        ('"i32[3,4]"', "x.item((1, -1))"), ('"f64[]"', "np.asarray(x).item(())"),
                                        ('"f32[3]"', "x.item(2) * x")])
def test_item_of_one_element_is_a_python_number(note, body):
    """`.item()` is Python's float (or int), weak beside float32 arrays as Python numbers are."""
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], _sets(note))


@pytest.mark.parametrize("call, same", [
    ("np.var(x, axis=0, correction=1)", "np.var(x, axis=0, ddof=1)"),
    ("np.std(x, correction=2)", "np.std(x, ddof=2)"),
    ("np.nanvar(x, axis=1, correction=1)", "np.nanvar(x, axis=1, ddof=1)"),
    ("np.nanstd(x, axis=1, ddof=0, correction=1)", "np.nanstd(x, axis=1, ddof=1)"),
    ("np.std(x, axis=1, correction=1, keepdims=True, where=x > 0)",
     "np.std(x, axis=1, ddof=1, keepdims=True, where=x > 0)"),
])
def test_correction_is_numpys_other_name_for_ddof(call, same):
    """NumPy 2's `correction=` is `ddof=`: the same generated code for every form (autograd's np.std takes
    `correction=` and ignores it in its derivative, so it cannot be the oracle here), and NumPy's bits."""
    forms = "\n\ng = grad(f)\nj = jvp(f)\nv = vmap(f)\n"
    codes = [transpile_source(kernel_module('x: "f64[3,4]"', f"np.sum({body})") + forms, "case.py")
             for body in (call, same)]
    unhashed = [[line for line in code.replace(call, same).splitlines() if "sha256" not in line and "hash" not in line]
                for code in codes]
    assert unhashed[0] == unhashed[1]
    all_forms_pass(kernel_module('x: "f64[3,4]"', call), ["x"], [[np.random.default_rng(4).normal(size=(3, 4))]]) \
        if "where" in call else None
    module = load_source(kernel_module('x: "f64[3,4]"', call))
    for (x,) in _sets('"f64[3,4]"'):
        with np.errstate(all="ignore"):
            assert np.array_equal(module.f(x), eval(call, {"np": np, "x": x}), equal_nan=True)


def test_bool_item_and_meshgrid_of_no_arrays():
    all_forms_pass(kernel_module('x: "bool[1]"', "x.item()"), ["x"], [[np.array([True])], [np.array([False])]])
    all_forms_pass(kernel_module('x: "f64[3]"', "np.meshgrid()"), ["x"], [[np.zeros(3)]])


def test_narrow_integer_accumulations_wrap_as_numpys():
    """int32 accumulation of int32 values wraps around at 2**31; Lifted's int64 accumulation cast at the end keeps
    the same bits (the sum and product agree modulo 2**32)."""
    big = np.array([2**30, 2**30, 2**30, 3, -7, 2**29], np.int32)
    for body in ("np.cumsum(x, dtype=np.int32)", "np.cumprod(x, dtype=np.int32)", "np.cumsum(x)", "np.cumprod(x)",
                 "np.cumprod(x, dtype=np.bool_)"):
        all_forms_pass(kernel_module('x: "i32[6]"', body), ["x"], [[big]])


def test_two_arrays_and_the_c_target(tmp_path):
    """A kernel mixing the new functions, with NaN and zeros in the running products, on the C target."""
    body = ("np.sum(np.cumprod(x, axis=1) * np.nancumprod(y, axis=0)) + np.trapezoid(np.delete(v, [0]), w) "
            "+ np.sum(np.reshape(x, (4, 3), order='F') * np.full_like(y, 0.5).T) + np.var(x, correction=1)")
    text = kernel_module('x: "f64[3,4]", y: "f64[3,4]", v: "f64[5]", w: "f64[4]"', body)
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    x[1, 1] = x[2, 0] = x[2, 1] = 0.0
    y[0, 3] = np.nan
    all_forms_pass(text, ["x", "y", "v", "w"], [[x, y, rng.normal(size=5), np.cumsum(rng.uniform(size=4))]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.cumsum(x, dtype=np.float16)", "dtype"),
    ("np.reshape(x, (4, 3), order='A')", "order"),
    ("np.trapezoid(x, axis=2)", "axis 2"),
    ("np.trapezoid(np.ones((2, 2, 2)), x, axis=2)", "no such axis"),
    ("np.delete(x, 3, axis=0)", "out of range"),
    ("np.delete(x, x > 0)", "ValueError"),
    ("np.delete(x, x[0], axis=1)", "IndexError"),
    ("x.item()", "exactly one element"),
    ("x.item(12)", "IndexError"),
    ("x.item(1, 2, 3)", "NumPy raises"),
    ("np.diag_indices_from(x)", "one length"),
    ("np.var(x, ddof=1, correction=1)", "both"),
    ("x.var(correction=1)", "correction"),
    ("np.meshgrid(v, v, copy=v[0] > 0)", "copy"),
    ("np.full_like(x, 1.0, dtype=np.complex128)", "dtype"),
    ("np.vecdot(x, v)", "lengths 4 and 3"),
    ("np.vecdot(x, x, axis=2)", "axis 2"),
    ("np.vecdot(x > 0, x > 0)", "booleans"),
    ("np.var(x, axis=0, mean=np.mean(x, axis=0), where=x > 0)", "mean="),
    ("np.nanvar(x, mean=0.0)", "mean"),
    ("np.full(4, x[:, 1:2])", "broadcast"),
])
def test_what_numpy_raises_or_lifted_does_not_model_is_a_located_refusal(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[3,4]", i: "i64[3]", v: "f64[3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value), \
        str(info.value)


def _statements_module(signature: str, lines: str) -> str:
    body = "\n".join(f"    {line}" for line in lines.split("; "))
    return kernel_module(signature, "None").replace("    return None", body)


@pytest.mark.parametrize("note, lines", [
    ('"f64[3,3]"', "a = x * 2.0; np.fill_diagonal(a, 0.0); return a"),
    ('"f64[3,3]"', "a = x * 2.0; b = a; np.fill_diagonal(a, x[0, 1]); return a * b"),
    ('"f64[3,4]"', "a = np.sin(x); np.fill_diagonal(a, x[0]); return a"),
    ('"f64[5,3]"', "a = np.sin(x); np.fill_diagonal(a, x[1, :2], wrap=True); return a"),
    ('"f64[5,3]"', "a = np.sin(x); np.fill_diagonal(a, x[1, :2]); return a * x"),
    ('"f64[2,2,2]"', "a = x + 1.0; np.fill_diagonal(a, -1.5); return a"),
    ('"i32[3,3]"', "a = x * 1; np.fill_diagonal(a, 7); return a"),
    ('"f64[3,3]"', "a = x.T; np.fill_diagonal(a, 1.0); return a * x"),
    ('"f64[3,3]"', "np.fill_diagonal(x, 0.5); return x * 2.0"),
    ('"f32[4,4]"', "a = x.copy(); np.fill_diagonal(a, x[0, 2]); return a + a.T"),
    ('"f64[3,3]"', "a = x.copy(); v = a[1]; np.fill_diagonal(a, 0.0); return v"),
    ('"f64[3,3]"', "a = x.copy(); np.fill_diagonal(a, np.inf); return np.sum(a, axis=0)"),
    ('"f64[3,3]"', "a = x.copy(); np.fill_diagonal(a=a, val=0.0, wrap=False); return a"),
])
def test_fill_diagonal_writes_where_numpy_writes(note, lines):
    """np.fill_diagonal, a statement: NumPy's positions `a.flat[:end:step]` as index arrays, through the write
    machinery (names sharing the array see the update), the value repeated as the flat assignment repeats it."""
    all_forms_pass(_statements_module(f"x: {note}", lines), ["x"], _sets(note))


def test_fill_diagonal_on_the_c_target(tmp_path):
    text = _statements_module('x: "f64[4,4]", v: "f64[3]"', "k = np.exp(x); np.fill_diagonal(k, v); return k @ x")
    rng = np.random.default_rng(2)
    all_forms_pass(text, ["x", "v"], [[rng.normal(size=(4, 4)), rng.normal(size=3)]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("lines, word", [
    ("y = np.fill_diagonal(x, 0.0); return x * y", "None"),
    ("return x * np.fill_diagonal(x, 0.0)", "returns None"),
    ("np.fill_diagonal(v, 0.0); return v", "rank 2"),
    ("a = np.zeros((2, 3, 3)); np.fill_diagonal(a, 0.0); return a", "one length"),
    ("np.fill_diagonal(x[:2], 0.0); return x", "held by a name"),
    ("a = x.astype(np.int32); np.fill_diagonal(a, 2.7); return a", "truncate"),
])
def test_fill_diagonal_refusals_are_located(lines, word):
    with pytest.raises(TranspileError) as info:
        load_source(_statements_module('x: "f64[3,3]", v: "f64[3]"', lines))
    assert info.value.loc is not None and info.value.loc.line >= 7 and info.value.hint and word in str(info.value), \
        str(info.value)


@pytest.mark.parametrize("notes, body", [
    (('"f64[3,4]"', '"f64[4]"'), "np.vecdot(x, y)"),
    (('"f64[3,4]"', '"f64[3,4]"'), "np.vecdot(x, y) * 2.0"),
    (('"f64[4,3]"', '"f64[4,1]"'), "np.vecdot(x, y, axis=0)"),
    (('"f64[2,4,3]"', '"f64[4,3]"'), "np.vecdot(x, y, axis=-2)"),
    (('"f32[3,4]"', '"f32[4]"'), "np.vecdot(x, y)"),
    (('"f32[3,4]"', '"f64[4]"'), "np.vecdot(y, x)"),
    (('"i32[3,4]"', '"i32[4]"'), "np.vecdot(x, y)"),
    (('"i32[3,4]"', '"f64[4]"'), "np.vecdot(x, y)"),
])
def test_vecdot_is_numpys(notes, body):
    """np.vecdot's bits are its gufunc's (BLAS's dot for floats, not a pairwise sum), its dtypes NumPy's (int32
    stays int32); every transform against differences and autograd's sum of products."""
    sets = [[a[0], b[0]] for a, b in zip(_sets(notes[0]), _sets(notes[1]))]
    all_forms_pass(kernel_module(f"x: {notes[0]}, y: {notes[1]}", body), ["x", "y"], sets)


def test_vecdot_of_long_rows_on_the_c_target(tmp_path):
    """Rows of 1000: BLAS's dot and np.sum(x * y, axis=-1) differ in the last bits there; the C target's host call
    is NumPy's."""
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(5, 1000)), rng.normal(size=(5, 1000))
    assert not np.array_equal(np.vecdot(x, y), np.sum(x * y, axis=-1))
    all_forms_pass(kernel_module('x: "f64[5,1000]", y: "f64[5,1000]"', "np.vecdot(x, y)"), ["x", "y"], [[x, y]],
                   c=True, tmp_path=tmp_path)
