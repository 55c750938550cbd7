"""Lists, dicts and tuples inside kernels, with a length and key set known at build time.

They exist only while the kernel is lowered: `xs.append(h)` adds an IR value to a Python list, `for W, b in
params:` runs the loop body once per element (unrolled), a comprehension over a static range or list builds a
list of IR values. A change to a list happens exactly once, so it is allowed only at the block level the list
was made at (never inside a branch or loop decided at run time: there the number of changes is not known); a
`for` over a constant `range` whose body needs that (appends, or indexes a list with the loop variable) is
unrolled instead of kept as a loop (unroll.py). Operators and builtins on them: static_operations.py.
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..errors import TranspileError
from ..ir import Const, Var
from ..values import DictValue, Frame, ListValue, Value, describe

UNROLL_LIMIT = 10_000  # iterations a loop over a list or a constant range may be unrolled to


class StaticNeeded(TranspileError):
    """A construct that needs the loop around it to run at build time (unrolled): raised inside a run-time
    loop or branch; a `for` over a constant range catches it and unrolls, anything else reports it."""


class Containers:
    """Mixed into `Lowering`. Relies on its `expr`, `error`, `_atom`, `_bind`, `_assign`, `_nested`."""

    # -- literals and comprehensions -----------------------------------------------------------------------
    def _expr_List(self, node: cst.List, builder, env) -> Value:
        return ListValue(self._elements(node.elements, builder, env), self._level)

    def _expr_Tuple(self, node: cst.Tuple, builder, env) -> Value:
        return tuple(self._elements(node.elements, builder, env))

    def _elements(self, elements, builder, env) -> list:
        items = []
        for element in elements:
            if isinstance(element, cst.StarredElement):
                items.extend(self.static_items(self.expr(element.value, builder, env), element.value, builder))
            else:
                items.append(self.expr(element.value, builder, env))
        return items

    def _expr_Dict(self, node: cst.Dict, builder, env) -> Value:
        items = {}
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                value = self.expr(element.value, builder, env)
                if not isinstance(value, DictValue):
                    raise self.error(element.value, f"`**` takes a dict here, not {describe(value)}")
                items.update(value.items)
                continue
            items[self.static_key(self.expr(element.key, builder, env), element.key)] = \
                self.expr(element.value, builder, env)
        return DictValue(items, self._level)

    def _expr_ListComp(self, node: cst.ListComp, builder, env) -> Value:
        return ListValue(self._comprehension(node, lambda e: [self.expr(node.elt, builder, e)], builder, env),
                         self._level)

    _expr_GeneratorExp = _expr_ListComp  # consumed at once by sum(), np.stack(), tuple(), ...

    def _expr_DictComp(self, node: cst.DictComp, builder, env) -> Value:
        pairs = self._comprehension(node, lambda e: [(self.static_key(self.expr(node.key, builder, e), node.key),
                                                      self.expr(node.value, builder, e))], builder, env)
        return DictValue(dict(pairs), self._level)

    def _comprehension(self, node, produce, builder, env) -> list:
        """Run a comprehension's `for` and `if` clauses at build time, in its own scope."""
        inner = dict(env)
        saved = self._frame
        self._frame = Frame(inner, saved, frozenset())
        results: list = []

        def clause(comp: cst.CompFor) -> None:
            for item in self.static_items(self.expr(comp.iter, builder, inner), comp.iter, builder):
                self._assign(comp.target, item, builder, inner)
                if all(self._static_condition(test.test, builder, inner) for test in comp.ifs):
                    if comp.inner_for_in is not None:
                        clause(comp.inner_for_in)
                    else:
                        results.extend(produce(inner))

        try:
            clause(node.for_in)
        finally:
            self._frame = saved
        return results

    def _static_condition(self, test, builder, env) -> bool:
        atom = self._atom(self.expr(test, builder, env), test)
        if not isinstance(atom, Const) or not isinstance(atom.value, (bool, int)):
            raise self.error(test, "a comprehension's `if` must be known at build time",
                             "filter arrays with a mask or np.where instead")
        return bool(atom.value)

    # -- reading -------------------------------------------------------------------------------------------
    def static_items(self, value: Value, node, builder: Builder | None = None) -> list:
        """The elements a `for`, a comprehension or `zip` runs over: they must be known at build time."""
        if isinstance(value, ListValue):
            return list(value.items)
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, DictValue):
            return [_key_value(k) for k in value.items]
        if isinstance(value, range):
            if len(value) > UNROLL_LIMIT:
                raise self.error(node, f"a range of {len(value)} elements is too long to unroll at build time")
            return [const(i) for i in value]
        if isinstance(value, Var) and value.type.shape and isinstance(value.type.shape[0], int) and builder:
            return [self._bind(builder, node, "getitem", [value], {"index": (i,)})
                    for i in range(value.type.shape[0])]
        if isinstance(value, (Var, Const)):
            raise StaticNeeded("this needs a sequence whose length is known at build time; an array's first "
                               "axis is known only at run time", self.locate(node),
                               "loop with `for i in range(len(x))` and index the array")
        raise self.error(node, f"{describe(value)} cannot be iterated over here")

    def static_key(self, value: Value, node):
        if isinstance(value, str):
            return value
        if isinstance(value, Const) and isinstance(value.value, (int, bool)):
            return value.value
        raise StaticNeeded("dict keys must be strings or integers known at build time", self.locate(node),
                           "key the dict by constants (a run-time key, `if num in lengths`, needs a dict the kernel "
                           "language does not have: use an array indexed by the number)")

    def container_subscript(self, base: Value, node: cst.Subscript, builder, env) -> Value:
        if len(node.slice) != 1:
            raise self.error(node, f"{describe(base)} is indexed with one index")
        item = node.slice[0].slice
        if isinstance(base, DictValue):
            if isinstance(item, cst.Slice):
                raise self.error(node, "a dict is indexed with a key")
            key = self.static_key(self.expr(item.value, builder, env), item.value)
            if key not in base.items:
                raise self.error(node, f"the dict has no key {key!r}", "keys: " + ", ".join(map(repr, base.items)))
            return base.items[key]
        items = base.items if isinstance(base, ListValue) else list(base)
        if isinstance(item, cst.Slice):
            bounds = [None if b is None else self._static_int(self.expr(b, builder, env), b)
                      for b in (item.lower, item.upper, item.step)]
            chosen = items[slice(*bounds)]
            return ListValue(chosen, self._level) if isinstance(base, ListValue) else tuple(chosen)
        index = self._static_int(self.expr(item.value, builder, env), item.value)
        if not -len(items) <= index < len(items):
            raise self.error(node, f"index {index} is out of range for {describe(base)} of {len(items)} elements")
        return items[index]

    def _static_int(self, value: Value, node) -> int:
        if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
            return value.value
        if isinstance(value, Var) and value.type.dtype in ("i32", "i64") and value.type.shape == ():
            raise StaticNeeded("a list or tuple is indexed with an integer known at build time; this one is "
                               "known only at run time", self.locate(node),
                               "loop over the list itself (`for w in ws:`), or a constant range(...)")
        raise self.error(node, "lists and tuples are indexed with integers")

    # -- changing ------------------------------------------------------------------------------------------
    def _changeable(self, container, node) -> None:
        if container.level == self._level:
            return
        if container.level == -1:
            raise self.error(node, f"{describe(container)} passed to a kernel is not changed by it",
                             "build a new one: ys = list(xs) + [v]")
        if container.level == -2:
            raise self.error(node, f"{describe(container)} made at module level is not changed by a kernel",
                             "build a new one: ys = list(xs) + [v]")
        raise StaticNeeded(f"{describe(container)} made outside this loop or branch cannot be changed in it: "
                               "the loop runs, or the branch is chosen, at run time", self.locate(node),
                           "loop over a list or a constant range(...), which runs at build time")

    def container_store(self, container, node: cst.Subscript, value: Value, builder, env,
                        combine: str | None = None) -> None:
        """`xs[i] = v`, `d[key] = v` (and `+=`): the element is replaced, the list itself stays the same."""
        if isinstance(container, tuple):
            raise self.error(node, "a tuple cannot be changed", "use a list")
        self._changeable(container, node)
        if len(node.slice) != 1 or isinstance(node.slice[0].slice, cst.Slice):
            raise self.error(node, "an element of a list or dict is assigned with one index or key")
        index_node = node.slice[0].slice.value
        if isinstance(container, DictValue):
            key = self.static_key(self.expr(index_node, builder, env), index_node)
        else:
            key = self._static_int(self.expr(index_node, builder, env), index_node)
            if not -len(container.items) <= key < len(container.items):
                raise self.error(node, f"index {key} is out of range for a list of {len(container.items)}")
        if combine is not None:
            if key not in container.items if isinstance(container, DictValue) else False:
                raise self.error(node, f"the dict has no key {key!r}")
            current = self._atom(container.items[key], node)
            value = self._bind(builder, node, combine, [current, self._atom(value, node)])
        container.items[key] = value

    def container_method(self, container, method: str, positional: list, keywords: dict, node: cst.Call,
                         builder: Builder) -> Value:
        if keywords:
            raise self.error(node, f"`.{method}()` takes positional arguments here")
        if isinstance(container, ListValue):
            if method == "append" and len(positional) == 1:
                self._changeable(container, node)
                container.items.append(positional[0])
                return None
            if method == "extend" and len(positional) == 1:
                self._changeable(container, node)
                container.items.extend(self.static_items(positional[0], node, builder))
                return None
            if method == "insert" and len(positional) == 2:
                self._changeable(container, node)
                container.items.insert(self._static_int(positional[0], node), positional[1])
                return None
            if method == "pop" and len(positional) <= 1:
                self._changeable(container, node)
                index = self._static_int(positional[0], node) if positional else -1
                if not container.items:
                    raise self.error(node, "pop from an empty list")
                return container.items.pop(index)
            if method == "copy" and not positional:
                return ListValue(container.items, self._level)
            if method == "index" or method == "count":
                raise self.error(node, f"`.{method}()` compares values, which kernels do not do on lists")
        if isinstance(container, DictValue):
            if method in ("items", "keys", "values") and not positional:
                keys = [_key_value(k) for k in container.items]
                chosen = {"items": [tuple(kv) for kv in zip(keys, container.items.values())], "keys": keys,
                          "values": list(container.items.values())}[method]
                return ListValue(chosen, -1)
            if method == "get" and len(positional) in (1, 2):
                key = self.static_key(positional[0], node)
                return container.items.get(key, positional[1] if len(positional) == 2 else None)
            if method == "copy" and not positional:
                return DictValue(container.items, self._level)
            if method == "update" and len(positional) == 1 and isinstance(positional[0], DictValue):
                self._changeable(container, node)
                container.items.update(positional[0].items)
                return None
        kind = "list" if isinstance(container, ListValue) else "dict" if isinstance(container, DictValue) else "tuple"
        raise self.error(node, f"`.{method}()` on a {kind} is not supported in kernels",
                         "supported: append extend insert pop copy on lists; items keys values get copy update on "
                         "dicts")


def _key_value(key):
    return key if isinstance(key, str) else const(key)
