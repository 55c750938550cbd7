"""Values Python computes on one side of a test only: `a if c else b`, `a and b`, `a or b`, `a < b < c`.

Python computes a side only where the test takes it. An operand that cannot fail or warn on any value (names,
literals, `+ - *`, comparisons, `max`/`min`/`abs` of those, a die of fixed sides: `quiet`) is computed in every
world and picked per world (`np.where`), which is cheapest and gives the same values. Any other operand (a
division, a power, an index, a call, a draw of a random size ...) is computed only where Python computes it:
under a random test the table splits and each side computes its operand in the worlds that take it (a side no
world takes computes nothing: emit.py), under a fixed test a Python `if` runs one side. So a world where Python
never divides by zero never raises, and a world where it does raises Python's exception.
"""
from __future__ import annotations

from typing import Callable

import libcst as cst

from .. import codegen as cg
from . import ir
from .bindings import FIXED, RANDOM, VALUE, constant
from .kinds import union
from .values import Val

_QUIET_BINARY = (cst.Add, cst.Subtract, cst.Multiply)
_QUIET_COMPARE = (cst.Equal, cst.NotEqual, cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)


def side_tables(table: str) -> tuple[str, str]:
    """The tables of the two sides of a split of `table`: w1, w2 (w11, w12 inside w1); a sub-table's (`_s3`)
    are `_s3_1`, `_s3_2`, which no other sub-table (`_s31`) is named."""
    sep = "_" if table.startswith("_") else ""
    return f"{table}{sep}1", f"{table}{sep}2"


class ConditionalLowering:
    """Conditional expressions and short-circuit operators. A part of `Lowerer` (lower.py)."""

    def expr_IfExp(self, node):
        test = self.value(node.test, node.test)
        if not test.random:
            known, truth = constant(test.node)
            if known:
                chosen = node.body if truth else node.orelse
                return self.value(chosen, chosen)
        return self.conditional(test, node.body, node.orelse, node)

    def conditional(self, test: Val, body: cst.BaseExpression, orelse: cst.BaseExpression, node) -> Val:
        """`body if test else orelse` for a test the compiler cannot decide."""
        if test.random and self.quiet(body) and self.quiet(orelse):
            then_value, else_value = self.value(body, body), self.value(orelse, orelse)
            self.same_shapes(then_value, else_value, node)
            return self.one_of(self.elementwise(lambda *nodes: cg.call("np.where", *nodes), test, then_value,
                                                else_value), then_value, else_value)
        return self.choose(test, lambda: self.value(body, body), lambda: self.value(orelse, orelse), node)

    def same_shapes(self, then_value: Val, else_value: Val, node) -> None:
        ranks = self.rank(then_value), self.rank(else_value)
        if None not in ranks and ranks[0] != ranks[1]:
            raise self.error(
                f"the branches of this conditional expression have different shapes in a world (a value of "
                f"{ranks[0]} axes and one of {ranks[1]})", node,
                "give both branches the same shape, e.g. `xs if c else zeros(len(xs)) + v`")

    def expr_BooleanOperation(self, node):
        op = "and" if isinstance(node.operator, cst.And) else "or"
        left = self.value(node.left, node.left)
        return self.short_circuit(op, left, node.right, lambda: self.value(node.right, node.right), node)

    def short_circuit(self, op: str, left: Val, right: cst.CSTNode, lower_right: Callable[[], Val], node) -> Val:
        """`left and right` / `left or right`, `right` (its source `right`, lowered by `lower_right`) computed
        where Python computes it: where `left` is true (`and`) or false (`or`)."""
        if not left.random:
            known, truth = constant(left.node)
            if known:
                return lower_right() if bool(truth) == (op == "and") else left
        if left.random and self.quiet(right):
            return self.boolean(op, left, lower_right())
        if op == "and":
            return self.choose(left, lower_right, lambda: left, node)
        return self.choose(left, lambda: left, lower_right, node)

    def boolean(self, op: str, left: Val, right: Val) -> Val:
        """`a and b` / `a or b` of operands already computed: Python's values (`a and b` is b where a is true,
        else a; not a bool unless its operands are), picked per world where `a` is random."""
        if not left.random:
            known, truth = constant(left.node)
            if known:
                return right if bool(truth) == (op == "and") else left
            rank = self.common_rank(left, right)
            if not right.random:
                operator = cst.And() if op == "and" else cst.Or()
                return Val(cst.BooleanOperation(left.node, operator, right.node), False, rank=rank,
                           **union(left, right))
            picked = (right, self.lifted(left)) if op == "and" else (self.lifted(left), right)
            return self.one_of(Val(cst.IfExp(left.node, picked[0].node, picked[1].node), True,
                                   left.uses | right.uses, rank), left, right)
        return self.one_of(self.elementwise(lambda a, b: cg.call(f"dice.lib.{op}_", a, b), left, right),
                           left, right)

    def choose(self, test: Val, lower_then: Callable[[], Val], lower_else: Callable[[], Val], node) -> Val:
        """The value of `lower_then()` where `test` holds and of `lower_else()` where it does not, each side
        computed only there: a split of the table (random test) or a Python `if` (fixed test)."""
        if test.random:
            return self.split_choice(test, lower_then, lower_else, node)
        note, self.pending_note = self.pending_note, None
        with self.block([]) as then_out:
            then_value = lower_then()
        with self.block([]) as else_out:
            else_value = lower_else()
        random = then_value.random or else_value.random
        rank = self.common_rank(then_value, else_value)  # a fixed test: every world has the shape of one side
        if not then_out and not else_out:  # Python's own `x if c else y` computes one side
            self.pending_note = note
            sides = [v if v.random or not random else self.lifted(v) for v in (then_value, else_value)]
            return self.one_of(Val(cst.IfExp(test.node, sides[0].node, sides[1].node), random,
                                   then_value.uses | else_value.uses, rank), then_value, else_value)
        if random:
            column = self.fresh("_t")
            for out, value in ((then_out, then_value), (else_out, else_value)):
                with self.block(out):
                    self.assign_column(column, value)
            result = Val(self.ref(column), True, frozenset([column]), rank)
        else:
            py = self.fresh_py("picked")
            self.note_rank("py", py, rank)
            for out, value in ((then_out, then_value), (else_out, else_value)):
                with self.block(out):
                    self.op(cst.Assign([cst.AssignTarget(cg.name(py))], value.node))
            result = Val(cg.name(py), False, rank=rank)
        self.emit(ir.Choice(self.table, test.node, then_out, else_out, note=note))
        return self.one_of(result, then_value, else_value)

    def common_rank(self, *values: Val) -> int | None:
        """The rank of a value that is one of `values`: theirs where they agree, else unknown."""
        ranks = {self.rank(value) for value in values}
        return ranks.pop() if len(ranks) == 1 else None

    def split_choice(self, test: Val, lower_then: Callable[[], Val], lower_else: Callable[[], Val], node) -> Val:
        """`choose` on a random test: the table splits on it, each side computes its value in its own worlds,
        and the join holds the value in one column."""
        tables = side_tables(self.table)
        column = self.fresh("_t")
        note, self.pending_note = self.pending_note, None
        env, consumed = dict(self.scope.env), set(self.consumed)
        consumed_after, outs, values = set(), [], []
        self.in_random_branch += 1
        try:
            for table, lower in zip(tables, (lower_then, lower_else)):
                self.scope.env, self.consumed = dict(env), set(consumed)
                with self.block([], table) as out:
                    value = lower()
                    self.assign_column(column, value)
                outs.append(out)
                values.append(value)
                consumed_after |= self.consumed
        finally:
            self.in_random_branch -= 1
        self.scope.env, self.consumed = env, consumed_after
        self.same_shapes(values[0], values[1], node)
        self.emit(ir.Branch(self.table, test.node, tuple(sorted(test.uses)), tables[0], tables[1], outs[0], outs[1],
                            note=note))
        return self.one_of(Val(self.ref(column), True, frozenset([column]), self.common_rank(*values)), *values)

    def quiet(self, node: cst.CSTNode) -> bool:
        """Whether `node` can be computed in worlds Python would not compute it in without changing anything: it
        cannot fail or warn on any value (nor on any type: `-` of what may be NumPy bools fails on them)."""
        if isinstance(node, _LITERALS):
            return True
        if isinstance(node, cst.Name):
            return True
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.BitInvert):
                return False
            if isinstance(node.operator, cst.Minus) and self._may_be_numpy(node.expression):
                return False
            return self.quiet(node.expression)
        if isinstance(node, cst.BinaryOperation):
            if not isinstance(node.operator, _QUIET_BINARY):
                return False
            if isinstance(node.operator, cst.Subtract) and self._may_be_numpy(node):
                return False
            return self.quiet(node.left) and self.quiet(node.right)
        if isinstance(node, cst.Comparison):
            return all(isinstance(t.operator, _QUIET_COMPARE) and self.quiet(t.comparator) for t in node.comparisons) \
                and self.quiet(node.left)
        if isinstance(node, cst.BooleanOperation):
            return self.quiet(node.left) and self.quiet(node.right)
        if isinstance(node, cst.IfExp):
            return self.quiet(node.test) and self.quiet(node.body) and self.quiet(node.orelse)
        if isinstance(node, cst.Call):
            return self._quiet_call(node)
        return False

    def _quiet_call(self, node: cst.Call) -> bool:
        if not isinstance(node.func, cst.Name) or any(a.keyword is not None or a.star for a in node.args):
            return False
        name = node.func.value
        if name in self.scope.env or name in self.functions:
            return False
        if name == "d":  # a die of fixed sides: drawn where no world needs it, it changes no probability
            return len(node.args) == 1 and isinstance(node.args[0].value, cst.Integer) \
                and node.args[0].value.evaluated_value >= 1
        if name in ("max", "min"):
            return len(node.args) >= 2 and all(self.quiet(a.value) for a in node.args)
        if name == "abs":
            return len(node.args) == 1 and self.quiet(node.args[0].value)
        return False

    def _may_be_numpy(self, node: cst.CSTNode) -> bool:
        """Whether a name in `node` may hold NumPy values (whose bools `-` refuses)."""
        finder = _Names()
        node.visit(finder)
        for name in finder.names:
            binding = self.scope.env.get(name)
            if binding is None:
                continue
            if binding.kind in (FIXED, RANDOM) and binding.numpy:
                return True
            if binding.kind == VALUE and (not isinstance(binding.val, Val) or binding.val.numpy):
                return True
        return False


class _Names(cst.CSTVisitor):
    def __init__(self):
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)
