"""A kernel's source run by Python and transpiled for one target: the pair the value tests compare."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from benchmarks.corpus.c_target import built_c_module
from benchmarks.corpus.oracles import Outcomes
from gradcheck import load_source


def python_and_lifted(text: str, stem: str, c: bool, folder: Path) -> tuple[Callable, Callable]:
    """`f` of `text` as Python runs it, and as the NumPy backend (or, with `c`, the C target built in `folder`)
    compiles it."""
    python: dict = {}
    exec(compile(text, "python_reference", "exec"), python)
    if not c:
        return python["f"], load_source(text, f"{stem}.py").f
    outcomes = Outcomes()
    module = built_c_module(text, stem, folder, outcomes)
    assert module is not None, outcomes
    return python["f"], module.f


def outcomes_where_python_returns(python: Callable, lifted: Callable, args: tuple) -> tuple | None:
    """`(lifted(*args), python(*args))`; where Python raises, the check that `lifted` raises the same class, and
    None (nothing to compare)."""
    try:
        expected = python(*args)
    except Exception as raised:  # noqa: BLE001  NumPy raises: the kernel raises the same class
        with pytest.raises(type(raised)):
            lifted(*args)
        return None
    return lifted(*args), expected
