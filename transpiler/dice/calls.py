"""Lowering of calls: which function a call reaches, dice (`d`, `dd`), builtins and library functions (reductions in
reductions.py; helpers and @dist functions are inlined by inlining.py)."""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from . import prelude
from .bindings import AXIS_FUNCTIONS, ELEMENTWISE, FIXED_ONLY, scalar_literal
from .values import TupleVal, Val

MAX_RECURSION = 64  # levels of one function inlined into itself
MAX_RECURSIVE_CALLS = 4096  # recursive calls inlined in one @dist function (a fib-like tree grows fast)


class CallLowering:
    """Calls: which function a call reaches, draws, builtins, the library. A part of `Lowerer` (lower.py)."""

    def expr_Call(self, node: cst.Call):
        if not isinstance(node.func, cst.Name):
            raise self.error("only calls of plain function names are part of the dist language", node.func)
        name = node.func.value
        positional = [a for a in node.args if a.keyword is None]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        handler = getattr(self, "call_" + name, None)
        if name in self.scope.env or name in self.scope.assigned:  # dice-nine's README: `def f(a, d)`, `d(6)`
            raise self.error(
                f"`{name}` is a local name here (a parameter or a variable of this function), so `{name}(...)` "
                f"calls its value, not the function `{name}`: Python raises a TypeError (a number or an array is "
                "not callable), or an UnboundLocalError before the name is assigned",
                node.func, f"rename the parameter or variable (say `{name}_count`), so that `{name}(...)` calls "
                "the function again")
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
            if name == "abs":  # abs(True) is the int 1, abs(np.True_) is np.True_
                original = value
                (value,) = self.python_arithmetic("abs", value, where=node)
                # a fixed value is Python's own: Python's abs (np.abs(True) is np.True_, abs(True) the int 1)
                function = ELEMENTWISE[name] if value.random else "abs"
                return self.ranked(Val(cg.call(function, value.node), value.random, value.uses,
                                       numpy=original.numpy, python=original.python, npbool=original.npbool,
                                       number=original.number or original.pybool), value)
            # sign(x) is a Python int
            return self.ranked(Val(cg.call(ELEMENTWISE[name], value.node), value.random, value.uses), value)
        if name in FIXED_ONLY:
            args = [self.fixed(a.value, f"the argument of {name}()") for a in positional]
            one_axis = all(scalar_literal(a) for a in args)  # zeros(n), arange(a, b): arrays of one axis
            shape = positional[0].value if len(args) == 1 and name != "arange" else None
            if isinstance(shape, cst.Tuple) and all(isinstance(e, cst.Element) for e in shape.elements):
                return Val(cg.call(FIXED_ONLY[name], *args), False, rank=len(shape.elements))  # zeros((2, 3))
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
        length = Val(cg.call("dice.lib.length", value.node, rows=value.random), False)
        if not value.random:
            return length
        # the same in every world: a fixed number, read from the column now (liveness may drop it after)
        py = self.fresh_py("length")
        self.note_rank("py", py, 0)
        self.op(cst.Assign([cst.AssignTarget(cg.name(py))], length.node), uses=value.uses)
        return Val(cg.name(py), False, rank=0)

    def call_complex(self, node, positional, keywords):
        values = [self.value_of(v, node) for v in self.args(node, positional, (1, 2), "complex")]
        if not any(v.random for v in values):
            return Val(cg.call("complex", *[v.node for v in values]), False, rank=0)
        if len(values) == 1:
            values.append(Val(cg.literal(0), False))
        return self.elementwise(lambda a, b: cg.call("dice.lib.make_complex", a, b), *values)

    def call_int(self, node, positional, keywords):
        value = self.value(positional[0].value, node)
        return self.ranked(Val(cg.call("dice.arith.as_int", value.node), value.random, value.uses), value)

    def call_bincount(self, node, positional, keywords):
        return self.per_row("bincount", "length", node, positional)

    def call_reshape(self, node, positional, keywords):
        return self.per_row("reshape", "shape", node, positional)

    def per_row(self, name: str, what: str, node, positional) -> Val:
        """`name(values, option)` of dice.lib, on each world's row of a column: the option must be fixed."""
        values, option = [self.value_of(v, node) for v in self.args(node, positional, 2, name)]
        if option.random:
            raise self.error(f"{name}'s {what} must be fixed", node,
                             f"give {name}() a {what} known when the function is called")
        return Val(cg.call(f"dice.lib.{name}", values.node, option.node, rows=values.random), values.random,
                   values.uses)

    def call_one_hot(self, node, positional, keywords):
        index, depth = [self.value_of(v, node) for v in self.args(node, positional, 2, "one_hot")]
        return Val(cg.call("dice.lib.one_hot", index.node, depth.node), index.random, index.uses)

    def call_top_k(self, node, positional, keywords):
        values, k = [self.value_of(v, node) for v in self.args(node, positional, 2, "top_k")]
        return Val(cg.call("dice.lib.top_k", values.node, k.node), values.random, values.uses)

    def call_importance(self, node, positional, keywords):
        raise self.error("importance(w) is a statement, not a value", node)
