"""Checks a loop repeats on every trip though they read nothing the loop changes (`for i in range(n): t = x[5]`
nobody uses leaves `check_index(5, x)` in the body): they move before the loop, guarded by its trip count (`if 0 <
n:`), so that a loop that runs no trip still raises nothing, as in Python.

Only the checks that open the body move (dead-code elimination puts a dead read's checks of parameters first in
their block), since a check after another statement of the body that may raise would, moved first, raise before
it where Python raises that one's error on the first trip. Only `for` loops over a range of a literal step: a
`while` loop's number of trips is known only by running its test.
"""
from __future__ import annotations

import dataclasses

from ..ir import Const, Eqn, If, Loop, Var, all_defined, const
from ..ir.types import TensorType
from ..primitives.registry import lookup

CHECKS = ("check_index", "check_nonempty")


def hoist_invariant_checks(loop: Loop) -> tuple[list, Loop]:
    """(what goes before the loop, the loop without it): the checks that open its body and read only values
    defined outside it, under a test of the trip count unless the bounds are literals that surely run."""
    if loop.kind != "for" or not loop.body:
        return [], loop
    runs = _runs(loop)
    if runs is None:
        return [], loop
    inside = {id(v) for v in all_defined(loop.body)} | {id(v) for v in loop.carried}
    inside |= {id(loop.index)} if loop.index is not None else set()
    moved = 0
    for stmt in loop.body:
        if not (isinstance(stmt, Eqn) and stmt.prim.name in CHECKS
                and not any(isinstance(a, Var) and id(a) in inside for a in stmt.args)):
            break
        moved += 1
    if not moved:
        return [], loop
    checks, rest = loop.body[:moved], loop.body[moved:]
    loop = dataclasses.replace(loop, body=rest)
    if runs is True:
        return checks, loop
    start, stop, compare = runs
    trips = Var("runs", TensorType("bool", ()), temporary=True)
    test = Eqn(lookup(compare), (start, stop), {}, (trips,), loop.loc)
    return [test, If(trips, checks, [], (), (), (), loop.loc)], loop


def _runs(loop: Loop):
    """True where the loop surely runs a trip; (start, stop, comparison) whose truth says it does; None where the
    step is not a literal (or the bounds surely run no trip: nothing to move)."""
    bounds = list(loop.bounds)
    start, stop, step = (const(0), bounds[0], const(1)) if len(bounds) == 1 else (bounds + [const(1)])[:3]
    if not (_literal_int(step) and step.value != 0):
        return None
    compare = "less" if step.value > 0 else "greater"
    if _literal_int(start) and _literal_int(stop):
        surely = start.value < stop.value if step.value > 0 else start.value > stop.value
        return True if surely else None
    return start, stop, compare


def _literal_int(atom) -> bool:
    return isinstance(atom, Const) and isinstance(atom.value, int) and not isinstance(atom.value, bool)
