"""np.copyto, np.putmask, np.place and np.put (transpiler/normalize/array_writes.py): statements that write into an
existing array, lowered as the update NumPy makes. Each kernel goes through the corpus drivers' checks
(benchmarks/corpus/checks.py): NumPy running the same source bit for bit on drawn and hostile inputs (NaN,
infinities, signed zeros), the arguments left as Python leaves them, every transform against central differences
and autograd (where autograd can run the source: it cannot write in place, so central differences judge), vmap
against a loop, the C target.
"""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_jax_numpy_api import _draws, all_forms_pass, kernel_module


def _statements_module(signature: str, lines: str) -> str:
    body = "\n".join(f"    {line}" for line in lines.split("; "))
    return kernel_module(signature, "None").replace("    return None", body)


SIGNATURE = 'x: "f64[2,3]", y: "f64[2,3]", v: "f64[4]"'


def _inputs() -> list[list]:
    xs, ys, vs = _draws((2, 3), np.float64), _draws((2, 3), np.float64)[::-1], _draws((4,), np.float64)
    return [[x, y, v] for x, y, v in zip(xs, ys, vs)]


@pytest.mark.parametrize("lines", [
    # np.copyto: dst[...] = src, where= keeps dst's own elements
    "a = x * 1.0; np.copyto(a, np.sin(y)); return a * y",
    "a = np.exp(x); np.copyto(a, v[:3]); return a",
    "a = x * 1.0; np.copyto(a, 2.5, where=y > 0); return a * x",
    "a = x * 1.0; np.copyto(a, y * y, where=y > 0.5); return a",
    "a = x * 1.0; np.copyto(a, a[::-1]); return a * y",
    "a = x * 1.0; b = a[0]; np.copyto(b, v[1:]); return a + b[0]",
    "a = x * 1.0; np.copyto(a.T, y.T * 2.0); return a",
    "a = x * 1.0; np.copyto(a, y.astype(np.float32)); return a",
    "a = x.astype(np.float32); np.copyto(a, y, casting='same_kind'); return a",
    "a = x.astype(np.int32); np.copyto(a, y, casting='unsafe'); return a",
    "np.copyto(x, y); return x * v[0]",
    # np.putmask: values cycled over the array's flat positions, cast to its dtype
    "a = x * 1.0; np.putmask(a, y > 0, v); return a * y",
    "a = x * 1.0; np.putmask(a, y > 0, 7.0); return a",
    "a = x * 1.0; np.putmask(a, y > 0, np.tanh(y)); return a",
    "a = x * 1.0; np.putmask(a, (y > 0).ravel(), v[:1]); return a",
    "a = x * 1.0; np.putmask(a, y > 0, v[:0]); return a",
    "a = x * 1.0; np.putmask(a, y, v); return a",
    "a = x * 1.0; np.putmask(a, y > 0, (v > 0).astype(np.int32)); return a",
    "a = x * 1.0; np.putmask(a, y > 0, [1.5, -2.0]); np.copyto(a, [0.5, 1.0, 2.0], where=x > 0); return a * x",
    # np.place: values cycled over the True positions in order
    "a = x * 1.0; np.place(a, y > 0, v); return a * y",
    "a = x * 1.0; np.place(a, y > 0, v[:1] * 3.0); return a",
    "a = x * 1.0; np.place(a, y < 0.5, v[:2]); return a + x",
    "a = x * 1.0; np.place(a, x > y, np.exp(y)); return a",
    # np.put: values cycled over the indices, in order (a repeated index keeps the last), cast to the dtype
    "a = x * 1.0; np.put(a, [1, 4], v[:2]); return a * y",
    "a = v * 1.0; np.put(a, [0, 0, 3], np.sin(y[0])); return a * v",
    "a = v * 1.0; np.put(a, [3, -4], x[0], mode='wrap'); return a",
    "a = v * 1.0; np.put(a, [7, -2, 2], x[1], mode='clip'); return a",
    "a = v * 1.0; np.put(a, (y[0] > 0).astype(np.int64), [2.5]); return a * v",
    "a = v * 1.0; np.put(a, 2, x); return a",
    "a = x * 1.0; np.put(a, [[0, 5], [-1, 2]], v); return a",
    "a = x * 1.0; np.put(a, [9, -8], v[:2], mode='wrap'); return a",
    "a = v.astype(np.int32); np.put(a, [1, 2], y[0]); return a",
    # a Python int into a float32 array: NumPy converts it to the array's dtype (it was `30.astype(...)`: bad)
    "a = x.astype(np.float32); np.putmask(a, y > 0, 30); return a",
    "a = x.astype(np.float32); np.place(a, y > 0, 2); return a * y",
    # bound to a name: the statement, and the name holds NumPy's None
    "a = x * 1.0; r = np.putmask(a, y > 0, v); assert r is None; return a * y",
    "a = x * 1.0; r = np.place(a, y > 0, v); s = np.copyto(a, x, where=y > 1.0); return a if r is s else x",
    "a = v * 1.0; r = np.put(a, [1], 2.0); b = x * 1.0; q = np.fill_diagonal(b, 3.0); return (a, b, r is None)",
])
def test_array_writes_are_numpys(lines):
    all_forms_pass(_statements_module(SIGNATURE, lines), ["x", "y", "v"], _inputs())


def test_array_writes_on_the_c_target(tmp_path):
    text = _statements_module(SIGNATURE, "a = np.exp(x); np.putmask(a, y > 0, v); b = x * 1.0; "
                                         "np.place(b, y < 0, v[:3]); np.copyto(a, b, where=x > 0); c = v * 1.0; "
                                         "np.put(c, [0, 3, 0], y[1]); np.put(a, [4, -1], v[:2]); return a * b + c[1]")
    rng = np.random.default_rng(5)
    all_forms_pass(text, ["x", "y", "v"], [[rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=4)]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("lines, word", [
    ("a = x.astype(np.int32); np.copyto(a, y); return a", "TypeError"),
    ("a = x.astype(np.int32); np.copyto(a, 2.5); return a", "TypeError"),
    ("a = x > 0; np.copyto(a, 1); return a", "TypeError"),
    ("a = x.astype(np.float32); np.copyto(a, y, casting='safe'); return a", "TypeError"),
    ("a = x * 1.0; np.copyto(a, y, casting='fast'); return a", "ValueError"),
    ("a = x * 1.0; np.copyto(a, y, where=y); return a", "boolean"),
    ("a = x.astype(np.int32); np.putmask(a, y > 0, v); return a", "TypeError"),
    ("a = x.astype(np.int32); np.putmask(a, y > 0, 2.5); return a", "Python"),
    ("a = x.astype(np.float32); np.place(a, y > 0, v); return a", "TypeError"),
    ("a = x * 1.0; np.putmask(a, v > 0, v); return a", "ValueError"),
    ("a = x * 1.0; np.place(a, y > 0, v[:0]); return a", "ValueError"),
    ("s = x[0, 0]; np.copyto(s, 1.0); return s", "scalar"),
    ("a = x * 1.0; np.place(a, y > 0); return a", "np.place takes"),
    ("a = x * 1.0; np.putmask(a, y > 0, v, 1); return a", "np.putmask takes"),
    ("a = x * 1.0; np.put(a, [6], v); return a", "IndexError"),
    ("a = x * 1.0; np.put(a, v > 0, v); return a", "TypeError"),
    ("a = v.astype(np.int32); np.put(a, [1], 2.5); return a", "Python"),
    ("a = x * 1.0; np.put(a, [1], v, mode='fast'); return a", "ValueError"),
    ("a = x * 1.0; np.put(a, (v > 0).astype(np.int64), v); return a", "build time"),
    ("np.put(x[0], [1], 2.0); return x", "held by a name"),
    ("return np.put(x, [1], 2.0)", "returns None"),
    ("return np.copyto(x, y)", "returns None"),
    ("a = np.place(x, y > 0, v); return a + x", "None"),
    ("return x + np.putmask(x, y > 0, v)", "returns None"),
])
def test_refusals_are_located(lines, word):
    with pytest.raises(TranspileError) as info:
        load_source(_statements_module(SIGNATURE, lines))
    assert info.value.loc is not None and info.value.loc.line >= 7 and info.value.hint and word in str(info.value), \
        str(info.value)


NAMED = 'x: "f64[n,m]", y: "f64[n,m]", v: "f64[k]"'


def _named_inputs() -> list[list]:
    """Lengths known at run time only: more values than Trues, fewer, one, none; an empty array."""
    rng = np.random.default_rng(7)
    shapes = [((2, 3), 4), ((3, 2), 1), ((2, 3), 0), ((1, 4), 9), ((0, 3), 2), ((0, 3), 0)]
    return [[rng.normal(size=s), rng.normal(size=s), rng.normal(size=k)] for s, k in shapes]


@pytest.mark.parametrize("lines", [
    "a = x * 1.0; np.putmask(a, y > 0, v); return a * y",
    "a = x * 1.0; np.putmask(a, (y > 0).ravel(), np.tanh(v)); return a",
    "a = x * 1.0; np.putmask(a, y, v.astype(np.float32)); return a + x",
    "a = x * 1.0; np.putmask(a, y.ravel() > 0, v.reshape(1, -1)); return a",
    "a = x * 1.0; np.place(a, x > y, np.exp(v)); return a",
    "a = (x > 0).astype(np.int64); np.place(a, y.T.T < 0.5, (v > 0).astype(np.int32)); return a",
    "a = x.astype(np.float32); np.putmask(a, a > 1, 30); return a",
    "a = x.astype(np.float32); np.place(a, y > 0, 3); return a",
])
def test_array_writes_of_lengths_known_at_run_time_are_numpys(lines):
    """NumPy's values, and NumPy's ValueError where np.place has no values for a True, at run time."""
    inputs = [i for i in _named_inputs() if "np.place" not in lines or i[2].size or not i[0].size]  # (raises)
    all_forms_pass(_statements_module(NAMED, lines), ["x", "y", "v"], inputs)


@pytest.mark.parametrize("lines, error", [
    ("a = x * 1.0; np.putmask(a, v > 0, v); return a", "putmask: mask and data must be the same size"),
    ("a = x * 1.0; np.place(a, v > 0, v); return a", "place: mask and data must be the same size"),
    ("a = x * 1.0; np.place(a, y > 0, v); return a", "Cannot insert from an empty array!"),
])
def test_array_writes_of_run_time_lengths_raise_numpys_value_error(lines, error):
    module = load_source(_statements_module(NAMED, lines))
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=error):
        module.f(x, x, np.ones(4) if "empty" not in error else np.ones(0))
    with pytest.raises(ValueError, match=error):
        python = {}
        exec(compile(_statements_module(NAMED, lines), "python_reference", "exec"), python)
        python["f"](x, x.copy(), np.ones(4) if "empty" not in error else np.ones(0))


def test_array_writes_of_run_time_lengths_on_the_c_target(tmp_path):
    text = _statements_module(NAMED, "a = x * 1.0; np.putmask(a, y > 0, v); b = x * 1.0; np.place(b, y < 0, v); "
                                     "return a * b")
    all_forms_pass(text, ["x", "y", "v"], _named_inputs()[:2], c=True, tmp_path=tmp_path)
