"""Lowering of calls: dice (`d`, `dd`), builtins and library functions, and inlining of helpers and @dist calls."""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from . import prelude
from .bindings import (AXIS_FUNCTIONS, ELEMENTWISE, FIXED_ONLY, STREAM, VALUE, Binding, Scope, is_ref, is_return,
                       scalar_literal)
from .values import Stream, TupleVal, Val

KEEP_RANK = {"argsort", "flip", "cumsum", "sort"}  # the other AXIS_FUNCTIONS drop the axis they reduce


MAX_RECURSION = 64  # levels of one function inlined into itself
MAX_RECURSIVE_CALLS = 4096  # recursive calls inlined in one @dist function (a fib-like tree grows fast)


class CallLowering:
    """Calls: draws, builtins, the library, and inlined functions. A part of `Lowerer` (lower.py)."""

    def expr_Call(self, node: cst.Call):
        if not isinstance(node.func, cst.Name):
            raise self.error("only calls of plain function names are part of the dist language", node.func)
        name = node.func.value
        positional = [a for a in node.args if a.keyword is None]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        handler = getattr(self, "call_" + name, None)
        if name in self.functions or name in self.dists:
            if name in self.call_stack:
                self.recursive_calls += 1
                if self.call_stack.count(name) >= MAX_RECURSION or self.recursive_calls > MAX_RECURSIVE_CALLS:
                    raise self.error(
                        f"`{name}` calls itself more than {MAX_RECURSION} deep (or {MAX_RECURSIVE_CALLS} times): "
                        "recursion needs a depth the compiler knows", node,
                        "call it with literal arguments that reach a base case through a fixed `if` "
                        "(e.g. `roll(3)` with `if n == 0:`), or use a `for` loop over a fixed range")
            return self.inline(self.functions[name], node, positional, keywords)
        if handler is not None:
            return handler(node, positional, keywords)
        if name in prelude.functions():
            return self.inline(prelude.functions()[name], node, positional, keywords)
        if name in AXIS_FUNCTIONS:
            return self.axis_function(name, node, positional, keywords)
        if name in ELEMENTWISE:
            value = self.value(positional[0].value, node)
            return self.ranked(Val(cg.call(ELEMENTWISE[name], value.node), value.random, value.uses), value)
        if name in FIXED_ONLY:
            args = [self.fixed(a.value, f"the argument of {name}()") for a in positional]
            one_axis = all(scalar_literal(a) for a in args)  # zeros(n), arange(a, b): arrays of one axis
            return Val(cg.call(FIXED_ONLY[name], *args), False, rank=1 if one_axis else None)
        raise self.error(f"`{name}` is not a function of the dist language", node.func,
                         "define it in this module (plain or @dist), or use the library functions")

    def args(self, node, positional, count: int | tuple, name: str) -> list:
        counts = count if isinstance(count, tuple) else (count,)
        if len(positional) not in counts:
            raise self.error(f"{name}() takes {' or '.join(map(str, counts))} arguments", node)
        return [self.expr(a.value) for a in positional]

    def call_d(self, node, positional, keywords):
        (sides,) = self.args(node, positional, 1, "d")
        sides = self.value_of(sides, node)
        if sides.random:
            raise self.error("d(n) needs a fixed number of sides; this `n` is random", node.args[0],
                             "use dd(n) for 0..n-1 with a random n (add 1 for 1..n)")
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_d"), column, sides.node)), defs=[column])
        self.note_rank("col", column, 0)
        return Val(self.ref(column), True, frozenset([column]))

    def call_dd(self, node, positional, keywords):
        (sides,) = self.args(node, positional, 1, "dd")
        sides = self.value_of(sides, node)
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_dd"), column, sides.node)), defs=[column],
                uses=sides.uses)
        self.note_rank("col", column, 0)
        return Val(self.ref(column), True, frozenset([column]))

    def call_len(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "len")
        if isinstance(value, TupleVal):
            return Val(cg.literal(len(value.items)), False)
        value = self.value_of(value, node)
        return Val(cg.call("dice.lib.length", value.node, rows=value.random), False)

    def extremum(self, name, node, positional):
        values = []
        for arg in positional:
            if isinstance(arg.star, str) and arg.star == "*":
                stream = self.iterable(arg.value)
                return self.inline(prelude.functions()[f"lazy_{name}"], node, [arg], {}, stream=stream) \
                    if len(positional) == 1 else self._extremum_error(node)
            values.append(self.expr(arg.value))
        if len(values) == 1:
            only = values[0]
            if isinstance(only, Stream):
                return self.inline(prelude.functions()[f"lazy_{name}"], node, positional, {}, stream=only)
            only = self.value_of(only, node)
            self.check_axis(name, only, -1, node)
            return self.reduced(Val(cg.call(f"np.{name}", only.node, axis=-1), only.random, only.uses), only)
        values = [self.value_of(v, node) for v in values]
        result = values[0]
        fn = "np.maximum" if name == "max" else "np.minimum"
        for value in values[1:]:
            result = self.elementwise(lambda a, b: cg.call(fn, a, b), result, value)
        return result

    def check_axis(self, name: str, value: Val, axis: int, node) -> None:
        """A negative axis counts from a column's last axis: refuse one that would reach the world axis."""
        rank = self.rank(value)
        if value.random and rank is not None and axis < 0 and -axis > rank:
            what = "a single number" if rank == 0 else f"an array of {rank} axes"
            raise self.error(f"{name}() over axis {axis} of {what} per world: there is no such axis", node,
                             "reduce an array (a list, or a stream with lazy_*), or name an axis it has")

    def reduced(self, result: Val, value: Val) -> Val:
        """A column reduced over its last axis: one rank less (when known)."""
        rank = self.rank(value)
        if not value.random or rank is None or rank < 1:
            return result
        return Val(result.node, True, result.uses, rank - 1)

    def _extremum_error(self, node):
        raise self.error("max(*stream) takes exactly one starred stream", node)

    def call_max(self, node, positional, keywords):
        return self.extremum("max", node, positional)

    def call_min(self, node, positional, keywords):
        return self.extremum("min", node, positional)

    def call_sum(self, node, positional, keywords):
        if len(positional) == 1:
            value = self.expr(positional[0].value)
            if isinstance(value, Stream):
                return self.inline(prelude.functions()["lazy_sum"], node, positional, {}, stream=value)
            value = self.value_of(value, node)
            self.check_axis("sum", value, -1, node)
            return self.reduced(Val(cg.call("np.sum", value.node, axis=-1), value.random, value.uses), value)
        values = [self.value(a.value, node) for a in positional]
        result = values[0]
        for value in values[1:]:
            result = self.binary("+", result, value, node)
        return result

    def call_int(self, node, positional, keywords):
        value = self.value(positional[0].value, node)
        return self.ranked(Val(cg.call("dice.lib.as_int", value.node), value.random, value.uses), value)

    def call_bincount(self, node, positional, keywords):
        values, length = [self.value_of(v, node) for v in self.args(node, positional, 2, "bincount")]
        if length.random:
            raise self.error("bincount's length must be fixed", node)
        return Val(cg.call("dice.lib.bincount", values.node, length.node, rows=values.random), values.random,
                   values.uses)

    def call_reshape(self, node, positional, keywords):
        values, shape = [self.value_of(v, node) for v in self.args(node, positional, 2, "reshape")]
        if shape.random:
            raise self.error("reshape's shape must be fixed", node)
        return Val(cg.call("dice.lib.reshape", values.node, shape.node, rows=values.random), values.random,
                   values.uses)

    def call_one_hot(self, node, positional, keywords):
        index, depth = [self.value_of(v, node) for v in self.args(node, positional, 2, "one_hot")]
        return Val(cg.call("dice.lib.one_hot", index.node, depth.node), index.random, index.uses)

    def call_top_k(self, node, positional, keywords):
        values, k = [self.value_of(v, node) for v in self.args(node, positional, 2, "top_k")]
        return Val(cg.call("dice.lib.top_k", values.node, k.node), values.random, values.uses)

    def call_importance(self, node, positional, keywords):
        raise self.error("importance(w) is a statement, not a value", node)

    def axis_function(self, name, node, positional, keywords):
        if not positional:
            raise self.error(f"{name}() needs an array", node)
        value = self.value(positional[0].value, node)
        axis_node = positional[1].value if len(positional) > 1 else keywords.get("axis")
        axis = -1
        if axis_node is not None:
            try:
                axis = int(cst.Module([]).code_for_node(axis_node).strip(), 0)
            except ValueError:
                raise self.error(f"the axis of {name}() must be an integer literal", axis_node) from None
        self.check_axis(name, value, axis, node)
        if value.random and axis >= 0:
            axis += 1
        result = Val(cg.call(AXIS_FUNCTIONS[name], value.node, axis=axis), value.random, value.uses)
        if name in KEEP_RANK:
            return self.ranked(result, value) if value.random else result
        return self.reduced(result, value)

    def inline(self, fn: cst.FunctionDef, node, positional, keywords, stream: Stream | None = None):
        name = fn.name.value
        params = [p for p in fn.params.params]
        args = {}
        for param, arg in zip(params, positional):
            args[param.name.value] = stream if (stream is not None and not args) else self.expr(arg.value)
        if len(positional) > len(params):
            raise self.error(f"`{name}` takes {len(params)} arguments, {len(positional)} given", node)
        for key, value in keywords.items():
            if key not in [p.name.value for p in params]:
                raise self.error(f"`{name}` has no parameter `{key}`", value)
            args[key] = self.expr(value)
        for param in params:
            key = param.name.value
            if key not in args:
                if param.default is None:
                    raise self.error(f"`{name}` is missing the argument `{key}`", node)
                args[key] = self.expr(param.default)
        instance = self.fresh(name)
        outer_scope, outer_loc = self.scope, self.call_loc
        inner = Scope(f"{instance}.")
        for key, value in args.items():
            if isinstance(value, Stream):
                inner.env[key] = Binding(STREAM, stream=value)
            else:
                inner.env[key] = Binding(VALUE, val=value)
        self.scope = inner
        self.call_stack.append(name)
        self.call_loc = self.loc(node) or outer_loc
        try:
            body = self._statements(fn)
            if not body or not is_return(body[-1]):
                raise self.error(f"`{name}` must end with a `return` to be called from a @dist function", fn.name)
            for pair in body[:-1]:
                self.statement(pair)
            result = self.expr(body[-1][1].value)
            if isinstance(result, Val) and result.random and not is_ref(result.node):
                # read the value before the callee's columns can be reused or deleted
                result = self.materialize(result, "_r")
            return result
        finally:
            self.call_stack.pop()
            self.scope, self.call_loc = outer_scope, outer_loc
