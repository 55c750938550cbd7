"""Outcomes keep the type of their values: ints stay ints, bools stay bools, in tuples and nested lists too."""
from __future__ import annotations

import pytest

from tests.test_dist_oracle import compile_dist

SOURCE = """from lifted import dist


@dist
def sorted_dice():
    return lazy_sort(3 @ d(2))


@dist
def top_two():
    return reduce_sum(lazy_topk(4 @ d(6), 3))


@dist
def kth_and_bottom():
    return lazy_kth(3 @ d(3), 2), lazy_botk(3 @ d(2), 2)


@dist
def permutation():
    return list(lazy_perm(3, 2))


@dist
def flags():
    return [d(2) > 1, *[]], d(3) == 2


@dist
def mixed():
    return d(2), d(4) / 2, d(2) == 1
"""


def _types(value):
    return tuple(_types(v) for v in value) if isinstance(value, tuple) else type(value)


@pytest.mark.parametrize("semiring", ["float64", "fraction", "int"])
@pytest.mark.parametrize("name, expected", [
    ("sorted_dice", (int, int, int)),
    ("top_two", int),
    ("kth_and_bottom", (int, (int, int))),
    ("permutation", (int, int)),
    ("flags", ((bool,), bool)),
    ("mixed", (int, float, bool)),
])
def test_outcome_types(name, expected, semiring):
    result = compile_dist(SOURCE)[name](semiring=semiring)
    assert {_types(outcome) for outcome in result} == {expected}


@pytest.mark.xfail(strict=True, reason="known wrong distribution: numpy's bool + bool is a logical or, Python's is "
                   "an int sum; the dist expression codegen (transpiler/dice/expressions.py) must widen bool "
                   "operands of arithmetic to int")
def test_truth_values_add_as_ints():
    from tests.dist_oracle import enumerate_distribution

    source = "from lifted import dist\n\n\n@dist\ndef f():\n    return (d(2) > 1) + (d(2) > 1)\n"
    assert compile_dist(source)["f"](semiring="fraction") == enumerate_distribution(source, "f")
