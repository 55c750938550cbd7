"""`with np.errstate(...)` in the generated NumPy module: code lowered from a source `np.errstate` block carries
its modes on its location (`SourceLoc.errstate`, normalize/errstate_blocks.py) and its lines run under the same
modes, so the module prints no warning the user's block silenced (nor, where the block sets "warn", fewer)."""
from __future__ import annotations

from ... import codegen as cg
from ...ir import Atom, Eqn
from .nodes import indent, out_id, with_header


def errstate(stmt) -> tuple:
    """The `np.errstate` modes the line of `stmt` runs under: its source's (none for compiler code)."""
    return stmt.loc.errstate if stmt.loc is not None else ()


def tail_errstate(stmts: list, folded: set[int], tail: list[Atom]) -> tuple:
    """The modes of a block's tail (a return, merges): those of the trailing equation folded into it."""
    last = stmts[-1] if stmts else None
    if isinstance(last, Eqn) and out_id(last) in folded and out_id(last) in {id(a) for a in tail}:
        return errstate(last)
    return ()


def errstate_header(modes: tuple) -> str:
    """`with np.errstate(divide="ignore"):`, the line that opens code run under the source's modes."""
    return with_header(cg.call("np.errstate", **dict(modes)))


class ErrstateRuns:
    """Consecutive lines of a block under the same `np.errstate` modes, each run under some wrapped in its
    `with` (a run of comments only stays as it is: a `with` needs a statement). Compound statements are never
    wrapped whole: their bodies' lines are, so that code after the source's `with` (lowered into a branch
    when the block can exit) runs under the caller's modes, as in Python."""

    def __init__(self):
        self.runs: list[tuple[tuple, list[str]]] = []

    def add(self, modes: tuple, lines: list[str]) -> None:
        if not lines:
            return
        if self.runs and self.runs[-1][0] == modes:
            self.runs[-1][1].extend(lines)
        else:
            self.runs.append((modes, list(lines)))

    def lines(self) -> list[str]:
        out: list[str] = []
        for modes, lines in self.runs:
            if not modes or all(line.startswith("#") for line in lines):
                out.extend(lines)
            else:
                out += [errstate_header(modes)] + indent(lines)
        return out
