"""Exact semirings (`int`, `fraction`): never a wrapped count or a wrong rational, at any size.

The int64 path and the residue path (past 2**63) must give the same exact answer: every oracle program is run
again with the int64 limit forced down to 1, so that each table goes through residues and widens its primes as
it grows, and compared with the brute-force oracle exactly.
"""
from __future__ import annotations

import textwrap
from fractions import Fraction
from math import comb

import numpy as np
import pytest

from lifted.dice import FractionPrecisionError, Fractions, Worlds, exact
from tests.dist_oracle import enumerate_distribution
from tests.test_dist_oracle import PROGRAMS, compile_dist


@pytest.fixture
def residues_only(monkeypatch):
    """Every exact table leaves int64 at once and widens by exactly what it needs (the most conversions)."""
    monkeypatch.setattr(exact, "INT64_LIMIT", 1)
    monkeypatch.setattr(exact, "_count_with_headroom", exact.PRIMES.count_for)


def _program(source: str) -> str:
    return "from lifted import dist\n\n" + textwrap.dedent(source)


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_residue_path_matches_enumeration(case, residues_only):
    args = (3,) if case in ("constants_stay_fixed", "fixed_if") else ()
    source = _program(PROGRAMS[case])
    for normalize in (False, True):
        try:
            expected = enumerate_distribution(source, "f", args, normalize)
        except ZeroDivisionError:
            continue
        generated = compile_dist(source)["f"](*args, normalize=normalize, semiring="fraction")
        assert generated == expected


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_int_counts_agree_between_int64_and_residues(case, monkeypatch):
    args = (3,) if case in ("constants_stay_fixed", "fixed_if") else ()
    f = compile_dist(_program(PROGRAMS[case]))["f"]
    try:
        plain = f(*args, semiring="int")
    except ValueError as error:  # real importance weights have no count
        assert "integer" in str(error)
        return
    monkeypatch.setattr(exact, "INT64_LIMIT", 1)
    monkeypatch.setattr(exact, "_count_with_headroom", exact.PRIMES.count_for)
    assert f(*args, semiring="int") == plain
    assert all(type(v) is int for v in plain.values())


SUM_OF_COINS = """
    @dist
    def f(n):
        return lazy_sum(n @ d(2))
"""


def test_int_counts_past_int64_are_exact():
    # 2**67 outcomes: the counts are binomial coefficients, C(67, 33) > 2**63
    result = compile_dist(_program(SUM_OF_COINS))["f"](67, semiring="int")
    assert result == {67 + k: comb(67, k) for k in range(68)}
    assert sum(result.values()) == 2 ** 67


def test_fractions_past_int64_are_exact():
    result = compile_dist(_program(SUM_OF_COINS))["f"](130, semiring="fraction")
    assert result == {130 + k: Fraction(comb(130, k), 2 ** 130) for k in range(131)}


def _dice_sum_distribution(count: int, sides: int) -> dict[int, Fraction]:
    """The sum of `count` dice by polynomial multiplication over Python ints (independent of the runtime)."""
    ways = {0: 1}
    for _ in range(count):
        step: dict[int, int] = {}
        for total, number in ways.items():
            for face in range(1, sides + 1):
                step[total + face] = step.get(total + face, 0) + number
        ways = step
    return {total: Fraction(number, sides ** count) for total, number in ways.items()}


def test_thirty_d6_sum_exact():
    f = compile_dist(_program("""
        @dist
        def f():
            return lazy_sum(30 @ d(6))
    """))["f"]
    assert f(semiring="fraction") == _dice_sum_distribution(30, 6)
    counts = f(semiring="int")
    assert counts == {k: int(v * 6 ** 30) for k, v in _dice_sum_distribution(30, 6).items()}


def test_negative_and_rational_importance_in_residues(residues_only):
    source = _program("""
        @dist
        def f():
            a = d(4)
            importance(a - 3)
            b = d(3)
            importance(b * 0.5)
            assert a + b != 5
            return a > 2, b
    """)
    for normalize in (False, True):
        expected = enumerate_distribution(source, "f", (), normalize)
        assert compile_dist(source)["f"](normalize=normalize, semiring="fraction") == expected


def test_branches_with_different_denominators_join_exactly(residues_only):
    source = _program("""
        @dist
        def f():
            x = d(3)
            if x > 1:
                x = x + d(5) + d[0:1:2, 2:2:3]
            else:
                x = dd(x + 3)
            return x
    """)
    assert compile_dist(source)["f"](semiring="fraction") == enumerate_distribution(source, "f")


def test_widening_round_trips_values():
    rng = np.random.default_rng(0)
    values = [int(v) for v in rng.integers(-(1 << 62), 1 << 62, size=50)] + [0, 1, -1]
    big = [v * (1 << 100) + 7 for v in values]
    bound = max(abs(v) for v in big)
    count = exact.PRIMES.count_for(bound)
    residues = np.array([[v % p for v in big] for p in exact.PRIMES.first(count).tolist()], dtype=np.int64)
    weights = exact.ExactWeights(residues, 1, bound)
    assert exact.integers(weights) == big
    wider = exact.ExactWeights(exact.widen(residues, bound, count + 3), 1, bound)
    assert exact.integers(wider) == big
    assert exact.integers(exact.fitted(weights, bound << 200)) == big


def test_max_bits_gives_a_clear_error():
    w = Worlds(Fractions(max_bits=40))
    w["s"] = w.lift(0)
    with pytest.raises(FractionPrecisionError, match="max_bits"):
        for _ in range(40):  # 6**16 > 2**40
            w.draw_d("x", 6)
            w["s"] = w["s"] + w["x"]
            w.drop("x")


def test_asserts_and_merges_keep_a_program_in_int64():
    # each round halves the mass with an assert and merges everything: the bound is recomputed, and common
    # factors of the values and the denominator cancel, so 200 coin flips never leave int64
    w = Worlds("fraction")
    w["s"] = w.lift(0)
    for _ in range(200):
        w.draw_d("c", 2)
        w.keep(w["c"] == 1)
        w.drop("c")
    assert w.weights.residues == 0
    assert w.result(w["s"]) == {0: Fraction(1, 2 ** 200)}


def test_join_with_an_empty_branch_and_a_huge_denominator():
    w = Worlds("fraction")
    w.draw_d("a", 2)
    yes, no = w.split(w["a"] == 1)
    no.keep(no["a"] == 0)  # no world left on this side
    for i in range(40):
        yes.draw_d(f"x{i}", 7)
        yes.drop(f"x{i}")
    w = yes.join(no)
    assert w.result(w["a"]) == {1: Fraction(1, 2)}


def _random_program(rng) -> str:
    """A random straight-line dist program over small dice: draws of every kind, arithmetic, `if`/`else` on random
    conditions (reassigning values, drawing in one arm), `assert`, integer, negative and binary-fraction
    `importance`: what moves the exact weights' denominators and bounds."""
    names = ["a"]
    lines = ["a = d(3)"]

    def atom():
        return rng.choice(names)

    def draw():
        return rng.choice([f"d({rng.integers(1, 4)})", "d[0:1:2, 3:3:1]", "d[1:2:3, 4:4:0]",
                           f"dd({atom()} % 3 + 1)", "lazy_sum(2 @ d(2))"])

    def expression():
        kind = rng.integers(0, 4)
        if kind == 0:
            return draw()
        if kind == 1:
            return f"{atom()} + {draw()}"
        if kind == 2:
            return f"max({atom()}, {atom()}) - 1"
        return f"{atom()} * 2 - {atom()}"

    def statement(indent: str, fresh: bool):
        kind = rng.integers(0, 6)
        if kind <= 2 or not fresh and kind == 5:
            target = f"v{len(names)}" if fresh else atom()
            lines.append(f"{indent}{target} = {expression()}")
            if fresh:
                names.append(target)
        elif kind == 3:
            lines.append(f"{indent}assert {atom()} != {rng.integers(0, 4)}")
        elif kind == 4:
            lines.append(f"{indent}importance({rng.choice([f'{atom()} + 1', f'{atom()} - 2', '0.5', '3'])})")
        else:
            lines.append(f"{indent}if {atom()} > {rng.integers(0, 3)}:")
            for _ in range(rng.integers(1, 3)):
                statement(indent + "    ", False)
            lines.append(f"{indent}else:")
            statement(indent + "    ", False)

    for _ in range(rng.integers(2, 5)):
        statement("", True)
    lines.append(f"return {atom()} % 4, {atom()} > 2")
    body = "\n".join("    " + line for line in lines)
    return f"from lifted import dist\n\n\n@dist\ndef f():\n{body}\n"


def _distribution_or_error(run):
    """The distribution, or ZeroDivisionError where normalize=True finds no weight (the oracle's empty table)."""
    try:
        return run() or ZeroDivisionError
    except ZeroDivisionError:
        return ZeroDivisionError


@pytest.mark.parametrize("seed", range(30))
def test_random_programs_exact_in_int64_and_residues(seed, monkeypatch):
    _check_random_program(seed, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(30, 1030))
def test_random_programs_exact_long_run(seed, monkeypatch):
    _check_random_program(seed, monkeypatch)


def _check_random_program(seed, monkeypatch):
    source = _random_program(np.random.default_rng(seed))
    f = compile_dist(source)["f"]
    for normalize in (False, True):
        expected = _distribution_or_error(lambda: enumerate_distribution(source, "f", (), normalize))
        assert _distribution_or_error(lambda: f(normalize=normalize, semiring="fraction")) == expected, source
    counts = f(semiring="int") if "0.5" not in source else None
    with monkeypatch.context() as patch:
        patch.setattr(exact, "INT64_LIMIT", 1)
        patch.setattr(exact, "_count_with_headroom", exact.PRIMES.count_for)
        for normalize in (False, True):
            expected = _distribution_or_error(lambda: enumerate_distribution(source, "f", (), normalize))
            assert _distribution_or_error(lambda: f(normalize=normalize, semiring="fraction")) == expected, source
        if counts is not None:
            assert f(semiring="int") == counts, source
