"""NumPy's NaN-ignoring reductions, np.ptp, and the reducers' `where=` / `initial=` / `dtype=` (primitives/
nan_reductions.py, masked_reductions.py, frontend/reducer_keywords.py).

The reference is NumPy running the same source: bit for bit (dtype, shape, NaN, warnings and errors of all-NaN
slices); every transform against central differences and autograd (through the functional rewrites of
tests/reduction_oracles.py, where autograd has no rule or ignores `where=`); vmap against a loop; the C target
against the NumPy backend.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from benchmarks.jax.corpus import bit_for_bit
from gradcheck import load_source
from lifted.transpiler import TranspileError

HEADER = "import numpy as np\nfrom lifted import grad, jvp, kernel, value_and_grad, vjp, vmap\n"
RNG = np.random.default_rng(7)
X = RNG.normal(size=(3, 4))
X_NAN = X.copy()
X_NAN[0, 1] = X_NAN[2, 3] = np.nan
X_NAN[:, 2] = np.nan  # an all-NaN column
MASK = RNG.random((3, 4)) < 0.6
MASK[:, 0] = False  # a column the mask leaves empty


def kernel_text(body: str, signature: str = 'x: "f64[3,4]", m: "bool[3,4]"') -> str:
    return HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"


def python_f(text: str):
    scope: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), scope)
    return scope["f"]


def assert_all_forms(text: str, inputs: list[list], c: bool = False, tmp_path=None) -> dict:
    outcomes = check_kernel(text, ["x", "m"], inputs, lambda args: args, c=c, folder=tmp_path)
    bad = {form: outcome for form, outcome in outcomes.items() if outcome[0] not in ("pass", "skip")
           and "needs `f` to return a floating-point scalar" not in outcome[1]}  # (an integer result)
    assert not bad, bad
    module, python = load_source(text, "case.py"), python_f(text)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for args in inputs:
            try:
                expected = python(*args)
            except ValueError:
                continue
            bit_for_bit(module, args, expected)
    return outcomes


NAN_BODIES = [
    "np.nansum(x, axis=0)", "np.nanprod(x, axis=1, keepdims=True)", "np.nanmax(x, axis=0)", "np.nanmin(x)",
    "np.nanmean(x, axis=(0, 1))", "np.nanmean(x, axis=0)", "np.nanvar(x, axis=1, ddof=1)", "np.nanstd(x, axis=0)",
    "np.nanargmax(x, axis=1)", "np.nanargmin(x)", "np.ptp(x, axis=1)", "np.ptp(x)",
    "np.nansum(x, axis=1, where=m, initial=0.5)", "np.nanmax(x, axis=0, where=m, initial=-1.0)",
    "np.nanmean(x, axis=0, where=m)", "np.nanstd(x, where=m, ddof=1)",
]
KEYWORD_BODIES = [
    "np.sum(x, axis=0, initial=1.5)", "np.sum(x, where=m)", "np.sum(x, axis=1, where=m[0])",
    "np.max(x, axis=1, initial=-1.0, where=m)", "np.min(x, axis=0, initial=2.0)",
    "np.prod(x, axis=1, where=m, initial=2.0)", "np.mean(x, axis=1, where=m)", "np.var(x, axis=0, where=m, ddof=1)",
    "np.std(x, where=m)", "np.all(x > 0, axis=0, where=m)", "np.any(x > 0, where=m, keepdims=True)",
    "np.sum(x, axis=1, dtype=np.float32)", "np.mean(x, dtype=np.float32)", "np.prod(x, axis=0, dtype=np.int64)",
    "x.sum(axis=0, where=m)", "x.max(initial=0.0, where=m)", "np.amin(x, axis=1, initial=0.0)",
]


@pytest.mark.parametrize("body", NAN_BODIES)
def test_nan_reductions_match_numpy_and_every_oracle(body):
    """NaN entries (an all-NaN column among them) and none; derivatives where the input is finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_all_forms(kernel_text(body), [[X, MASK], [X_NAN, MASK], [X, np.ones((3, 4), bool)]])


@pytest.mark.parametrize("body", KEYWORD_BODIES)
def test_reducer_keywords_match_numpy_and_every_oracle(body):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_all_forms(kernel_text(body), [[X, MASK], [X_NAN, MASK], [-X, np.ones((3, 4), bool)]])


@pytest.mark.parametrize("body", ["np.nanmean(x, axis=0) + np.nanmax(x, axis=0, where=m, initial=-2.0)",
                                  "np.sum(x, axis=1, where=m, initial=1.0) * np.nanvar(x, axis=1)",
                                  "np.nanargmax(x, axis=0) + np.ptp(x, axis=0)",
                                  "np.sum(np.exp(x) * 2.0, axis=0, where=m, initial=1.0) * np.nanmean(np.tanh(x) * x, "
                                  "axis=0) + np.nanstd(x * x + 1.0, axis=0, where=m)"])
def test_c_target_agrees_with_numpy(body, tmp_path):
    """On the C target the new entries are host NumPy calls: the same bits, every form."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcomes = assert_all_forms(kernel_text(body), [[X, MASK], [X, np.ones((3, 4), bool)]], c=True,
                                    tmp_path=tmp_path)
    assert outcomes["c"][0] == "pass", outcomes


def test_all_nan_slices_warn_and_raise_as_numpy_does():
    """nanmax of an all-NaN slice is NaN with NumPy's RuntimeWarning, nanmean's 0/0 NaN (warned too), nanargmax
    raises ValueError."""
    module = load_source(kernel_text("np.nanmax(x, axis=0), np.nanmean(x, axis=0)"))
    with pytest.warns(RuntimeWarning) as caught:
        top, mean = module.f(X_NAN, MASK)
    assert {"All-NaN slice encountered", "Mean of empty slice"} <= {str(w.message) for w in caught}
    assert np.isnan(top[2]) and np.isnan(mean[2]) and not np.isnan(top[[0, 1, 3]]).any()
    rows = X_NAN.copy()
    rows[1] = np.nan
    with pytest.raises(ValueError, match="All-NaN slice"):
        load_source(kernel_text("np.nanargmax(x, axis=1)")).f(rows, MASK)


@pytest.mark.parametrize("body, signature, args", [
    ("np.nansum(i)", 'i: "i32[4]"', [np.array([1, -2, 3, 2 ** 30], np.int32)]),
    ("np.nansum(i, dtype=np.float32)", 'i: "i64[4]"', [np.array([1, -2, 3, 7])]),
    ("np.nanmean(i)", 'i: "i32[4]"', [np.array([1, -2, 3, 7], np.int32)]),
    ("np.nanmean(x)", 'x: "f32[4]"', [np.array([1.5, np.nan, 3.25, 7.0], np.float32)]),
    ("np.nanvar(x, axis=0)", 'x: "f32[4,2]"', [np.arange(8, dtype=np.float32).reshape(4, 2)]),
    ("np.ptp(i, axis=0)", 'i: "i32[2,2]"', [np.array([[2 ** 31 - 1, 0], [-2 ** 31, 5]], np.int32)]),
    ("np.sum(b, axis=0, dtype=np.int32)", 'b: "bool[3,2]"', [np.array([[True, False]] * 3)]),
    ("np.sum(i, initial=1)", 'i: "i32[3]"', [np.array([1, 2, 3], np.int32)]),
    ("np.prod(x, dtype=np.float64, initial=2)", 'x: "f32[3]"', [np.array([1.5, 2.0, 3.0], np.float32)]),
    ("np.max(i, initial=1.5, where=b)", 'i: "i32[3]", b: "bool[3]"',
     [np.array([-1, -2, -3], np.int32), np.array([True, False, True])]),
    ("np.mean(x, where=b)", 'x: "f32[3]", b: "bool[]"', [np.array([1.0, 2.0, 4.0], np.float32), np.bool_(True)]),
    ("np.nanprod(x, dtype=np.bool_)", 'x: "f64[3]"', [np.array([1.0, np.nan, 0.0])]),
])
def test_result_dtypes_are_numpys(body, signature, args):
    """Integer and boolean inputs, dtype=, initial=: NumPy's result dtype, also as the static type (the vmap of the
    kernel gives the same dtype)."""
    text = HEADER + f"\n\n@kernel\ndef f({signature}):\n    return {body}\n"
    text += f"\n\nfv = vmap(f, in_axes=({', '.join('0' for _ in args)},))\n"
    module = load_source(text)
    expected = python_f(text)(*args)
    bit_for_bit(module, args, expected)
    batched = module.fv(*[np.stack([a, a]) for a in args])
    assert batched.dtype == np.asarray(expected).dtype and np.array_equal(batched[1], expected)


def test_vmap_of_a_batched_mask():
    """Both the input and the mask batched, each alone, the mask of lower rank than the input."""
    text = kernel_text("np.sum(x, axis=0, where=m[0], initial=0.25) + np.mean(x, axis=1, where=m)[0] "
                       "+ np.nanmax(x, axis=0, where=m, initial=-9.0)")
    text += "\n\nfv_both = vmap(f, in_axes=(0, 0))\nfv_x = vmap(f, in_axes=(0, None))\nfv_m = vmap(f, in_axes=(None, 0))\n"
    module, python = load_source(text), python_f(text)
    xs = np.stack([X, X_NAN, -X])
    masks = np.stack([MASK | np.eye(3, 4, dtype=bool), np.ones((3, 4), bool), ~MASK | np.eye(3, 4, dtype=bool)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        both = module.fv_both(xs, masks)
        only_x = module.fv_x(xs, masks[0])
        only_m = module.fv_m(X, masks)
        for k in range(3):
            np.testing.assert_array_equal(both[k], python(xs[k], masks[k]))
            np.testing.assert_array_equal(only_x[k], python(xs[k], masks[0]))
            np.testing.assert_array_equal(only_m[k], python(X, masks[k]))


def test_per_example_gradients_with_a_mask():
    text = kernel_text("np.sum(np.nanstd(x, axis=0, where=m) + np.prod(x, axis=0, where=m, initial=1.5))")
    text += "\n\ng = grad(f)\ngv = vmap(g, in_axes=(0, 0))\n"
    module = load_source(text)
    xs, masks = np.stack([X, 2 * X]), np.stack([np.ones((3, 4), bool), MASK | np.eye(3, 4, dtype=bool)])
    batched = module.gv(xs, masks)
    for k in range(2):
        np.testing.assert_allclose(batched[k], module.g(xs[k], masks[k]), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("body, words", [
    ("np.max(x, where=m)", "needs `initial=`"),
    ("np.nanmin(x, axis=0, where=m)", "needs `initial=`"),
    ("np.sum(x, where=x)", "boolean mask"),
    ("np.sum(x, where=np.ones((2, 3, 4)) > 0)", "more axes"),
    ("np.sum(x, where=m[:, :2])", "does not broadcast"),
    ("np.nanmean(x, dtype=np.int64)", "NumPy raises"),
    ("np.ptp(m)", "NumPy raises"),
    ("np.sum(x, initial=x[0, 0])", "known at build time"),
    ("np.sum(x, out=x)", "does not support the argument `out=`"),
])
def test_what_numpy_refuses_is_a_located_error(body, words):
    with pytest.raises(TranspileError) as raised:
        load_source(kernel_text(body))
    assert words in str(raised.value) and "case.py:7:" in str(raised.value), str(raised.value)


def test_integer_sums_are_int64_on_the_c_target_too(tmp_path):
    """np.sum and np.prod of int32 values are int64 in NumPy: the static type said int32, so the C target summed in
    int32 and wrapped around (8 where NumPy gives 3458764509525573640)."""
    from test_c_backend import c_module

    text = kernel_text("np.sum(i * 2) + np.prod(i, axis=0), np.sum(i, axis=0, keepdims=True)", 'i: "i32[4]"')
    i = np.array([2 ** 30, 2 ** 30, 3, 1], np.int32)
    with np.errstate(over="ignore"):
        expected = python_f(text)(i)
        compiled, _ = c_module(text, tmp_path)
        for module in (load_source(text), compiled):
            bit_for_bit(module, [i], expected)
