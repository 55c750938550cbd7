"""np.linspace's array bounds, `axis=`, integer `dtype=` and `retstep=` (transpiler/frontend/linspace_forms.py):
NumPy's bits (its own arithmetic, step by step), every transform against differences and autograd, vmap against a
loop, the C target, located refusals where NumPy raises or the branch needs `num` at build time."""
from __future__ import annotations

import pytest

from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, _parse, all_forms_pass, kernel_module

VALUES = [
    ('"f64[2]"', "np.linspace(x, x[::-1] * 4.0, 7)"), ('"f32[3]"', "np.linspace(0.0, x, num=5)"),
    ('"f64[2,3]"', "np.linspace(x, 1.5, 4, endpoint=False)"), ('"f64[n]"', "np.linspace(x, 2 * x, 6, axis=1)"),
    ('"f64[2,3]"', "np.linspace(x[0], x[1], 5, axis=-1) * 2.0"), ('"f64[2]"', "np.linspace(x, x + 1.0, 1)"),
    ('"f64[2]"', "np.linspace(x, 3.0, 0) + 1.0"), ('"f64[2]"', "np.linspace(x, 3.0, 1, endpoint=False)"),
    ('"i32[2]"', "np.linspace(x, [100, 0], 9)"), ('"i64[2]"', "np.linspace(x, 0, 50, dtype=np.float32)"),
    ('"f64[2]"', "np.linspace(x, 10.0, 7, dtype=np.int64)"), ('"f32[2]"', "np.linspace(x, 10.0, 7, dtype=np.int32)"),
    ('"f64[2]"', "np.linspace(x, x, 4)"), ('"f64[2]"', "np.linspace(x, [0.0, 1.0], 4, axis=0, dtype=bool)"),
    ('"f64[]"', "np.linspace(x, 10.0, 5, dtype=np.int64)"), ('"f64[]"', "np.linspace(0.1, 9.1, 11, dtype=int) + x"),
    ('"f64[]"', "np.linspace(x, 10.0, 5, retstep=True)"), ('"f32[]"', "np.linspace(x, 2.0, 4, endpoint=False, retstep=True)"),
    ('"f64[]"', "np.linspace(0, 10, 0, retstep=True)[0] + x"), ('"f64[]"', "np.linspace(3, 7, 1, retstep=True)[1] * x"),
    ('"f64[2]"', "np.linspace(x, 1.0, 3, retstep=True)"), ('"f64[]"', "np.linspace(x, 1.0, 3, axis=-1)"),
    ('"f64[]"', "np.linspace(x, 4.0, 5, True, True, np.float32, 0)"), ('"f32[]"', "np.linspace(x, 2.0, 4, dtype=np.float64)"),
]


@pytest.mark.parametrize("note, body", VALUES)
def test_linspace_forms_give_numpys_values(note, body):
    """NumPy's bits on hostile inputs (a step of 0 among them), every transform, vmap against a loop."""
    dtype, shape = _parse(note.replace("n", "3"))
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)])


@pytest.mark.parametrize("note, body", [('"f64[2]"', "np.linspace(x, 2 * x, 6, axis=1)"),
                                        ('"f64[]"', "np.linspace(x, 10.0, 5, dtype=np.int64, retstep=True)")])
def test_linspace_forms_on_the_c_target(note, body, tmp_path):
    dtype, shape = _parse(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)], c=True,
                   tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.linspace(x, 2.0, 5, axis=2)", "AxisError"), ("np.linspace(x, 2.0, -1)", "ValueError"),
    ("np.linspace(x, 2.0, k)", "build time"), ("np.linspace(1.0, 2.0, k, retstep=True)", "build time")])
def test_linspace_forms_refused_with_a_place(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('x: "f64[2]", k: "i64"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)
