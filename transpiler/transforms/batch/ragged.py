"""A masked `if` whose two sides give a value different lengths: a *ragged* batch, which no array can hold.

Unbatched, each example takes one side of the `if` and its value has that side's length (`u = y[2:]` on one side,
`u = x[:-1]` on the other). Batched, the merge `np.where(mask, then, else)` needs one length for every example.
Per axis of one example, the lengths the two sides give are compared at build time:

* the same dimension: one length, the merge as usual;
* lengths that differ for every size of the arguments (`3` and `4`, `n-2` and `n-1`): refused at the `if`;
* else (`max(n-2,0)` and `max(n-1,0)` agree where n <= 1; two names; a length only run time knows): checked at run
  time. Where no example takes one side, the other side's value is the batch's, whatever its length; where both
  sides are taken and the lengths differ, the batch raises ValueError naming the `if` (file:line:col), as a
  loop over the examples would give values no batch can stack.
"""
from __future__ import annotations

import re

from ...errors import SourceLoc, TranspileError
from ...ir import Atom, Eqn, blocks, own_operands, result_atoms
from ...ir.dims import add, poly_of, render, scale

HINT = ("give the value one length on both sides (slice or pad it to the same length), or reduce it inside each side "
        "(np.sum) so that every example's value has one shape")


def ragged_axes(then_value: Atom, else_value: Atom, name: str, loc: SourceLoc | None, loop: bool = False) -> list[int]:
    """The axes of one example along which the two sides' values of `name` may differ in length (to check at run
    time); raises TranspileError where they differ for every size. `loop`: the sides are one more trip of a loop
    whose trip count differs between examples (`then`) and the value before it (`else`, the examples that stop)."""
    a, b = then_value.type.shape, else_value.type.shape
    if a is None or b is None or len(a) != len(b) or then_value.type.dtype == "tape":
        return []
    unknown = []
    for axis, (da, db) in enumerate(zip(a, b)):
        if da == db:
            continue
        pa, pb = poly_of(da), poly_of(db)
        difference = add(pa, scale(pb, -1)) if pa is not None and pb is not None else None
        if difference is not None and not difference:  # (one spelling of one length)
            continue
        if difference is not None and list(difference) == [()]:  # (a nonzero constant apart)
            first, second = _SIDES[loop]
            raise TranspileError(
                f"vmap: `{_plain(name)}` has length {render(pa)} on the examples that {first} and {render(pb)} on "
                f"those that {second} (axis {axis}): one batch cannot hold values of different lengths (a ragged "
                "batch)", loc, HINT)
        unknown.append(axis)
    return unknown


def read_values(body: list, result) -> set[int]:
    """The ids of the values some statement of `body` (nested blocks too) or the result reads: a value of a
    ragged batch that nothing reads is no error (the loop computes it, and drops it)."""
    found = {id(a) for a in result_atoms(result)}
    stack = list(body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, Eqn):
            found.update(id(a) for a in stmt.args)
            continue
        found.update(id(a) for a in own_operands(stmt))
        for block in blocks(stmt):
            stack.extend(block)
    return found


def ragged_message(name: str, axes: list[int], loc: SourceLoc | None, loop: bool = False) -> str:
    """The run-time error of a ragged batch: where (the `if`, the loop) and why."""
    where = f"{loc}: " if loc is not None else ""
    which = ", ".join(str(a) for a in axes)
    first, second = _SIDES[loop]
    return (f"{where}vmap: the examples that {first} give `{_plain(name)}` another length (axis {which}) than those "
            f"that {second}: one batch cannot hold values of different lengths (a ragged batch)")


_SIDES = {False: ("take one side of this `if`", "take the other"),
          True: ("run one more trip of this loop", "stop before it")}


def _plain(name: str) -> str:
    return re.sub(r"_[0-9]+$", "", name)
