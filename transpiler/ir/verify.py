"""The IR's own check: every value a statement reads is defined on every path that reaches it.

A pass that emits a read of a value before its definition (or outside the block that defines it) is otherwise found
only when the generated module runs, as a NameError far from the pass that made it. `verify` walks the blocks as
they run: a branch sees what was defined before the `if`, and what it defines itself; after the `if`, only its
merged `outs`; a loop's condition block and body see the loop's slots and index besides, and after it only its
`outs`. Values are compared by identity (`Var`s are defined once; in-place updates and loop slots share names, not
values). Liveness deletions work on names in the backend: `names.py` checks those on the generated code.

`verified(stage)` wraps a pass (IR -> IR) so that its output is checked (always, but where `LIFTED_VERIFY_IR=0`),
and a violation names the pass.
"""
from __future__ import annotations

import functools
import os
from typing import Callable

from . import Const, Eqn, Function, If, Loop, Var, result_atoms

ENV_FLAG = "LIFTED_VERIFY_IR"


class IRError(AssertionError):
    """A pass produced IR that reads a value no path to the read defines: a compiler bug."""


def enabled() -> bool:
    """The IR check: on unless `LIFTED_VERIFY_IR=0` (it costs under 1% of wing.py's transpile time)."""
    return os.environ.get(ENV_FLAG, "") != "0"


def names_enabled() -> bool:
    """The names check of generated modules (names.py): where `LIFTED_VERIFY_IR=1` (it re-parses each module: 4 to
    30% of the transpile time of examples/ and wing.py)."""
    return os.environ.get(ENV_FLAG, "") == "1"


def verify(fn: Function, stage: str = "") -> None:
    """Raise IRError at the first read of a value not defined on every path reaching it (in order of execution)."""
    _Checker(fn, stage).function()


def verified(stage: str) -> Callable:
    """Decorate a pass returning a Function: its result is verified unless the flag turns the check off."""
    def wrap(run: Callable) -> Callable:
        @functools.wraps(run)
        def checked(*args, **kwargs):
            result = run(*args, **kwargs)
            if enabled() and isinstance(result, Function):
                verify(result, stage)
            return result
        return checked
    return wrap


class _Checker:
    def __init__(self, fn: Function, stage: str):
        self.fn = fn
        self.stage = stage

    def function(self) -> None:
        defined = {id(p) for p in self.fn.params}
        self.block(self.fn.body, defined)
        self.reads(result_atoms(self.fn.result), defined, "the function's result")

    def block(self, block: list, defined: set[int]) -> set[int]:
        """Walk `block` with the values `defined` before it (updated in place); returns them."""
        for stmt in block:
            if isinstance(stmt, Eqn):
                self.reads(stmt.args, defined, stmt)
                defined.update(id(v) for v in stmt.outs)
            elif isinstance(stmt, If):
                self.reads([stmt.cond], defined, stmt)
                then = self.block(stmt.then_body, set(defined))
                self.reads(stmt.then_results, then, stmt, "its then-branch results")
                orelse = self.block(stmt.else_body, set(defined))
                self.reads(stmt.else_results, orelse, stmt, "its else-branch results")
                defined.update(id(v) for v in stmt.outs)
            elif isinstance(stmt, Loop):
                self.reads([*stmt.bounds, *stmt.inits], defined, stmt)
                inside = set(defined) | {id(v) for v in stmt.carried}
                if stmt.index is not None:
                    inside.add(id(stmt.index))
                self.block(stmt.cond_body, inside)
                if stmt.cond is not None:
                    self.reads([stmt.cond], inside, stmt, "its condition")
                self.block(stmt.body, inside)
                self.reads(stmt.carried_out, inside, stmt, "its carried values")
                defined.update(id(v) for v in stmt.outs)
            else:
                raise IRError(f"{self._where()}: not a statement of the IR: {stmt!r}")
        return defined

    def reads(self, atoms, defined: set[int], stmt, what: str = "") -> None:
        for atom in atoms:
            if isinstance(atom, Var) and id(atom) not in defined:
                raise IRError(f"{self._where()}: `{atom.name}` is read {'by ' + what + ' of ' if what else 'by '}"
                              f"{_shown(stmt)} where no path defines it{_located(stmt)}")
            if not isinstance(atom, (Var, Const)):
                raise IRError(f"{self._where()}: {atom!r} read by {_shown(stmt)} is neither a Var nor a Const")

    def _where(self) -> str:
        return f"IR of `{self.fn.name}` after {self.stage or 'a pass'}"


def _shown(stmt) -> str:
    if isinstance(stmt, str):
        return stmt
    if isinstance(stmt, Eqn):
        return f"`{stmt!r}`"
    return "an `if`" if isinstance(stmt, If) else f"a `{stmt.kind}` loop"


def _located(stmt) -> str:
    loc = getattr(stmt, "loc", None)
    return f" (source {loc.path}:{loc.line})" if loc is not None else ""
