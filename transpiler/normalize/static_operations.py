"""Operators, comparisons and builtins decided at build time: `xs + ys` on lists, `kind == "tanh"`, `key in d`,
`range`, `zip`, `len`, `dict(...)` and the like, on the values the compiler knows while it lowers a kernel."""
from __future__ import annotations

import itertools

import libcst as cst

from ..builder import Builder, const
from ..frontend import dtype_objects
from ..ir import Const, Var
from ..values import Closure, DictValue, KernelRef, ListValue, Partial, TransformRef, Value, describe
from .static import StaticNeeded


class StaticOperations:
    """Mixed into `Lowering`. Relies on its `expr`, `error`, `locate`, `_atom`, `_bind`, `_level`, `static_items`,
    `static_key`, `_static_int`, `_map`, `_partial`, `static_isinstance`, `flatten_tree`."""

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
            elif isinstance(left, str) and isinstance(right, str):  # `a.dtype.kind in "biu"`: a substring
                found = left in right
            elif isinstance(right, (tuple, ListValue)) and _comparable(left) and all(
                    _comparable(v) for v in self.static_items(right, node)):
                found = _plain(left) in [_plain(v) for v in self.static_items(right, node)]
            elif isinstance(right, (tuple, ListValue)):
                return self.traced_membership(node, builder, left, self.static_items(right, node),
                                              isinstance(operator, cst.NotIn))
            elif isinstance(right, Var) and right.type.shape:
                return self.array_membership(node, builder, left, right, isinstance(operator, cst.NotIn))
            else:
                raise self.error(node, "`in` is decided at build time here: it looks for a key in a dict, a "
                                 "number or string in a list of them, or a string in a string",
                                 "for an array: np.any(a == v)")
            return const(found if isinstance(operator, cst.In) else not found)
        if identity:
            if not (left is None or right is None):
                raise self.error(node, "`is` compares with None in kernels", "compare values with == or !=")
            same = left is right or (left is None and right is None)
            return const(same if isinstance(operator, cst.Is) else not same)
        types = dtype_objects.compare(self, node, left, right)  # `x.dtype == "float64"`
        if types is not None:
            return types
        if not (_comparable(left) and _comparable(right)) or isinstance(left, str) != isinstance(right, str):
            if isinstance(left, str) or isinstance(right, str):
                return const(isinstance(operator, cst.NotEqual)) if isinstance(operator, (cst.Equal, cst.NotEqual)) \
                    else None
            return None
        if isinstance(operator, (cst.Equal, cst.NotEqual)):
            equal = _plain(left) == _plain(right)
            return const(equal if isinstance(operator, cst.Equal) else not equal)
        return None

    def traced_membership(self, node, builder, left, items: list, negated: bool):
        """`v in [a, b]` with a number computed at run time on one side: Python asks `item is v or item == v` of
        each item in turn, which is `v == a or v == b` wherever identity cannot differ from equality: a NaN is
        itself but not equal to itself, so two run-time floats (which may be one object) are refused; a run-time
        number and a number written in the kernel are never one object. The answer is a Python bool, as `in`'s."""
        def number(value) -> bool:
            return isinstance(value, (Var, Const)) and value.type.shape == () and not (
                isinstance(value, Const) and not isinstance(value.value, (bool, int, float)))

        if not number(left) or not all(number(v) for v in items):
            raise self.error(node, "`in` over a list here compares arrays, strings or None with a value computed at "
                             "run time: Python asks each item's truth of `==` (an array's raises)",
                             "for numbers: v == a or v == b; for an array: np.any(a == v)")
        found = None
        for item in items:
            if isinstance(left, Var) and isinstance(item, Var) and "f" in (left.type.dtype[0], item.type.dtype[0]):
                raise self.error(node, "`in` compares two floats computed at run time: Python asks `is` before "
                                 "`==`, and a NaN is itself but not equal to itself",
                                 "compare with ==: v == a or v == b")
            equal = self._bind(builder, node, "equal", [self._atom(left, node), self._atom(item, node)])
            found = equal if found is None else self._bind(builder, node, "logical_or", [found, equal])
        if found is None:
            return const(negated)
        if negated:
            found = self._bind(builder, node, "logical_not", [found])
        return self._bind(builder, node, "python_bool", [found])

    def array_membership(self, node, builder, key, array: Var, negated: bool):
        """`key in a` of an array of rank 1 or more: NumPy's `ndarray.__contains__`, `(a == key).any()` (no
        identity test: a NaN is in no array), the key a number or an array broadcast against `a`; `in` makes a
        Python bool of it. (A rank-0 value is refused: a NumPy scalar, which kernels do not tell from a 0-d array,
        is not iterable.)"""
        if not (isinstance(key, (Var, Const)) and (isinstance(key, Var) or isinstance(key.value, (bool, int, float))
                                                   or isinstance(key.value, Var))):
            raise self.error(node, f"`in` looks for {describe(key)} in an array: kernels look for numbers and arrays",
                             "np.any(a == v)")
        equal = self._bind(builder, node, "equal", [self._atom(array, node), self._atom(key, node)])
        found = self._bind(builder, node, "any", [equal], {"axis": None})
        if negated:
            found = self._bind(builder, node, "logical_not", [found])
        return self._bind(builder, node, "python_bool", [found])

    # -- builtins on build-time values ---------------------------------------------------------------------
    def _items_of_one(self, name: str, value, node, builder: Builder) -> list:
        """The elements `list(x)`, `tuple(x)`, `reversed(x)` hold; of an array of a run-time length, a refusal that
        says what to write instead (SciPy's Cola: `[0.0, x[0]] + list(x[1::2])`)."""
        try:
            return self.static_items(value, node, builder)
        except StaticNeeded as exc:
            if not isinstance(value, Var) or not value.type.shape:
                raise
            raise StaticNeeded(f"`{name}()` of an array whose length is known only at run time: a Python {name}'s "
                               "length is fixed when the kernel is compiled", exc.loc,
                               "keep it an array: np.concatenate(([0.0, x[0]], x[1::2])) for [0.0, x[0]] + "
                               "list(x[1::2]), x[::-1] for reversed(x), `for v in x` for its rows; or annotate a "
                               'literal length ("f64[6]")') from None

    def static_call(self, path: str, node: cst.Call, builder: Builder, positional: list, keywords: dict):
        """Builtins that act on lists, dicts, functions and ranges; `NOT_HERE` when this call is not one."""
        name = path.rpartition(".")[2]
        if name == "range":
            if keywords or not 1 <= len(positional) <= 3:
                return NOT_HERE
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
                items = self._items_of_one(name, positional[0], node, builder)
                items = items[::-1] if name == "reversed" else items
                return tuple(items) if name == "tuple" else ListValue(items, self._level)
            return NOT_HERE
        if name in ("pairwise", "chain", "product") and path.startswith("itertools.") and not keywords:
            sequences = [self.static_items(p, node, builder) for p in positional]
            if name == "pairwise":
                if len(sequences) != 1:
                    return NOT_HERE
                return ListValue(list(zip(sequences[0], sequences[0][1:])), self._level)
            if name == "chain":
                return ListValue([item for sequence in sequences for item in sequence], self._level)
            return ListValue(list(itertools.product(*sequences)), self._level)
        if name == "dict":
            items = {}
            if positional:
                if len(positional) != 1:
                    return NOT_HERE
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
        return NOT_HERE


NOT_HERE = object()  # what `static_call` gives for a call it does not evaluate (expressions.py reads it)
STATIC_BUILTINS = ("range", "zip", "enumerate", "reversed", "list", "tuple", "sorted", "dict", "len", "sum", "map",
                   "callable", "partial", "isinstance", "flatten", "pairwise", "chain", "product")


def is_sequence(value) -> bool:
    return isinstance(value, (tuple, ListValue))


def _static_literal(node) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) or (
        isinstance(node, cst.Name) and node.value == "None")


def _comparable(value) -> bool:
    """A value whose `==` Python answers at build time: a string, None, a number written or known, or a tuple of
    them (numpy-ml's pad1D: `p in ["same", "causal"]` with `p` the tuple `(1, 1)`)."""
    if isinstance(value, tuple):
        return all(_comparable(v) for v in value)
    return isinstance(value, str) or value is None or (isinstance(value, Const) and isinstance(value.value, (int, float)))


def _plain(value):
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value.value if isinstance(value, Const) else value


def static_truth(value) -> bool | None:
    """Python's truth of a value known at build time (a number, a tuple by its length, a string, None); None for
    one computed at run time. `and`/`or` return such an operand itself, as Python does (numpy-ml's
    `p == "same" and kernel_shape and stride is not None`)."""
    if isinstance(value, Const):
        return bool(value.value)
    if isinstance(value, (tuple, str)) or value is None:
        return bool(value)
    return None
