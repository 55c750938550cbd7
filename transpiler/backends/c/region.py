"""What a fused region is while the cut is made, and the vocabulary the cut and its rewrites share."""
from __future__ import annotations

from dataclasses import dataclass, field

from ...ir import equations, free_values
from ...ir.types import TensorType

REDUCTIONS = {"sum": "add", "mean": "add", "max": "max", "min": "min", "prod": "mul"}
CREATION = {"zeros", "ones", "full", "zeros_like", "ones_like"}
TAPE_OPS = {"tape_new", "push", "pop"}


@dataclass
class Region:
    """A fused region: its own statements over the index space `shape`, the host work hoisted before its
    launch, and `copies`: equations of earlier regions it recomputes instead of reading their stored results
    (see remat.py); `checks`: host index checks met between its statements (a dead gather's `check_index`,
    see analysis/dead_reads.py), each with the ids of the statements before it, so that the launch makes them
    in their place among its gathers' own checks instead of the check cutting the region in two.
    """

    stmts: list
    shape: tuple
    hoisted: list = field(default_factory=list)
    copies: list = field(default_factory=list)
    checks: list = field(default_factory=list)

    @property
    def body(self) -> list:
        return self.copies + self.stmts


def is_check(stmt) -> bool:
    """A host index check (`check_index`, `check_nonempty`): it raises or does nothing, and writes no array."""
    return type(stmt).__name__ == "Eqn" and stmt.prim.name in ("check_index", "check_nonempty")


def with_checks(stmts: list, checks: list, before: set[int] = frozenset()) -> list:
    """`stmts` with a region's `checks` (pairs of the ids of the statements before the check and the check) each
    placed before the first statement not among those before it (`before`: ids counted as before every check,
    the statements an earlier region computed), and those left after the last."""
    out, waiting = [], list(checks)
    for stmt in stmts:
        while waiting and id(stmt) not in waiting[0][0] and id(stmt) not in before:
            out.append(waiting.pop(0)[1])
        out.append(stmt)
    return out + [check for _, check in waiting]


def is_tape(atom) -> bool:
    return atom.type.dtype == "tape"


def fits(t: TensorType, shape: tuple) -> bool:
    """Does a value of type `t` broadcast to `shape` without stretching any of `shape`'s own dims?"""
    if t.dtype == "tape" or t.shape is None or len(t.shape) > len(shape):
        return False
    return all(d == 1 or d == s for d, s in zip(reversed(t.shape), reversed(shape)))


def offset_read(eqn) -> bool:
    """Does the equation read its first operand at other elements than the kernel's own (a shifted load, see
    stencils/)? That operand must then come from memory: never computed in the same kernel."""
    return bool(eqn.prim.extra.get("offset_read"))


def is_element_eqn(eqn) -> bool:
    """An elementwise equation a kernel computes per element (from the registry's C expression)."""
    return eqn.prim.family == "elementwise" and (bool(eqn.prim.cuda) or eqn.prim.name == "stop_gradient")


def tape_eqns(block: list) -> list:
    """The tape pushes and pops of a block, nested ones included."""
    return [e for e in equations(block) if e.prim.name in ("push", "pop")]


def drop_dead(stmts: list, kept: set[int]) -> list:
    """The statements less the elementwise equations whose results neither `kept` (ids of the values the kernel
    stores) nor a later statement reads: a value a later kernel recomputes instead of loading (remat.py) leaves
    its computation dead here, and its inputs need not be passed or loaded."""
    live = set(kept)
    out = []
    for stmt in reversed(stmts):
        # (an accumulation `+=` in a kernel writes the kernel's own output, not its operand: unstored, it is dead)
        pure = type(stmt).__name__ == "Eqn" and (is_element_eqn(stmt) or stmt.prim.name in CREATION)
        if pure and not any(id(o) in live for o in stmt.outs):
            continue
        out.append(stmt)
        live |= {id(v) for v in free_values([stmt])}
    return out[::-1]
