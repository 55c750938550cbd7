"""Peel a loop's first trip where a slot's activity on that trip differs from the loop's (zero tangents, exactly).

Activity is one answer per loop slot: a slot is active when its initial value or its value at the end of a trip
is. A slot that starts at a constant (`acc = np.zeros_like(M)`) and depends on the input from the second trip on
is active, so the sweeps give it a run-time zero tangent (adjoint) on the first trip, where Python's function
does not depend on the input through it at all. A zero is the exact derivative of a constant, but a rule whose
factor is infinite at the constant's value turns it into NaN: `sqrt`'s `g / (2 * sqrt(u))` at `u = 0` gives
`0 / 0` (the user-forms generator's seed 393), as do `u ** 0.5`, `np.cbrt`, `np.log`, `np.arcsin` at 1 ...;
autograd never traces the constant. The same holds the other way round: a slot that starts at the input and is
set to a constant in the body is active on its first trip only.

Here such a loop runs its first trip on its own (`if` it runs at all), in front of the loop over the rest:
the peeled trip reads the initial values, so the activity analysis sees that the constant slots are constant
there, and no derivative is emitted through them; the remaining loop starts from the values the first trip
made. A loop is peeled only where the difference reaches a rule that can be infinite (its registry entry is
`singular`), and again while it does (a slot two steps away from the input is constant on two trips); everywhere
else a zero tangent is exact and the loop is left as it is; nor where the rule's argument is proved never at its
infinite point (`1.0 + u * u`, analysis/positive.py).
"""
from __future__ import annotations

import dataclasses

from ..analysis.activity import vary_block, varied
from ..analysis.positive import away_from_singular
from ..builder import Builder, const, function_builder
from ..inline import copy_block
from ..ir import Atom, Const, Function, If, Loop, Var, all_defined, equations
from ..ir.verify import verified

_MOST_PEELS = 8  # a slot whose activity alternates trip by trip is peeled no further (its zero stays run-time)


@verified("peel_constant_trips")
def peel_constant_trips(fn: Function, inputs: list[Var]) -> Function:
    """`fn` with the first trip of each loop peeled where a slot is constant on it but active in the loop (or
    the other way round) and the difference reaches a singular rule."""
    for _ in range(_MOST_PEELS):
        seen = varied(fn, inputs)
        builder = function_builder(fn)
        definitions = {id(v): e for e in equations(fn.body) for v in e.outs}
        body = _peel_one(builder, fn.body, seen, definitions)
        if body is None:
            return fn
        fn = dataclasses.replace(fn, body=body)
    return fn


def _peel_one(builder: Builder, block: list, seen: set[int], definitions: dict) -> list | None:
    """The block with its first loop that needs it peeled (outermost first); None where none does."""
    for k, stmt in enumerate(block):
        if isinstance(stmt, Loop) and _needs_peel(stmt, seen, definitions):
            peeled = _peeled(builder, stmt)
            if peeled is not None:
                return block[:k] + peeled + block[k + 1:]
        if isinstance(stmt, If):
            for field in ("then_body", "else_body"):
                inner = _peel_one(builder, getattr(stmt, field), seen, definitions)
                if inner is not None:
                    return block[:k] + [dataclasses.replace(stmt, **{field: inner})] + block[k + 1:]
        elif isinstance(stmt, Loop):
            for field in ("cond_body", "body"):
                inner = _peel_one(builder, getattr(stmt, field), seen, definitions)
                if inner is not None:
                    return block[:k] + [dataclasses.replace(stmt, **{field: inner})] + block[k + 1:]
    return None


def _needs_peel(loop: Loop, seen: set[int], definitions: dict) -> bool:
    if loop.reverse or any(e.prim.extra.get("in_place") or e.prim.family == "tape"
                           for e in equations(loop.cond_body + loop.body)):
        return False  # (an update in place would write into the initial value; a tape is the reverse sweep's)
    slots = [i for i, slot in enumerate(loop.carried) if slot.type.is_float and id(slot) in seen]
    inner = {id(v) for v in all_defined([loop])}
    outside = seen - inner
    first = {i for i in slots if isinstance(loop.inits[i], Var) and id(loop.inits[i]) in seen}
    on_first = _one_trip(loop, outside, first)
    second = {i for i in slots if isinstance(loop.carried_out[i], Var) and id(loop.carried_out[i]) in on_first}
    for trip in (on_first, _one_trip(loop, outside, second)):
        differs = (seen & inner) - trip
        if differs and any(e.prim.singular and any(id(a) in differs and e.prim.is_diff_arg(j)
                                                             for j, a in enumerate(e.args))
                           and not away_from_singular(e, definitions)  # (`1.0 + u * u` is never 0)
                           for e in equations(loop.cond_body + loop.body)):
            return True
    return False


def _one_trip(loop: Loop, outside: set[int], slots: set[int]) -> set[int]:
    """What varies on one trip of `loop` whose slots `slots` vary on entry (and no others)."""
    trip = set(outside) | {id(loop.carried[i]) for i in slots}
    vary_block(loop.cond_body, trip)
    vary_block(loop.body, trip)
    return trip


def _peeled(builder: Builder, loop: Loop) -> list | None:
    """`if <it runs>: <first trip>; <loop over the rest>` else the initial values, as the loop's results;
    None where the first trip's test is not known here (a `for` with a run-time step)."""
    mapping: dict[int, Atom] = {id(slot): init for slot, init in zip(loop.carried, loop.inits)}
    with builder.block() as stmts:
        if loop.kind == "for":
            bounds = loop.bounds
            start, stop, step = (const(0), bounds[0], const(1)) if len(bounds) == 1 else \
                (bounds[0], bounds[1], bounds[2] if len(bounds) == 3 else const(1))
            if not isinstance(step, Const) or not isinstance(step.value, int) or step.value == 0:
                return None
            builder.loc = loop.loc
            runs = builder.bind("less" if step.value > 0 else "greater", [start, stop])
            mapping[id(loop.index)] = start
            rest_bounds = (builder.bind("add", [start, step]), stop, step)
            if len(bounds) < 3 and step.value == 1:
                rest_bounds = rest_bounds[:2]
            first: list = []
        else:
            with builder.block() as first:
                copy_block(builder, loop.cond_body, mapping)
            runs = mapping.get(id(loop.cond), loop.cond)
            rest_bounds = loop.bounds
    if isinstance(runs, Const) and not runs.value:
        return None  # it never runs: nothing to peel
    with builder.block() as then_body:
        copy_block(builder, loop.body, mapping)
        nexts = tuple(mapping.get(id(a), a) for a in loop.carried_out)
        outs = tuple(Var(slot.name, slot.type) for slot in loop.carried)
        builder.emit(dataclasses.replace(loop, bounds=rest_bounds, inits=nexts, outs=outs))
    if isinstance(runs, Const):  # it runs: the first trip and the rest, with no test
        last = then_body[-1]
        then_body[-1] = dataclasses.replace(last, outs=loop.outs)
        return stmts + first + then_body
    merge = If(runs, then_body, [], loop.outs, outs, loop.inits, loop.loc)
    return stmts + first + [merge]
