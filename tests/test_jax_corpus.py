"""Minimal programs for what running JAX's NumPy op and reducer records through Lifted found (docs/corpora.md,
benchmarks/jax/corpus.py).

Each was a wrong number or an unlocated failure; each is checked by the driver's own checks: NumPy running the same
source bit for bit, every transform against finite differences and autograd, vmap against a loop.
"""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.jax.corpus import bit_for_bit
from gradcheck import load_source

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"


def kernel_module(signature: str, body: str) -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"


def all_forms_pass(text: str, params: list[str], inputs: list[list]) -> None:
    outcomes = check_kernel(text, params, inputs, lambda args: args)
    assert {form: outcome for form, (outcome, _) in outcomes.items() if outcome not in ("pass", "skip")} == {}, \
        outcomes
    module, python = load_source(text, "corpus_case.py"), {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    for args in inputs:
        bit_for_bit(module, args, python["f"](*args))


@pytest.mark.parametrize("x", [2.5, np.float64(-1.5), np.array(0.75)])
def test_np_transpose_of_a_scalar(x):
    """`np.transpose(x)` of a Python float was `x.T` (an AttributeError), and every derivative of it transposed
    the cotangent with `.T` (a Python float's cotangent raised too); NumPy gives a 0-d array."""
    all_forms_pass(kernel_module('x: "f64[]"', "np.transpose(x) * x"), ["x"], [[x]])


@pytest.mark.parametrize("shapes", [((), (3,)), ((2, 3), (4,)), ((2, 1, 2), ()), ((3, 0), (2,))])
def test_np_outer_flattens_its_arguments(shapes):
    """np.outer of an argument that is not a vector was refused without a hint; NumPy flattens both."""
    a_shape, b_shape = shapes
    note = lambda s: f'"f64[{",".join(map(str, s))}]"'  # noqa: E731
    text = kernel_module(f"a: {note(a_shape)}, b: {note(b_shape)}", "np.outer(a, b)")
    rng = np.random.default_rng(0)
    all_forms_pass(text, ["a", "b"], [[rng.normal(size=a_shape), rng.normal(size=b_shape)]])


@pytest.mark.parametrize("body, x", [("np.log(x)", 0.0), ("np.power(x, y)", 0.0), ("np.arctan2(x, y * 0.0)", -0.0),
                                     ("np.log1p(x - 1.0) * y", 0.0)])
def test_derivatives_at_a_python_float_follow_numpy(body, x):
    """A transform's `g / x` at a Python float 0.0 raised ZeroDivisionError (Python's division of Python floats),
    where the primal's NumPy function gives inf or nan: a transform computes in the annotated dtype, so a Python
    float for an "f64[]" parameter is the NumPy float64 of the same value there."""
    text = kernel_module('x: "f64[]", y: "f64[]"', body) + "\n\ng = grad(f)\nfj = jvp(f)\nfvjp = vjp(f)\n"
    module, python = load_source(text, "corpus_case.py"), {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    with np.errstate(all="ignore"):
        numpy_scalars = [np.float64(x), np.float64(-0.5)]
        for form, extra in (("g", []), ("fj", [1.0]), ("fvjp", [1.0])):
            got = getattr(module, form)(x, -0.5, *extra)  # raised ZeroDivisionError
            want = getattr(module, form)(*numpy_scalars, *extra)  # NumPy's inf or nan
            np.testing.assert_array_equal(np.asarray(got, float), np.asarray(want, float), err_msg=form)
        assert module.fj(x, -0.5, 1.0)[0] == python["f"](np.float64(x), np.float64(-0.5))


def test_rounding_an_integer_array_keeps_its_dtype_where_numpy_does(tmp_path):
    """np.floor, np.ceil and np.trunc of integers are the identity in an integer dtype in NumPy 2.3 and later: the
    static type said float64, so the C target returned float64 and the NumPy backend's vmap an int array typed
    float64 (and np.floor of booleans, NumPy's bool there, was refused)."""
    from test_c_backend import c_module

    text = kernel_module('i: "i32[4]", b: "bool[4]"', "np.floor(i) + np.ceil(i) * np.trunc(i), np.floor(b)")
    text += "\n\nfv = vmap(f, in_axes=(0, None))\n"
    python, i, b = {}, np.array([3, -7, 0, 2 ** 30], np.int32), np.array([True, False, True, True])
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    expected = python["f"](i, b)
    compiled, _ = c_module(text, tmp_path)
    for got in (load_source(text, "corpus_case.py").f(i, b), compiled.f(i, b)):
        assert [g.dtype for g in got] == [e.dtype for e in expected]
        assert all(np.array_equal(g, e) for g, e in zip(got, expected))
    batched = load_source(text, "corpus_case.py").fv(np.stack([i, i]), b)
    assert batched[0].dtype == expected[0].dtype and np.array_equal(batched[0][1], expected[0])


@pytest.mark.parametrize("index", ["[]", "[], 0", "[], []", "[[]], 1:"])
def test_an_empty_list_in_an_index_is_an_empty_array_of_positions(index):
    """`x[[]]` made an empty float64 array of the list (IndexError: arrays used as indices must be of integer
    type), and `x[[], []]` was read as a boolean mask beside an index array; NumPy's empty list is np.intp."""
    text = kernel_module('x: "f64[3,4]"', f"x[{index}]")
    all_forms_pass(text, ["x"], [[np.arange(12.0).reshape(3, 4)]])


@pytest.mark.parametrize("body, word", [("x[3]", "IndexError"), ("x[-4, 0]", "IndexError"),
                                        ("x[x[:, 0] > 0, None]", "expand_dims")])
def test_index_refusals_have_a_place_and_a_hint(body, word):
    from lifted.transpiler import TranspileError

    with pytest.raises(TranspileError) as raised:
        load_source(kernel_module('x: "f64[3,4]", i: "i64[2]"', body), "corpus_case.py")
    assert raised.value.loc is not None and raised.value.loc.line > 0 and word in raised.value.hint


@pytest.mark.parametrize("x, note", [(5, "i64[]"), (2.5, "f64[]"), (np.float32(1.5), "f32[]")])
def test_np_negative_of_a_python_number_is_a_numpy_scalar(x, note):
    """np.negative(x) of a Python number was Python's `-x`, a Python int or float (weak in NumPy's promotion),
    where NumPy gives an int64 or float64."""
    text = kernel_module(f'x: "{note}", v: "f32[2]"', "np.negative(x), v * np.negative(x)")
    module, python = load_source(text, "corpus_case.py"), {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    v = np.array([1.0, -2.0], np.float32)
    bit_for_bit(module, [x, v], python["f"](x, v))
