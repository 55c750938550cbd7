"""Lowering `if`/`elif`/`else`, `for` and `while` to structured IR with explicit merges.

A name assigned in a branch becomes an output of the `If` (a merge of the two branch values); a name assigned
in a loop body becomes a loop-carried slot. Types of carried values are found by lowering the body again
until they stop widening (an int accumulator that starts as `0` and adds floats becomes a float).
"""
from __future__ import annotations

from typing import Any

import libcst as cst

from ..ir.types import TensorType, fresh_dim, is_unknown, promote
from ..builder import Builder, const
from ..errors import TranspileError
from ..frontend.checks import compound_error
from ..ir import Atom, Const, If, Var
from ..values import Stale, describe
from .alias import is_object
from .static import UNROLL_LIMIT, StaticNeeded

_MAX_WIDENINGS = 4


class ControlFlow:
    """Mixed into `Lowering`: compound statements. Relies on its `expr`, `lower_block`, `error`, `_atom`."""

    def lower_compound(self, statement: cst.CSTNode, builder: Builder, env: dict) -> None:
        if isinstance(statement, cst.If):
            return self._lower_if(statement, builder, env)
        if isinstance(statement, cst.For):
            return self._lower_for(statement, builder, env)
        if isinstance(statement, cst.While):
            return self._lower_while(statement, builder, env)
        raise compound_error(statement, self.locate)

    # -- if ------------------------------------------------------------------------------------------------
    def _condition(self, test: cst.BaseExpression, builder: Builder, env: dict) -> Atom:
        atom = self._atom(self.expr(test, builder, env), test)
        if atom.type.dtype != "bool" or atom.type.shape != ():
            raise self.error(test, f"a condition must be a boolean scalar, not {atom.type}",
                             "for an elementwise choice between arrays use np.where(cond, a, b)")
        return atom

    def _lower_if(self, node: cst.If, builder: Builder, env: dict) -> None:
        self.lower_exiting_if(node, [], builder, env)

    def lower_exiting_if(self, node: cst.If, rest: list, builder: Builder, env: dict) -> tuple | None:
        """An `if` followed by `rest`, the statements after it in the same block.

        `rest` is lowered at the end of each branch that falls through, so after a `return`, `break` or
        `continue` in one branch it runs only on the other. Returns the block's outcome (see lower_block)."""
        cond = self._condition(node.test, builder, env)
        orelse = node.orelse
        else_statements = [] if orelse is None else [orelse] if isinstance(orelse, cst.If) else list(orelse.body.body)
        if isinstance(cond, Const):  # known at build time: only one branch exists
            chosen = list(node.body.body) if cond.value else else_statements
            return self._nested(chosen + rest, builder, env)
        return self._split(cond, lambda e: self._nested(list(node.body.body) + rest, builder, e),
                           lambda e: self._nested(else_statements + rest, builder, e), builder, env)

    def _split(self, cond: Atom, lower_then, lower_else, builder: Builder, env: dict,
               one_sided: str = "this `if` returns on one path but not on the other") -> tuple | None:
        """An `if` on `cond` whose branches are lowered by `lower_then(env)` / `lower_else(env)`, each
        returning its outcome; merges what the branches assign (or return) and returns the outcome."""
        loc = builder.loc
        then_env, else_env = dict(env), dict(env)
        self._level += 1  # lists made before the `if` are not changed in a branch chosen at run time
        try:
            with builder.block() as then_body:
                then_outcome = lower_then(then_env)
            with builder.block() as else_body:
                else_outcome = lower_else(else_env)
        finally:
            self._level -= 1
        builder.loc = loc
        returns = [o for o in (then_outcome, else_outcome) if o is not None and o[0] == "return"]
        if returns and len(returns) != 2:
            raise TranspileError(one_sided, loc,
                                 "end every path through the kernel with `return`")
        if returns:  # the kernel ends inside both branches: they only need to agree on the result
            outs, then_results, else_results = self._merge_result(then_outcome[1], else_outcome[1], builder, loc)
            builder.emit(If(cond, then_body, else_body, tuple(outs), tuple(then_results), tuple(else_results), loc))
            return ("return", tuple(outs) if isinstance(then_outcome[1], tuple) else outs[0])
        outs, then_results, else_results = self._merge_envs(then_env, else_env, env, builder, loc)
        builder.emit(If(cond, then_body, else_body, tuple(outs), tuple(then_results), tuple(else_results), loc))
        return None

    def _merge_envs(self, then_env: dict, else_env: dict, env: dict, builder: Builder, loc):
        """Names whose values differ between two branches become outputs of the `if` (updating `env`). Names
        holding one array on both paths share one output; names sharing an array on one path only are
        ambiguous (see normalize/alias.py)."""
        outs, then_results, else_results = [], [], []
        names = _assigned_in_order(then_env, else_env, env)
        split = self._split_sharing(names, then_env, else_env)
        merged: dict[tuple, Var] = {}  # (then array, else array) -> the output several names share
        for name in names:
            a, b = then_env.get(name), else_env.get(name)
            if a is None or b is None:
                env.pop(name, None)  # assigned in one branch only: not defined after the `if`
                self._conditional_names[name] = loc
                continue
            if a is b:
                env[name] = a  # the same value on both paths (possibly a name new to this block)
                continue
            if isinstance(a, Stale) or isinstance(b, Stale):
                env[name] = a if isinstance(a, Stale) else b  # unknown on one path: unknown after
                continue
            if not isinstance(a, (Var, Const)) or not isinstance(b, (Var, Const)):
                what = describe(a if not isinstance(a, (Var, Const)) else b)
                raise TranspileError(f"`{name}` holds {what} that differs between the branches of an `if` decided at "
                                     "run time; only arrays can differ between branches", loc,
                                     "bind the same list, dict or function on both paths, and let only arrays differ")
            key = (id(a), id(b))
            if is_object(a) and is_object(b) and key in merged:
                env[name] = merged[key]
                continue
            out = Var(builder.scope.fresh(_display(name)), self._merge_type(name, a.type, b.type, loc))
            self._named.add(id(out))
            self._share_like(out, (a, b))
            if self._view_root.get(id(out)) is not None and not (
                    self._root(a) is self._root(b) and a is not self._root(a) and b is not self._root(b)):
                split.add(name)  # a view on one path, another array (or a view of one) on the other
            merged[key] = out
            outs.append(out)
            then_results.append(a)
            else_results.append(b)
            env[name] = out
        if split:
            self.mark_ambiguous([env[n] for n in split if n in env] + [
                self._root(v) for n in split for v in (then_env.get(n), else_env.get(n)) if is_object(v)],
                loc, "`if`")
        return outs, then_results, else_results

    def _split_sharing(self, names: list, then_env: dict, else_env: dict) -> set:
        """Names that share an array (or one looks into the other's) on one path but not on the other."""
        objects = [n for n in names if is_object(then_env.get(n)) and is_object(else_env.get(n))]
        split = set()
        for i, n in enumerate(objects):
            for m in objects[i + 1:]:
                if (self._root(then_env[n]) is self._root(then_env[m])) != \
                        (self._root(else_env[n]) is self._root(else_env[m])):
                    split.update((n, m))
        return split

    def _share_like(self, value: Var, sources) -> None:
        """A loop slot or a branch merge holds the array of any of `sources`: it is a view, a parameter, a
        borrowed or an ambiguous array as they are, so an update through it is refused or copies first."""
        for source in sources:
            if not isinstance(source, Var):
                continue
            if id(source) in self._view_root:
                self._view_root.setdefault(id(value), self._view_root[id(source)])
            if id(source) in self._own_params:
                self._own_params.add(id(value))
            for call in self._calls:
                if id(source) in call.borrowed:
                    call.borrowed.add(id(value))
            if id(source) in self._ambiguous:
                partners, where = self._ambiguous[id(source)]
                self._ambiguous[id(value)] = (self._ambiguous.get(id(value), (set(), None))[0] | partners, where)

    def _guarded(self, cond: Atom, lower_then, lower_else, builder: Builder, env: dict, loc) -> None:
        """`if cond: <lower_then> else: <lower_else>` for compiler-made conditions (loop running flags)."""
        if isinstance(cond, Const):
            (lower_then if cond.value else lower_else)(env)
            return
        builder.loc = loc
        self._split(cond, lower_then, lower_else, builder, env)

    def _merge_result(self, a, b, builder: Builder, loc):
        """Merge what two branches return: one value, or tuples of the same length, element by element."""
        items_a = a if isinstance(a, tuple) else (a,)
        items_b = b if isinstance(b, tuple) else (b,)
        if len(items_a) != len(items_b):
            raise TranspileError("the branches return tuples of different lengths", loc)
        outs = []
        for x, y in zip(items_a, items_b):
            if not isinstance(x, (Var, Const)) or not isinstance(y, (Var, Const)):
                raise TranspileError("a kernel must return arrays (or a flat tuple of arrays)", loc)
            out = Var(builder.scope.fresh("result"), self._merge_type("the result", x.type, y.type, loc))
            self._named.add(id(out))
            outs.append(out)
        return outs, list(items_a), list(items_b)

    def _expr_IfExp(self, node: cst.IfExp, builder: Builder, env: dict):
        """`a if cond else b`: only the chosen side is evaluated, as in Python."""
        cond = self._condition(node.test, builder, env)
        if isinstance(cond, Const):
            return self.expr(node.body if cond.value else node.orelse, builder, env)
        loc = builder.loc
        self._level += 1
        try:
            with builder.block() as then_body:
                a = self._chosen(self.expr(node.body, builder, env), node.body)
            with builder.block() as else_body:
                b = self._chosen(self.expr(node.orelse, builder, env), node.orelse)
        finally:
            self._level -= 1
        builder.loc = loc
        out = Var(builder.scope.fresh("choice"), self._merge_type("the conditional expression", a.type, b.type, loc),
                  temporary=True)
        builder.emit(If(cond, then_body, else_body, (out,), (a,), (b,), loc))
        return out

    def _chosen(self, value, node) -> Atom:
        """A side of a conditional expression decided at run time: it must be an array."""
        if not isinstance(value, (Var, Const)):
            raise self.error(node, f"{describe(value)} chosen by a condition known only at run time cannot be resolved "
                             "at build time: only arrays can be chosen at run time",
                             "choose with a condition known at build time, or call both and choose the results")
        return value

    def _nested(self, statements: list, builder: Builder, env: dict) -> tuple | None:
        self._block_depth += 1
        try:
            return self.lower_block(statements, builder, env)
        finally:
            self._block_depth -= 1

    def _merge_type(self, name: str, a: TensorType, b: TensorType, loc) -> TensorType:
        if a.dtype == "none" or b.dtype == "none":  # a loop's result slot before anything was returned
            return b if a.dtype == "none" else a
        if a.shape is not None and b.shape is not None and len(a.shape) != len(b.shape):
            raise TranspileError(
                f"`{name}` has rank {len(a.shape)} ({a}) on one path and rank {len(b.shape)} ({b}) on another",
                loc, "give it the same shape on every path, e.g. np.zeros_like(x) instead of 0.0")
        if (a.dtype == "bool") != (b.dtype == "bool"):
            raise TranspileError(f"`{name}` is boolean on one path and numeric on another", loc)
        dtype = promote([a, b])
        if a.shape is None or b.shape is None:
            return TensorType(dtype, None)
        shape = tuple(x if x == y else fresh_dim() for x, y in zip(a.shape, b.shape))
        return TensorType(dtype, shape, weak=a.weak and b.weak)

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

    def _lower_for_loop(self, node: cst.For, bounds, sequence, builder: Builder, env: dict) -> None:
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
                row = self._bind(builder, node.target, "getitem", [body_env[rows], index], {"index": (_ref(1),)})
                builder.rename(row, target)
                self._named.add(id(row))
                body_env[target] = row
            else:
                body_env[target] = index
            self._nested(list(node.body.body), builder, body_env)

        flag = self._break_flag(node, env)
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

    def _lower_stopping_for(self, node, bounds, lower_iteration, builder: Builder, env: dict, loc, flag: str,
                            target: str, keeps: bool) -> None:
        """`for i in range(start, stop, step)` with a `break` or `return`: `while running and next < stop`,
        where `next` is the index of the coming iteration (advanced first, so `continue` cannot skip it)."""
        start, stop, step = bounds
        upcoming = f"<{target}{len(self._break_flags)}>"  # shown as the loop variable's name
        env[upcoming] = start

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
            body_env[upcoming] = builder.bind("add", [current, step], name=f"next_{target}")
            lower_iteration(body_env, current)

        try:
            self._lower_loop("while", node, (), lower_cond, lower_body, None, builder, env, loc, flag, target, keeps)
        finally:
            env.pop(upcoming, None)

    def after_returning_loop(self, loop: cst.CSTNode, rest: list, builder: Builder, env: dict) -> tuple | None:
        """After a loop that may have returned: the rest of the block runs only if it did not."""
        returned = env[RETURNED]
        keys = _loop_result_keys(loop.body, builder.loc)
        if self._loop_depth:  # inside an enclosing loop: stop it too, and end this iteration
            flag = self._break_flags[-1]

            def stop(e: dict) -> tuple:
                e[flag] = const(False)
                return ("continue",)

            if _runs_until_return(loop):
                return stop(env)
            self._split(returned, stop, lambda e: self._nested(rest, builder, e), builder, env)
            return ("continue",)

        def result(e: dict) -> tuple:
            return ("return", e[RESULT] if keys == [RESULT] else tuple(e[k] for k in keys))

        if _runs_until_return(loop):  # what follows the loop never runs
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
        if not _has_break(node.body) and not _has_return(node.body):
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

    def _lower_while(self, node: cst.While, builder: Builder, env: dict) -> None:
        if node.orelse is not None:
            raise self.error(node.orelse, "`while ... else` is not part of the kernel language",
                             "set a flag in the loop and test it afterwards")
        loc = builder.loc

        def lower_cond(cond_env: dict) -> Atom:
            builder.loc = loc
            return self._condition(node.test, builder, cond_env)

        def lower_body(body_env: dict, index: Var | None) -> None:
            self._nested(list(node.body.body), builder, body_env)

        flag = self._break_flag(node, env)
        if flag is None:
            self._lower_loop("while", node, (), lower_cond, lower_body, None, builder, env, loc)
            return

        def stop(else_env: dict) -> None:
            else_env[flag] = const(False)

        def test_then_body(body_env: dict, index: Var | None) -> None:  # `while running:` tests inside
            cond = lower_cond(body_env)
            self._guarded(cond, lambda e: lower_body(e, None), stop, builder, body_env, loc)

        self._lower_loop("while", node, (), lambda cond_env: cond_env[flag], test_then_body, None, builder, env,
                         loc, flag)


def _runs(bounds: tuple) -> bool:
    """Whether `range(*bounds)` runs at least once, known at build time."""
    if not all(isinstance(b, Const) for b in bounds):
        return False
    return len(range(*(b.value for b in bounds))) > 0




def _is_range(iterable, env: dict) -> bool:
    return (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"
            and "range" not in env)


def _display(key: str) -> str:
    """The variable name for an env key: compiler keys such as `<running0>` read as `running`."""
    return key.strip("<>").rstrip("0123456789") if key.startswith("<") else key


RETURNED, RESULT = "<returned>", "<result>"  # env keys: did a loop return, and what
UNSET = TensorType("none", ())  # the type of a result slot before its `return` has been lowered


def _runs_until_return(loop: cst.CSTNode) -> bool:
    """`while True:` with no `break` or `continue` of its own: it ends only by returning."""
    return (isinstance(loop, cst.While) and isinstance(loop.test, cst.Name) and loop.test.value == "True"
            and not _can_exit(loop.body, returns=False))


def _has_return(body: cst.CSTNode) -> bool:
    return bool(_returns(body))


def _returns(body: cst.CSTNode) -> list[cst.Return]:
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Return(self, node):
            found.append(node)

        def visit_FunctionDef(self, node):
            return False

    body.visit(Finder())
    return found


def returned_keys(value: cst.BaseExpression | None) -> list[str]:
    """The env keys a `return` inside a loop stores its value under: one, or one per element of a tuple
    written out (`return a, b`)."""
    if isinstance(value, cst.Tuple) and not any(isinstance(e, cst.StarredElement) for e in value.elements):
        return [f"<result{i}>" for i in range(len(value.elements))]
    return [RESULT]


def _loop_result_keys(body: cst.CSTNode, loc) -> list[str]:
    """The result keys shared by every `return` in a loop body (they must agree: one value, or tuples of
    the same length)."""
    kinds = {tuple(returned_keys(node.value)) for node in _returns(body)}
    if len(kinds) > 1:
        raise TranspileError("the `return` statements in this loop return different numbers of values", loc,
                             "return tuples of the same length everywhere")
    return list(kinds.pop())


def _has_break(body: cst.CSTNode) -> bool:
    """Whether a loop body breaks out of this loop (not out of a loop nested in it)."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Break(self, node):
            found.append(node)

        def visit_For(self, node):
            return False

        def visit_While(self, node):
            return False

        def visit_FunctionDef(self, node):
            return False

    body.visit(Finder())
    return bool(found)


def _ref(index: int):
    from ..primitives.indexing import Ref

    return Ref(index)


def _carried_type(t: TensorType) -> TensorType:
    return TensorType(t.dtype, t.shape, weak=t.weak)


def _widen(before: TensorType, after: TensorType) -> TensorType:
    if before.dtype == "none" or after.dtype == "none":
        return after if before.dtype == "none" else before
    dtype = promote([before, after])
    if before.shape is None or after.shape is None or len(before.shape) != len(after.shape):
        shape = None if before.shape is None or after.shape is None else _rank_error(before, after)
    else:
        shape = tuple(a if a == b else fresh_dim() for a, b in zip(before.shape, after.shape))
    return TensorType(dtype, shape, weak=before.weak and after.weak)


def _rank_error(before: TensorType, after: TensorType):
    raise TranspileError(f"a value carried around a loop changes rank ({before} before, {after} after one "
                         "iteration)", None, "give it its final shape before the loop, e.g. with np.zeros")


def _same_type(a: TensorType, b: TensorType) -> bool:
    if a.dtype != b.dtype or a.weak != b.weak or (a.shape is None) != (b.shape is None):
        return False
    if a.shape is None:
        return True
    return len(a.shape) == len(b.shape) and all(
        x == y or (is_unknown(x) and is_unknown(y)) for x, y in zip(a.shape, b.shape))


def _assigned_in_order(*envs: dict) -> list[str]:
    names: dict[str, None] = {}
    for env in envs:
        names.update(dict.fromkeys(env))
    return list(names)


def _assigned_names(node: cst.CSTNode, subscripts: bool = True) -> list[str]:
    """Names a block may rebind (assignment targets, loop variables), in source order; with `subscripts`,
    also the names a block assigns into (`a[i] = v`)."""
    names: dict[str, None] = {}

    class Visitor(cst.CSTVisitor):
        def _targets(self, target: Any) -> None:
            if isinstance(target, cst.Name):
                names[target.value] = None
            elif subscripts and isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                names[target.value.value] = None  # `a[i] = v` gives `a` a new value
            elif isinstance(target, (cst.Tuple, cst.List)):
                for element in target.elements:
                    self._targets(element.value)

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            self._targets(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            self._targets(node.target)
            if isinstance(node.target, cst.Name):  # `a += b` may update `a` in place
                names[node.target.value] = None

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            self._targets(node.target)

        def visit_For(self, node: cst.For) -> None:
            self._targets(node.target)

    node.visit(Visitor())
    return list(names)


def _can_exit(node: cst.CSTNode, returns: bool = True) -> bool:
    """Whether a statement contains a `return` (unless `returns` is off), or a `break`/`continue` of the
    enclosing loop."""
    found = []

    class Finder(cst.CSTVisitor):
        def __init__(self):
            self.loops = 0

        def visit_Return(self, node):
            if returns:
                found.append(node)

        def visit_Break(self, node):
            if not self.loops:
                found.append(node)

        def visit_Continue(self, node):
            if not self.loops:
                found.append(node)

        def visit_For(self, node):
            self.loops += 1

        def leave_For(self, node):
            self.loops -= 1

        def visit_While(self, node):
            self.loops += 1

        def leave_While(self, node):
            self.loops -= 1

        def visit_FunctionDef(self, node):
            return False

    node.visit(Finder())
    return bool(found)
