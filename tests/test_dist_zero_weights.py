"""Outcomes of weight 0: every outcome some world reaches stays in the answer, in every semiring and with
`normalize=`, as Python running the program reaches it (the oracle tests/dist_oracle.py) and as dice-nine keeps it
(its factors never drop a row; dice-nine's test_quantum1 reads `pmf[True] == approx(0)`). Only `assert` removes
worlds. Also: a local name that shadows `d` is Python's value, not the die (dice-nine's README program `f(a, d)`)."""
from __future__ import annotations

import math
import textwrap
from fractions import Fraction

import numpy as np
import pytest

from lifted.dice import Dual, SemiringProduct
from lifted.transpiler import TranspileError, transpile_source
from tests.dist_oracle import enumerate_distribution


def build(source: str, tmp_path, name: str = "prog") -> dict:
    full = "from lifted import dist, vmap\n\n" + textwrap.dedent(source)
    generated = tmp_path / f"{name}_generated.py"
    generated.write_text(transpile_source(full, f"{name}.py"))
    namespace: dict = {"__name__": name}
    exec(compile(generated.read_text(), str(generated), "exec"), namespace)
    return namespace


def oracle(source: str, normalize: bool = False, args=()) -> dict:
    return enumerate_distribution("from lifted import dist\n\n" + textwrap.dedent(source), "f", args, normalize)


ZERO_WEIGHT = {  # each reaches an outcome whose worlds weigh 0 in total, and others that do not
    "importance_zero_in_a_branch": "x = d(4)\n    if x == 2:\n        importance(0)\n    return x",
    "zero_weight_range": "return d[1:2:0, 3:4:1]",
    "zero_weight_range_per_world": "n = d(2)\n    return d[0:n:0, 5:6:1]",
    "weights_that_cancel": "x = d(2)\n    y = d(3)\n    importance(1 if y == 1 else (-1 if y == 2 else 2))\n"
                           "    return x + 10 * (y < 3), y == 3",
    "zero_weight_after_a_merge": "x = d(4)\n    importance(x % 2)\n    return x // 2",
    "zero_weight_then_assert": "x = d(4)\n    importance(x % 2)\n    assert x != 4\n    return x",
}


def _program(body: str) -> str:
    return f"@dist\ndef f():\n    {body}\n"


def _as_fraction(value, semiring: str):
    if semiring == "log":
        return Fraction(math.exp(value)) if value != -math.inf else Fraction(0)
    if semiring == "dual":
        return Fraction(value.value)
    if semiring == "product":
        return Fraction(value[0])
    return Fraction(value)


@pytest.mark.parametrize("semiring", ["fraction", "float64", "int", "log", "dual", "product"])
@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("case", sorted(ZERO_WEIGHT))
def test_outcomes_of_weight_zero_are_kept(tmp_path, case, normalize, semiring):
    source = _program(ZERO_WEIGHT[case])
    if semiring == "int" and normalize or semiring in ("int", "log") and "-1" in source:
        pytest.skip("`int` counts have no normalize=; `int` and `log` weights are never negative")
    f = build(source, tmp_path)["f"]
    chosen = SemiringProduct("fraction", "float64") if semiring == "product" else semiring
    got = f(semiring=chosen, normalize=normalize)
    expected = oracle(source, normalize)
    assert set(got) == set(expected)
    assert any(v == 0 for v in expected.values())
    if semiring == "int":  # counts of equally likely worlds: proportional to the probabilities
        counts, total = {k: Fraction(v) for k, v in got.items()}, sum(expected.values())
        assert all(counts[k] * total == w * sum(counts.values()) and (counts[k] == 0) == (w == 0)
                   for k, w in expected.items())
        return
    for outcome, weight in expected.items():
        value = _as_fraction(got[outcome], semiring)
        if semiring in ("fraction", "product"):
            assert value == weight, outcome
        else:
            assert abs(float(value) - float(weight)) < 1e-12, outcome


def test_amplitudes_that_cancel_keep_their_outcome(tmp_path):
    """dice-nine's test_quantum1: two square roots of not of True is False; `pmf[True] == approx(0)`."""
    source = """
        def sqrtnot(i):
            r = d(2) == 2
            if i == r:
                importance(1 + 1j)
            else:
                importance(1 - 1j)
            return r

        @dist(semiring="complex")
        def f():
            return sqrtnot(sqrtnot(True))
    """
    for normalize in (False, True):
        pmf = build(source, tmp_path)["f"](normalize=normalize)
        assert set(pmf) == set(oracle(source, normalize)) == {False, True}
        assert pmf[False] == pytest.approx(1) and pmf[True] == pytest.approx(0)


def test_zero_weight_outcome_per_example_under_vmap(tmp_path):
    source = _program("x = d(3)\n    if x == 1:\n        importance(p)\n    return x").replace("f()", "f(p)")
    batched = source.replace("@dist", "@dist(semiring='fraction')") + "\n\ng = vmap(f)\n"
    answers = build(batched, tmp_path)["g"](np.array([0, 1, 2]))
    for p, answer in zip([0, 1, 2], answers):
        assert answer == oracle(source, args=(p,)) and set(answer) == {1, 2, 3}


def test_dual_keeps_a_zero_outcome_whose_derivative_is_not(tmp_path):
    source = _program("x = d(2)\n    if x == 1:\n        importance(p - 0.5)\n    return x").replace("f()", "f(p)")
    got = build(source, tmp_path)["f"](Dual(0.5, 1.0), semiring="dual")
    assert got[1].value == 0 and got[1].derivative == pytest.approx(0.5)


@pytest.mark.parametrize("semiring", ["fraction", "float64", "log"])
def test_normalize_of_weights_that_sum_to_zero_raises_as_python(tmp_path, semiring):
    """Python divides a total of 0 (the oracle's Fractions: ZeroDivisionError); dice-nine gives nan in Real64."""
    source = _program("x = d(3)\n    importance(0)\n    return x")
    with pytest.raises(ZeroDivisionError):
        oracle(source, normalize=True)
    with pytest.raises(ZeroDivisionError, match=r"prog\.py:\d+: normalize=True, but the worlds' weights sum to 0"):
        build(source, tmp_path)["f"](semiring=semiring, normalize=True)
    assert build(source, tmp_path)["f"](semiring=semiring).keys() == {1, 2, 3}


def test_a_rejected_world_still_leaves_its_outcome_out(tmp_path):
    source = _program("x = d(3)\n    assert x != 2\n    return x")
    assert build(source, tmp_path)["f"](semiring="fraction") == oracle(source) == {1: Fraction(1, 3),
                                                                                      3: Fraction(1, 3)}


# -- a local name that shadows the die ------------------------------------------------------------------------

README_POOL = """
    @dist
    def f(a, d):
        actions = lazy_bincount(a @ d(6), 7)
        for i in d @ d(6):
            actions[i] = max(actions[i] - 1, 0)
        if reduce_all(actions == 0):
            result = 0
        else:
            result = last(actions > 0)
        boons = max(actions[6] - 1, 0)
        return (result, boons)
"""


def test_a_parameter_named_d_is_not_the_die():
    """dice-nine's README names the defence count `d` and still draws `d(6)`; in Python `d(6)` calls the number."""
    with pytest.raises(TypeError, match="not callable"):
        oracle(README_POOL, args=(2, 2))
    with pytest.raises(TranspileError) as info:
        transpile_source("from lifted import dist\n\n" + textwrap.dedent(README_POOL), "prog.py")
    assert info.value.loc is not None and info.value.loc.line == 6 and info.value.hint
    assert "`d` is a local name here" in info.value.format()


@pytest.mark.parametrize("body", ["dd = 3\n    return dd(2)", "lazy_sum = 1\n    return lazy_sum(2 @ d(2))",
                                  "d = d(6)\n    return d"])  # dice-nine's test_assert1: an UnboundLocalError
def test_any_local_name_called_is_refused(body):
    with pytest.raises(TranspileError, match="is a local name here"):
        transpile_source("from lifted import dist\n\n" + _program(body), "prog.py")


def test_a_renamed_parameter_draws_the_die(tmp_path):
    """The README's eliminative pool with the defence count renamed: Python's answer (dice-nine's too)."""
    source = README_POOL.replace("def f(a, d)", "def f(a, n)").replace("in d @", "in n @")
    for args in [(1, 1), (2, 2), (3, 1)]:
        assert build(source, tmp_path)["f"](*args, semiring="fraction") == oracle(source, args=args)
