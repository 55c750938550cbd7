"""In-place writes (`a[i] = v`, `a[i] += v`) in a functional IR: the update makes a new value, and every name,
tuple, list or dict holding the old array (or a view into it) is rebound to it or re-derived from it."""
from __future__ import annotations

import libcst as cst

from ..ir.types import ShapeError, broadcast_shapes, grows, may_grow, show_shape
from ..builder import Builder, const
from ..errors import TranspileError
from ..ir import Atom, Var
from ..primitives.indexing import shift_refs
from ..values import DictValue, ListValue
from .alias import Recipe, SharingError, is_object
from .static import StaticNeeded
from .shape_checks import refine_to
from .view_writes import ViewWrites


class InPlaceWrites(ViewWrites):
    """Mixed into `Lowering`. Relies on the sharing model of `Aliasing` (`_view_op`, `_view_root`, `_ambiguous`,
    `_replacements`, `_own_params`, `_calls`, `_named`, `_poison_partners`, `_view_is_private`, `_live_envs`,
    `record_view`, `_may_be`), on `_level`, `_index`, `_bind`, `_atom`, `error`, `locate`, and records in
    `_updated_params` the first update of each of the kernel's parameters (`_param_leaves`)."""

    def store_into(self, name: str, items: list, value, target: cst.CSTNode, builder: Builder, env,
                   combine: str | None = None) -> None:
        """Update the array named `name` in place at `items`: every name holding that array (or a view into
        it) sees the update, as in Python."""
        array = env[name]
        if array.type.shape == () and self.zero_d_kind(array) == "array" and not self.zero_d_maybe(array) and \
                combine is None and all(item is Ellipsis for item in items):
            return self._write_zero_d(name, array, self._atom(value, target), target, builder, env)
        if array.type.shape == ():
            raise self.error(target, f"`{name}` is a scalar; it has no elements to assign (a 0-d array's `{name}[...] = v` "
                             "is not supported)", f"rebind the name instead: {name} = v")
        self._write(name, array, items, self._atom(value, target), target, builder, env, combine)

    def _write_zero_d(self, name: str, array: Var, value_atom: Atom, target, builder: Builder, env) -> None:
        """`a[...] = v` (`a[()]`, `a.fill(v)`) of a 0-d array the kernel made (zero_d.py's kind "array"): the array
        object holds `v` in its dtype after (`np.full((), v, dtype)`, a new value every holder is given, which
        stays a 0-d array); a float into an integer array is refused as for other arrays."""
        if value_atom.type.shape != ():
            raise self.error(target, f"assigning a {show_shape(value_atom.type.shape)} value into `{name}`, a 0-d "
                             "array, is not supported (NumPy broadcasts only a value of one element)",
                             f"assign one element: {name}[...] = v[0]")
        if value_atom.type.is_float and not array.type.is_float:
            raise self.error(target, f"assigning floating-point values into `{name}`, an {array.type.dtype} array, "
                             "would truncate them", f"make `{name}` a float array (e.g. np.zeros(()))")
        self._poison_partners(name, array, target, env)
        updated = self._bind(builder, target, "full", [value_atom], {"dtype": array.type.dtype})
        self._named.add(id(updated))
        self.replace_object(array, updated, builder, env, target)
        self.keep_zero_d(array, updated)
        self.stale_zero_d_views([array], env, self.locate(target).line, name)

    def _write(self, name: str, array: Var, items: list, value_atom: Atom, target, builder: Builder, env,
               combine: str | None) -> None:
        view = self._view_op.get(id(array))
        if combine == "add_at" and (view is not None or id(array) in self._view_root):
            raise self.error(target, f"np.add.at into `{name}`, a view of another array, is not supported in "
                             "kernels", f"add into a copy: {name} = {name}.copy()")
        if view is not None and not isinstance(view[1], Recipe):  # a basic-indexing view: into the array it looks into
            return self.write_into_parent(name, array, items, value_atom, target, builder, env, combine)
        if view is not None:
            self.refuse_read_only(name, array, target)
        private_view = id(array) in self._view_root and self._view_is_private(array, env)
        if view is not None and not private_view:  # a transpose, flip, ... (view_writes.py)
            return self.write_through_recipe(name, array, items, value_atom, target, builder, env, combine)
        if id(array) in self._view_root and not private_view:
            if id(array) not in self._ambiguous:
                self._refuse_scalar_parent(name, self._root(array), target)
                made = builder.definition(array)
                if made is not None and made.prim.name in ("reshape", "einsum"):
                    raise self.may_copy_refusal(name, array, target, env)
                raise TranspileError(f"`{name}` is a view of another array; assigning into it would change that "
                                     "array too", self.locate(target), f"take a copy first: {name} = ....copy()")
            raise SharingError(f"`{name}` may be a view of another array (it is one on some paths); assigning into "
                               "it would change that array too", self.locate(target),
                               f"take a copy first: {name} = ....copy()")
        self._poison_partners(name, array, target, env)
        array = self._writable(name, array, target, builder, env, private_view)
        updated = self._update(name, array, items, value_atom, target, builder, combine)
        self.replace_object(array, updated, builder, env, target)
        self.stale_zero_d_views([array], env, self.locate(target).line, name)

    def _update(self, name: str, array: Var, items: list, value_atom: Atom, target, builder: Builder,
                combine: str | None) -> Var:
        args, index = self._index(array, items)
        arrays = [a for a in args[1:] if a.type.shape not in ((), None)]
        if len(arrays) > 1 and any(a.type.dtype == "bool" for a in arrays):
            raise self.error(target, "assignment through a boolean mask together with another index array is not "
                             "supported", "index with integer arrays: np.nonzero(mask)")
        if combine == "add_at":  # np.add.at: every index adds, repeated ones too (the registry's `add_at`)
            return self._add_at(name, array, args, index, value_atom, target, builder)
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
            raise self.error(target, str(exc), exc.hint) from None
        if combine is not None and region.type.shape != () and grows(region.type.shape, value_atom.type.shape):
            raise self.error(target, f"this in-place update makes a {show_shape(value_atom.type.shape)} array, larger "
                             f"than the {show_shape(region.type.shape)} elements it writes into (NumPy raises "
                             "ValueError: non-broadcastable output operand)", "write `a = a <op> v` for a new array")
        if combine is not None and region.type.shape != () and may_grow(region.type.shape, value_atom.type.shape):
            value_atom = refine_to(value_atom, region, builder)
        shifted = [args[0], value_atom] + args[1:]
        updated = self._bind(builder, target, "setitem", shifted, {"index": shift_refs(tuple(index), 1), "user": True})
        self._named.add(id(updated))
        return updated

    def _add_at(self, name: str, array: Var, args: list, index: list, value_atom: Atom, target,
                builder: Builder) -> Var:
        """`np.add.at(array, index, value)`: `value` broadcast to the indexed elements, NumPy's casting checked."""
        region = self._bind(builder, target, "getitem", args, {"index": tuple(index)})
        if value_atom.type.is_float and not array.type.is_float or array.type.dtype == "bool":
            # (NumPy adds in the values' dtype and casts back unsafely: 2.5 into an int array adds 2, into a bool
            # one gives True; those casts are not compiled here)
            raise self.error(target, f"np.add.at of {value_atom.type.dtype} values into `{name}`, a "
                             f"{array.type.dtype} array (NumPy casts the sums back unsafely) is not supported in "
                             "kernels", f"make `{name}` a float array (e.g. np.zeros(n))")
        try:
            broadcast_shapes([region.type.shape, value_atom.type.shape])
        except ShapeError as exc:
            raise self.error(target, str(exc), exc.hint) from None
        if region.type.shape != () and grows(region.type.shape, value_atom.type.shape):
            raise self.error(target, f"np.add.at of a {show_shape(value_atom.type.shape)} value into "
                             f"{show_shape(region.type.shape)} elements (NumPy raises ValueError)",
                             "values of the indexed elements' shape")
        if value_atom.type.shape != region.type.shape and value_atom.type.shape != ():
            value_atom = refine_to(value_atom, region, builder) if may_grow(region.type.shape,
                                                                            value_atom.type.shape) else \
                self._bind(builder, target, "broadcast_to", [value_atom] + self._dims_of(region, builder), {})
        shifted = [args[0], value_atom] + args[1:]
        updated = self._bind(builder, target, "add_at", shifted, {"index": shift_refs(tuple(index), 1)})
        self._named.add(id(updated))
        return updated

    def _dims_of(self, like: Atom, builder: Builder) -> list:
        return [const(d) if isinstance(d, int) else builder.dim(d, like, axis) for axis, d in enumerate(like.type.shape)]

    def _writable(self, name: str, array: Var, target, builder: Builder, env, private_view: bool = False) -> Var:
        """The array an update may write into. An inlined function's argument is updated where the caller sees
        it (at the call's own level only); a kernel's own parameters, and a view (`np.reshape(t, ...)`) of an
        array nothing else can see, are copied first: arguments never change, and the array looked into keeps
        the values the reverse sweep may read."""
        if any(call.level != self._level for call in self._calls if id(array) in call.borrowed):
            # (StaticNeeded: a `for` over a constant range around it runs at build time instead, pymoo's WFG7)
            raise StaticNeeded(f"`{name}` is the caller's array, passed to this function; assigning into it "
                               "here would change the caller's array inside a branch or loop decided at run time",
                               self.locate(target), f"copy it first: {name} = {name}.copy()")
        if id(array) not in self._own_params and not private_view:
            return array
        if id(array) in self._own_params:
            self._note_parameter_update(array, target)
        copy = self._bind(builder, target, "copy", [array])
        builder.rename(copy, name)
        self._named.add(id(copy))
        self.replace_object(array, copy, builder, env, target)
        return copy

    def _note_parameter_update(self, array: Var, target) -> None:
        """Record the first update of each kernel parameter `array` may be: the generated function checks at entry
        that such a parameter shares no memory with another argument (its copy would hide the write from it)."""
        held = [v for v in self._may_be(array, set()) if id(v) in self._param_leaves]
        for param in held or self._param_leaves.values():  # (none found: any parameter may be the one updated)
            self._updated_params.setdefault(id(param), self.locate(target))

    def replace_object(self, old: Var, new: Var, builder: Builder, env: dict, target=None) -> None:
        """After `old` was updated into `new`: every name (and tuple) holding `old` holds `new`, and every
        view into it is recomputed from `new`."""
        self._replacements.append((old, new))
        for call in self._calls:
            if id(old) in call.borrowed:
                call.borrowed.add(id(new))
        memo: dict[int, Var] = {id(old): new}
        for names in self._live_envs(env):  # the callers' and enclosing frames may hold the array too
            for name, bound in list(names.items()):
                if name.startswith("<running") or name.startswith("<returned"):
                    continue
                names[name] = self._renew(bound, memo, builder, target)

    def _renew(self, value, memo: dict, builder: Builder, target):
        if isinstance(value, tuple):
            items = tuple(self._renew(item, memo, builder, target) for item in value)
            return items if any(a is not b for a, b in zip(items, value)) else value
        if isinstance(value, (ListValue, DictValue)):  # build-time containers are updated where they are
            if id(value) in memo:
                return value
            memo[id(value)] = value
            pairs = list(enumerate(value.items)) if isinstance(value, ListValue) else list(value.items.items())
            for key, item in pairs:
                renewed = self._renew(item, memo, builder, target)
                if renewed is not item:
                    if value.level != self._level and target is not None:
                        raise self.error(target, "this array is also held by a list or dict made outside the "
                                         "branch or loop (decided at run time) that updates it in place",
                                         "take a copy before the update: a = a.copy()")
                    value.items[key] = renewed
            return value
        if not is_object(value):  # (a 0-d array updated by `a[...] = v` is replaced too: _write_zero_d)
            return memo.get(id(value), value) if isinstance(value, Var) else value
        if id(value) in memo:
            return memo[id(value)]
        view = self._view_op.get(id(value))
        if view is None or not self._recomputable(value):
            return value
        parent = self._renew(view[0], memo, builder, target)
        if parent is view[0]:
            return value
        if isinstance(view[1], Recipe):
            prim, args, params = view[1].prim, [parent, *view[1].rest], view[1].params
        else:
            args, index = self._index(parent, view[1])
            prim, params = "getitem", {"index": tuple(index)}
        if target is not None:
            renewed = self._bind(builder, target, prim, args, params)
        else:
            renewed = builder.bind(prim, args, params)
            self.note_layout(renewed, builder)
            self.record_view(renewed, prim, args, params)
        if not value.temporary:
            builder.rename(renewed, _base(value.name))
            self._named.add(id(renewed))
        memo[id(value)] = renewed
        return renewed


def _base(name: str) -> str:
    head, _, tail = name.rpartition("_")
    return head if head and tail.isdigit() else name
