"""Activity: which values need derivatives, i.e. depend on a `wrt` input *and* reach the output.

Only floating-point results of differentiable primitives carry derivatives; integers, booleans, shapes and
comparison results never do, so no adjoint is ever computed for them. Branch merges and loop slots are
followed to a fixed point.
"""
from __future__ import annotations

from ..ir import Eqn, Function, If, Loop, Var, result_atoms


def varied(fn: Function, inputs: list[Var]) -> set[int]:
    """Ids of values that depend differentiably on `inputs`."""
    seen = {id(v) for v in inputs}
    vary_block(fn.body, seen)
    return seen


def vary_block(block: list, seen: set[int]) -> None:
    """Add to `seen` (ids) what `block` computes from the values in it (a loop's one trip: transforms/peel.py)."""
    for stmt in block:
        if isinstance(stmt, Eqn):
            prim = stmt.prim
            if prim.family == "tape":  # a tape varies once a varying value is pushed; what is popped then varies
                if any(id(a) in seen for a in stmt.args):
                    seen.update(id(v) for v in (stmt.args[0],) + stmt.outs
                                if v.type.is_float or v.type.dtype == "tape")
            elif prim.differentiable and any(id(a) in seen and prim.is_diff_arg(i)
                                             for i, a in enumerate(stmt.args)):
                seen.update(id(out) for out in stmt.outs if out.type.is_float)
        elif isinstance(stmt, If):
            vary_block(stmt.then_body, seen)
            vary_block(stmt.else_body, seen)
            for out, a, b in zip(stmt.outs, stmt.then_results, stmt.else_results):
                if out.type.is_float and (id(a) in seen or id(b) in seen):
                    seen.add(id(out))
        elif isinstance(stmt, Loop):
            while True:
                before = len(seen)
                for slot, init, last in zip(stmt.carried, stmt.inits, stmt.carried_out):
                    if slot.type.is_float and (id(init) in seen or id(last) in seen):
                        seen.add(id(slot))
                vary_block(stmt.cond_body, seen)
                vary_block(stmt.body, seen)
                if len(seen) == before:
                    break
            seen.update(id(out) for out, slot in zip(stmt.outs, stmt.carried) if id(slot) in seen)


def useful(fn: Function, outputs: list) -> set[int]:
    """Ids of values that some output depends on (through data, not through control)."""
    needed = {id(a) for a in outputs if isinstance(a, Var)}
    _backward(fn.body, needed)
    return needed


def _backward(block: list, needed: set[int]) -> None:
    for stmt in reversed(block):
        if isinstance(stmt, Eqn):
            # a push is needed when its tape is (a pop reads the tape itself, not the push's result)
            if any(id(out) in needed for out in stmt.outs) or (stmt.prim.family == "tape" and stmt.args
                                                               and id(stmt.args[0]) in needed):
                needed.update(id(a) for a in stmt.args if isinstance(a, Var))
                needed.update(id(out) for out in stmt.outs)
        elif isinstance(stmt, If):
            for out, a, b in zip(stmt.outs, stmt.then_results, stmt.else_results):
                if id(out) in needed:
                    needed.update(id(x) for x in (a, b) if isinstance(x, Var))
            _backward(stmt.then_body, needed)
            _backward(stmt.else_body, needed)
        elif isinstance(stmt, Loop):
            while True:
                before = len(needed)
                for out, slot, init, last in zip(stmt.outs, stmt.carried, stmt.inits, stmt.carried_out):
                    if id(out) in needed or id(slot) in needed:
                        needed.update(id(x) for x in (slot, init, last) if isinstance(x, Var))
                _backward(stmt.body, needed)
                if len(needed) == before:
                    break


def active(fn: Function, inputs: list[Var]) -> set[int]:
    return varied(fn, inputs) & useful(fn, result_atoms(fn.result))
