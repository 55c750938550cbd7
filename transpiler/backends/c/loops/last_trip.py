"""Stores a `for` loop's last trip need not make (CPU target, issue #11).

A region launched in a loop body often makes the next trip's carried value and nothing else: RK4's new state
`y`, a reverse sweep's cotangent `dy` handed to the step before. On the last trip that store is dead whenever
nothing reads the slot after the loop (GradBench ode's gradient reads neither: the forward loop's tapes and the
reverse loop's `dx` are what it keeps). At s = 1 every trip is the last: the forward and reverse steps each
wrote a whole array (8 bytes an element, 16 with the cache line's read for ownership) that no one read. The
loop kernel passes such an output as a null pointer on the last trip, and the region kernel, emitted with that
output `skippable` (emit.py), stores it only through a non-null pointer. The value the slot then holds is memory
nothing reads; everything that is read is the same, bit for bit.

Names, not value objects, decide: the loop kernel binds each host name to one C variable, and a carried slot,
its value after the loop (`Loop.outs`) and the body's value moved into it may share a name.
"""
from __future__ import annotations

from ....ir import Const, Eqn, Loop, Var, blocks, own_operands


def operand_names(atoms) -> set[str]:
    """The host names of the values among `atoms` (a module-level array's too)."""
    return {atom.name if isinstance(atom, Var) else atom.value.name for atom in atoms
            if isinstance(atom, Var) or (isinstance(atom, Const) and isinstance(atom.value, Var))}


def names_read(stmts: list) -> set[str]:
    """Every host name a statement of `stmts` reads, inside its compound statements too."""
    names: set[str] = set()
    for stmt in stmts:
        names |= operand_names(stmt.args if isinstance(stmt, Eqn) else own_operands(stmt))
        if not isinstance(stmt, Eqn):
            for block in blocks(stmt):
                names |= names_read(block)
    return names


def skippable_outputs(loop: Loop, after: set[str] | None) -> dict[int, frozenset[int]]:
    """For each launch directly in the body of the `for` loop `loop`: the positions of its array outputs that
    only become the next trip's carried value, in slots nothing reads after the loop (`after`: the names read
    once the loop is done; None when unknown, as inside another loop's body, whose next trip reads them)."""
    if loop.kind != "for" or after is None:
        return {}
    read_in_body = names_read(loop.body)
    dead_slots = {out.name for slot, final, out in zip(loop.carried, loop.outs, loop.carried_out)
                  if isinstance(out, Var) and slot.name not in after and final.name not in after}
    # (a value moved into two slots, one of them read after the loop, is not dead)
    live_moves = {out.name for slot, final, out in zip(loop.carried, loop.outs, loop.carried_out)
                  if isinstance(out, Var) and (slot.name in after or final.name in after)}
    found: dict[int, frozenset[int]] = {}
    for stmt in loop.body:
        if not (isinstance(stmt, Eqn) and stmt.prim.name == "launch"):
            continue
        positions = frozenset(k for k, out in enumerate(stmt.outs)
                              if out.type.shape != () and out.name in dead_slots and out.name not in live_moves
                              and out.name not in read_in_body and out.name not in after)
        if positions:
            found[id(stmt)] = positions
    return found
