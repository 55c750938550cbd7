"""Lowering of expressions to `Val`s: literals, names, lists, operators and comparisons (subscripts and
weighted draws: subscripts.py)."""
from __future__ import annotations

import dataclasses

import libcst as cst

from .. import codegen as cg
from .bindings import DELETED, FIXED, RANDOM, STREAM, TABLE, VALUE, constant
from .kinds import PYTHON_BOOL, item_kinds, kinds, merged_items, result_kinds, union
from .values import Segment, Stream, TupleVal, Val


# Python raises ZeroDivisionError where NumPy gives inf, nan or 0 (with a warning)
_CHECKED_DIVISION = {"/": "dice.arith.true_divide", "//": "dice.arith.floor_divide", "%": "dice.arith.remainder"}


class ExpressionLowering:
    """Expressions over fixed values and columns. A part of `Lowerer` (lower.py)."""

    def value(self, node: cst.BaseExpression, where: cst.CSTNode) -> Val:
        result = self.expr(node)
        return self.value_of(result, where)

    def value_of(self, result, where) -> Val:
        if isinstance(result, Stream):
            raise self.error("a stream (`n @ expr`, a generator) is used where a value is needed", where,
                             "fold it: lazy_sum(...), lazy_max(...), list(...)")
        if isinstance(result, TupleVal):  # a tuple used as a value: a sequence, like a list (`(v,) * 3` repeats)
            array = self.array_of(list(result.items))
            return self.as_list(array, [("one", item) for item in result.items])
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

    def expr_Imaginary(self, node):
        return Val(cst.Imaginary(node.value), False, rank=0)

    def expr_SimpleString(self, node):
        return Val(cg.literal(node.evaluated_value), False)

    def expr_Name(self, node):
        return self.name_value(node)

    def name_value(self, node: cst.Name):
        name = node.value
        if name in ("True", "False", "None"):
            return Val(cg.name(name), False, rank=0, **(PYTHON_BOOL if name != "None" else {}))
        binding = self.scope.env.get(name)
        if binding is None:
            if name in self.parsed.constants:
                return Val(cg.literal(self.parsed.constants[name]), False)
            raise self.error(f"`{name}` is not defined here", node,
                             f"assign `{name}` before this line, or pass it as a parameter")
        if binding.kind == FIXED:
            return Val(cg.name(binding.py), False, obj=self.object_of(binding), pylist=binding.pylist,
                       **kinds(binding))
        if binding.kind == RANDOM:
            return Val(self.ref(binding.col), True, frozenset([binding.col]), obj=self.object_of(binding),
                       pylist=binding.pylist, **kinds(binding))
        if binding.kind == STREAM:
            return binding.stream
        if binding.kind == VALUE:
            return binding.val
        if binding.kind == DELETED and binding.note:
            message, hint = binding.note.split("|")
            raise self.error(message, node, hint)
        if binding.kind == DELETED:
            where = f" at line {binding.loc.line}" if binding.loc is not None else ""
            raise self.error(f"`{name}` was deleted (`del {name}`{where}) and is not defined here", node,
                             f"assign `{name}` again before reading it, or delete it after its last use")
        raise self.error(f"`{name}` is assigned (or deleted) in only one branch of an `if` and may be undefined "
                         "here", node, "assign it before the `if`, or in every branch")

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
        return self.as_list(self.concatenation(parts), parts)

    def as_list(self, value: Val, parts, items_known: bool = True) -> Val:
        """A Python list made of `parts` (("one" | "star", Val)): a new object, except that an array in it
        (an item that is an array, or an array among the items unpacked) stays shared with its name. Its kinds
        of number are those of any item, and item by item where the compiler knows them all (`items_known`:
        each part is what it holds, not the body of a loop)."""
        obj = self.sharing([v.obj for kind, v in parts if v.obj is not None
                            and (self.rank(v) is None or self.rank(v) > (0 if kind == "one" else 1))], fresh=True)
        nested = any(v.pylist is not False if kind == "one" else v.pylist == 2 for kind, v in parts)
        held = [self.item_kinds_of(v, None) if kind == "star" else item_kinds(v) for kind, v in parts]
        items = ()
        for kind, v in parts:
            if not items_known or (kind == "star" and v.items is None) or items is None:
                items = None
            else:
                items += tuple(v.items) if kind == "star" else (item_kinds(v),)
        flags = union(*held) if held else {}
        return Val(value.node, value.random, value.uses, value.rank, obj=obj, pylist=2 if nested else True,
                   items=items, **flags)

    def concatenation(self, parts) -> Val:
        if all(kind == "one" for kind, _ in parts):
            return self.array_of([v for _, v in parts])
        random = any(v.random for _, v in parts)
        if random:
            parts = [(kind, self.as_rows(v)) for kind, v in parts]
        pieces = [v.node if kind == "star" else cg.call("dice.lib.stack", cst.List([cst.Element(v.node)]),
                                                          rows=random)
                  for kind, v in parts]
        uses = frozenset().union(*[v.uses for _, v in parts])
        # the joined list has its parts' rank (an item's plus one) where they all know it and agree
        ranks = {None if self.rank(v) is None else self.rank(v) + (kind == "one") for kind, v in parts}
        rank = ranks.pop() if len(ranks) == 1 else None
        return Val(cg.call("dice.lib.concat", cst.List([cst.Element(p) for p in pieces]), rows=random), random, uses,
                   rank)

    def as_rows(self, value: Val) -> Val:
        """A fixed array among random list items, as a column (a broadcast view), so that the runtime reads
        every item with the world axis first; a fixed number broadcasts as it is."""
        if value.random or self.rank(value) == 0:
            return value
        return self.lifted(value)

    def lifted(self, value: Val) -> Val:
        """A fixed value as a column of the current table (the same value in every world)."""
        return Val(cg.call(cg.attr(cg.name(TABLE), "lift"), value.node), True, value.uses, self.rank(value),
                   pylist=value.pylist, **kinds(value))

    def array_of(self, items: list) -> Val:
        random = any(v.random for v in items)
        if random:
            items = [self.as_rows(v) for v in items]
        uses = frozenset().union(*[v.uses for v in items]) if items else frozenset()
        result = Val(cg.call("dice.lib.stack", cst.List([cst.Element(v.node) for v in items]), rows=random),
                     random, uses)
        return self.ranked(result, *items, extra=1)  # a fixed value's rank is its number of axes

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
        if op not in cg._BINARY or op == "@":
            raise self.error(f"operator `{op}` is not part of the dist language", node)
        if op in ("+", "*") and (left.pylist is not False or right.pylist is not False):
            listed = self.list_operation(op, left, right, node)
            if listed is not None:
                return listed
        self.refuse_list_arithmetic(op, left, right, node)
        if op in ("<<", ">>") and (left.random or right.random):
            # Python's shifts on integers: a negative count fails, a result past int64 fails (never wraps)
            return self.elementwise(lambda a, b: cg.call("dice.lib.shift", a, b, left=op == "<<"), left, right)
        operands = left, right
        left, right = self.python_arithmetic(op, left, right, where=node)
        checked = self.checked_arithmetic(op, left, right)
        if checked is not None:
            if op in _CHECKED_DIVISION:  # the message says why Python's answer may have been a number
                flags = {"numpy": left.numpy or right.numpy or None}
            else:  # a power that may be Python's or NumPy's in different worlds: refused where they differ
                flags = {"python": checked == "dice.arith.numpy_power" and left.python and right.python or None}
            result = self.elementwise(lambda a, b: cg.call(checked, a, b, **flags), left, right)
        else:
            result = self.elementwise(lambda a, b: cg.binop(op, a, b), left, right)
        return dataclasses.replace(result, **result_kinds(op, *operands))

    def refuse_list_arithmetic(self, op: str, left: Val, right: Val, node) -> None:
        """A Python list with a number, or two lists, under an operator Python has no meaning for on them
        (`[a, b] - 1`, `xs * ys`): Python raises a TypeError, where dice-nine (whose lists are arrays) computes item
        by item. A list with an array stays NumPy's elementwise operation, as in Python."""
        if not (left.pylist or right.pylist) or self.sums_items or not self.user_written(node):
            return  # dice-nine's `sum(a, b, *s)` and the folds of prelude.py add lists item by item
        other = right if left.pylist else left
        if other.pylist or other.pylist is False and self.rank(other) == 0:
            what = "two lists" if other.pylist else "a Python list and a number"
            raise self.error(f"`{op}` of {what} fails in Python (a TypeError): a list does not compute item by item",
                             node, "make it an array first, `xs + zeros(len(xs))` (dice-nine reads lists as arrays), "
                             f"or compute the items, `[x {op} 1 for x in xs]`")

    def user_written(self, node) -> bool:
        """Whether `node` is in the user's source (not in prelude.py's folds, whose meaning is dice-nine's)."""
        try:
            self.parsed.locate(node)
        except KeyError:
            return False
        return True

    @staticmethod
    def checked_arithmetic(op: str, left: Val, right: Val) -> str | None:
        """The runtime function (dice/arith.py) computing `op` over columns as Python does, where NumPy's
        answer differs on some values: division by a divisor that may be zero, powers of Python numbers (NumPy's
        values keep NumPy's `**`, as in Python, with each power rounded as a scalar's). None: NumPy's operator gives
        Python's values."""
        if not (left.random or right.random):
            return None
        if op in _CHECKED_DIVISION:
            known, divisor = constant(right.node)
            return None if known and isinstance(divisor, (int, float, complex)) and divisor != 0 \
                else _CHECKED_DIVISION[op]
        if op == "**":
            return "dice.arith.numpy_power" if left.numpy or right.numpy else "dice.arith.power"
        return None

    def list_operation(self, op: str, left: Val, right: Val, node) -> Val | None:
        """Python's `+` and `*` on lists: `[a] + [b]` joins, `[v] * k` repeats (an array operand keeps NumPy's
        elementwise meaning, as in Python). None: not a list operation."""
        if None in (left.pylist, right.pylist):
            other = right if left.pylist is None else left
            if other.pylist or self.rank(other) == 0:
                raise self.error(f"`{op}` of a value that is a Python list on one path and an array on another: "
                                 "joining (or repeating) and adding (or multiplying) differ", node,
                                 "make it the same kind on every path: `list(...)` for a list, `xs + zeros(n)` for "
                                 "an array")
            return None
        if op == "+":
            if left.pylist and right.pylist:
                return self.as_list(self.concatenation([("star", left), ("star", right)]),
                                    [("star", left), ("star", right)])
            return None
        listed, count = (left, right) if left.pylist else (right, left)
        if count.pylist or self.rank(count) != 0:
            return None  # a list times an array: NumPy's elementwise product, as Python computes it too
        if count.random:
            raise self.error("a list repeated a random number of times has a different length in each world",
                             node, "repeat a fixed number of times and mark the unused items, e.g. with a mask")
        repeated = Val(cg.call("dice.lib.repeat", listed.node, count.node, rows=listed.random or None),
                       listed.random, listed.uses | count.uses, self.rank(listed))
        known, times = constant(count.node)
        result = self.as_list(repeated, [("star", listed)])
        if known and isinstance(times, int) and result.items is not None:
            return dataclasses.replace(result, items=result.items * max(times, 0))
        return dataclasses.replace(result, items=None)

    def one_of(self, result: Val, *choices: Val) -> Val:
        """A value that is one of `choices` (per world, or by a fixed test): Python's is that object itself,
        so where an array is picked, it is shared with the names it came from (aliases.py)."""
        shared = self.sharing([c.obj for c in choices if c.obj is not None and self.rank(c) != 0])
        lists = {c.pylist for c in choices}
        pylist = lists.pop() if len(lists) == 1 else None
        return Val(result.node, result.random, result.uses, result.rank, obj=shared, pylist=pylist,
                   items=merged_items(choices), **union(*choices))

    def elementwise(self, build, *operands: Val) -> Val:
        """`build(*nodes)` over operands lined up world against world (shapes.py); its rank is the highest."""
        lined = self.line_up(*operands)
        random = any(o.random for o in operands)
        uses = frozenset().union(*[v.uses for v in lined])
        numpy = any(o.numpy for o in operands)  # Python's numbers meet NumPy's: NumPy's
        python = all(o.python for o in operands)
        return self.ranked(Val(build(*[v.node for v in lined]), random, uses, numpy=numpy, python=python), *operands)

    def expr_UnaryOperation(self, node):
        operand = self.value(node.expression, node.expression)
        if operand.pylist and self.user_written(node):  # Python: `-xs` fails, `not xs` is whether it is empty
            # (dice-nine computes item by item)
            op = cst.Module([]).code_for_node(node.operator).strip()
            array = "" if op == "not" else f"make it an array first, `{op}(xs + zeros(len(xs)))`, or "
            raise self.error(f"`{op}` of a Python list {'tests whether it is empty' if op == 'not' else 'fails'} in "
                             "Python: a list does not compute item by item", node,
                             f"{array}compute the items, `[{op} x for x in xs]`")
        if isinstance(node.operator, cst.Not):  # Python's `not` gives a bool
            if operand.random:
                return self.ranked(Val(cg.call("np.logical_not", operand.node), True, operand.uses, **PYTHON_BOOL),
                                   operand)
            return Val(cg.unary("not", operand.node), False, rank=0, **PYTHON_BOOL)
        symbol = {cst.Minus: "-", cst.Plus: "+", cst.BitInvert: "~"}[type(node.operator)]
        original = operand
        # -True is -1, ~True is -2, +True is 1 (NumPy: an error, a logical not, an error)
        (operand,) = self.python_arithmetic("~" if symbol == "~" else "-", operand, where=node)
        node = cg.unary(symbol, operand.node)
        if operand.random and operand.npbool and symbol == "-":  # NumPy bools, refused where computed only
            node = cg.call("dice.lib.negative", operand.node)
        # a NumPy bool stays one under `~` (and fails under `-`, `+`); a Python bool becomes an int
        result = Val(node, operand.random, operand.uses, numpy=original.numpy, python=original.python,
                     npbool=original.npbool and symbol == "~", number=original.number or original.pybool)
        return self.ranked(result, operand)

    def expr_Comparison(self, node):
        return self.comparison_chain(self.value(node.left, node.left), list(node.comparisons), node)

    def comparison_chain(self, left: Val, targets: list, node) -> Val:
        """`left < b < c ...`: Python's `left < b and b < c ...`, b computed once, each later comparison only
        where the ones before it hold (conditionals.py)."""
        target = targets[0]
        right = self.value(target.comparator, target.comparator)
        piece = self.compared(left, right, target)
        if len(targets) == 1:
            return piece
        rest = cst.Comparison(target.comparator, targets[1:])
        return self.short_circuit("and", piece, rest, lambda: self.comparison_chain(right, targets[1:], node), node)

    def compared(self, left: Val, right: Val, target: cst.ComparisonTarget) -> Val:
        """One comparison `left op right` (`op` and the source position from `target`)."""
        op = cst.Module([]).code_for_node(target.operator).strip()
        op = " ".join(op.split())
        if op in ("in", "not in"):
            collection = right
            if not (left.random or collection.random):
                piece = Val(cst.Comparison(left.node, [cst.ComparisonTarget(
                    cst.In() if op == "in" else cst.NotIn(), collection.node)]), False, rank=0, **PYTHON_BOOL)
            elif not collection.random:  # one fixed collection for every world
                piece = Val(cg.call("np.isin", left.node, collection.node, invert=True if op == "not in" else None),
                            True, left.uses | collection.uses, **PYTHON_BOOL)
            else:  # np.isin would search every world's collection at once
                found = cg.call("dice.lib.isin_rows", left.node, collection.node, rows=left.random)
                piece = Val(cg.call("np.logical_not", found) if op == "not in" else found, True,
                            left.uses | collection.uses, **PYTHON_BOOL)
        elif op in cg._COMPARE and (left.pylist or right.pylist) and (right.pylist is not False
                                                                       and left.pylist is not False):
            if op not in ("==", "!=") or None in (left.pylist, right.pylist):
                raise self.error(f"`{op}` of two lists compares them as wholes in Python, not item by item",
                                 target, "compare items with reduce_all(a == b + zeros(len(b))), or write "
                                 "== / != of two lists")
            equal = Val(cg.call("dice.lib.lists_equal", left.node, right.node, left.random, right.random),
                        left.random or right.random, left.uses | right.uses, 0)
            piece = equal if op == "==" else self.ranked(Val(cg.call("np.logical_not", equal.node), equal.random,
                                                             equal.uses), equal) if equal.random else \
                Val(cg.unary("not", equal.node), False)
            piece = dataclasses.replace(piece, **PYTHON_BOOL)
        elif op in cg._COMPARE and (left.pylist or right.pylist) and (right if left.pylist else left).pylist is False \
                and self.rank(right if left.pylist else left) == 0 and self.user_written(target):
            python = {"==": "is always False", "!=": "is always True"}.get(op, "fails (a TypeError)")
            raise self.error(f"`{op}` of a Python list and a number {python} in Python: a list is compared as a "
                             "whole, not item by item", target, "compare an array item by item, "
                             f"`xs + zeros(len(xs)) {op} v` (dice-nine reads lists as arrays), or the items, "
                             f"`[x {op} v for x in xs]`")
        elif op in cg._COMPARE:
            piece = self.elementwise(lambda a, b, op=op: cg.compare(op, a, b), left, right)
            # Python's numbers compared: a Python bool; a NumPy value compared: a NumPy bool (arrays compared: a
            # NumPy array of bools, whose `+` is `or`)
            scalar = self.rank(piece) in (0, None)
            piece = dataclasses.replace(piece, pybool=scalar and left.python and right.python, number=False,
                                        npbool=not scalar or left.numpy or right.numpy,
                                        numpy=not scalar or left.numpy or right.numpy)
        else:
            raise self.error(f"comparison `{op}` is not part of the dist language", target)
        return piece

    def fixed(self, node, what: str, hint: str | None = None) -> cst.BaseExpression:
        value = self.value(node, node)
        if value.random:
            raise self.error(f"{what} must be fixed, not random", node, hint or (
                "what decides which outcomes exist (a die's sides, a count, a shape) must be known when the function "
                "is called; dice-nine's `__max__(x)` is a fixed bound for a random `x`"))
        return value.node

