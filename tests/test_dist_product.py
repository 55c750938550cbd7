"""`SemiringProduct`: one run in several algebras gives, part by part, what each algebra gives on its own."""
from __future__ import annotations

import math
import textwrap

import pytest

from lifted.dice import SemiringProduct, limits
from tests.dist_oracle import enumerate_distribution
from tests.test_dist_oracle import PROGRAMS, compile_dist


def _args(case: str) -> tuple:
    return (3,) if case in ("constants_stay_fixed", "fixed_if") else ()


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_product_parts_match_each_algebra(case):
    source = "from lifted import dist\n\n" + textwrap.dedent(PROGRAMS[case])
    f = compile_dist(source)["f"]
    for normalize in (False, True):
        try:
            expected = enumerate_distribution(source, "f", _args(case), normalize)
        except ZeroDivisionError:
            continue
        both = f(*_args(case), normalize=normalize, semiring=SemiringProduct("fraction", "float64", "log"))
        floats = f(*_args(case), normalize=normalize, semiring="float64")
        assert {k: v[0] for k, v in both.items() if v[0]} == expected
        assert {k for k, v in both.items() if v[1]} == {k for k, v in floats.items() if v}
        assert all(abs(both[k][1] - v) < 1e-12 for k, v in floats.items() if v)  # merges may sum in another order
        assert all(abs(math.exp(v[2]) - v[1]) < 1e-12 for v in both.values())


def test_product_with_int_counts_and_sorted_merges():
    f = compile_dist("from lifted import dist\n\n@dist\ndef f():\n    return lazy_sum(3 @ d(4)) * 1000003\n")["f"]
    both = f(semiring=SemiringProduct("int", "complex"))  # complex has no group sum: merging sorts rows
    counts = f(semiring="int")
    assert {k: v[0] for k, v in both.items()} == counts
    assert all(abs(v[1] - counts[k] / 64) < 1e-15 for k, v in both.items())


def test_product_needs_two():
    with pytest.raises(ValueError, match="two"):
        SemiringProduct("float64")
    assert limits.current()["max_worlds"] > 0
