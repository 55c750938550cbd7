"""Lowering subscripts: reads (`x[i, 1:]`, gathers, masks) and in-place updates (`a[i] = v`, `a[:, j] += v`)."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder
from ..frontend.array_literals import array
from ..frontend.index_tricks import TRICKS, index_trick
from ..frontend.partition import Partitioned, read as read_partition
from ..ir import Atom, Const, Var
from ..primitives.indexing import Ref
from ..values import DictValue, ListValue, Module, Value


def _as_tuples(value):
    """A (nested) list's items as the (nested) tuples that NumPy functions read lists as."""
    return tuple(_as_tuples(v) for v in value.items) if isinstance(value, ListValue) else value


def _has_items(value) -> bool:
    return any(_has_items(v) for v in value) if isinstance(value, tuple) else True


class Indexing:
    """Mixed into `Lowering`. Relies on its `expr`, `error`, `_atom`, `_bind`, `_named`."""

    def _expr_Subscript(self, node: cst.Subscript, builder, env) -> Value:
        base = self.expr(node.value, builder, env)
        if isinstance(base, Module) and base.path in TRICKS:  # np.r_[a, 0:3], np.c_[a, b]: concatenations
            return index_trick(self, base.path, node, builder, env)
        if isinstance(base, (tuple, ListValue, DictValue)):  # x.shape[0], a tuple result, a list, a dict
            return self.container_subscript(base, node, builder, env)
        items = [self._subscript_item(e, builder, env) for e in node.slice]
        if isinstance(base, Partitioned):  # np.partition(x, k)[k]: only its kth positions are NumPy's
            return read_partition(self, base, node, items, builder)
        atom = self._atom(base, node.value)
        args, index = self._index(atom, items)
        return self._bind(builder, node, "getitem", args, {"index": tuple(index)})

    def _index(self, atom: Atom, items: list) -> tuple[list, list]:
        """Arguments and index structure for `atom[items]` (run-time integers become `Ref`s)."""
        args, index = [atom], []
        for item in items:
            if isinstance(item, Var) or (isinstance(item, Const) and not isinstance(item.value, int)):
                args.append(item)
                index.append(Ref(len(args) - 1))
            elif isinstance(item, slice):
                bounds = []
                for bound in (item.start, item.stop, item.step):
                    if isinstance(bound, Var):
                        args.append(bound)
                        bounds.append(Ref(len(args) - 1))
                    else:
                        bounds.append(bound)
                index.append(slice(*bounds))
            else:
                index.append(item)
        return args, index

    def _store(self, target: cst.Subscript, value: Value, builder: Builder, env, combine: str | None = None) -> None:
        """`a[index] = value` (or `a[index] <op>= value`): an in-place update of the array named `a`."""
        if isinstance(target.value, cst.Name) and target.value.value in env:
            self._name(target.value, env)  # a stale name says so
        held = env.get(target.value.value) if isinstance(target.value, cst.Name) else None
        if isinstance(held, Const) and isinstance(held.value, Var):
            raise self.error(target.value, "a module-level array cannot be changed in place (Python would change "
                             "it for every later call too)", f"work on a copy: {target.value.value} = "
                             f"{target.value.value}.copy()")
        if not isinstance(held, Var):
            raise self.error(target.value, "only arrays held by a name can be assigned into", "a[i] = v")
        items = [self._subscript_item(e, builder, env) for e in target.slice]
        self.store_into(target.value.value, items, value, target, builder, env, combine)

    def _subscript_item(self, element: cst.SubscriptElement, builder, env):
        item = element.slice
        if isinstance(item, cst.Slice):
            return slice(*(self._slice_bound(b, builder, env) for b in (item.lower, item.upper, item.step)))
        value = self.expr(item.value, builder, env)
        if value is None or value is Ellipsis:
            return value
        if isinstance(value, tuple):
            raise self.error(item.value, "a tuple inside an index is not supported", "write x[i, j]")
        empty_list = isinstance(value, ListValue) and not _has_items(_as_tuples(value))
        if isinstance(value, ListValue):  # `x[[0, 2]]`: NumPy reads a list in an index as the array it makes of it
            value = array(self, item.value, builder, [_as_tuples(value)], {})
        atom = self._atom(value, item.value)
        if empty_list:  # `x[[]]`: an empty list in an index is NumPy's empty array of positions (np.intp)
            atom = self._bind(builder, item.value, "astype", [atom], {"dtype": "i64"})
        if isinstance(atom, Const):
            if isinstance(atom.value, int) and not isinstance(atom.value, bool):
                return atom.value
            raise self.error(item.value, "array indices are integers", "use int literals or integer scalars")
        if atom.type.dtype == "bool" and atom.type.shape != ():
            return atom  # a boolean mask
        if atom.type.dtype not in ("i32", "i64"):
            raise self.error(item.value, "array indices must be integers (or a boolean mask array)",
                             "cast with .astype(np.int64)")
        return atom  # an integer scalar, or an integer array (a gather)

    def _slice_bound(self, node, builder, env):
        if node is None:
            return None
        value = self._atom(self.expr(node, builder, env), node)
        if isinstance(value, Const):
            if not isinstance(value.value, int) or isinstance(value.value, bool):
                raise self.error(node, "slice bounds are integers")
            return value.value
        if value.type.dtype not in ("i32", "i64") or value.type.shape != ():
            raise self.error(node, "slice bounds are integer scalars")
        return value
