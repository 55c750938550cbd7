"""np.unique with return_index/return_inverse/return_counts and equal_nan=False, NumPy 2's np.unique_counts,
np.unique_inverse and np.unique_all, and the set functions np.union1d, np.intersect1d, np.setdiff1d, np.setxor1d
(transpiler/frontend/unique_forms.py): NumPy's bits and dtypes on hostile inputs (NaNs, signed zeros, ties), the
values' derivatives against differences and autograd, vmap against a loop, the C target; refusals located."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.corpus.checks import check_kernel
from gradcheck import load_source
from lifted.transpiler import TranspileError
from test_common_functions import _draws, all_forms_pass, kernel_module

TIES = np.array([3.0, np.nan, 1.0, 3.0, -0.0, 0.0, np.nan, 1.0, 2.5, -4.0, 0.0, 3.0])


def _sets(shape, dtype) -> list:
    sets = [[a] for a in _draws(shape, dtype)]
    if np.dtype(dtype).kind == "f":
        sets.append([np.resize(TIES, shape).astype(dtype)])
    else:
        sets.append([np.resize(np.array([2, -1, 2, 0, -1, 5]), shape).astype(dtype)])
    return sets


FORMS = [
    ('"f64[12]"', "np.unique(x, return_counts=True)[0] * 2.0"),
    ('"f64[12]"', "np.unique(x, return_index=True)"), ('"f64[3,4]"', "np.unique(x, return_inverse=True)"),
    ('"f64[12]"', "np.unique(x, True, True, 1)"), ('"f32[3,4]"', "np.unique(x, return_counts=True)"),
    ('"f64[12]"', "np.unique(x, equal_nan=False)"), ('"i32[3,4]"', "np.unique(x, return_index=True, "
                                                                  "return_counts=True)"),
    ('"f64[3,4]"', "np.unique(x, return_inverse=True, equal_nan=False)[1]"),
    ('"f64[]"', "np.unique(x, return_inverse=True)"), ('"f64[0]"', "np.unique(x, return_counts=True)"),
    ('"f64[12]"', "np.unique_counts(x)[1]"), ('"f64[12]"', "np.unique_counts(x)[0] * 3.0"),
    ('"f64[3,4]"', "np.unique_inverse(x)[1]"), ('"f64[3,4]"', "np.unique_inverse(x)[0]"),
    ('"f64[12]"', "np.unique_all(x)[0]"), ('"f64[12]"', "np.unique_all(x)[1]"), ('"i64[3,4]"', "np.unique_all(x)[2]"),
    ('"i64[3,4]"', "np.unique_all(x)[3]"), ('"f64[12]"', "np.unique_counts(x).counts * 1.5"),
    ('"f64[3,4]"', "np.unique_inverse(x).inverse_indices"), ('"f64[12]"', "np.unique_all(x).values"),
    ('"f64[12]"', "np.unique_all(x)[0] @ np.unique_all(x)[3]"),
    ('"f64[3,4]"', "np.unique(x, return_inverse=True)[0][np.unique(x, return_inverse=True)[1]]"),
    ('"f64[12]"', "np.unique_values(x)"), ('"f32[3,4]"', "np.unique_values(x) * 2.0"),
    ('"f64[0]"', "np.unique_values(x)"),
    ('"f64[3,4]"', "np.unique_values(x > 0.5)"), ('"f64[]"', "np.unique_values(x)"),
    ('"i32[3,4]"', "getattr(np.unique_all(x), 'inverse_indices')"), ('"f64[12]"', "getattr(np.unique_counts(x), 'values')"),
    ('"f64[3,4]"', "getattr(x, 'T') @ getattr(np.unique_all(x), 'counts')[:3] * getattr(x, 'shape')[0]"),
    ('"f64[3,4]"', "getattr(x, 'sum')(axis=1) + getattr(x, 'size')"),
]


def _parse(note: str):
    dtype = {"f64": np.float64, "f32": np.float32, "i32": np.int32, "i64": np.int64}[note[1:4]]
    return dtype, tuple(int(n) for n in note[5:-2].split(",") if n)


@pytest.mark.parametrize("note, body", FORMS)
def test_unique_outputs_are_numpys(note, body):
    dtype, shape = _parse(note)
    all_forms_pass(kernel_module(f"x: {note}", body), ["x"], _sets(shape, dtype))


SETS = ["np.union1d({x}, {y})", "np.union1d({x}, {y}) * 2.0", "np.intersect1d({x}, {y})",
        "np.intersect1d({y}, {x}[:3])", "np.intersect1d({x}[0], {y}, assume_unique=True)", "np.setdiff1d({x}, {y})",
        "np.setdiff1d({y}, {x}, True)", "np.setxor1d({x}, {y})", "np.setxor1d({y}, {y}[::-1])",
        "np.setxor1d({x}[0], {y}, assume_unique=True)", "np.setdiff1d({x}, {x})", "np.intersect1d({x}, {y}[:0])",
        "np.intersect1d({x}, {y}, return_indices=True)", "np.intersect1d({y}, {x}[1], True, True)[1:]",
        "np.intersect1d({x}, {y}, return_indices=True)[0] * 2.0", "np.setdiff1d({x}[0], {y}, assume_unique=True)"]


@pytest.mark.parametrize("body", SETS)
def test_set_functions_are_numpys(body):
    """NumPy's values (sorted, NaN and signed zeros where NumPy's sort and masks put them, np.intersect1d's
    indices) and, where no value repeats, the derivative against differences and autograd, vmap against a loop;
    where a value repeats, the derivatives' run-time refusal (a set function jumps where a move of one copy makes
    two values differ)."""
    text = kernel_module('s: "f64[]", x: "f64[3,4]", y: "f64[5]"', body.format(x="(x * s)", y="(y * s)"))
    rng = np.random.default_rng(4)
    sets = [[1.5, np.round(rng.normal(size=(3, 4)) * 2) / 2, np.round(rng.normal(size=5) * 2) / 2],
            [0.75, np.resize(TIES, (3, 4)), np.array([3.0, -0.0, np.nan, 7.5, 1.0])],
            [2.0, rng.normal(size=(3, 4)), rng.normal(size=5)]]
    all_forms_pass(text, ["s", "x", "y"], sets)


def test_set_functions_of_integers():
    text = kernel_module('x: "i32[6]", y: "i64[4]"', "(np.union1d(x, y), np.intersect1d(x, y), np.setdiff1d(x, y), "
                         "np.setxor1d(x, y))")
    all_forms_pass(text, ["x", "y"], [[np.array([3, 1, 1, -2, 0, 3], np.int32), np.array([0, 5, 3, 5])]])


def test_unpacked_outputs_on_the_c_target(tmp_path):
    text = kernel_module('x: "f64[3,4]"', "h(x)").replace("@kernel\ndef f", (
        "def h(x):\n    values, index, inverse, counts = np.unique_all(x)\n"
        "    return np.sum(values[inverse] * x) + np.sum(values * counts) + np.sum(x.ravel()[index]) + "
        "np.sum(np.union1d(x[0], x[1])) * np.sum(np.intersect1d(x, x[2])) + np.sum(np.setxor1d(x[0], x[1:]))\n\n\n"
        "@kernel\ndef f"))
    all_forms_pass(text, ["x"], _sets((3, 4), np.float64), c=True, tmp_path=tmp_path)


@pytest.mark.parametrize("body, word", [
    ("np.unique(m, axis=0)", "axis=0"), ("np.unique(v, sorted=False)", "hash"),
    ("np.unique(v, return_index=v[0] > 0)", "build time"),
    ("np.unique_values(m.astype(np.int32))", "hash"), ("np.unique_all(v, v)", "positional"),
    ("np.unique_counts(v).size", "attribute"), ("getattr(np.unique_counts(v), 'count')", "attribute"),
    ("getattr(v, 'nope')", "attribute"), ("getattr(v, 'T', v)", "default"), ("getattr(v, v)", "build time"),
    ("np.intersect1d(v, v, return_indices=v[0] > 0)", "build time"),
])
def test_refusals_have_a_place_and_a_hint(body, word):
    with pytest.raises(TranspileError) as info:
        load_source(kernel_module('v: "f64[3]", m: "f64[2,3]"', body))
    assert info.value.loc is not None and info.value.loc.line == 7 and info.value.hint and word in str(info.value)


def test_unique_values_on_the_c_target(tmp_path):
    """np.unique_values of floats: NumPy 2.4's sort path (each NaN kept), on the C target's host calls."""
    text = kernel_module('x: "f64[3,4]"', "np.sum(np.unique_values(x) * 2.0) + np.sum(np.unique_values(x > 0.0))")
    all_forms_pass(text, ["x"], _sets((3, 4), np.float64), c=True, tmp_path=tmp_path)


# -- np.unique's derivatives at tied elements: a located run-time refusal ----------------------------------------
TIED_WORDS = "np.unique has no derivative where its argument holds repeated values"
DERIVED = '''import numpy as np
from lifted import grad, jvp, kernel, vjp, vmap


@kernel
def f(x: "f64[n]"):
    return np.sum(np.unique(x{options}){pick} ** 2)


@kernel
def h(x: "f64[n]"):
    return np.unique(x{options}){pick} * 2.0


g = grad(f, wrt=0)
hv = vjp(h, wrt=0)
hj = jvp(h, wrt=0)
'''
OPTIONS = [("", ""), (", return_index=True", "[0]"), (", return_inverse=True", "[0]"),
           (", return_counts=True", "[0]"), (", True, True, True", "[0]"), (", equal_nan=False", "")]


@pytest.mark.parametrize("options, pick", OPTIONS)
def test_unique_derivatives_refuse_ties_at_run_time(options, pick):
    """Where two elements of np.unique's argument are equal, a move of one changes the number of values: no
    derivative. grad, vjp, jvp and vmap of grad raise a ValueError naming np.unique's call (line 7 of `f`, 12 of
    `h`, the call's column); NaNs repeated are no tie (they stay NaN); the value itself stays NumPy's."""
    text = DERIVED.format(options=options, pick=pick)
    batched = not options  # (vmap of the other forms' gradients is refused at build time: a ragged selection)
    module = load_source(text + ("vg = vmap(g)\n" if batched else ""), "tied.py")
    tied = np.array([3.0, 1.0, 3.0, -2.0, 0.5])
    assert np.array_equal(module.f(tied), np.sum(np.unique(tied) ** 2))
    for call, place in ((lambda: module.g(tied), "7:19"), (lambda: module.hv(tied, np.ones(4)), "12:12"),
                        (lambda: module.hj(tied, np.ones(5)), "12:12"),
                        *([(lambda: module.vg(np.stack([tied + 10.0, tied])), "7:19")] if batched else [])):
        with pytest.raises(ValueError, match=f"^tied.py:{place}: {TIED_WORDS}"):
            call()
    for zeros in (np.zeros(5), np.array([-0.0, 0.0, 1.0, 2.0, 4.0])):  # (-0.0 == 0.0: a tie too)
        with pytest.raises(ValueError, match=TIED_WORDS):
            module.g(zeros)
    nans = np.array([np.nan, 1.0, np.nan, -2.0, 0.5])
    assert np.array_equal(module.g(nans)[[1, 3, 4]], 2 * nans[[1, 3, 4]])  # (no tie: it runs)
    distinct = np.array([3.0, 1.0, 2.5, -2.0, 0.5])
    assert np.array_equal(module.g(distinct), 2 * distinct)
    if batched:
        assert np.array_equal(module.vg(np.stack([distinct, -distinct])), 2 * np.stack([distinct, -distinct]))


@pytest.mark.parametrize("body", ["np.sum(np.unique(x) ** 2 * np.arange(np.unique(x).size))",
                                  "np.unique(x, return_inverse=True)[0][np.unique(x, return_inverse=True)[1]] * x",
                                  "np.unique_all(x).values ** 3", "np.unique_counts(x)[0] * 1.5"])
def test_unique_derivatives_against_differences_and_autograd(body, tmp_path):
    """Without ties the derivative is the sort's (FD and autograd, every form, the C target); with ties every
    derivative form is a located refusal (the `refused` the harness reads from the ValueError), f stays NumPy's."""
    rng = np.random.default_rng(7)
    tied = np.resize(np.array([3.0, 1.0, 3.0, -2.0, 0.5, 4.0]), (3, 4))  # (finite: its derivatives are checked)
    inputs = [[rng.normal(size=(3, 4))], [np.resize(TIES, (3, 4))], [np.zeros((3, 4))], [tied]]
    text = kernel_module('x: "f64[3,4]"', body)
    all_forms_pass(text, ["x"], inputs[:1], c=True, tmp_path=tmp_path)
    all_forms_pass(text, ["x"], inputs[1:])
    outcomes = check_kernel(text, ["x"], inputs[3:], lambda args: args)
    derivatives = set(outcomes) - {"f", "fv"}
    assert len(derivatives) >= 2 and all(outcomes[form][0] == "refused" and TIED_WORDS in outcomes[form][1]
                                         for form in derivatives), outcomes


def test_unique_derivative_on_the_c_target(tmp_path):
    """The C target's host code raises the same located ValueError at ties, and gives the sort's gradient
    without them."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    module = transpile_c(DERIVED.format(options=", return_counts=True", pick="[0]"), "tied_c.py")
    (tmp_path / "tied_c.cu").write_text(module.kernels)
    (tmp_path / "tied_c.py").write_text(module.host)
    compiled = import_path(tmp_path / "tied_c.py")
    distinct = np.array([3.0, 1.0, 2.5, -2.0, 0.5])
    assert np.array_equal(compiled.g(distinct), 2 * distinct)
    with pytest.raises(ValueError, match=f"^tied_c.py:7:19: {TIED_WORDS}"):
        compiled.g(np.array([3.0, 1.0, 3.0, -2.0, 0.5]))
    with pytest.raises(ValueError, match=TIED_WORDS):
        compiled.hj(np.zeros(5), np.ones(5))


# -- the set functions' derivatives where a value repeats: the same located run-time refusal ------------------
SET_TIED = "has no derivative where its arguments hold repeated values"
SET_DERIVED = '''import numpy as np
from lifted import grad, jvp, kernel, vjp, vmap


@kernel
def f(x: "f64[5]", y: "f64[4]"):
    return np.sum({call} ** 2)


@kernel
def h(x: "f64[5]", y: "f64[4]"):
    return {call} * 2.0


g = grad(f, wrt=0)
gy = grad(f, wrt=1)
hv = vjp(h, wrt=0)
hj = jvp(h, wrt=(0, 1))
'''
DISTINCT_X, DISTINCT_Y = np.array([3.0, 1.0, 2.5, -2.0, 0.5]), np.array([7.0, -1.5, 4.0, 0.25])
WITHIN_X, WITHIN_Y = np.array([3.0, 1.0, 3.0, -2.0, 0.5]), np.array([7.0, -1.5, 7.0, 0.25])
SHARED_Y = np.array([7.0, 2.5, 4.0, 0.25])
# (call, whether a repeat within x, within y, shared by both refuses: NumPy's result jumps there; vmap of grad is
# refused at build time where the selection is ragged and then read whole, as before)
SET_CALLS = [("np.union1d(x, y)", True, True, True), ("np.intersect1d(x, y)", False, False, True),
             ("np.intersect1d(x, y, return_indices=True)[0]", False, False, True),
             ("np.intersect1d(x, y, assume_unique=True)", True, True, True),
             ("np.setdiff1d(x, y)", True, False, True), ("np.setdiff1d(x, y, assume_unique=True)", False, False, True),
             ("np.setxor1d(x, y)", True, True, True), ("np.setxor1d(x, y, True)", True, True, True)]


@pytest.mark.parametrize("call, within_x, within_y, shared", SET_CALLS)
def test_set_function_derivatives_refuse_ties_at_run_time(call, within_x, within_y, shared):
    """A value repeated within one argument (where the result keeps one copy of it) or shared by the two: a move
    of one copy changes the result's length, so the derivatives with respect to that argument (grad, vjp, jvp,
    vmap of grad) raise a ValueError naming the call (line 7 of `f`, 12 of `h`); a value shared refuses them with
    respect to either. The values stay NumPy's; where no value repeats (or only where the result does not jump)
    every form runs, and np.intersect1d's result (then empty) has a zero gradient. (A repeat within one argument
    may refuse the other's partial derivative too: np.union1d checks their concatenation. Values against autograd
    and differences: test_set_functions_are_numpys.)"""
    batched = call.startswith("np.union1d") or "True)" in call and "indices" not in call
    module = load_source(SET_DERIVED.format(call=call) + ("vg = vmap(g)\n" if batched else ""), "tied.py")
    name = call.split("(")[0]
    python = {}
    exec(compile(SET_DERIVED.split("@kernel")[0] + "def f(x, y):\n    return np.sum(" + call + " ** 2)\n", "ref",
                 "exec"), python)
    for x, y, in_x, in_y in ((WITHIN_X, DISTINCT_Y, within_x, None), (DISTINCT_X, WITHIN_Y, None, within_y),
                             (DISTINCT_X, SHARED_Y, shared, shared), (DISTINCT_X, DISTINCT_Y, False, False)):
        assert np.array_equal(module.f(x, y), python["f"](x, y))
        size = np.asarray(module.h(x, y)).size
        forms = ((lambda: module.g(x, y), "7:19", in_x), (lambda: module.gy(x, y), "7:19", in_y),
                 (lambda: module.hv(x, y, np.ones(size)), "12:12", in_x),
                 (lambda: module.hj(x, y, np.ones(5), np.ones(4)), "12:12", in_x or in_y),
                 *([(lambda: module.vg(np.stack([x + 100.0, x]), np.stack([y + 100.0, y])), "7:19", in_x)]
                   if batched else []))
        for form, place, refuses in forms:
            if refuses:
                with pytest.raises(ValueError, match=f"^tied.py:{place}: {name} {SET_TIED}"):
                    form()
            elif refuses is not None:  # (None: the other argument's repeat, whichever way)
                form()
    if "intersect1d" in call and not call.endswith("True)"):
        assert np.array_equal(module.g(WITHIN_X, DISTINCT_Y), np.zeros(5))


def test_set_function_derivative_on_the_c_target(tmp_path):
    """The C target's host code raises the same located ValueError where a value is shared, and gives the
    gradient without repeats."""
    from lifted.loader import import_path
    from lifted.transpiler.pipeline import transpile_c

    module = transpile_c(SET_DERIVED.format(call="np.setdiff1d(x, y)"), "tied_c.py")
    (tmp_path / "tied_c.cu").write_text(module.kernels)
    (tmp_path / "tied_c.py").write_text(module.host)
    compiled = import_path(tmp_path / "tied_c.py")
    assert np.array_equal(compiled.g(DISTINCT_X, DISTINCT_Y), 2 * DISTINCT_X)
    with pytest.raises(ValueError, match=f"^tied_c.py:7:19: np.setdiff1d {SET_TIED}"):
        compiled.g(DISTINCT_X, SHARED_Y)
    compiled.g(DISTINCT_X, WITHIN_Y)  # (a repeat within the second argument only: setdiff1d is smooth there)
