"""A kernel's source run by Python and transpiled for one target: the pair the value tests compare."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

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
