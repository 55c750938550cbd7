"""Liveness: where each value is used for the last time, so generated code can `del` it right there.

Works on names over a straight-line list of statements (in-place updates reuse their target's name, so
names, not values, are what stay alive). Also removes equations whose results nobody reads.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from ..ir import Eqn, Function, Var, result_atoms


def eliminate_dead_code(fn: Function) -> Function:
    """Drop equations none of whose outputs reach a result (all primitives are pure)."""
    needed = {id(a) for a in result_atoms(fn.result) if isinstance(a, Var)}
    kept: list[Eqn] = []
    for eqn in reversed(fn.body):
        if any(id(out) in needed for out in eqn.outs):
            kept.append(eqn)
            needed.update(id(a) for a in eqn.args if isinstance(a, Var))
    kept.reverse()
    # a note ("reverse sweep") on a dropped equation moves to the next kept one
    pending = None
    kept_ids = {id(e) for e in kept}
    for eqn in fn.body:
        if eqn.note and id(eqn) not in kept_ids:
            pending = pending or eqn.note
        elif id(eqn) in kept_ids and pending and not eqn.note:
            eqn.note, pending = pending, None
    return Function(fn.name, fn.params, kept, fn.result, fn.loc, fn.doc, fn.source_name)


def last_uses(statements: Sequence[tuple[Iterable[str], Iterable[str]]], keep: set[str]) -> list[list[str]]:
    """For each (defined, used) statement, the names that die right after it, in first-use order.

    A name dies after its last use, or right after its definition when it is never used; names in `keep`
    (the function's results) never die.
    """
    deaths: list[list[str]] = [[] for _ in statements]
    live: set[str] = set(keep)
    for index in range(len(statements) - 1, -1, -1):
        defined, used = (list(dict.fromkeys(names)) for names in statements[index])
        deaths[index] = [n for n in used if n not in live] + [d for d in defined if d not in live and d not in used]
        live = (live - set(defined)) | set(used)
    return deaths
