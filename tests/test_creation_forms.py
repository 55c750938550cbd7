"""The array-building forms of CuPy's creation tests (docs/corpora.md, twenty-sixth session): np.logspace's `axis=`
and array bounds, np.meshgrid's `copy=False` (NumPy's views, a list where sparse), the aliasing of a build-time
list or dict that holds a view which may be a copy, np.vander of N = len(x) known at run time, np.diag/np.tril/np.triu
of lists and tuples, np.eye's `dtype` and `order` by position. Values bit for bit with Python running the same source, every
transform against differences and autograd, vmap against a loop, the C target; located refusals where the answer
is the caller's layout."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import HEADER, _draws, _parse, all_forms_pass, kernel_module

LOGSPACE = [
    ('"f64[3]"', "np.logspace(x, x * 2.0, 5, axis=1)"), ('"f32[2,3]"', "np.logspace(x, 1.0, 4, axis=-1, base=2.0)"),
    ('"i64[3]"', "np.logspace(x, [3, 2, 1], num=5, dtype=np.float32, axis=1)"),
    ('"f64[n]"', "np.logspace(x, 0.5, 3, endpoint=False, axis=0)"), ('"f64[]"', "np.logspace(x, 2.0, 4, axis=-1)"),
    ('"f64[2,2]"', "np.logspace(x, x + 1.0, 1, axis=2, dtype=np.int64)"),
]


@pytest.mark.parametrize("note, body", LOGSPACE)
def test_logspace_axis_and_array_bounds_give_numpys_values(note, body):
    dtype, shape = _parse(note.replace("n", "4"))
    with np.errstate(all="ignore"):  # (the hostile draws' infinities give NaN: kept)
        draws = [np.abs(a) % 4 for a in _draws(shape, dtype)]
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in draws])


def test_logspace_axis_on_the_c_target(tmp_path):
    all_forms_pass(kernel_module('x: "f64[3]"', "np.logspace(x, x * 0.5, 4, axis=1, base=3.0)"), ["x"],
                   [[np.array([0.5, -1.0, 2.0])]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [("np.logspace(x, 2.0, 5, axis=2)", "AxisError"),
                                        ("np.logspace(x, 2.0, k, axis=1)", "build time")])
def test_logspace_refusals_have_a_place(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[2]", k: "i64"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


MESHGRID = [f"np.meshgrid(x, y{z}, indexing='{ix}', sparse={sp}, copy=False)"
            for z in ("", ", x") for ix in ("xy", "ij") for sp in (False, True)] + [
    "np.meshgrid(x, sparse=True, copy=False)", "np.meshgrid(m, y, copy=False)[1] * 2.0",
    "np.meshgrid(m.T, copy=False, sparse=True)", "np.meshgrid(sparse=True, copy=False)",
    "np.meshgrid(copy=False)"]


@pytest.mark.parametrize("body", MESHGRID)
def test_meshgrid_copy_false_gives_numpys_values_and_containers(body):
    """NumPy 2.4 returns a list where sparse and not copied (numpy#30641), a tuple otherwise."""
    args = [np.array([0.5, 1.0, -2.0]), np.array([1.5, -2.5]), np.arange(6.0).reshape(2, 3)]
    all_forms_pass(kernel_module('x: "f64[3]", y: "f64[2]", m: "f64[2,3]"', body), ["x", "y", "m"], [args])


def test_meshgrid_copy_false_on_the_c_target(tmp_path):
    all_forms_pass(kernel_module('x: "f64[3]", y: "f64[2]"', "np.meshgrid(x, y, copy=False)[0] * y[0]"),
                   ["x", "y"], [[np.array([0.5, 1.0, -2.0]), np.array([1.5, -2.5])]], c=True, tmp_path=tmp_path)


def _kernel(lines: str) -> str:
    body = "\n".join("    " + line for line in lines.split("; "))
    return HEADER + f'\n\n@kernel\ndef f(x: "f64[3]", y: "f64[2]"):\n{body}\n'


@pytest.mark.parametrize("lines, expected", [
    # a view whose value after the write is known: recomputed (NumPy's value)
    ("g = np.split(x, 3); x[0] = 7.0; return g[0] * 1.0", [7.0]),
    ("g = [x.T, x[::2]]; x[0] = 7.0; return g[1] * 1.0", [7.0, -2.0]),
    # a view that may be a copy (a reshape of a parameter), inside a list, a dict or a tuple: refused where read
    ("g = np.meshgrid(x, y, sparse=True, copy=False); x[0] = 7.0; return g[0] * 1.0", None),
    ("g = np.meshgrid(x, y, copy=False); x[0] = 7.0; return g[0] * 1.0", None),
    ("g = np.meshgrid(x, y, sparse=True, indexing='ij', copy=False); y[1] = 7.0; return g[1] * 1.0", None),
    ("g = [x.reshape(1, -1)]; x[0] = 7.0; return g[0] * 1.0", None),
    ("g = {'a': x.reshape(-1, 1)}; x[0] = 7.0; return g['a'] * 1.0", None),
    ("g = (x.reshape(-1, 1), y); x[0] = 7.0; return g[0] * 1.0", None),
    # NumPy's read-only broadcast
    ("g = np.meshgrid(x, y, copy=False); g[0][0, 0] = 7.0; return g[0] * 1.0", "read-only"),
])
def test_views_in_lists_see_writes_as_python_does(lines, expected):
    """Before: `g = [x.reshape(1, -1)]; x[0] = 7.0; g[0]` read 0.5 where Python reads 7.0 (the sharing analysis did
    not look into build-time lists and dicts for a view that may be a copy)."""
    text = _kernel(lines)
    x, y = np.array([0.5, 1.0, -2.0]), np.array([1.5, 2.5])
    if expected is None or isinstance(expected, str):
        with pytest.raises(TranspileError) as info:
            load_source(text)
        assert info.value.loc is not None and info.value.loc.line == 9 if expected is None else \
            expected in str(info.value)
        return
    python = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    np.testing.assert_array_equal(python["f"](x.copy(), y.copy()), expected)
    np.testing.assert_array_equal(load_source(text).f(x.copy(), y.copy()), expected)


MATRICES = [
    ('"f64[n]"', "np.vander(x)", [0.5, 1.0, -2.0]), ('"f64[n]"', "np.vander(x, increasing=True)", [0.5, 1.0, -2.0]),
    ('"i64[n]"', "np.vander(x)", [2, 0, -3, 1]), ('"f32[n]"', "np.vander(x, None, True)", [0.5, -1.5, 3.0]),
    ('"f64[n]"', "np.vander(x)", []), ('"f64[n]"', "np.vander(x)", [3.0]), ('"f64[n]"', "np.vander(x, N=2)", [3.0, 0.0]),
    ('"f64[3]"', "np.diag([1, 2, 3]) * x", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.diag(((1, 2, 3), (4, 5, 6), (7, 8, 9)), -1) * x[0]", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.diag([x, x * 2.0, x], 1)", [0.5, 1.0, -2.0]), ('"f64[3]"', "np.diag((x[0], 1.0))", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.tril([[1, 2], [3, 4]]) * x[0]", [0.5, 1.0, -2.0]), ('"f64[3]"', "np.triu((x, x, x), 1)", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.tril([x, 2 * x], -1)", [0.5, 1.0, -2.0]), ('"f64[3]"', "np.triu([1.5, x[1]])", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.eye(5, 4, 1, np.int32, 'F') * x[0]", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.eye(3, 3, -1, int, order='C') * x", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.eye(2, None, 0, bool).flags.f_contiguous", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.eye(2, 3, 0, bool, 'F').flags.f_contiguous", [0.5, 1.0, -2.0]),
    ('"f64[3]"', "np.eye(3, 3, 0, np.float32, order='F') @ x", [0.5, 1.0, -2.0]),
]


@pytest.mark.parametrize("note, body, x", MATRICES)
def test_matrix_forms_give_numpys_values(note, body, x):
    dtype, _ = _parse(note.replace("n", "1"))
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[np.array(x, dtype=dtype)]])


@pytest.mark.parametrize("note, body, x", [MATRICES[0], MATRICES[8], MATRICES[15]])
def test_matrix_forms_on_the_c_target(note, body, x, tmp_path):
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[np.array(x)]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [("np.eye(3, 3, 0, int, dtype=int)", "TypeError"),
                                        ("np.vander(x, 2, N=3)", "positional"),  # before: N=3's value, no TypeError
                                        ("np.logspace(x, 2.0, 5, num=3)", "positional"),
                                        ("np.take(x, 1, 0, axis=0)", "positional"),
                                        ("np.vander(x, N=-1)", "ValueError"), ("np.eye(3, 3, 0, int, 'A')", "order")])
def test_matrix_refusals_have_a_place(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[2]", k: "i64"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


ZERO_D_WRITES = [
    "a = np.empty((), dtype=np.int32); a.fill(0); return a", "a = np.empty((), order='F'); a.fill(x[0]); return a",
    "a = np.empty((), dtype=bool, order='C'); a.fill(0); return a", "a = np.zeros((), np.float32); a.fill(x[2]); return a",
    "a = np.zeros(()); b = a; a[...] = x[1]; return b", "a = np.zeros(()); t = (a, 1); a.fill(3.0); return t[0]",
    "a = np.zeros(()); a[()] = x[0] * x[1]; return a", "a = np.ones(()); a[...] = x[1]; a[...] = 2.0; return a * x[0], a",
    "a = np.full((), 2.0); a[...] = np.sin(x[0]); return a * x",
]


@pytest.mark.parametrize("lines", ZERO_D_WRITES)
def test_zero_d_array_writes_give_numpys_values(lines):
    """`a[...] = v` and `a.fill(v)` of a 0-d array the kernel made: NumPy's update of that array object (every name
    and tuple holding it sees it; the value cast to its dtype; NumPy's ValueError for a value of another shape)."""
    text = HEADER + '\n\n@kernel\ndef f(x: "f64[3]"):\n' + "\n".join("    " + s for s in lines.split("; ")) + "\n"
    all_forms_pass(text, ["x"], [[np.array([0.5, 1.0, -2.0])], [np.array([-0.0, np.nan, np.inf])]])


def test_zero_d_array_writes_on_the_c_target(tmp_path):
    text = HEADER + '\n\n@kernel\ndef f(x: "f64[3]"):\n    a = np.zeros(())\n    a[...] = x[1]\n    return a * x\n'
    all_forms_pass(text, ["x"], [[np.array([0.5, 1.0, -2.0])]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("lines, word", [
    ("a = np.float64(x[0]); a[...] = 3.0; return a", "scalar"),  # NumPy's TypeError: a scalar has no items
    ("a = x[0]; a.fill(3.0); return a", "scalar"),
    ("a = x.reshape(3)[0, ...]; a[...] = 2.0; return x", "scalar"),  # a 0-d view (into a maybe-copy): refused
    ("a = np.zeros(()); a[...] = x; return a", "0-d array"), ("a = np.zeros((), int); a.fill(x[0]); return a", "truncate"),
])
def test_zero_d_writes_refused_with_a_place(lines, word):
    text = HEADER + '\n\n@kernel\ndef f(x: "f64[3]"):\n' + "\n".join("    " + s for s in lines.split("; ")) + "\n"
    with pytest.raises(TranspileError) as info:
        load_source(text)
    assert info.value.loc is not None and info.value.loc.line == 8 and word in str(info.value)
