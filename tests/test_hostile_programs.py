"""Issue #11: hand-written hostile kernels against Python, both backends and every transform, and the bugs they found.

The corpus (tests/hostile_corpus.py) holds what the random generators do not write: aliases and views through
calls, loops and branches, augmented assignment on strided, negative-step and overlapping views, reductions over
empty and size-one axes, NaN/inf/-0.0 through max/min/where/abs/sign, integer/bool/float32 mixing, duplicate
indices, data-dependent `while` loops with `break`/`continue`, calls with defaults. tests/hostile.py runs each one
by Python, the NumPy backend, grad/jvp/vmap, and (the slow run) the C CPU target; a located refusal is allowed.

The regressions below are the minimal programs of the bugs the corpus and the long property runs found.
"""
from __future__ import annotations

import numpy as np
import pytest
from autograd import grad as autograd_grad
from autograd import numpy as anp

from gradcheck import load_source
from hostile import check_hostile
from hostile_corpus import CASES
from test_c_backend import c_module

HEAD = "import numpy as np\nfrom lifted import grad, hessian, jvp, kernel\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_program_matches_python(name):
    source, args, wrt = CASES[name]
    outcomes = check_hostile(source, args, wrt)
    assert outcomes["f"] == "checked" or outcomes["f"].startswith("refused"), outcomes


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_program_on_the_cpu_target(name, tmp_path):
    source, args, wrt = CASES[name]
    outcomes = check_hostile(source, args, wrt, c=True, folder=tmp_path)
    assert outcomes.get("c", "checked") == "checked" or outcomes["c"].startswith("refused"), outcomes


# -- the C target: a branch that computes its merged value itself ------------------------------------------------
MERGED_IN_A_BRANCH = HEAD + '''

@kernel
def f(x: "f64[n]", y: "f64[n]", s: "f64[]"):
    c = 0
    while c < 2:
        if s <= -0.5:
            return 0.0
        c += 1
    return np.sum((y + 0.5) * x)


f_x = grad(f, wrt="x")


@kernel
def roots(x: "f64[n]"):
    return x ** 0.5


@kernel
def gathers_in_a_branch(x: "f64[n]", idx: "i64[k]", s: "f64[]"):
    v = x * 1.0
    if s >= 0.0:
        for i in range(2):
            v = v * 0.5 + np.sum(np.sin(v[idx]) * v[idx])
    return np.sum(v * x)


gathers_in_a_branch_grad = grad(gathers_in_a_branch)
'''


def test_c_target_regressions(tmp_path):
    """Found by the semantics fuzzer on the C target (seed 60030): the `if returned:` of an early return merges
    `y + 0.5`, which the else branch computes as the merged value itself (the same IR value). The kernel declared
    that lane array before the `if` and again inside the branch, so the branch wrote a shadowing array and
    the gradient read the outer one uninitialised (6.9e-310 where 0.5 was due)."""
    module, _ = c_module(MERGED_IN_A_BRANCH, tmp_path, "merged_in_a_branch")
    reference = load_source(MERGED_IN_A_BRANCH, "merged_in_a_branch.py")
    x, y = np.ones(5), np.arange(5.0)
    for s in (0.3, -1.0):
        np.testing.assert_array_equal(module.f_x(x, y, s), reference.f_x(x, y, s))
    np.testing.assert_array_equal(module.f_x(x, y, 0.3), y + 0.5)
    # (the same module, one build): NumPy takes an array's `** 0.5` as a square root, and so does the C target now;
    # C's pow gave +0.0 for -0.0 and inf for -inf
    special = np.array([-np.inf, -0.0, 4.0, np.inf])
    with np.errstate(invalid="ignore"):
        got, expected = module.roots(special), special ** 0.5
    np.testing.assert_array_equal(got, expected)
    assert np.signbit(got[1]) and np.isnan(got[0])
    # (semantics seed 60198) the two scatter-adds of `v[idx]`'s adjoint run in one kernel; the host's index check of
    # the second read the first one's result, a value of the kernel, so the host deleted that name after the `if`
    # it was never bound in when the branch was not taken (UnboundLocalError)
    x, idx = np.arange(4.0), np.array([0, 2, 2])
    for s in (-1.0, 1.0):
        np.testing.assert_allclose(module.gathers_in_a_branch_grad(x, idx, s),
                                   reference.gathers_in_a_branch_grad(x, idx, s), rtol=1e-12)


# -- ties: maximum, minimum and clip share the derivative equally -------------------------------------------------
TIES = HEAD + '''

@kernel
def f(a: "f64[n]", b: "f64[n]") -> "f64[]":
    return np.sum(np.maximum(a, b) * np.arange(1, 6)) + np.sum(np.minimum(a, 2.0 * b))


g = grad(f, wrt=(0, 1))
fj = jvp(f, wrt=(0, 1))
'''


def test_maximum_and_minimum_share_ties_equally_as_autograd():
    """At `a == b` neither argument alone decides: each gets half (as Lifted's max reduction, JAX, PyTorch and
    autograd do). It was all of it to the first argument, so `np.maximum(x, 0.0)` at 0 had slope 1 and
    `np.maximum(x, y)` and `np.maximum(y, x)` differed."""
    module = load_source(TIES, "ties.py")
    a = np.array([1.0, 2.0, -1.0, 0.0, 3.0])
    b = np.array([1.0, 0.5, -1.0, 0.0, 1.5])  # ties of maximum at 0, 2, 3; of minimum (a == 2b) at 3, 4

    def oracle(a, b):
        return anp.sum(anp.maximum(a, b) * anp.arange(1, 6)) + anp.sum(anp.minimum(a, 2.0 * b))

    da, db = module.g(a, b)
    np.testing.assert_allclose(da, autograd_grad(oracle, 0)(a, b), rtol=0, atol=1e-15)
    np.testing.assert_allclose(db, autograd_grad(oracle, 1)(a, b), rtol=0, atol=1e-15)
    np.testing.assert_allclose(da[2:4], [0.5 * 3, 0.5 * 4 + 0.5])  # a maximum tie; a maximum and a minimum tie
    ta, tb = np.cos(np.arange(5.0)), np.sin(np.arange(5.0))
    _, tangent = module.fj(a, b, ta, tb)
    np.testing.assert_allclose(tangent, np.sum(da * ta) + np.sum(db * tb), rtol=1e-14)


CLIP = HEAD + '''

@kernel
def f(x: "f64[n]", lo: "f64[n]", hi: "f64[n]") -> "f64[]":
    return np.sum(np.clip(x, lo, hi) * np.arange(1, 7))


@kernel
def constant_bounds(x: "f64[n]") -> "f64[]":
    return np.sum(np.clip(x, -1.0, 1.0) * x)


g = grad(f, wrt=(0, 1, 2))
g_constant = grad(constant_bounds)
'''


def test_clip_differentiates_as_minimum_of_maximum():
    """NumPy's clip is `minimum(maximum(x, lo), hi)`; its derivatives are those of the two, ties shared, against
    autograd's of that composition. Crossed bounds (lo > hi) give `hi` everywhere: nothing flows into `lo` (it got
    the whole gradient where x < lo, a wrong derivative) or into `x`."""
    module = load_source(CLIP, "clip.py")
    x = np.array([0.5, -1.0, 1.0, 0.5, 2.0, 0.2])
    lo = np.array([-1.0, -1.0, -1.0, 1.0, 3.0, 0.2])
    hi = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 0.2])  # inside, at lo, at hi, crossed, crossed, all three equal

    def oracle(x, lo, hi):
        return anp.sum(anp.minimum(anp.maximum(x, lo), hi) * anp.arange(1, 7))

    for position, got in enumerate(module.g(x, lo, hi)):
        expected = autograd_grad(oracle, position)(x, lo, hi)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15, err_msg=f"argument {position}")
    assert module.g(x, lo, hi)[1][3] == 0.0 and module.g(x, lo, hi)[1][4] == 0.0
    bounds = np.array([-1.0, 1.0, 0.5, 2.0])
    np.testing.assert_allclose(module.g_constant(bounds), [-1.5, 1.5, 1.0, 1.0])  # x * 0.5 + clip(x) at a bound


# -- powers: no NaN derivative where the exponent or the base is 0 -------------------------------------------------
POWERS = HEAD + '''

@kernel
def f(x: "f64[n]", y: "f64[n]") -> "f64[]":
    return np.sum(x ** 0 + x ** y + 0.0 ** y) + np.sum(x ** 2.0)


g = grad(f, wrt=(0, 1))
h = hessian(f, wrt=0)
fj = jvp(f, wrt=0)
'''


def test_power_derivatives_where_the_exponent_or_the_base_is_zero():
    """`x ** 0` is 1 everywhere: its derivative `0 * x ** -1` was NaN at x = 0 (the hostile corpus's jvp of
    `x ** 0`); `d x**y / dy = log(x) x**y` is 0 at x = 0 (the limit for y > 0; `log(0) * 0` was NaN), as in JAX."""
    module = load_source(POWERS, "powers.py")
    x = np.array([0.0, 0.0, 2.0, 1.5])
    y = np.array([0.0, 2.0, 0.0, 3.0])
    with np.errstate(divide="ignore", invalid="ignore"):  # np.where computes 0 ** -1 * 0 in its untaken branch
        (dx, dy), (_, tangent), hess = module.g(x, y), module.fj(x, y, np.ones(4)), module.h(x, y)
    np.testing.assert_allclose(dx, [0.0, 0.0, 4.0, 3 * 2.25 + 3.0])  # 0 ** (0 - 1) * 0 is not NaN
    np.testing.assert_allclose(dy, [0.0, 0.0, np.log(2.0), np.log(1.5) * 1.5 ** 3])
    np.testing.assert_allclose(tangent, np.sum(dx))
    np.testing.assert_allclose(hess, np.diag([2.0, 2.0 + 2.0, 2.0, 6 * 1.5 + 2.0]))


# -- Tangent's corpus: a list or tuple where NumPy takes an array (np.sum([1, a * a, 2])) is NumPy's array of it -----
@pytest.mark.parametrize("name", ["reduction_of_a_list_of_numbers_and_scalars",
                                  "reduction_of_a_list_of_arrays_over_an_axis", "ufunc_of_lists"])
def test_numpy_functions_take_lists_as_numpy_does(name):
    source, args, wrt = CASES[name]
    outcomes = check_hostile(source, args, wrt)
    assert all(outcome.startswith("checked") for outcome in outcomes.values()), outcomes
