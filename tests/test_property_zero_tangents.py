"""The zero-tangent generator (tests/zero_tangent_programs.py): loop slots constant on some trips at a point where a
function's derivative is infinite, and values constant on one path of a branch or after a loop of no trip;
`jvp`, `grad` and `jvp(grad)` against autograd.

`pytest -m slow tests/test_property_zero_tangents.py -s` checks $LIFTED_ZERO_TANGENT_PROGRAMS seeds (default 200)
from $LIFTED_PROPERTY_FIRST_SEED on.
"""
from __future__ import annotations

import os

import pytest

from zero_tangent_programs import check_zero_tangent_seed, zero_tangent_program


@pytest.mark.parametrize("seed", range(8))
def test_random_zero_tangent_programs(seed):
    """The programs of these seeds before merges were drawn (merges=False gives them unchanged)."""
    outcome, message = check_zero_tangent_seed(seed, merges=False)
    assert outcome != "failed", f"seed {seed}: {message}\n{zero_tangent_program(seed, merges=False)[0]}"


@pytest.mark.parametrize("seed", range(8))
def test_random_zero_tangent_programs_with_merges(seed):
    outcome, message = check_zero_tangent_seed(seed)
    assert outcome != "failed", f"seed {seed}: {message}\n{zero_tangent_program(seed)[0]}"


@pytest.mark.slow
def test_many_random_zero_tangent_programs():
    count = int(os.environ.get("LIFTED_ZERO_TANGENT_PROGRAMS", "200"))
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    tally: dict[str, int] = {}
    failures = []
    for seed in range(first, first + count):
        outcome, message = check_zero_tangent_seed(seed)
        tally[outcome] = tally.get(outcome, 0) + 1
        if outcome == "failed":
            failures.append((seed, message[:300]))
            print(f"seed {seed}: {message[:300]}")
    print(f"\nzero-tangent programs, seeds {first}-{first + count - 1}: {tally}")
    assert not failures, failures[:10]
