"""`a.flat[k] = v` and `a.flat[i:j:s] = v` (transpiler/normalize/flat_writes.py): NumPy's flat iterator written at
an index known at build time, as np.put writes it: the values read flat and cycled over the positions, cast to the
array's dtype; every name and view of the array sees the write; bits and dtypes against NumPy on hostile inputs
(empty, length 1, integers, booleans, NaN), derivatives against differences and autograd, vmap against a loop, the
C target; what NumPy rejects or Lifted cannot model refused, located."""
from __future__ import annotations

import numpy as np
import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import HEADER, _draws, all_forms_pass


def _module(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n" + "".join(f"    {line}\n" for line in body.split("; "))


FORMS = [
    ('"f64[2,3]"', "a = x * 1.0; a.flat[1:5] = x[0, :2]; return a"),
    ('"f64[2,3]"', "a = x * 2.0; b = a.T; a.flat[-1] = x[0, 0]; a.flat[::-2] = [1.5, -0.5]; return a, b"),
    ('"f64[2,3]"', "a = np.zeros((2, 3)); a.flat[4] = np.sum(x); a.flat[:3] = x[1]; return a * x"),
    ('"f64[2,3]"', "a = x.copy(); a.flat[3:1] = 5.0; a.flat[0:6:4] = x.T; return a"),
    ('"f64[4]"', "a = x + 0.0; a.flat[1:] = x[:2] * x[3]; return np.sum(a ** 2)"),
    ('"f64[2,3]"', "a = x * 1.0; a.flat[[0, -1, 4, 0]] = x[1, :3] * 2.0; return a"),
    ('"f64[5]"', "a = x * 1.0; a.flat[np.array([3, 1])] = [x[0], 7.0]; return a"),
    ('"f64[1]"', "a = x * 3.0; a.flat[0] = x[0] ** 2; return a"),
    ('"f64[0]"', "a = x * 1.0; a.flat[0:3] = 2.0; return a"),
    ('"f32[2,3]"', "a = x * 1.0; a.flat[2:4] = np.array([1e300, -2.5]); return a"),
    ('"i32[2,3]"', "a = x.copy(); a.flat[1:4] = np.array([2.7, -1.2]); a.flat[5] = True; return a"),
    ('"i64[2,3]"', "a = x > 0; a.flat[::2] = x[0]; return a"),
    ('"f64[2,3]"', "a = x > 0.0; a.flat[1] = np.float64(2.5); a.flat[2:4] = x[1, :1] * 0.0; return a, x"),
]


@pytest.mark.parametrize("note, body", FORMS)
def test_flat_writes_are_numpys(note, body):
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[note[1:4]]
    shape = tuple(int(n) for n in note[5:-2].split(",") if n)
    sets = [[a] for a in _draws(shape, dtype)]
    all_forms_pass(_module(f"x: {note}", body), ["x"], sets)


def test_flat_writes_on_the_c_target(tmp_path):
    text = _module('x: "f64[2,3]"', "a = x * 1.0; b = a[1]; a.flat[1:5] = x[0, :2] * 2.0; a.flat[-1] = 0.5; "
                                    "return np.sum(a * b)")
    all_forms_pass(text, ["x"], [[np.arange(6.0).reshape(2, 3) - 2.5]], c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("a = x * 1.0; a.flat[6] = 1.0; return a", "out of bounds"),
    ("a = x * 1.0; a.flat[n:] = 1.0; return a", "build time"),
    ("a = x * 1.0; a.flat[x > 0] = 1.0; return a", "integer indices"),
    ("a = x * 1.0; a.flat[1.0] = 1.0; return a", "integer indices"),
    ("a = x * 1.0; a.flat[::0] = 1.0; return a", "zero"),
    ("a = x.astype(np.int32); a.flat[1] = 2.5; return a", "Python f64 number"),
    ("x[0].flat[1] = 2.0; return x", "held by a name"),
    ("a = x * 1.0; a.flat[1] += 2.0; return a", "`.flat`"),
])
def test_flat_write_refusals_are_located(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(_module('x: "f64[2,3]", n: "i64[]"', body))
    assert info.value.loc is not None and info.value.hint and word in str(info.value), str(info.value)


def test_put_of_a_python_bool_into_integers():
    """np.put(a, 5, True) into an int32 array cast the Python bool with `.astype` (AttributeError); NumPy stores 1."""
    text = _module('x: "i32[6]"', "a = x.copy(); np.put(a, 5, True); return a")
    all_forms_pass(text, ["x"], [[np.arange(6, dtype=np.int32)]])
