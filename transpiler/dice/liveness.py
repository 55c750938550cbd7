"""Delete every column right after its last use, so the table merges the worlds that became equal.

Built on the kernels' `last_uses` over (defined, used) name lists, block by block: a loop body keeps what the
next iteration reads; each side of a random `if` drops, on entry, the columns only the other side needs, and
deletes its own columns after their last use; an independent sub-table keeps only its result.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..analysis.liveness import last_uses
from . import ir


def annotate(block: list, live_out: set[str]) -> list:
    """`block` with `drop` (and `merge`) operations inserted."""
    return _block(block, set(live_out))[0]


def live_in(block: list, live_out: set[str]) -> set[str]:
    live = set(live_out)
    for stmt in reversed(block):
        defs, used = _summary(stmt)
        live = (live - _must_defs(stmt)) | used
    return live


def _must_defs(stmt) -> set[str]:
    if isinstance(stmt, ir.Op):
        return set(stmt.defs)
    if isinstance(stmt, ir.Sub):
        return set(stmt.results)
    return set()


def _defs(block: list) -> set[str]:
    names: set[str] = set()
    for stmt in block:
        names |= _summary(stmt)[0]
    return names


def _summary(stmt) -> tuple[set[str], set[str]]:
    """(names defined anywhere in it, names it reads before defining them)."""
    if isinstance(stmt, ir.Op):
        return set(stmt.defs), set(stmt.uses)
    if isinstance(stmt, ir.Plain):
        return set(), set()
    if isinstance(stmt, ir.Sub):
        return set(stmt.results), set()
    if isinstance(stmt, (ir.Branch, ir.Choice)):
        cond = set(stmt.cond_uses) if isinstance(stmt, ir.Branch) else set()
        return (_defs(stmt.then_body) | _defs(stmt.else_body),
                cond | live_in(stmt.then_body, set()) | live_in(stmt.else_body, set()))
    if isinstance(stmt, ir.Loop):
        return _defs(stmt.body), live_in(stmt.body, set())
    raise TypeError(stmt)


def _drop(table: str, names: list[str]) -> ir.Op:
    return ir.Op(table, cst.Expr(cg.call(cg.attr(cg.name(table), "drop"), *names)))


def _merge(table: str) -> ir.Op:
    return ir.Op(table, cst.Expr(cg.call(cg.attr(cg.name(table), "merge"))))


def _always_defs(stmt) -> set[str]:
    """Names a statement defines on every path through it (a loop may run no times)."""
    if isinstance(stmt, (ir.Branch, ir.Choice)):
        return _always_defs_block(stmt.then_body) & _always_defs_block(stmt.else_body)
    return _must_defs(stmt)


def _always_defs_block(block: list) -> set[str]:
    names: set[str] = set()
    for stmt in block:
        names |= _always_defs(stmt)
    return names


def _block(block: list, live_out: set[str]) -> tuple[list, set[str]]:
    summaries = [_summary(stmt) for stmt in block]
    # what is live after each statement, to annotate nested blocks
    after: list[set[str]] = [set() for _ in block]
    live = set(live_out)
    for index in range(len(block) - 1, -1, -1):
        after[index] = set(live)
        live = (live - _must_defs(block[index])) | summaries[index][1]
    # a name that a branch or loop may leave as it was is read through it when it is live after it
    passes = [(defs - _always_defs(stmt)) & after[index] if isinstance(stmt, (ir.Branch, ir.Choice, ir.Loop))
              else set() for index, (stmt, (defs, _)) in enumerate(zip(block, summaries))]
    deaths = last_uses([(sorted(d), sorted(u | p)) for (d, u), p in zip(summaries, passes)], keep=live_out)
    out: list = []
    for index, stmt in enumerate(block):
        out.append(_nested(stmt, after[index], summaries[index][1]))
        dying = [name for name in deaths[index] if name not in _killed(stmt, after[index])]
        if isinstance(stmt, ir.Op) and isinstance(stmt.stmt, cst.Return):
            continue
        if dying:
            out.append(_drop(stmt.table, dying))
        elif isinstance(stmt, ir.Op) and stmt.overwrites:
            out.append(_merge(stmt.table))
    return out, live


def _loop_end(stmt: ir.Loop, live_after: set[str]) -> set[str]:
    """What is live at the end of a loop body: what follows the loop and what the next iteration reads."""
    end = set(live_after)
    while True:
        grown = live_after | live_in(stmt.body, end)
        if grown == end:
            return end
        end = grown


def _killed(stmt, live_after: set[str]) -> set[str]:
    """Names a compound statement already deleted itself (no `drop` after it)."""
    if isinstance(stmt, ir.Branch):
        defs, used = _summary(stmt)
        return (defs | used) - live_after
    if isinstance(stmt, ir.Loop):
        return _defs(stmt.body) - _loop_end(stmt, live_after)
    return set()


def _nested(stmt, live_after: set[str], used: set[str]):
    if isinstance(stmt, ir.Branch):
        both = _defs(stmt.then_body) & _defs(stmt.else_body)
        present = set(stmt.cond_uses) | used | (live_after - both)
        sides = []
        for table, body in ((stmt.then_table, stmt.then_body), (stmt.else_table, stmt.else_body)):
            annotated, needed = _block(body, live_after)
            unused = sorted(present - needed)
            if unused:
                annotated = [_drop(table, unused)] + annotated
            sides.append(annotated)
        return ir.Branch(stmt.table, stmt.cond, stmt.cond_uses, stmt.then_table, stmt.else_table, sides[0],
                         sides[1], stmt.note)
    if isinstance(stmt, ir.Choice):
        return ir.Choice(stmt.table, stmt.test, _block(stmt.then_body, live_after)[0],
                         _block(stmt.else_body, live_after)[0], stmt.note)
    if isinstance(stmt, ir.Loop):
        end = _loop_end(stmt, live_after)
        return ir.Loop(stmt.table, stmt.target, stmt.iterable, _block(stmt.body, end)[0], stmt.note)
    if isinstance(stmt, ir.Sub):
        return ir.Sub(stmt.table, stmt.sub_table, _block(stmt.body, set(stmt.results))[0], stmt.results,
                      stmt.note)
    return stmt
