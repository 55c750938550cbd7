"""Module-level names computed at build time: `C = A * B`, `sizes = [2, 10, 1]`, `shapes = list(zip(...))`,
and functions that a factory returns (`loss = make_loss(sizes)`, `predict, loss = make_nn_funs(sizes)`).

The module's top-level assignments are run, in order, by the same lowering that runs kernels, so the values
they may hold are the build-time values kernels know (numbers, strings, lists, tuples, dicts, functions). A
statement that would compute an array, or that uses anything else, leaves its names undefined; a kernel that
reads one is told why.
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, NameScope
from ..errors import TranspileError
from ..values import Frame


MODULE_LEVEL = -2  # the level of lists made at module level: kernels read them, never change them


class ModuleScope:
    """Mixed into `Lowering`. Relies on its `expr`, `_assign`, `_frame`, `parsed`."""

    def module_values(self) -> dict:
        """Module-level name -> build-time value (computed once, on first use)."""
        if self._module_values is None:
            self._module_values, self._module_failures = {}, {}
            self._run_module()
        return self._module_values

    @property
    def module_failures(self) -> dict:
        """Module-level name -> why it has no build-time value."""
        self.module_values()
        return self._module_failures

    def _run_module(self) -> None:
        env = self._module_values
        builder = Builder(NameScope())
        builder.reuse = False
        saved = self._frame, self._stack[:], self._level
        self._frame = Frame(env, None)
        self._level = MODULE_LEVEL
        try:
            for small in self.parsed.statements:
                names = _targets(small)
                start = len(builder.eqns)
                builder.loc = self.locate(small)
                self._statement_start = start
                try:
                    self._run_statement(small, builder, env)
                except TranspileError as exc:
                    self._fail(names, exc.message)
                    continue
                if len(builder.eqns) > start or builder.prologue:
                    self._fail(names, "it computes an array, which exists only at run time")
        finally:
            self._frame, self._level = saved[0], saved[2]
            self._stack[:] = saved[1]

    def _fail(self, names: list[str], why: str) -> None:
        for name in names:
            self._module_values.pop(name, None)
            self._module_failures[name] = why

    def _run_statement(self, small, builder: Builder, env: dict) -> None:
        if isinstance(small, cst.Assign):
            value = self.expr(small.value, builder, env)
            for target in small.targets:
                self._assign(target.target, value, builder, env)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self._assign(small.target, self.expr(small.value, builder, env), builder, env)
        elif isinstance(small, cst.AugAssign):
            self._lower_small(small, builder, env)


def _targets(small) -> list[str]:
    names: list[str] = []

    def walk(target):
        if isinstance(target, cst.Name):
            names.append(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                walk(element.value)
        elif isinstance(target, cst.Subscript):
            walk(target.value)

    if isinstance(small, cst.Assign):
        for target in small.targets:
            walk(target.target)
    else:
        walk(small.target)
    return names
