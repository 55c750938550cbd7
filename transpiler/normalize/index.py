"""Lowering subscripts: reads (`x[i, 1:]`, gathers, masks) and in-place updates (`a[i] = v`, `a[:, j] += v`)."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..frontend.array_literals import array
from ..frontend.index_tricks import TRICKS, index_trick
from ..frontend.partition import Partitioned, read as read_partition
from ..ir import Atom, Const, Var
from ..primitives.indexing import Ref
from ..values import DictValue, ListValue, Module, Value


def _as_tuples(value):
    """A (nested) list's items as the (nested) tuples that NumPy functions read lists as."""
    return tuple(_as_tuples(v) for v in value.items) if isinstance(value, ListValue) else value


def _is_index_array(item) -> bool:
    return isinstance(item, Var) and item.type.shape != ()


def _has_items(value) -> bool:
    return any(_has_items(v) for v in value) if isinstance(value, tuple) else True


class Indexing:
    """Mixed into `Lowering`. Relies on its `expr`, `error`, `_atom`, `_bind`, `_named`."""

    def _expr_Subscript(self, node: cst.Subscript, builder, env) -> Value:
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "flat":
            return self._flat_read(node, builder, env)
        base = self.expr(node.value, builder, env)
        if isinstance(base, Module) and base.path in TRICKS:  # np.r_[a, 0:3], np.c_[a, b]: concatenations
            return index_trick(self, base.path, node, builder, env)
        if isinstance(base, (tuple, ListValue, DictValue)):  # x.shape[0], a tuple result, a list, a dict
            return self.container_subscript(base, node, builder, env)
        items = self._subscript_items(node.slice, builder, env)
        if isinstance(base, Partitioned):  # np.partition(x, k)[k]: only its kth positions are NumPy's
            return read_partition(self, base, node, items, builder)
        atom = self._atom(base, node.value)
        if not items and atom.type.weak:
            raise self.error(node, "`x[()]` of a Python number raises TypeError in Python (it is not subscriptable)",
                             "index a NumPy value (`np.float64(x)[()]`), or use the number itself")
        if None in items and any(_is_index_array(i) for i in items):
            atom, items = self._new_axes_first(atom, items, node, builder)
        args, index = self._index(atom, items)
        return self._bind(builder, node, "getitem", args, {"index": tuple(index)})

    def _flat_read(self, node: cst.Subscript, builder, env) -> Value:
        """`x.flat[k]`: NumPy's flat iterator read at one index (an int, a slice, an index array): the elements of
        `x.reshape(-1)` there; a slice or an index array gives a new array (a copy, never a view of `x`), an int the
        element. Writes through `.flat` are refused where the assignment is lowered."""
        base = self.expr(node.value.value, builder, env)
        if isinstance(base, (Module, tuple, ListValue, DictValue)):  # (their own `.flat`: the attribute's error)
            return self._expr_Attribute(node.value, builder, env)
        items = self._subscript_items(node.slice, builder, env)
        if len(items) != 1 or items[0] is None or items[0] is Ellipsis:
            raise self.error(node, "`x.flat[...]` takes one index here (an int, a slice or an index array)",
                             "x.flat[k], x.flat[a:b] or x.flat[[i, j]]")
        atom = self._atom(base, node.value.value)
        if atom.type.rank is None or atom.type.weak:
            raise self.error(node.value, "`.flat` of a value whose rank is not known, or of a Python number",
                             'annotate the parameter, e.g. x: "f64[n,d]"')
        flat = atom if atom.type.rank == 1 else self._bind(builder, node, "reshape", [atom, const(-1)])
        args, index = self._index(flat, items)
        read = self._bind(builder, node, "getitem", args, {"index": tuple(index)})
        return read if isinstance(read, Var) and read.type.shape == () else self._bind(builder, node, "copy", [read])

    def _new_axes_first(self, atom: Atom, items: list, node, builder) -> tuple[Atom, list]:
        """`x[i, None]` with an index array `i`: NumPy's new axis is a length-1 axis the index then takes whole, so
        this is `np.expand_dims(x, 1)[i, :]`: the same axes in the same places (a None, as a slice, separates index
        arrays, which then put their axes first: `x[i, None, j]`), read by the gathers Lifted has."""
        if any(isinstance(i, Var) and i.type.dtype == "bool" and i.type.shape != () for i in items):
            raise self.error(node, "a boolean mask combined with None (np.newaxis) is not supported",
                             "index first, then add the axis: `x[mask][:, None]` or np.expand_dims(x[mask], 1)")
        rank = atom.type.rank
        if rank is None:
            raise self.error(node, "an index array combined with None needs the indexed array's rank",
                             'annotate the parameter it comes from, e.g. x: "f64[n,d]"')
        consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
        if Ellipsis in items:
            at = items.index(Ellipsis)
            items = items[:at] + [slice(None)] * (rank - consumed) + items[at + 1:]
        for position, item in enumerate(items):
            if item is None:
                atom = self._bind(builder, node, "expand_dims", [atom], {"axis": position})
        return atom, [slice(None) if i is None else i for i in items]

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

    def _store(self, target: cst.Subscript, value: Value, builder: Builder, env, combine: str | None = None,
               base: Value = None) -> None:
        """`a[index] = value` (or `a[index] <op>= value`): an in-place update of the array named `a`, or of the
        array a view expression looks into (`b.T[0] = v`: `base`, the expression's value, view_writes.py)."""
        if not isinstance(target.value, cst.Name):
            return self._store_through_expression(target, value, builder, env, combine, base)
        if isinstance(target.value, cst.Name) and target.value.value in env:
            self._name(target.value, env)  # a stale name says so
        held = env.get(target.value.value) if isinstance(target.value, cst.Name) else None
        if isinstance(held, Const) and isinstance(held.value, Var):
            raise self.error(target.value, "a module-level array cannot be changed in place (Python would change "
                             "it for every later call too)", f"work on a copy: {target.value.value} = "
                             f"{target.value.value}.copy()")
        if not isinstance(held, Var):
            raise self.error(target.value, "only arrays held by a name can be assigned into", "a[i] = v")
        items = self._subscript_items(target.slice, builder, env)
        if None in items and any(_is_index_array(i) for i in items):
            raise self.error(target, "assigning through an index array combined with None (np.newaxis) is not "
                             "supported", "leave the None out (`a[i] = v`: the same elements), with the value "
                             "reshaped to match")
        if isinstance(value, (ListValue, tuple)) and _has_items(_as_tuples(value)):  # `a[:2] = [1.0, 1.2]`: NumPy
            value = array(self, target, builder, [_as_tuples(value)], {})           # makes the list an array
        self.store_into(target.value.value, items, value, target, builder, env, combine)

    def _subscript_items(self, elements, builder, env) -> list:
        """The items of `x[...]`; one tuple (`x[()]`, `x[t]` with `t = (i, j)`) is the index itself, as in NumPy."""
        if len(elements) == 1 and isinstance(elements[0].slice, cst.Index):
            node = elements[0].slice.value
            value = self.expr(node, builder, env)
            if isinstance(value, tuple):
                return [self._index_value(v, node, builder) for v in value]
            return [self._index_value(value, node, builder)]
        return [self._subscript_item(e, builder, env) for e in elements]

    def _subscript_item(self, element: cst.SubscriptElement, builder, env):
        item = element.slice
        if isinstance(item, cst.Slice):
            return slice(*(self._slice_bound(b, builder, env) for b in (item.lower, item.upper, item.step)))
        return self._index_value(self.expr(item.value, builder, env), item.value, builder)

    def _index_value(self, value, item, builder):
        """One index item from its value: None, `...`, an int, an integer scalar or array, a mask."""
        if value is None or value is Ellipsis or isinstance(value, slice):  # (`slice(1, 3)`: its bounds are ints)
            return value
        if isinstance(value, range):  # `X[arg_max, range(n)]`: NumPy reads a range as the int array of its items
            value = tuple(const(i) for i in value)
        empty_list = isinstance(value, (ListValue, tuple)) and not _has_items(_as_tuples(value))
        if isinstance(value, (ListValue, tuple)):  # `x[[0, 2]]`, `x[(0, 2), 1]`: NumPy reads a sequence inside an
            value = array(self, item, builder, [_as_tuples(value)], {})  # index as the array it makes of it
        atom = self._atom(value, item)
        if empty_list:  # `x[[]]`: an empty list in an index is NumPy's empty array of positions (np.intp)
            atom = self._bind(builder, item, "astype", [atom], {"dtype": "i64"})
        if isinstance(atom, Const) and not isinstance(atom.value, Var):  # (a module-level array: a gather below)
            if isinstance(atom.value, int) and not isinstance(atom.value, bool):
                return atom.value
            raise self.error(item, "array indices are integers", "use int literals or integer scalars")
        if atom.type.dtype == "bool" and atom.type.shape != ():
            return atom  # a boolean mask
        if atom.type.dtype not in ("i32", "i64"):
            raise self.error(item, "array indices must be integers (or a boolean mask array)",
                             "cast with .astype(np.int64)")
        return atom  # an integer scalar, or an integer array (a gather)

    def _slice_bound(self, node, builder, env):
        if node is None:
            return None
        value = self._atom(self.expr(node, builder, env), node)
        if isinstance(value, Const):
            if not isinstance(value.value, int) or isinstance(value.value, bool):
                raise self.error(node, "slice bounds are integers",
                                 "int(...) of the bound (NumPy raises TypeError for a float slice bound)")
            return value.value
        if value.type.dtype not in ("i32", "i64") or value.type.shape != ():
            raise self.error(node, "slice bounds are integer scalars",
                             "an integer scalar (int(...) of a float, x[i] of an integer array); np.mgrid and "
                             "np.ogrid are not supported: np.linspace, np.meshgrid")
        return value

    def _store_through_expression(self, target: cst.Subscript, value: Value, builder: Builder, env,
                                  combine: str | None, base: Value) -> None:
        """`b.T[0] = v`, `np.flip(b)[0] = v`, `b[::-1][:2] = v`: the subscript of a view expression."""
        root = target.value
        while isinstance(root, (cst.Subscript, cst.Attribute, cst.Call)):
            root = root.value if not isinstance(root, cst.Call) else (root.args[0].value if root.args else root.func)
        held = self._name(root, env) if isinstance(root, cst.Name) else None
        if isinstance(held, Const) and isinstance(held.value, Var):
            raise self.error(root, "a module-level array cannot be changed in place (Python would change it for "
                             "every later call too)", f"work on a copy: {root.value} = {root.value}.copy()")
        if base is None:
            base = self.expr(target.value, builder, env)
        items = self._subscript_items(target.slice, builder, env)
        if None in items and any(_is_index_array(i) for i in items):
            raise self.error(target, "assigning through an index array combined with None (np.newaxis) is not "
                             "supported", "leave the None out (`a[i] = v`: the same elements), with the value "
                             "reshaped to match")
        label = cst.Module([]).code_for_node(target.value)
        self.store_through(label, base, items, value, target, builder, env, combine)
