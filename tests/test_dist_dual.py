"""`semiring="dual"`: probabilities with their derivatives with respect to parameters seeded as `Dual`s.

Every derivative is checked against central differences of the float64 semiring's probabilities (the same
compiled program called with plain floats at p ± h) and, where the probability has a short closed form, against
autograd differentiating that form.
"""
from __future__ import annotations

import importlib.util
import textwrap

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from lifted.dice import Dual, DualNumbers, Worlds
from lifted.transpiler import transpile_source

SOURCE = """
from lifted import dist

@dist(semiring="dual")
def two_flips(p):
    a = d[0:0:1 - p, 1:1:p]
    b = d[0:0:1 - p, 1:1:p]
    return a + b

@dist(semiring="dual")
def weighted_coin(p):
    x = d(2)
    importance(p if x == 1 else 1 - p)
    return x

@dist(semiring="dual")
def at_least_one(p):
    a = d[0:0:1 - p, 1:1:p]
    b = d[0:0:1 - p, 1:1:p]
    assert a + b > 0
    return a

@dist(semiring="dual")
def mixed(p, q):
    x = d[1:1:1, 2:2:p, 3:3:p * p]
    y = d(3)
    if x + y > 3:
        z = d[0:0:q, 1:2:1 - q]
        importance(p ** z)
    else:
        z = x
    assert z != 2 or y != 1
    return x + z

@dist(semiring="dual")
def halves(p):
    x = d[0:0:1 - p, 1:1:p]
    return x * 0.5 + 0.25
"""


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    path = tmp_path_factory.mktemp("dual") / "dual_generated.py"
    path.write_text(transpile_source(textwrap.dedent(SOURCE), "dual_prog.py"))
    spec = importlib.util.spec_from_file_location("dual_generated", path)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    return generated


def _finite_differences(fn, args: list, index: int, normalize: bool, h: float = 1e-6) -> dict:
    """d P(outcome) / d args[index] by central differences of the float64 semiring."""
    plus, minus = list(args), list(args)
    plus[index] += h
    minus[index] -= h
    high = fn(*plus, normalize=normalize, semiring="float64")
    low = fn(*minus, normalize=normalize, semiring="float64")
    return {k: (high.get(k, 0.0) - low.get(k, 0.0)) / (2 * h) for k in set(high) | set(low)}


def _check(fn, args: list, index: int, normalize: bool) -> dict:
    seeded = [Dual(a, 1.0 if i == index else 0.0) for i, a in enumerate(args)]
    dual = fn(*seeded, normalize=normalize)
    plain = fn(*args, normalize=normalize, semiring="float64")
    assert set(dual) == set(plain)
    for outcome, weight in dual.items():
        assert isinstance(weight, Dual)
        np.testing.assert_allclose(weight.value, plain[outcome], rtol=1e-12, atol=1e-15)
    fd = _finite_differences(fn, args, index, normalize)
    for outcome in fd:
        derivative = dual[outcome].derivative if outcome in dual else 0.0
        np.testing.assert_allclose(derivative, fd[outcome], rtol=1e-6, atol=1e-8, err_msg=f"outcome {outcome}")
    return dual


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("p", [0.3, 0.75])
def test_two_flips(module, p, normalize):
    dual = _check(module.two_flips, [p], 0, normalize)
    forms = {0: lambda t: (1 - t) ** 2, 1: lambda t: 2 * t * (1 - t), 2: lambda t: t ** 2}
    for outcome, form in forms.items():
        assert dual[outcome].derivative == pytest.approx(autograd.grad(form)(p), rel=1e-12)
    assert dual[2].derivative == pytest.approx(2 * p, rel=1e-12)  # P(2) = p^2


@pytest.mark.parametrize("normalize", [False, True])
def test_importance(module, normalize):
    p = 0.3
    dual = _check(module.weighted_coin, [p], 0, normalize)
    scale = 1.0 if normalize else 0.5  # normalized, P(1) = p exactly
    assert dual[1].value == pytest.approx(scale * p)
    assert dual[1].derivative == pytest.approx(scale)
    assert dual[2].derivative == pytest.approx(-scale)


@pytest.mark.parametrize("normalize", [False, True])
def test_conditioning(module, normalize):
    p = 0.3
    dual = _check(module.at_least_one, [p], 0, normalize)
    # a = 1 given a + b > 0: p unnormalized; p / (1 - (1 - p)^2) = 1 / (2 - p) normalized (the quotient rule)
    form = (lambda t: 1 / (2 - t)) if normalize else (lambda t: t)
    assert dual[1].derivative == pytest.approx(autograd.grad(form)(p), rel=1e-12)
    other = (lambda t: 1 - 1 / (2 - t)) if normalize else (lambda t: t * (1 - t))
    assert dual[0].derivative == pytest.approx(autograd.grad(other)(p), rel=1e-12)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("index", [0, 1])
def test_branches_importance_and_two_parameters(module, normalize, index):
    _check(module.mixed, [0.4, 0.35], index, normalize)


def test_directional_derivative_is_the_sum_of_partials(module):
    p, q = 0.4, 0.35
    both = module.mixed(Dual(p, 1.0), Dual(q, 1.0), normalize=True)
    first = module.mixed(Dual(p, 1.0), q, normalize=True)
    second = module.mixed(p, Dual(q, 1.0), normalize=True)
    for outcome in both:
        assert both[outcome].derivative == pytest.approx(first[outcome].derivative + second[outcome].derivative)


@pytest.mark.parametrize("normalize", [False, True])
def test_merging_on_float_outcomes(module, normalize):
    """Float outcomes merge by sorting (segment sums), small integers by counting (group sums)."""
    dual = _check(module.halves, [0.3], 0, normalize)
    assert dual[0.75].value == pytest.approx(0.3) and dual[0.75].derivative == pytest.approx(1.0)


def test_plain_parameters_give_zero_derivatives(module):
    dual = module.two_flips(0.3)
    assert all(weight.derivative == 0.0 for weight in dual.values())


def test_a_dual_in_another_semiring_names_the_fix(module):
    with pytest.raises(TypeError, match='semiring="dual"'):
        module.two_flips(Dual(0.3, 1.0), semiring="float64")


def test_weighted_with_a_dual_weight_names_the_fix(tmp_path):
    path = tmp_path / "weighted_generated.py"
    path.write_text(transpile_source(textwrap.dedent("""
        from lifted import dist

        @dist(semiring="dual")
        def f(p):
            return weighted([1, 2], [1 - p, p])
    """), "weighted_prog.py"))
    spec = importlib.util.spec_from_file_location("weighted_generated", path)
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    with pytest.raises(ValueError, match=r"weighted_prog\.py:6: .*got a Dual.*d\[0:0:w0"):
        generated.f(Dual(0.3, 1.0))


def test_real_weights_in_draws():
    w = Worlds("float64")
    w.draw_ranges("x", ((0, 0, 0.5), (1, 1, 1.5), (1, 1, 0.5)))
    assert w.result(w["x"]) == pytest.approx({0: 0.2, 1: 0.8})
    for name in ("int", "fraction"):
        with pytest.raises(ValueError, match="whole number"):
            Worlds(name).draw_ranges("x", ((0, 0, 0.5), (1, 1, 1.5)))
    with pytest.raises(ValueError, match="negative weight"):
        Worlds("dual").draw_ranges("x", ((0, 0, Dual(-0.5, 1.0)), (1, 1, 1.5)))


def test_semiring_quotient_rule():
    ring = DualNumbers()
    a = np.array([[0.2, 1.0], [0.6, -2.0]])
    quotient = ring.divide(a, ring.total(a))
    p = anp.array([0.2, 0.6])

    def share(t, i):  # the i-th weight over the total, along the direction (1, -2)
        x = p + t * anp.array([1.0, -2.0])
        return x[i] / anp.sum(x)

    for i in range(2):
        assert quotient[i, 0] == pytest.approx(share(0.0, i))
        assert quotient[i, 1] == pytest.approx(autograd.grad(share)(0.0, i), rel=1e-12)
    with pytest.raises(ZeroDivisionError):
        ring.divide(a, np.array([0.0, 1.0]))


def test_dual_arithmetic_matches_autograd():
    p = 0.37

    def form(t):
        return (1 - t) * t ** 3 / (2 + t) + 2.0 ** t - anp.exp(t) * anp.log(t) + anp.sqrt(t)

    x = Dual(p, 1.0)
    value = (1 - x) * x ** 3 / (2 + x) + 2.0 ** x - x.exp() * x.log() + x.sqrt()
    assert value.value == pytest.approx(form(p), rel=1e-13)
    assert value.derivative == pytest.approx(autograd.grad(form)(p), rel=1e-12)
    assert (x > 0.3) and not (x < 0.3) and x == Dual(p, 1.0) and Dual(2.0) == 2
