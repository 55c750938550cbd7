"""Lowering of simple statements and assignment: names bound to fixed values, columns, streams."""
from __future__ import annotations

import dataclasses
import re

import libcst as cst

from .. import codegen as cg
from . import ir
from .bindings import DELETED, FIXED, RANDOM, RESERVED, STREAM, TABLE, VALUE, Binding, constant
from .kinds import item_kinds, kinds, union
from .values import Stream, TupleVal, Val


class StatementLowering:
    """Statements of a @dist body, and binding names to what they are. A part of `Lowerer` (lower.py)."""

    def statements(self, body: cst.BaseSuite) -> None:
        if isinstance(body, cst.SimpleStatementSuite):  # `for x in s: total += x` on one line
            for small in body.body:
                self.statement((body, small))
            return
        items = list(body.body) if isinstance(body, cst.IndentedBlock) else [body]
        for stmt in items:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self.statement((stmt, small))
            else:
                self.statement((stmt, stmt))

    def statement(self, pair) -> None:
        line, node = pair
        self.note_for(pair)
        self.statement_loc = self.loc(node) or self.statement_loc
        if isinstance(node, cst.Assign):
            if len(node.targets) != 1:
                raise self.error("chained assignment is not part of the dist language", node, "assign one name")
            self.assign(node.targets[0].target, self.expr(node.value), node)
        elif isinstance(node, cst.AugAssign):
            op = cst.Module([]).code_for_node(node.operator).strip()[:-1]
            target = node.target
            if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) \
                    and not self.is_weighted_draw(target):
                # `xs[i] += v` reads and writes the same element: the index is lowered (and drawn) once
                index = self.indices(target)
                if isinstance(index, list):
                    array = self.name_value(target.value)
                    current = self.item_of(array, self.index_value(array, index, target), index)
                    value = self.binary(op, current, self.value(node.value, node.value), node)
                    self.assign_subscript(target, value, node, index)
                    return
            current = self.expr(target)
            value = self.binary(op, current, self.value(node.value, node.value), node)
            binding = self.scope.env.get(target.value) if isinstance(target, cst.Name) else None
            if binding is not None and binding.kind in (FIXED, RANDOM) and isinstance(current, Val) \
                    and self.rank(current) != 0:
                # `xs += ...` on an array or list changes the object itself: every name of it sees the change
                obj = self.check_write(target.value, binding, target)
                self.check_unknown_rank_update(target.value, current, obj, op, node)
                self.bind(target.value, Val(value.node, value.random, value.uses, value.rank, obj=obj,
                                            pylist=current.pylist, **kinds(value)), node)
                self.write_through(target.value, obj, node)
                return
            self.assign(target, value, node)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self.assign(node.target, self.expr(node.value), node)
        elif isinstance(node, cst.If):
            self.if_statement(node)
        elif isinstance(node, cst.For):
            self.for_statement(node)
        elif isinstance(node, cst.Assert):
            cond = self.value(node.test, node.test)
            # conditioning: a fixed condition keeps all worlds or none, a random one those where it holds
            self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "keep"), cond.node)), uses=cond.uses)
        elif isinstance(node, cst.Expr):
            self.expression_statement(node)
        elif isinstance(node, cst.Pass):
            pass
        elif isinstance(node, cst.Return):
            raise self.error("`return` must be the last statement of a @dist function", node,
                             "assign the outcome to a variable in each branch and return it at the end")
        elif isinstance(node, (cst.While,)):
            raise self.error("`while` is not part of the dist language: the number of steps must be fixed",
                             node, "use `for i in range(n):` with an `if` inside")
        elif isinstance(node, (cst.Break, cst.Continue)):
            raise self.error(f"`{type(node).__name__.lower()}` is not part of the dist language", node,
                             "use an `if` around the rest of the loop body")
        elif isinstance(node, cst.Del):
            self.delete(node.target, node)
        else:
            raise self.error(f"{type(node).__name__} statements are not part of the dist language", node)

    def delete(self, target, node: cst.Del) -> None:
        """`del x`: a later read of `x` is an error, as in Python (liveness frees its column anyway)."""
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.delete(element.value, node)
            return
        if not isinstance(target, cst.Name):
            raise self.error("only names can be deleted in the dist language", target,
                             "assign a new value instead of deleting an element")
        self.name_value(target)  # `del` of a name that is not defined fails as in Python
        self.scope.env[target.value] = Binding(DELETED, loc=self.loc(node))

    def expression_statement(self, node: cst.Expr) -> None:
        value = node.value
        if isinstance(value, cst.Yield):
            self.yield_statement(value)
            return
        if isinstance(value, cst.SimpleString):
            return
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            name = value.func.value
            if name == "print":
                args = [self.value(a.value, a.value) for a in value.args]
                if any(a.random for a in args):
                    raise self.error("print() shows fixed values only: a random value has no single value", value,
                                     "return it instead to get its distribution")
                self.emit(ir.Plain(self.table, cst.Expr(cg.call("print", *[a.node for a in args]))))
                return
            if name == "importance":
                weight = self.value(value.args[0].value, value)
                self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "importance"), weight.node)),
                        uses=weight.uses)
                return
        self.expr(value)  # evaluated for its draws

    def assign(self, target: cst.BaseAssignTargetExpression, value, node) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value, node)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if isinstance(value, TupleVal):
                items = list(value.items)
            elif isinstance(value, Val):
                items = [self.item_of(value, self.index_value(value, [Val(cg.literal(i), False)], node),
                                      [Val(cg.literal(i), False)]) for i in range(len(elements))]
            else:
                raise self.error("cannot unpack a stream into names", node, "fold it first")
            if len(items) != len(elements):
                raise self.error(f"cannot unpack {len(items)} values into {len(elements)} names", node)
            items = [self.snapshot(item) for item in items]  # `a, b = b, a` reads before it writes
            for element, item in zip(elements, items):
                self.assign(element, item, node)
        elif isinstance(target, cst.Subscript):
            self.assign_subscript(target, value, node)
        else:
            raise self.error("only names, tuples of names and subscripts can be assigned", target)

    def bind(self, name: str, value, node) -> None:
        env = self.scope.env
        if isinstance(value, Stream):
            env[name] = Binding(STREAM, stream=value)
            return
        if isinstance(value, TupleVal):
            env[name] = Binding(VALUE, val=value)
            return
        old = env.get(name)
        obj = value.obj if value.obj is not None else self.new_object()  # `b = a`: b is a's object
        if value.random:
            column = self.col(name)
            self.assign_column(column, value, overwrites=old is not None and old.kind == RANDOM)
            env[name] = Binding(RANDOM, col=column, obj=obj, pylist=value.pylist, **kinds(value))
        else:
            py = self.py_name(name)
            self.note_rank("py", py, self.rank(value))
            self.op(cst.Assign([cst.AssignTarget(cg.name(py))], value.node))
            env[name] = Binding(FIXED, py=py, obj=obj, pylist=value.pylist, **kinds(value))

    def name_value_of(self, name: str):
        return self.name_value(cst.Name(name))

    def py_name(self, name: str) -> str:
        """The Python local for a fixed value of `name` here (renamed inside random branches and inlining)."""
        key = (self.scope.prefix, name)
        if key in self.renames:
            return self.renames[key]
        if self.scope.prefix or self.in_random_branch or name in RESERVED or re.fullmatch(r"w\d*_*", name) \
                or name.startswith("_"):
            py = self.fresh_py((self.scope.prefix.replace(".", "_") + name).strip("_") or "v")
        else:
            py = name
            self.taken_py.add(py)
        self.renames[key] = py
        return py

    def assign_subscript(self, target: cst.Subscript, value, node, index=None) -> None:
        if not isinstance(target.value, cst.Name):
            raise self.error("only `name[index] = value` is supported", target)
        name = target.value.value
        array = self.name_value(target.value)
        binding = self.scope.env.get(name)
        obj = self.check_write(name, binding, target) if binding is not None else None
        self.write_element(name, array, binding, target, value, node, index)
        self.write_through(name, obj, node)  # every other name of the same object sees the write

    def write_element(self, name, array, binding, target, value, node, index) -> None:
        """`name[index] = value`, for `name` alone: its new contents are the same object (`array.obj`)."""
        value = self.value_of(value, node)
        index = self.indices(target) if index is None else index
        if not isinstance(index, list):
            raise self.error("slices cannot be assigned to in the dist language", target,
                             "assign each element, `for i in range(a, b): xs[i] = v`")
        random_index = any(i.random for i in index)
        uses = array.uses | value.uses | frozenset().union(*[i.uses for i in index])
        container = _container(array)
        # the same object, rewritten: a list's items are of the kinds they were or of the value's (a list widens to
        # hold the value: dice.lib.widened), item by item where the index is fixed; an array keeps its type
        flags = kinds(array)
        if array.pylist is not False:
            flags = {**union(array, value), "items": _written_items(array.items, value, index)}
        same = {"obj": array.obj, "pylist": array.pylist, "rank": self.rank(array), **flags}
        if not (array.random or value.random or random_index):
            self.bind(name, Val(cg.call("dice.lib.put", array.node, value.node, *[i.node for i in index],
                                        container=container), False, **same), node)
            return
        if array.random and binding is not None and binding.kind == RANDOM and array.uses == {binding.col}:
            # `name[i] = v` on a column of its own: the table updates it in place when nothing else shares it
            update = cg.call(cg.attr(cg.name(TABLE), "update"), cg.literal(binding.col), value.node,
                             *[i.node for i in index], per_world=random_index, value_rows=value.random or None,
                             container=container)
            self.op(cst.Expr(update), defs=[binding.col], uses=uses, overwrites=True)
            self.scope.env[name] = dataclasses.replace(binding, **flags)
            return
        array_node = array.node if array.random else cg.call(cg.attr(cg.name(self.table), "lift"), array.node)
        if random_index:
            call = cg.call("dice.lib.put_rows", array_node, value.node, *[i.node for i in index],
                           value_rows=value.random or None, container=container)
        else:
            call = cg.call("dice.lib.put", array_node, value.node, *[i.node for i in index], rows=True,
                           value_rows=value.random or None, container=container)
        self.bind(name, Val(call, True, uses, **same), node)


def _container(array: Val) -> str | None:
    """How the runtime stores a write into `array` (dice.lib.widened): None for a NumPy array (NumPy's casting),
    "list" for a Python list of Python numbers, "numpy_items" for one that may hold NumPy values, "unknown" where
    it may be a list or an array."""
    if array.pylist is False:
        return None
    if array.pylist is None:
        return "unknown"
    return "numpy_items" if array.numpy else "list"


def _written_items(items, value: Val, index: list):
    """The per-item kinds of a list after `list[index] = value`: the item at a fixed index is the value's kind,
    at a random index each item may be its own or the value's."""
    if items is None or len(index) != 1:
        return None
    known, at = (False, None) if index[0].random else constant(index[0].node)
    if known and isinstance(at, int) and not isinstance(at, bool):
        if not -len(items) <= at < len(items):
            return items
        written = list(items)
        written[at] = item_kinds(value)
        return tuple(written)
    return tuple(union(item, item_kinds(value)) for item in items)
