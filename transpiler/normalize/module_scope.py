"""Module-level names computed at build time: `C = A * B`, `sizes = [2, 10, 1]`, `shapes = list(zip(...))`,
and functions that a factory returns (`loss = make_loss(sizes)`, `predict, loss = make_nn_funs(sizes)`).

The module's top-level assignments are run, in order, by the same lowering that runs kernels, so the values
they may hold are the build-time values kernels know (numbers, strings, lists, tuples, dicts, functions). A
statement that uses anything else leaves its names undefined; a kernel that reads one is told why.

A statement that computes arrays from constants (`A = np.eye(3) * 2`, `grid = np.linspace(0, 1, 11)`, `C = A @
B`) is not evaluated by the compiler: its equations are emitted once, in source order, at the top of the
generated module, and kernels read the module-level names it binds (as constants: no derivative flows into
them). The generated module stays standalone and as readable as the source, and computes the same values by the
same NumPy calls, whatever their size. Random draws (`np.random...`) are not in the language: a kernel reading
such a name is told that the generated module would draw other numbers.
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, NameScope
from ..errors import TranspileError
from ..ir import Const, Var
from ..values import DictValue, Frame, ListValue


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
        builder = Builder(NameScope(self.parsed.kernels))
        builder.reuse = False
        saved = self._frame, self._stack[:], self._level
        self._frame = Frame(env, None)
        self._level = MODULE_LEVEL
        self._running_module = True
        first = None
        try:
            for small in self.parsed.statements:
                names = _targets(small)
                start = len(builder.eqns)
                builder.loc = self.locate(small)
                self._statement_start = start
                try:
                    self._run_statement(small, builder, env)
                except TranspileError as exc:
                    del builder.eqns[start:]
                    self._fail(names, _why(small, exc.message, builder.loc.line))
                    continue
                if builder.prologue:
                    raise TranspileError("a module-level statement reads a size no array gives", builder.loc)
                if len(builder.eqns) > start and self.parsed.import_only:
                    del builder.eqns[start:]
                    self._fail(names, f"it computes an array (line {builder.loc.line} of {self.parsed.path}), and "
                                      "only the module being transpiled emits its module-level arrays")
                elif len(builder.eqns) > start and first is None:
                    first = builder.loc
        finally:
            self._frame, self._level = saved[0], saved[2]
            self._stack[:] = saved[1]
            self._running_module = False
        if builder.eqns:
            self._keep_arrays(builder, env, first)

    def _keep_arrays(self, builder: Builder, env: dict, first) -> None:
        """The arrays the module's names hold once it has run become constants naming module-level variables;
        the code computing them is kept, once (the first lowering of the module's), for the generated module."""
        recorded = self.parsed.module_arrays.get("module")
        if recorded is not None:  # an earlier lowering of this module: its constants, its code
            env.update({name: value for name, value in recorded.bindings.items() if name in env})
            return
        bindings = {}
        for name in list(env):
            value = _as_constant(env[name], name, builder)
            if value is not env[name] or _holds_constants(value):
                env[name] = bindings[name] = value
        self.parsed.module_arrays["module"] = ModuleArrays(list(builder.eqns), bindings, first)

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


class ModuleArrays:
    """The module-level statements that compute arrays: their equations, in source order (emitted at the
    generated module's top), the module's names holding arrays (each a constant standing for the module-level
    variable, or a list, tuple or dict of them) and where the first such statement is."""

    def __init__(self, eqns: list, bindings: dict, loc):
        self.eqns, self.bindings, self.loc = eqns, bindings, loc


def _as_constant(value, name: str, builder: Builder):
    """A module-level value with every array in it made a constant that names its module-level variable (named
    after the source: `A`; `Ws_0`, `Ws_1` for the arrays of a list `Ws`; `table_w` for `table["w"]`)."""
    if isinstance(value, Var):
        if value.temporary:
            builder.rename(value, name)
        return Const(value, value.type.with_shape(value.type.shape))
    if isinstance(value, tuple):
        return tuple(_as_constant(v, f"{name}_{i}", builder) for i, v in enumerate(value))
    if isinstance(value, ListValue):
        value.items = [_as_constant(v, f"{name}_{i}", builder) for i, v in enumerate(value.items)]
    elif isinstance(value, DictValue):
        value.items = {k: _as_constant(v, f"{name}_{k}" if str(k).isidentifier() else f"{name}_{i}", builder)
                       for i, (k, v) in enumerate(value.items.items())}
    return value


def _holds_constants(value) -> bool:
    if isinstance(value, Const):
        return isinstance(value.value, Var)
    if isinstance(value, tuple):
        return any(_holds_constants(v) for v in value)
    if isinstance(value, (ListValue, DictValue)):
        items = value.items.values() if isinstance(value, DictValue) else value.items
        return any(_holds_constants(v) for v in items)
    return False


def _why(small, message: str, line: int) -> str:
    """Why a module-level statement has no value kernels can read; random draws said as such."""
    text = cst.Module([]).code_for_node(small)
    if "random" in text:
        return (f"it draws random numbers (line {line}), which the generated module would draw again, "
                f"differently ({message})")
    return f"{message} (line {line})"


def module_code(parsed) -> list:
    """The equations of the module-level statements that compute arrays, in source order (empty for most)."""
    recorded = parsed.module_arrays.get("module")
    return recorded.eqns if recorded is not None else []


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
