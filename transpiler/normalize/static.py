"""Lists, dicts and tuples inside kernels, with a length and key set known at build time.

They exist only while the kernel is lowered: `xs.append(h)` adds an IR value to a Python list, `for W, b in
params:` runs the loop body once per element (unrolled), a comprehension over a static range or list builds a
list of IR values. A change to a list happens exactly once, so it is allowed only at the block level the list
was made at (never inside a branch or loop decided at run time: there the number of changes is not known); a
`for` over a constant `range` whose body needs that (appends, or indexes a list with the loop variable) is
unrolled instead of kept as a loop.
"""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..errors import TranspileError
from ..ir import Const, Var
from ..values import Closure, DictValue, Frame, KernelRef, ListValue, Partial, TransformRef, Value, describe
from .syntax import can_exit, has_return

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
        raise StaticNeeded("dict keys must be strings or integers known at build time", self.locate(node))

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

    # -- operators on build-time values -------------------------------------------------------------------
    def container_operation(self, node, prim: str, left, right) -> Value:
        """`xs + ys` (lists or tuples) and `xs * n`: a new list or tuple, as in Python."""
        if prim == "add" and type(left) is type(right) and not isinstance(left, DictValue):
            if isinstance(left, tuple):
                return left + right
            return ListValue(left.items + right.items, self._level)
        if prim == "multiply" and (is_sequence(left) or is_sequence(right)) and any(
                isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool)
                for v in (left, right)):
            seq, count = (left, right) if is_sequence(left) else (right, left)
            times = self._static_int(count, node)
            if isinstance(seq, tuple):
                return seq * times
            return ListValue(seq.items * times, self._level)
        raise self.error(node, f"this operator does not apply to {describe(left)} and {describe(right)} in kernels",
                         "lists and tuples support + and * by an integer; use np.stack(xs) for arithmetic")

    def static_comparison(self, node: cst.Comparison, builder, env):
        """A comparison decided at build time: `is None`, strings (`kind == "tanh"`), `key in d`; else None."""
        target = node.comparisons[0]
        operator = target.operator
        identity = isinstance(operator, (cst.Is, cst.IsNot))
        membership = isinstance(operator, (cst.In, cst.NotIn))
        if not (identity or membership or _static_literal(node.left) or _static_literal(target.comparator)):
            return None
        left, right = self.expr(node.left, builder, env), self.expr(target.comparator, builder, env)
        if membership:
            if isinstance(right, DictValue):
                found = self.static_key(left, node.left) in right.items
            elif isinstance(right, (tuple, ListValue)) and all(_comparable(v) for v in self.static_items(right, node)):
                found = _plain(left) in [_plain(v) for v in self.static_items(right, node)]
            else:
                raise self.error(node, "`in` is decided at build time here: it looks for a key in a dict, or a "
                                 "number or string in a list of them")
            return const(found if isinstance(operator, cst.In) else not found)
        if identity:
            if not (left is None or right is None):
                raise self.error(node, "`is` compares with None in kernels", "compare values with == or !=")
            same = left is right or (left is None and right is None)
            return const(same if isinstance(operator, cst.Is) else not same)
        if not (_comparable(left) and _comparable(right)) or isinstance(left, str) != isinstance(right, str):
            if isinstance(left, str) or isinstance(right, str):
                return const(isinstance(operator, cst.NotEqual)) if isinstance(operator, (cst.Equal, cst.NotEqual)) \
                    else None
            return None
        if isinstance(operator, (cst.Equal, cst.NotEqual)):
            equal = _plain(left) == _plain(right)
            return const(equal if isinstance(operator, cst.Equal) else not equal)
        return None

    # -- loops ---------------------------------------------------------------------------------------------
    def unroll(self, node: cst.For, items: list, builder: Builder, env: dict) -> None:
        """A `for` over a build-time sequence: the body once per element, in the enclosing block."""
        if has_return(node.body):
            raise self.error(node, "`return` is not supported in a loop over a list or a constant range that runs "
                             "at build time", "set a flag and `break`, then return after the loop")
        if len(items) > UNROLL_LIMIT:
            raise self.error(node.iter, f"a loop of {len(items)} iterations is too long to unroll at build time")
        if not can_exit(node.body):
            for item in items:
                builder.loc = self.locate(node)
                self._assign(node.target, item, builder, env)
                self._nested(list(node.body.body), builder, env)
            return
        self._unroll_stopping(node, items, builder, env)

    def _unroll_stopping(self, node: cst.For, items: list, builder: Builder, env: dict) -> None:
        """An unrolled loop with `break` or `continue`: a running flag, as in a run-time loop; each iteration
        after the first runs under `if running:` (decided at build time where the flag is known)."""
        loc = self.locate(node)
        flag = f"<running{len(self._break_flags)}>"
        env[flag] = const(True)
        self._break_flags.append(flag)
        self._loop_depth += 1

        def iteration(item):
            def run(e: dict) -> None:
                builder.loc = loc
                self._assign(node.target, item, builder, e)
                self._nested(list(node.body.body), builder, e)
            return run

        try:
            for item in items:
                running = env[flag]
                if isinstance(running, Const):
                    if not running.value:
                        break
                    iteration(item)(env)
                else:
                    builder.loc = loc
                    self._guarded(running, iteration(item), lambda e: None, builder, env, loc)
        finally:
            self._loop_depth -= 1
            self._break_flags.pop()
            env.pop(flag, None)

    # -- builtins on build-time values ---------------------------------------------------------------------
    def static_call(self, path: str, node: cst.Call, builder: Builder, positional: list, keywords: dict):
        """Builtins that act on lists, dicts, functions and ranges; `_NOT_HERE` when this call is not one."""
        name = path.rpartition(".")[2]
        if name == "range":
            if keywords or not 1 <= len(positional) <= 3:
                return _NOT_HERE
            if not all(isinstance(p, Const) and isinstance(p.value, int) for p in positional):
                raise StaticNeeded("range(...) with bounds known only at run time makes a sequence whose "
                                   "length is not known at build time", self.locate(node),
                                   "use it as what a `for` loop runs over")
            return range(*(p.value for p in positional))
        if name in ("zip", "enumerate", "reversed", "list", "tuple", "sorted") and not keywords:
            if name == "zip":
                sequences = [self.static_items(p, node, builder) for p in positional]
                return ListValue([tuple(group) for group in zip(*sequences)], self._level)
            if name == "enumerate" and len(positional) in (1, 2):
                start = self._static_int(positional[1], node) if len(positional) == 2 else 0
                items = self.static_items(positional[0], node, builder)
                return ListValue([(const(i + start), v) for i, v in enumerate(items)], self._level)
            if not positional and name in ("list", "tuple"):
                return ListValue([], self._level) if name == "list" else ()
            if len(positional) == 1 and name in ("list", "tuple", "reversed"):
                items = self.static_items(positional[0], node, builder)
                items = items[::-1] if name == "reversed" else items
                return tuple(items) if name == "tuple" else ListValue(items, self._level)
            return _NOT_HERE
        if name == "dict":
            items = {}
            if positional:
                if len(positional) != 1:
                    return _NOT_HERE
                source = positional[0]
                if isinstance(source, DictValue):
                    items.update(source.items)
                else:
                    for pair in self.static_items(source, node, builder):
                        key, value = self.static_items(pair, node, builder)
                        items[self.static_key(key, node)] = value
            for key, (value, _) in keywords.items():
                items[key] = value
            return DictValue(items, self._level)
        if name == "len" and len(positional) == 1 and isinstance(positional[0], (tuple, ListValue, DictValue, range)):
            value = positional[0]
            return const(len(value.items) if isinstance(value, (ListValue, DictValue)) else len(value))
        if name == "sum" and positional and isinstance(positional[0], (tuple, ListValue, range)):
            total = positional[1] if len(positional) > 1 else keywords.get("start", (const(0), None))[0]
            for item in self.static_items(positional[0], node, builder):
                total = self._bind(builder, node, "add", [self._atom(total, node), self._atom(item, node)])
            return total
        if name == "map":
            return self._map(node, builder, positional, {k: v for k, (v, _) in keywords.items()})
        if name == "partial":
            return self._partial(node, builder, positional, {k: v for k, (v, _) in keywords.items()})
        if name == "isinstance":
            return self.static_isinstance(node, positional)
        if name == "flatten":
            return self.flatten_tree(node, builder, positional)
        if name == "callable" and len(positional) == 1:
            return const(isinstance(positional[0], (Closure, KernelRef, TransformRef, Partial)))
        return _NOT_HERE


_NOT_HERE = object()
STATIC_BUILTINS = ("range", "zip", "enumerate", "reversed", "list", "tuple", "sorted", "dict", "len", "sum", "map",
                   "callable", "partial", "isinstance", "flatten")


def is_sequence(value) -> bool:
    return isinstance(value, (tuple, ListValue))


def _static_literal(node) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) or (
        isinstance(node, cst.Name) and node.value == "None")


def _comparable(value) -> bool:
    return isinstance(value, str) or value is None or (isinstance(value, Const) and isinstance(value.value, (int, float)))


def _plain(value):
    return value.value if isinstance(value, Const) else value


def _key_value(key):
    return key if isinstance(key, str) else const(key)

