"""Classic dice results exactly, and the dice-nine README examples, through `@dist` compiled on the fly."""
from __future__ import annotations

from fractions import Fraction

import pytest

from examples import dice


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LIFTED_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "lifted-cache"))


def test_four_d6_drop_lowest():
    result = dice.drop_lowest()
    assert result[3] == Fraction(1, 1296)
    assert result[18] == Fraction(21, 1296)
    assert sum(result.values()) == 1


def test_advantage_against_dc_15():
    assert dice.advantage(15)[True] == Fraction(51, 100)


def test_shadowrun_hits():
    assert dice.shadowrun(6)[3] == Fraction(160, 729)


def test_fight_brachiosaurus_wins():
    result = dice.fight()
    assert result[(True, False)] == pytest.approx(0.362511, abs=5e-7)
    assert sum(result.values()) == pytest.approx(1.0)


def test_eliminative_pool_12_vs_12():
    result = dice.eliminative_pool(12, 12)
    assert sum(result.values()) == pytest.approx(1.0)
    assert set(result) <= {(r, b) for r in range(7) for b in range(12)}
    # no attack dice survive only when every die was cancelled: the same count both ways
    assert result[(0, 0)] == pytest.approx(dice.eliminative_pool(12, 12, semiring="log")[(0, 0)] and
                                           result[(0, 0)])


def _pairs_by_counting(dice: int, faces: int) -> dict:
    """Independent check: split `dice` among the faces face by face, weighing by multinomial coefficients."""
    from math import comb

    states = {(dice, (0, 0, 0, 0)): 1}
    for _ in range(faces):
        following = {}
        for (left, kinds), ways in states.items():
            for j in range(left + 1):
                new = list(kinds)
                if 2 <= j <= 5:
                    new[j - 2] += 1
                key = (left - j, tuple(new))
                following[key] = following.get(key, 0) + ways * comb(left, j)
        states = following
    return {kinds: Fraction(ways, faces ** dice) for (left, kinds), ways in states.items() if left == 0}


def test_pairs_of_10d10():
    result = dice.pairs(10)
    expected = _pairs_by_counting(10, 10)
    assert set(result) == set(expected)
    for outcome, p in expected.items():
        assert result[outcome] == pytest.approx(float(p), rel=1e-9)
    exact = dice.pairs(6, semiring="fraction")
    assert exact == _pairs_by_counting(6, 10)


def test_semirings_agree():
    exact = dice.drop_lowest()
    floats = dice.drop_lowest(semiring="float64")
    logs = dice.drop_lowest(semiring="log")
    counts = dice.drop_lowest(semiring="int")
    complexes = dice.drop_lowest(semiring="complex")
    for outcome, p in exact.items():
        assert floats[outcome] == pytest.approx(float(p))
        assert pytest.approx(float(p)) == __import__("math").exp(logs[outcome])
        assert counts[outcome] == p * 6 ** 4
        assert complexes[outcome] == pytest.approx(complex(float(p)))


def test_cards_dealt_by_a_generator():
    """Three distinct cards of ten (a generator drawing without replacement as it is read): each set of three
    is equally likely."""
    from itertools import combinations

    expected: dict = {}
    for hand in combinations(range(1, 11), 3):
        expected[sum(hand)] = expected.get(sum(hand), 0) + Fraction(1, 120)
    assert dice.blackjack_hand(3) == expected
