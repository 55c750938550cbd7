"""Random scalar kernels in Python's own idioms (tests/python_scalar_programs.py), judged against Python itself
(tests/python_scalar_judge.py) on the NumPy backend and the C CPU target, with grad and jvp where `f` returns a
float: the same value bit for bit and type, the same exception class where Python raises; a located refusal is
counted, never a failure.

Default: a few seeds. Long run: `LIFTED_SCALAR_PROGRAMS=2000 pytest -m slow tests/test_python_scalars.py -s`
(seeds from $LIFTED_PROPERTY_FIRST_SEED on), or `python tests/scan_python_scalars.py FIRST COUNT` for the counts
and each failing program.
"""
from __future__ import annotations

import os

import pytest

from python_scalar_judge import judge_program
from python_scalar_programs import scalar_program

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _failures(seed: int, c: bool) -> list[str]:
    source, argument_lists = scalar_program(seed)
    results = judge_program(source, argument_lists, c=c)
    return [f"seed {seed}: {o}\n{source}" for outcomes in results.values() for o in outcomes if o.startswith("FAIL")]


@pytest.mark.parametrize("seed", range(12))
def test_scalar_program_agrees_with_python(seed):
    assert _failures(seed, c=seed % 3 == 0) == []


@pytest.mark.slow
def test_many_scalar_programs_agree_with_python():
    first = int(os.environ.get("LIFTED_PROPERTY_FIRST_SEED", "0"))
    count = int(os.environ.get("LIFTED_SCALAR_PROGRAMS", "300"))
    failures = [f for seed in range(first, first + count) for f in _failures(seed, c=True)]
    assert failures == [], "\n".join(failures[:5])
