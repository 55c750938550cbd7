"""Loop-invariant code motion: a computation inside a loop that reads nothing the loop changes runs once,
before the loop (`0.5 * h` in an integrator's step), so neither the loop nor its reverse sweep repeats or
tapes it."""
from __future__ import annotations

import dataclasses

from ..analysis.python_raises import python_may_raise
from ..ir import Eqn, Function, If, Loop, all_defined, equations
from ..ir.verify import verified


@verified("hoist_invariants")
def hoist_invariants(fn: Function) -> Function:
    return dataclasses.replace(fn, body=_block(fn.body))


def _block(block: list) -> list:
    out: list = []
    for stmt in block:
        if isinstance(stmt, If):
            out.append(dataclasses.replace(stmt, then_body=_block(stmt.then_body), else_body=_block(stmt.else_body)))
        elif isinstance(stmt, Loop):
            body = _block(stmt.body)
            hoisted, body = _split(stmt, body)
            out.extend(hoisted)
            out.append(dataclasses.replace(stmt, body=body, cond_body=_block(stmt.cond_body)))
        else:
            out.append(stmt)
    return out


def _movable(eqn: Eqn) -> bool:
    """Pure computations that cannot fail: indexing stays put (a loop that never runs never indexes), and so do
    matrix functions (a singular matrix raises) and reductions without an identity (`np.max` of an empty array
    raises: `for row in M: acc += np.max(M)` with no rows must not)."""
    prim = eqn.prim
    return not (prim.statement or prim.extra.get("in_place")
                or prim.family in ("tape", "creation", "call", "indexing", "matrix")
                or prim.extra.get("empty_raises") and eqn.params.get("initial") is None
                or python_may_raise(eqn))



def updated_in_place(block: list) -> set[int]:
    """The values whose array `block` updates in place: directly, or through another name for the same array
    (an update's result, a loop's initial value, slot and result, a branch's result and what it merges).
    Hoisting must not move the making of such an array out of a loop: every iteration would update one array."""
    updated, links = set(), []
    for eqn in equations(block):
        if eqn.prim.extra.get("in_place") and eqn.prim.family != "tape":
            updated.add(id(eqn.args[0]))
            links.append((eqn.args[0], *eqn.outs))
    for stmt in _compound(block):
        if isinstance(stmt, Loop):
            links.extend(zip(stmt.inits, stmt.carried, stmt.carried_out, stmt.outs))
        else:
            links.extend(zip(stmt.outs, stmt.then_results, stmt.else_results))
    changed = True
    while changed:
        changed = False
        for group in links:
            ids = {id(a) for a in group}
            if ids & updated and not ids <= updated:
                updated |= ids
                changed = True
    return updated


def _compound(block: list):
    """Every `if` and loop of a block, nested ones included."""
    for stmt in block:
        if isinstance(stmt, If):
            yield stmt
            yield from _compound(stmt.then_body)
            yield from _compound(stmt.else_body)
        elif isinstance(stmt, Loop):
            yield stmt
            yield from _compound(stmt.cond_body)
            yield from _compound(stmt.body)


def _split(loop: Loop, body: list) -> tuple[list, list]:
    """The leading run of the body's top-level equations that read only values from outside the loop (and
    make no array the loop updates in place)."""
    varying = {id(v) for v in loop.carried} | ({id(loop.index)} if loop.index is not None else set())
    varying |= {id(v) for v in all_defined(loop.cond_body)}
    # the loop's own slots too: a value the body ends an iteration with is updated in the next one
    updated = updated_in_place([dataclasses.replace(loop, body=body)])
    hoisted, kept = [], []
    for stmt in body:
        if isinstance(stmt, Eqn) and _movable(stmt) and not any(id(a) in varying for a in stmt.args) \
                and not any(id(o) in updated for o in stmt.outs):
            hoisted.append(stmt)
            continue
        kept.append(stmt)
        varying |= {id(v) for v in all_defined([stmt])} | {id(v) for v in stmt.outs}
    return hoisted, kept
