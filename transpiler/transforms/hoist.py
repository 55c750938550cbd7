"""Loop-invariant code motion: a computation inside a loop that reads nothing the loop changes runs once,
before the loop (`0.5 * h` in an integrator's step), so neither the loop nor its reverse sweep repeats or
tapes it."""
from __future__ import annotations

import dataclasses

from ..ir import Eqn, Function, If, Loop, all_defined


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
    """Pure computations that cannot fail: indexing stays put (a loop that never runs never indexes)."""
    prim = eqn.prim
    return not (prim.statement or prim.extra.get("in_place")
                or prim.family in ("tape", "creation", "call", "indexing"))


def _split(loop: Loop, body: list) -> tuple[list, list]:
    """The leading run of the body's top-level equations that read only values from outside the loop."""
    varying = {id(v) for v in loop.carried} | ({id(loop.index)} if loop.index is not None else set())
    varying |= {id(v) for v in all_defined(loop.cond_body)}
    hoisted, kept = [], []
    for stmt in body:
        if isinstance(stmt, Eqn) and _movable(stmt) and not any(id(a) in varying for a in stmt.args):
            hoisted.append(stmt)
            continue
        kept.append(stmt)
        varying |= {id(v) for v in all_defined([stmt])} | {id(v) for v in stmt.outs}
    return hoisted, kept
