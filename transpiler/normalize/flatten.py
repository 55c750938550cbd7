"""Build-time helpers on trees that models call: autograd's `flatten(tree)` (one vector of every leaf, and the
function that rebuilds the tree from such a vector) and `isinstance` on build-time values."""
from __future__ import annotations

import libcst as cst

from ..builder import Builder, const
from ..ir import Const, Var
from ..values import DictValue, ListValue, Module, Unflatten, Value, describe


class TreeHelpers:
    """Mixed into `Lowering`. Relies on its `_atom`, `_bind`, `_dim`, `error`, `_level`."""

    def flatten_tree(self, node: cst.Call, builder: Builder, positional: list) -> Value:
        if len(positional) != 1:
            raise self.error(node, "`flatten` takes one tree (a list, tuple or dict of arrays)")
        leaves = [self._atom(leaf, node) for leaf in tree_leaves(positional[0])]
        if not leaves:
            raise self.error(node, "`flatten` of an empty tree")
        parts = []
        for leaf in leaves:
            size = self._size(leaf, builder, node)
            parts.append(self._bind(builder, node, "reshape", [leaf, size]))
        vector = parts[0] if len(parts) == 1 else self._bind(builder, node, "concatenate", parts, {"axis": 0})
        return (vector, Unflatten(positional[0]))

    def unflatten(self, func: Unflatten, positional: list, node: cst.Call, builder: Builder) -> Value:
        if len(positional) != 1:
            raise self.error(node, "the function `flatten` returned takes one vector")
        vector = self._atom(positional[0], node)
        offset: Var | Const = const(0)
        rebuilt = []
        for leaf in tree_leaves(func.template):
            atom = self._atom(leaf, node)
            size = self._size(atom, builder, node)
            stop = self._bind(builder, node, "add", [offset, size])
            args, index = self._index(vector, [slice(_bound(offset), _bound(stop), None)])
            piece = self._bind(builder, node, "getitem", args, {"index": tuple(index)})
            dims = [self._dim(atom, axis, builder, node) for axis in range(atom.type.rank or 0)]
            rebuilt.append(self._bind(builder, node, "reshape", [piece] + dims))
            offset = stop
        values = iter(rebuilt)
        return _rebuild(func.template, values, self._level)

    def _size(self, atom, builder: Builder, node):
        if atom.type.rank is None:
            raise self.error(node, "`flatten` needs arrays of known rank", 'annotate them, e.g. "f64[n,d]"')
        size = const(1)
        for axis in range(atom.type.rank):
            size = self._bind(builder, node, "multiply", [size, self._dim(atom, axis, builder, node)])
        return size

    def static_isinstance(self, node: cst.Call, positional: list) -> Const:
        if len(positional) != 2:
            raise self.error(node, "isinstance takes a value and a type")
        value, kinds = positional
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        names = []
        for kind in kinds:
            if not isinstance(kind, Module):
                raise self.error(node, f"isinstance takes types here, not {describe(kind)}")
            names.append(kind.path.rpartition(".")[2])
        if isinstance(value, ListValue):
            found = "list" in names
        elif isinstance(value, DictValue):
            found = "dict" in names
        elif isinstance(value, tuple):
            found = "tuple" in names
        elif isinstance(value, (Var, Const)):
            rank = value.type.rank
            if rank is None and "ndarray" in names:
                raise self.error(node, "whether this is an array is not known: its rank is not", "annotate it")
            found = ("ndarray" in names and bool(rank)) or (rank == 0 and (
                ("float" in names and value.type.is_float) or ("int" in names and value.type.dtype in ("i32", "i64"))
                or ("bool" in names and value.type.dtype == "bool")))
            # a length read as such (`len(x)`, `x.shape[0]`, `x.size`) is a Python int in Python too (np.add of
            # one is not: the spelling decides, not the dimension the kernel tracks)
            dimension = rank == 0 and value.type.value is not None and _python_length(node.args[0].value)
            if rank == 0 and not isinstance(value, Const) and not dimension and names and set(names) & {
                    "float", "int", "bool"}:
                raise self.error(node, "a NumPy scalar computed in a kernel is not a Python float or int",
                                 "test the array's rank instead: x.ndim == 0")
        else:
            found = False
        return const(bool(found))


def _python_length(expr: cst.BaseExpression) -> bool:
    """`len(x)`, `x.shape[i]`, `np.shape(x)[i]`, `x.size` or `np.size(x)`: what Python gives as an int."""
    if isinstance(expr, cst.Subscript):
        shape = expr.value
        return (isinstance(shape, cst.Attribute) and shape.attr.value == "shape") or (
            isinstance(shape, cst.Call) and _called(shape) == "shape")
    if isinstance(expr, cst.Attribute):
        return expr.attr.value == "size"
    return isinstance(expr, cst.Call) and _called(expr) in ("len", "size")


def _called(call: cst.Call) -> str:
    """The called name: `len` of `len(x)`, `shape` of `np.shape(x)` (the module's name is the lowering's to check)."""
    func = call.func
    return func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""


def tree_leaves(value) -> list:
    """The leaves in autograd's `flatten` order: lists and tuples in order, dicts by sorted key."""
    if isinstance(value, ListValue):
        return [x for item in value.items for x in tree_leaves(item)]
    if isinstance(value, DictValue):
        return [x for key in sorted(value.items) for x in tree_leaves(value.items[key])]
    if isinstance(value, tuple):
        return [x for item in value for x in tree_leaves(item)]
    return [value]


def _rebuild(template, values, level: int):
    if isinstance(template, ListValue):
        return ListValue([_rebuild(t, values, level) for t in template.items], level)
    if isinstance(template, DictValue):
        rebuilt = {key: _rebuild(template.items[key], values, level) for key in sorted(template.items)}
        return DictValue({key: rebuilt[key] for key in template.items}, level)
    if isinstance(template, tuple):
        return tuple(_rebuild(t, values, level) for t in template)
    return next(values)


def _bound(atom):
    return atom.value if isinstance(atom, Const) else atom
