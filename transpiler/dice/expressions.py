"""Lowering of expressions to `Val`s: literals, names, operators, comparisons, subscripts and weighted draws."""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from .bindings import FIXED, RANDOM, STREAM, VALUE, constant, scalar_literal
from .values import Segment, Stream, TupleVal, Val


class ExpressionLowering:
    """Expressions over fixed values and columns. A part of `Lowerer` (lower.py)."""

    def value(self, node: cst.BaseExpression, where: cst.CSTNode) -> Val:
        result = self.expr(node)
        return self.value_of(result, where)

    def value_of(self, result, where) -> Val:
        if isinstance(result, Stream):
            raise self.error("a stream (`n @ expr`, a generator) is used where a value is needed", where,
                             "fold it: lazy_sum(...), lazy_max(...), list(...)")
        if isinstance(result, TupleVal):
            return self.array_of(list(result.items))
        return result

    def expr(self, node: cst.BaseExpression):
        if self._independent_candidate(node):
            return self.subtable(node)
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.error(f"{type(node).__name__} expressions are not part of the dist language", node)
        return method(node)

    def expr_Integer(self, node):
        return Val(cg.literal(int(node.value.replace("_", ""), 0)), False)

    def expr_Float(self, node):
        return Val(cg.literal(float(node.value.replace("_", ""))), False)

    def expr_SimpleString(self, node):
        return Val(cg.literal(node.evaluated_value), False)

    def expr_Name(self, node):
        return self.name_value(node)

    def name_value(self, node: cst.Name):
        name = node.value
        if name in ("True", "False", "None"):
            return Val(cg.name(name), False)
        binding = self.scope.env.get(name)
        if binding is None:
            if name in self.parsed.constants:
                return Val(cg.literal(self.parsed.constants[name]), False)
            raise self.error(f"`{name}` is not defined here", node)
        if binding.kind == FIXED:
            return Val(cg.name(binding.py), False)
        if binding.kind == RANDOM:
            return Val(self.ref(binding.col), True, frozenset([binding.col]))
        if binding.kind == STREAM:
            return binding.stream
        if binding.kind == VALUE:
            return binding.val
        raise self.error(f"`{name}` is assigned in only one branch of an `if` and may be undefined here", node,
                         "assign it before the `if`, or in every branch")

    def expr_Tuple(self, node):
        return TupleVal(tuple(self.value(e.value, e.value) for e in node.elements))

    def expr_List(self, node):
        parts, rest = [], []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                inner = self.expr(element.value)
                if isinstance(inner, Stream):
                    rest = [self.list_of_stream(inner)]
                else:
                    rest = [self.value_of(inner, element)]
                parts.append(("star", rest[0]))
            else:
                parts.append(("one", self.value(element.value, element.value)))
        if all(kind == "one" for kind, _ in parts):
            return self.array_of([v for _, v in parts])
        random = any(v.random for _, v in parts)
        pieces = [v.node if kind == "star" else cg.call("dice.lib.stack", cst.List([cst.Element(v.node)]),
                                                          rows=random)
                  for kind, v in parts]
        uses = frozenset().union(*[v.uses for _, v in parts])
        return Val(cg.call("dice.lib.concat", cst.List([cst.Element(p) for p in pieces]), rows=random), random, uses)

    def array_of(self, items: list) -> Val:
        random = any(v.random for v in items)
        uses = frozenset().union(*[v.uses for v in items]) if items else frozenset()
        return Val(cg.call("dice.lib.stack", cst.List([cst.Element(v.node) for v in items]), rows=random),
                   random, uses)

    def expr_BinaryOperation(self, node):
        op = cst.Module([]).code_for_node(node.operator).strip()
        if op == "@":
            count = self.value(node.left, node.left)
            if count.random:
                raise self.error("`n @ expr` needs a fixed count `n`", node.left,
                                 "draw the count first and use `for` with an `if`")
            element = node.right
            return Stream([Segment(count.node, self.scoped(lambda index: self.value(element, element)))])
        left = self.value(node.left, node.left)
        right = self.value(node.right, node.right)
        return self.binary(op, left, right, node)

    def binary(self, op: str, left: Val, right: Val, node) -> Val:
        if op in ("and", "or"):
            if left.random or right.random:
                left, right = self.line_up(left, right)
                return Val(cg.call(f"np.logical_{op}", left.node, right.node), True, left.uses | right.uses)
            operator = cst.And() if op == "and" else cst.Or()
            return Val(cst.BooleanOperation(left.node, operator, right.node), False)
        if op not in cg._BINARY or op == "@":
            raise self.error(f"operator `{op}` is not part of the dist language", node)
        left, right = self.line_up(left, right)
        return Val(cg.binop(op, left.node, right.node), left.random or right.random, left.uses | right.uses)

    def line_up(self, left: Val, right: Val) -> tuple[Val, Val]:
        """A random value meeting a fixed one that may be an array: give the column the array's axes.

        Per world, `d(n) > xs` compares one number with every element of xs; the column has the world axis
        first, so it needs trailing unit axes (`dice.lib.per_world`) before NumPy broadcasting does that.
        """
        if left.random == right.random:
            return left, right
        fixed, random = (right, left) if left.random else (left, right)
        if scalar_literal(fixed.node):
            return left, right
        if not isinstance(fixed.node, cst.Name):
            fixed = self.snapshot(fixed)  # read twice below
        random = Val(cg.call("dice.lib.per_world", random.node, fixed.node), True, random.uses)
        return (random, fixed) if left.random else (fixed, random)

    def expr_BooleanOperation(self, node):
        op = "and" if isinstance(node.operator, cst.And) else "or"
        return self.binary(op, self.value(node.left, node.left), self.value(node.right, node.right), node)

    def expr_UnaryOperation(self, node):
        operand = self.value(node.expression, node.expression)
        if isinstance(node.operator, cst.Not):
            if operand.random:
                return Val(cg.call("np.logical_not", operand.node), True, operand.uses)
            return Val(cg.unary("not", operand.node), False)
        symbol = {cst.Minus: "-", cst.Plus: "+", cst.BitInvert: "~"}[type(node.operator)]
        return Val(cg.unary(symbol, operand.node), operand.random, operand.uses)

    def expr_Comparison(self, node):
        left = self.value(node.left, node.left)
        result = None
        for target in node.comparisons:
            right = self.value(target.comparator, target.comparator)
            op = cst.Module([]).code_for_node(target.operator).strip()
            op = " ".join(op.split())
            if op in ("in", "not in"):
                collection = right
                if not (left.random or collection.random):
                    piece = Val(cst.Comparison(left.node, [cst.ComparisonTarget(
                        cst.In() if op == "in" else cst.NotIn(), collection.node)]), False)
                else:
                    piece = Val(cg.call("np.isin", left.node, collection.node, invert=True if op == "not in" else None),
                                True, left.uses | collection.uses)
            elif op in cg._COMPARE:
                lined_left, lined_right = self.line_up(left, right)
                piece = Val(cg.compare(op, lined_left.node, lined_right.node), left.random or right.random,
                            left.uses | right.uses)
            else:
                raise self.error(f"comparison `{op}` is not part of the dist language", target)
            result = piece if result is None else self.binary("and", result, piece, node)
            left = right
        return result

    def expr_IfExp(self, node):
        test = self.value(node.test, node.test)
        if not test.random:
            known, truth = constant(test.node)
            if known:
                chosen = node.body if truth else node.orelse
                return self.value(chosen, chosen)
        body = self.value(node.body, node.body)
        orelse = self.value(node.orelse, node.orelse)
        if test.random:
            return Val(cg.call("np.where", test.node, body.node, orelse.node), True,
                       test.uses | body.uses | orelse.uses)
        random = body.random or orelse.random
        return Val(cst.IfExp(test.node, body.node, orelse.node), random, body.uses | orelse.uses)

    def _is_weighted_draw(self, node: cst.Subscript) -> bool:
        return isinstance(node.value, cst.Name) and node.value.value == "d" and "d" not in self.scope.env

    def expr_Subscript(self, node):
        if self._is_weighted_draw(node):
            return self.weighted_draw(node)
        array = self.value(node.value, node.value)
        index = self.indices(node)
        if isinstance(index, tuple):  # slices
            if array.random:
                return Val(cg.subscript(array.node, [cg.slice_(None, None, None)] + list(index)), True, array.uses)
            return Val(cg.subscript(array.node, list(index)), False)
        return self.index_value(array, index, node)

    def index_value(self, array: Val, index, node) -> Val:
        index = index if isinstance(index, list) else [index]
        uses = array.uses | frozenset().union(*[i.uses for i in index])
        if any(i.random for i in index):
            if array.random:
                return Val(cg.call("dice.lib.take_rows", array.node, *[i.node for i in index]), True, uses)
            if len(index) != 1:
                raise self.error("a fixed array indexed by random values takes one index", node)
            return Val(cg.call("dice.lib.lookup", array.node, index[0].node), True, uses)
        if array.random:
            return Val(cg.subscript(array.node, [cg.slice_(None, None, None)] + [i.node for i in index]), True, uses)
        return Val(cg.subscript(array.node, [i.node for i in index]), False)

    def indices(self, node: cst.Subscript):
        """A list of index Vals, or a tuple of fixed slices/indices (when any element is a slice)."""
        elements = node.slice
        if any(isinstance(e.slice, cst.Slice) for e in elements):
            parts = []
            for e in elements:
                if isinstance(e.slice, cst.Slice):
                    bounds = []
                    for bound in (e.slice.lower, e.slice.upper, e.slice.step):
                        if bound is None:
                            bounds.append(None)
                            continue
                        value = self.value(bound, bound)
                        if value.random:
                            raise self.error("slice bounds must be fixed", bound,
                                             "index with a random value instead, or use an `if`")
                        bounds.append(value.node)
                    parts.append(cg.slice_(*bounds))
                else:
                    value = self.value(e.slice.value, e.slice.value)
                    if value.random:
                        raise self.error("a random index cannot be mixed with slices", e)
                    parts.append(value.node)
            return tuple(parts)
        return [self.value(e.slice.value, e.slice.value) for e in elements]

    def weighted_draw(self, node: cst.Subscript) -> Val:
        ranges = []
        for element in node.slice:
            part = element.slice
            if isinstance(part, cst.Slice):
                if part.lower is None:
                    raise self.error("d[a:b:w] needs a lower bound", part)
                hint = "for a uniform draw up to a random n, write dd(n) + 1 (dd(n) is 0..n-1)"
                low = self.fixed(part.lower, "a bound of d[...]", hint)
                high = self.fixed(part.upper, "a bound of d[...]", hint) if part.upper is not None else low
                weight = self.fixed(part.step, "a weight of d[...]") if part.step is not None else cg.literal(1)
            else:
                low = high = self.fixed(part.value, "a value of d[...]")
                weight = cg.literal(1)
            ranges.append(cg.tuple_(low, high, weight))
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_ranges"), column, cg.tuple_(*ranges))),
                defs=[column])
        return Val(self.ref(column), True, frozenset([column]))

    def fixed(self, node, what: str, hint: str | None = None) -> cst.BaseExpression:
        value = self.value(node, node)
        if value.random:
            raise self.error(f"{what} must be fixed, not random", node, hint)
        return value.node
