"""The record of the hostile corpus (tests/hostile_corpus.py): the arrays its cases share, CASES, and `case(...)`,
which adds one (the parts, tests/hostile_corpus_*.py, call it)."""
from __future__ import annotations

import numpy as np

X = np.array([0.7, -1.3, 2.1, 0.4, -0.2])
M = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 0.3, 1.1], [0.9, -0.4, 0.6]])
TIES = np.array([1.0, 3.0, 3.0, -2.0, 3.0])
SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 2.0])
IDX = np.array([0, 2, 2, 4, 0, 0])

CASES: dict[str, tuple[str, list, int]] = {}


def case(name: str, args: list, wrt: int = 0):
    def register(source: str) -> str:
        CASES[name] = (source, args, wrt)
        return source
    return register
