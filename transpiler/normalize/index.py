"""Lowering subscripts: reads (`x[i, 1:]`, gathers, masks) and in-place updates (`a[i] = v`, `a[:, j] += v`)."""
from __future__ import annotations

import libcst as cst

from ..ir.types import ShapeError, broadcast_shapes
from ..builder import Builder
from ..ir import Atom, Const, Var
from ..primitives.indexing import Ref, shift_refs
from ..values import DictValue, ListValue, Value


class Indexing:
    """Mixed into `Lowering`. Relies on its `expr`, `error`, `_atom`, `_bind`, `_named`."""

    def _expr_Subscript(self, node: cst.Subscript, builder, env) -> Value:
        base = self.expr(node.value, builder, env)
        if isinstance(base, (tuple, ListValue, DictValue)):  # x.shape[0], a tuple result, a list, a dict
            return self.container_subscript(base, node, builder, env)
        items = [self._subscript_item(e, builder, env) for e in node.slice]
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
        if not isinstance(target.value, cst.Name) or not isinstance(env.get(target.value.value), Var):
            raise self.error(target.value, "only arrays held by a name can be assigned into", "a[i] = v")
        items = [self._subscript_item(e, builder, env) for e in target.slice]
        self.store_into(target.value.value, items, value, target, builder, env, combine)

    def store_into(self, name: str, items: list, value: Value, target: cst.CSTNode, builder: Builder, env,
                   combine: str | None = None) -> None:
        """Update the array named `name` in place at `items`; every name bound to the same array sees it."""
        array = env[name]
        if array.type.shape == ():
            raise self.error(target, f"`{name}` is a scalar; it has no elements to assign")
        array = self._writable(name, array, target, builder, env)
        args, index = self._index(array, items)
        if sum(1 for a in args[1:] if a.type.shape not in ((), None)) > 1:
            raise self.error(target, "assignment through more than one index array is not supported yet",
                             "reading `x[i, j]` is; for a write, index one flat view: x.reshape(-1)[i * n + j] = v")
        value_atom = self._atom(value, target)
        if combine is not None:  # a[i] += v reads the current elements first
            current = self._bind(builder, target, "getitem", args, {"index": tuple(index)})
            value_atom = self._bind(builder, target, combine, [current, value_atom])
        region = self._bind(builder, target, "getitem", args, {"index": tuple(index)}) if combine is None else current
        if value_atom.type.is_float and not array.type.is_float:
            raise self.error(target, f"assigning floating-point values into `{name}`, an {array.type.dtype} array, "
                             "would truncate them", f"make `{name}` a float array (e.g. np.zeros(n))")
        try:
            broadcast_shapes([region.type.shape, value_atom.type.shape])
        except ShapeError as exc:
            raise self.error(target, str(exc)) from None
        shifted = [args[0], value_atom] + args[1:]
        updated = self._bind(builder, target, "setitem", shifted, {"index": shift_refs(tuple(index), 1), "user": True})
        self._named.add(id(updated))
        # `b = a; a[0] = 1` changes `b` too, as in Python, and a list holding `a`, and the caller's names for it
        self.replace_everywhere(env, array, updated, target)

    def _writable(self, name: str, array: Var, target: cst.CSTNode, builder: Builder, env) -> Var:
        """The array an update of `name` may write into. Views are refused (the update would reach another
        array's elements unseen); a kernel's own parameters are copied first, so arguments are never changed."""
        borrowed = [call for call in self._calls if id(array) in call.borrowed]
        private_view = id(array) in self._view_root and self._view_is_private(array, env)
        if borrowed and ((id(array) in self._view_root and not private_view)
                         or any(call.level != self._level for call in borrowed)):
            raise self.error(target, f"`{name}` is the caller's array, passed to this function; assigning into it "
                             "here would change the caller's array " + ("through a view" if id(array) in
                                                                        self._view_root else
                                                                        "inside a branch or loop decided at run time"),
                             f"copy it first: {name} = {name}.copy()")
        if id(array) in self._view_root and not private_view:
            raise self.error(target, f"`{name}` is a view of another array; assigning into it would change that "
                             "array too", f"take a copy first: {name} = ....copy()")
        for other, bound in env.items():
            if isinstance(bound, Var) and self._view_root.get(id(bound)) is array:
                raise self.error(target, f"`{other}` is a view of `{name}`; assigning into `{name}` would change "
                                 f"`{other}` too", f"take a copy: {other} = ....copy()")
        if id(array) not in self._own_params and not private_view:
            return array
        # a parameter, or a view (`np.reshape(t, ...)`) of an array nothing else can see: the update goes to a copy,
        # which every holder of `name` sees; the array looked into keeps the values the reverse sweep may read
        copy = self._bind(builder, target, "copy", [array])
        builder.rename(copy, name)
        self._named.add(id(copy))
        self.replace_everywhere(env, array, copy, target)
        return copy

    def _live_envs(self, env: dict) -> list[dict]:
        """The names of every live frame: this one, the callers', the enclosing functions' and comprehensions'."""
        envs, seen = [env], {id(env)}
        for frame in [call.frame for call in self._calls] + [self._frame]:
            while frame is not None:
                if id(frame.env) not in seen:
                    seen.add(id(frame.env))
                    envs.append(frame.env)
                frame = frame.parent
        return envs

    def _view_is_private(self, view: Var, env: dict) -> bool:
        """Whether nothing but `view` (under any names) can see the array it looks into: no name, list or dict of a
        live frame holds that array or another view of it. An update through such a view is unobservable
        elsewhere in Python."""
        root = self._view_root[id(view)]
        seen: set[int] = set()

        def visible(value) -> bool:
            if value is view:
                return False
            if value is root or (isinstance(value, Var) and self._view_root.get(id(value)) is root):
                return True
            if id(value) in seen or not isinstance(value, (tuple, ListValue, DictValue)):
                return False
            seen.add(id(value))
            items = value if isinstance(value, tuple) else value.items.values() if isinstance(value, DictValue) \
                else value.items
            return any(visible(v) for v in items)

        return not any(visible(v) for names in self._live_envs(env) for v in names.values())

    def replace_everywhere(self, env: dict, old: Var, new: Var, target: cst.CSTNode) -> None:
        """After an in-place update of `old` (now `new`): every name, list, dict and tuple holding it sees the new
        value, here and in the callers that passed it in (their names for it, at the call being lowered)."""
        envs = self._live_envs(env)  # every live frame may hold the array
        for call in self._calls:
            if id(old) in call.borrowed:
                call.borrowed.add(id(new))
        for names in envs:
            memo: dict[int, object] = {}
            for key, value in list(names.items()):
                names[key] = self._replaced(value, old, new, memo, target)

    def _replaced(self, value, old: Var, new: Var, memo: dict, target):
        if value is old:
            return new
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, tuple):
            items = tuple(self._replaced(v, old, new, memo, target) for v in value)
            result = items if any(a is not b for a, b in zip(items, value)) else value
        elif isinstance(value, (ListValue, DictValue)):
            memo[id(value)] = value
            pairs = list(enumerate(value.items)) if isinstance(value, ListValue) else list(value.items.items())
            for key, item in pairs:
                replaced = self._replaced(item, old, new, memo, target)
                if replaced is not item:
                    if value.level != self._level:
                        raise self.error(target, "this array is also held by a list or dict made outside the branch "
                                         "or loop (decided at run time) that updates it in place",
                                         "take a copy before the update: a = a.copy()")
                    value.items[key] = replaced
            result = value
        else:
            result = value
        memo[id(value)] = result
        return result

    def _subscript_item(self, element: cst.SubscriptElement, builder, env):
        item = element.slice
        if isinstance(item, cst.Slice):
            return slice(*(self._slice_bound(b, builder, env) for b in (item.lower, item.upper, item.step)))
        value = self.expr(item.value, builder, env)
        if value is None or value is Ellipsis:
            return value
        if isinstance(value, tuple):
            raise self.error(item.value, "a tuple inside an index is not supported", "write x[i, j]")
        atom = self._atom(value, item.value)
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
