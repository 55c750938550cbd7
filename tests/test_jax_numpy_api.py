"""What running JAX's lax_numpy_test.py through Lifted found (docs/corpora.md, "JAX's lax_numpy_test.py";
benchmarks/jax/numpy_tests.py): np.clip with one bound None, and the NumPy functions its tests use most that the
kernel language lacked, written in NumPy's own terms (transpiler/frontend/jax_numpy_api.py).

Each is checked by the driver's own checks: NumPy running the same source bit for bit, every transform against
central differences and autograd, vmap against a loop; the C target against the NumPy backend.
"""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.jax.corpus import bit_for_bit
from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
HOSTILE = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.5, 1e308, 5e-324, -2.5, 3.0])


def kernel_module(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"


def all_forms_pass(text: str, params: list[str], inputs: list[list], c: bool = False, tmp_path=None) -> None:
    with np.errstate(all="ignore"):
        outcomes = check_kernel(text, params, inputs, lambda args: args, c=c, folder=tmp_path)
        documented = lambda detail: "floating-point scalar" in detail or \
            "has no derivative where its argument holds repeated values" in detail  # noqa: E731  (refused, located:
        assert {form: outcome for form, (outcome, detail) in outcomes.items() if outcome not in ("pass", "skip")
                and not (outcome == "refused" and documented(detail))} == {}, outcomes  # an integer's gradient,
        # np.unique's derivatives at tied elements, at run time)
        assert outcomes["f"][0] == "pass" and (not c or outcomes["c"][0] == "pass"), outcomes
        module, python = load_source(text, "corpus_case.py"), {}
        exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
        for args in inputs:
            bit_for_bit(module, args, python["f"](*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args]))


def _draws(shape, dtype):
    rng = np.random.default_rng(3)
    drawn = (rng.normal(size=shape) * 3).astype(dtype)
    hostile = np.resize(HOSTILE, shape).astype(dtype) if np.dtype(dtype).kind == "f" else \
        np.resize(np.array([0, -1, 1, 2, -7, 3]), shape).astype(dtype)
    return [drawn, hostile]


@pytest.mark.parametrize("note, body", [
    ('"f64[3,4]"', "np.clip(x, a_min=None, a_max=1)"),
    ('"f64[3,4]"', "np.clip(x, None, 0.5) * x"),
    ('"f64[5]"', "np.clip(x, min=-0.5)"),
    ('"f32[4]"', "np.clip(x, -1.0, None)"),
    ('"i32[3,1]"', "np.clip(x, a_min=None, a_max=1)"),
    ('"f64[]"', "np.clip(x, None, 2)"),
])
def test_np_clip_with_one_bound_none_is_numpys(note, body):
    """`np.clip(x, a_min=None, a_max=1)` was refused without a hint (`None` as an array); NumPy clips on one side:
    np.minimum or np.maximum of np.asarray(x) (a Python number is no longer weak)."""
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32}[note[1:4]]
    shape = tuple(int(n) for n in note[5:-2].split(",") if n)
    sets = [[a] for a in _draws(shape, dtype)]
    if shape == ():
        sets += [[2.5], [-0.0], [float("nan")]]
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], sets)


def test_np_clip_without_bounds_or_with_one_twice_is_a_located_refusal():
    for body in ("np.clip(x, None, None)", "np.clip(x, 0.0, a_min=1.0)"):
        with pytest.raises(TranspileError) as info:
            load_source(kernel_module('x: "f64[3]"', body))
        assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint, str(info.value)


@pytest.mark.parametrize("note, body", [
    ('"f64[2,3,4]"', "np.matrix_transpose(x) * 2.0"),
    ('"f64[3,1]"', "np.matrix_transpose(x)"),
    ('"f64[3,4]"', "np.nancumsum(x)"),
    ('"f64[3,4]"', "np.nancumsum(x, axis=-2) * x"),
    ('"f32[2,3]"', "np.nancumsum(x, 1)"),
    ('"i32[5]"', "np.nancumsum(x)"),
    ('"f64[4]"', "np.polyadd(x, np.array([1.0, 2.0]))"),
    ('"f64[2]"', "np.polysub(x, np.array([1.0, -2.0, 3.0]))"),
    ('"i32[3]"', "np.polyadd(x, np.array([7, 8, 9, 10]))"),
    ('"f64[3,4]"', "np.count_nonzero(x)"),
    ('"f64[3,4]"', "np.count_nonzero(x, axis=0) * x"),
    ('"i32[2,3]"', "np.count_nonzero(x, axis=(0, 1), keepdims=True)"),
    ('"f64[]"', "np.count_nonzero(x, axis=())"),
    ('"f64[6]"', "np.polyder(x)"),
    ('"f64[6]"', "np.polyder(x, m=3) * 2.0"),
    ('"i32[4]"', "np.polyder(x, 2)"),
    ('"f64[3]"', "np.polyder(x, m=5)"),
    ('"f64[3]"', "np.polyder(x, 0)"),
])
def test_functions_lax_numpy_test_uses_are_numpys(note, body):
    """np.matrix_transpose, np.nancumsum, np.polyadd, np.polysub, np.polyder and np.count_nonzero, written as NumPy
    writes them: NumPy's bits on hostile inputs (NaN, infinities, signed zeros), every transform against differences
    and autograd, vmap."""
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32}[note[1:4]]
    shape = tuple(int(n) for n in note[5:-2].split(",") if n)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], [[a] for a in _draws(shape, dtype)])


def test_the_new_functions_on_the_c_target(tmp_path):
    body = "np.sum(np.nancumsum(x, axis=0) * np.matrix_transpose(y)) + np.polysub(v, w)"
    text = kernel_module('x: "f64[3,2]", y: "f64[2,3]", v: "f64[4]", w: "f64[2]"', body)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 2))
    x[1, 0] = np.nan
    all_forms_pass(text, ["x", "y", "v", "w"], [[x, rng.normal(size=(2, 3)), rng.normal(size=4), rng.normal(size=2)]],
                   c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [("np.matrix_transpose(v)", "rank below 2"),
                                        ("np.polyadd(m, v)", "rank 2"),
                                        ("np.pad(m, 1, mode='median')", "median")])
def test_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


@pytest.mark.parametrize("body", ["np.zeros(2, np.float32) + x", "np.ones((3, 2), np.int32) * x",
                                  "np.identity(2, np.int64) @ x", "np.full((2, 2), 1.5, np.float32) * x",
                                  "np.zeros_like(x, np.int32)", "np.ones_like(x, np.float32) + x"])
def test_a_constructors_dtype_by_position_is_numpys(body):
    """`np.zeros(3, np.float32)` was refused (one positional argument here): NumPy binds the second to `dtype`."""
    all_forms_pass(kernel_module('x: "f64[2]"', body), ["x"], [[np.array([0.5, -2.0])], [np.array([-0.0, np.nan])]])
