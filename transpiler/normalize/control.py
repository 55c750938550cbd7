"""Lowering compound statements: `if` (see branches.py), `for` and `while` to structured IR.

A name assigned in a loop body becomes a loop-carried slot (see loops.py). A `for` over a constant range whose
body needs each iteration at build time is unrolled; a loop with `break` or `return` runs under a flag; a loop
whose first iteration shares arrays differently from the next ones has it lowered on its own (peeling.py).
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..errors import TranspileError
from ..frontend.checks import compound_error
from ..ir import Atom, Const, Var
from ..ir.types import TensorType
from ..primitives.indexing import Ref
from .branches import Branches
from .peeling import PEEL_LIMIT, FirstIterations
from .static import UNROLL_LIMIT, StaticNeeded
from .syntax import RESULT, RETURNED, has_break, has_return, loop_result_keys, runs_until_return
from .static_while import StaticWhile
from .unroll import Unrolling


class ControlFlow(Branches, FirstIterations, Unrolling, StaticWhile):
    """Mixed into `Lowering`: compound statements. Relies on its `expr`, `lower_block`, `error`, `_atom`."""

    def lower_compound(self, statement: cst.CSTNode, builder: Builder, env: dict) -> None:
        if isinstance(statement, cst.If):
            return self._lower_if(statement, builder, env)
        if isinstance(statement, cst.For):
            return self._lower_for(statement, builder, env)
        if isinstance(statement, cst.While):
            return self._while_or_unroll(statement, builder, env)
        raise compound_error(statement, self.locate)

    # -- loops ---------------------------------------------------------------------------------------------
    def _lower_for(self, node: cst.For, builder: Builder, env: dict) -> None:
        if node.orelse is not None:
            raise self.error(node.orelse, "`for ... else` is not part of the kernel language",
                             "set a flag in the loop and test it afterwards")
        if node.asynchronous is not None:
            raise self.error(node, "`async for` is not part of the kernel language")
        value = None
        if not _is_range(node.iter, env):
            value = self.expr(node.iter, builder, env)
            if not isinstance(value, (Var, Const)):  # a list, tuple, dict or constant range: runs at build time
                return self.unroll(node, self.static_items(value, node.iter, builder), builder, env)
        if not isinstance(node.target, cst.Name):
            raise self.error(node.target, "the loop variable must be a single name here (unpacking works in a loop "
                             "over a list)", "for i in range(n):")
        bounds, sequence = self._loop_bounds(node.iter, builder, env, value)
        if all(isinstance(b, Const) for b in bounds):
            return self._loop_or_unroll(node, bounds, sequence, builder, env)
        self._lower_for_loop(node, bounds, sequence, builder, env)

    def _loop_or_unroll(self, node: cst.For, bounds, sequence, builder: Builder, env: dict) -> None:
        """A `for` over a constant range stays a loop unless its body needs each iteration at build time (it
        changes a list, or indexes one with the loop variable): then it is unrolled."""
        state, count, saved_env = builder.snapshot(), len(builder.eqns), dict(env)
        saved_names = dict(self._conditional_names)
        try:
            self._lower_for_loop(node, bounds, sequence, builder, env)
        except StaticNeeded as exc:
            iterations = range(*(b.value for b in bounds))
            if len(iterations) > UNROLL_LIMIT:
                raise exc from None
            del builder.eqns[count:]
            builder.restore(state)
            env.clear()
            env.update(saved_env)
            self._conditional_names = saved_names
            if sequence is None:
                items = [const(i) for i in iterations]
            else:  # the rows of an array whose length is known at build time
                builder.loc = self.locate(node)
                items = [builder.bind("getitem", [sequence], {"index": (i,)}) for i in iterations]
            self.unroll(node, items, builder, env)

    def _lower_for_loop(self, node: cst.For, bounds, sequence, builder: Builder, env: dict, peeled: int = 0) -> None:
        loc = builder.loc
        target = node.target.value
        index_name = target if sequence is None else f"{target}_index"
        rows = f"<rows{len(self._break_flags)}>"  # the array iterated over: a write through a row changes it
        if sequence is not None:
            env[rows] = sequence
        before = env.get(target)

        def lower_iteration(body_env: dict, index: Var) -> None:
            if sequence is not None:  # for row in x: row = x[i], a view
                builder.loc = loc
                row = self._bind(builder, node.target, "getitem", [body_env[rows]], {"index": (index.value,)}) \
                    if isinstance(index, Const) else \
                    self._bind(builder, node.target, "getitem", [body_env[rows], index], {"index": (Ref(1),)})
                builder.rename(row, target)
                self._named.add(id(row))
                body_env[target] = row
            else:
                body_env[target] = index
            self._nested(list(node.body.body), builder, body_env)

        flag = self._break_flag(node, env)

        def lower_loop() -> None:
            # the loop variable keeps its last value after the loop (its value before, if the loop never runs)
            keeps = sequence is None and (isinstance(before, (Var, Const)) or _runs(bounds))
            if keeps and not isinstance(before, (Var, Const)):
                env[target] = bounds[0]  # never read: the loop runs
            if not keeps:
                env.pop(target, None)
            try:
                if flag is None:
                    self._lower_loop("for", node, bounds, None, lower_iteration, index_name, builder, env, loc, flag,
                                     target, keeps)
                else:  # it may stop early (`break`, `return`): a `while` over the index, so no more iterations run
                    self._lower_stopping_for(node, bounds, lower_iteration, builder, env, loc, flag, target, keeps)
            finally:
                env.pop(rows, None)
            if not keeps:
                self._conditional_names[target] = loc

        start, stop, step = bounds
        if flag is not None or peeled >= PEEL_LIMIT or not isinstance(step, Const):
            return lower_loop()

        def first(first_env: dict) -> None:
            builder.loc = loc
            lower_iteration(first_env, python_int(start, builder))

        def rest(rest_env: dict) -> None:
            builder.loc = loc
            following = builder.bind("add", [python_int(start, builder), python_int(step, builder)])
            self._lower_for_loop(node, (following, stop, step), rest_env.get(rows), builder, rest_env, peeled + 1)

        def runs() -> Atom:
            builder.loc = loc
            return builder.bind("less" if step.value > 0 else "greater", [start, stop])

        try:
            self._peel_if_needed(lower_loop, runs, first, rest, builder, env)
        finally:
            env.pop(rows, None)

    def _lower_stopping_for(self, node, bounds, lower_iteration, builder: Builder, env: dict, loc, flag: str,
                            target: str, keeps: bool) -> None:
        """`for i in range(start, stop, step)` with a `break` or `return`: `while running and next < stop`,
        where `next` is the index of the coming iteration (advanced first, so `continue` cannot skip it)."""
        start, stop, step = bounds
        upcoming = f"<{target}{len(self._break_flags)}>"  # shown as the loop variable's name
        builder.loc = loc
        env[upcoming] = python_int(start, builder, name=target)
        advance = python_int(step, builder)

        def lower_cond(cond_env: dict) -> Atom:
            builder.loc = loc
            index = cond_env[upcoming]
            if isinstance(step, Const):
                within = builder.bind("less" if step.value > 0 else "greater", [index, stop])
            else:
                rising = builder.bind("logical_and", [builder.bind("greater", [step, const(0)]),
                                                      builder.bind("less", [index, stop])])
                falling = builder.bind("logical_and", [builder.bind("less", [step, const(0)]),
                                                       builder.bind("greater", [index, stop])])
                within = builder.bind("logical_or", [rising, falling])
            return builder.bind("logical_and", [cond_env[flag], within])

        def lower_body(body_env: dict, index) -> None:
            current = body_env[upcoming]
            body_env[upcoming] = builder.bind("add", [current, advance], name=f"next_{target}")
            lower_iteration(body_env, current)

        try:
            self._lower_loop("while", node, (), lower_cond, lower_body, None, builder, env, loc, flag, target, keeps)
        finally:
            env.pop(upcoming, None)

    def after_returning_loop(self, loop: cst.CSTNode, rest: list, builder: Builder, env: dict) -> tuple | None:
        """After a loop that may have returned: the rest of the block runs only if it did not."""
        returned = env[RETURNED]
        keys = loop_result_keys(loop.body, builder.loc)
        if id(loop) in self._unreturning:  # no `return` of the loop is reached
            self._unreturning.discard(id(loop))
            outcome = self._nested(rest, builder, env)
            return ("continue",) if self._loop_depth else outcome
        if self._loop_depth:  # inside an enclosing loop: stop it too, and end this iteration
            flag = self._break_flags[-1]

            def stop(e: dict) -> tuple:
                e[flag] = const(False)
                return ("continue",)

            if runs_until_return(loop):
                return stop(env)
            self._split(returned, stop, lambda e: self._nested(rest, builder, e), builder, env)
            return ("continue",)

        def result(e: dict) -> tuple:
            return ("return", e[RESULT] if keys == [RESULT] else tuple(e[k] for k in keys))

        if runs_until_return(loop):  # what follows the loop never runs
            return result(env)
        return self._split(returned, result, lambda e: self._nested(rest, builder, e), builder, env,
                           one_sided="the kernel returns inside this loop but not on every path after it")

    def _zero_of(self, type_: TensorType, builder: Builder, loc) -> Atom:
        """The value a loop's result slot holds before anything is returned (never read as a result)."""
        if type_.dtype == "none":
            raise TranspileError("this loop's `return` value has no type", loc)
        if type_.shape == ():
            return const({"bool": False, "i32": 0, "i64": 0}.get(type_.dtype, 0.0))
        shape = builder.shape_atoms(type_)
        if shape is None:
            raise TranspileError("a value returned from inside a loop needs a shape known at build time", loc,
                                 "annotate the parameters it is computed from")
        return builder.bind("zeros", shape, {"dtype": type_.dtype})

    def _break_flag(self, node, env: dict) -> str | None:
        """For a loop containing `break` (or `return`): the env key of its running flag, True before the loop."""
        if not has_break(node.body) and not has_return(node.body):
            return None
        key = f"<running{len(self._break_flags)}>"
        env[key] = const(True)
        return key

    def _loop_bounds(self, iterable: cst.BaseExpression, builder: Builder, env: dict, value=None):
        """`range(...)` bounds as integer atoms, or the array iterated over its first axis."""
        if _is_range(iterable, env):
            args = [a for a in iterable.args]
            if not 1 <= len(args) <= 3 or any(a.keyword is not None or a.star for a in args):
                raise self.error(iterable, "range() takes 1 to 3 positional integer arguments here")
            atoms = []
            for arg in args:
                atom = self._atom(self.expr(arg.value, builder, env), arg.value)
                if atom.type.dtype not in ("i32", "i64") or atom.type.shape != ():
                    raise self.error(arg.value, "range() bounds must be integer scalars",
                                     "use len(x), x.shape[0] or an int parameter")
                atoms.append(atom)
            if len(atoms) == 1:
                atoms = [const(0)] + atoms
            if len(atoms) == 2:
                atoms.append(const(1))
            if isinstance(atoms[2], Const) and atoms[2].value == 0:
                raise self.error(iterable, "range() step must not be zero")
            return tuple(atoms), None
        if isinstance(value, (Var, Const)) and value.type.rank:
            stop = self._dim(value, 0, builder, iterable)
            return (const(0), stop, const(1)), value
        raise self.error(iterable, "a kernel `for` loop runs over range(...) or over an array's first axis",
                         "for i in range(n):")

    def _lower_while(self, node: cst.While, builder: Builder, env: dict, peeled: int = 0) -> None:
        if node.orelse is not None:
            raise self.error(node.orelse, "`while ... else` is not part of the kernel language",
                             "set a flag in the loop and test it afterwards")
        loc = builder.loc

        def lower_cond(cond_env: dict) -> Atom:
            builder.loc = loc
            return self._condition(node.test, builder, cond_env)

        def lower_body(body_env: dict, index: Var | None) -> None:
            self._nested(list(node.body.body), builder, body_env)

        runs = self._surely_true(node.test, builder, env)
        flag = self._break_flag(node, env)
        if flag is None and peeled < PEEL_LIMIT:
            return self._peel_if_needed(
                lambda: self._lower_loop("while", node, (), lower_cond, lower_body, None, builder, env, loc, runs=runs),
                lambda: const(True) if runs else lower_cond(env), lambda e: lower_body(e, None),
                lambda e: self._lower_while(node, builder, e, peeled + 1), builder, env)
        if flag is None:
            self._lower_loop("while", node, (), lower_cond, lower_body, None, builder, env, loc, runs=runs)
            return

        def stop(else_env: dict) -> None:
            else_env[flag] = const(False)

        def test_then_body(body_env: dict, index: Var | None) -> None:  # `while running:` tests inside
            cond = lower_cond(body_env)
            self._guarded(cond, lambda e: lower_body(e, None), stop, builder, body_env, loc)

        self._lower_loop("while", node, (), lambda cond_env: cond_env[flag], test_then_body, None, builder, env,
                         loc, flag, runs=runs)


def python_int(bound: Atom, builder: Builder, name: str | None = None) -> Atom:
    """A `range` bound as the loop index sees it: `range` makes Python ints of NumPy integers (weak: `x32 * i` is
    float32), so an index the lowering computes from a bound starts from `int(bound)`."""
    if bound.type.weak or isinstance(bound, Const):
        return bound
    return builder.bind("python_int", [bound], name=name)


def _runs(bounds: tuple) -> bool:
    """Whether `range(*bounds)` runs at least once, known at build time."""
    if not all(isinstance(b, Const) for b in bounds):
        return False
    return len(range(*(b.value for b in bounds))) > 0


def _is_range(iterable, env: dict) -> bool:
    return (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"
            and "range" not in env)
