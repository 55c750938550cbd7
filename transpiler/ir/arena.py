"""One compilation holds every IR object it makes until it ends, so that `id()` names an object for that long.

Passes keep tables keyed by `id()` of values and statements (names given, views, sharing, common
subexpressions, renamings). CPython reuses a freed object's address at once, so a value dropped mid-pass (a loop
body lowered again with wider types, a loop lowered again unrolled) would hand its id to the next value made:
that value would inherit the dead one's entries, a different name at best, a reused computation at worst, and
which happens depends on the heap, not on the source. Holding the objects makes every id in a table belong to
one object only; the memory is that of the IR, freed with the compilation.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

_held: ContextVar[list | None] = ContextVar("lifted_ir_held", default=None)


def hold(obj: object) -> None:
    """Keep `obj` alive until the compilation under way (if any) ends; the IR classes call this when made."""
    held = _held.get()
    if held is not None:
        held.append(obj)


@contextmanager
def one_compilation() -> Iterator[None]:
    """Hold every IR object made inside until the outermost `one_compilation` ends (nested ones join it)."""
    if _held.get() is not None:
        yield
        return
    token = _held.set([])
    try:
        yield
    finally:
        _held.reset(token)
