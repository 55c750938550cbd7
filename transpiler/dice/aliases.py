"""Which names share one Python object, so that a write through one name is a write through all of them.

Python lists and NumPy arrays are objects: after `b = a`, `b[0] = 5` changes what `a` reads too. Every
FIXED or RANDOM binding carries the object it is (`Binding.obj`, a number); a bare name read passes its object
on (`Val.obj`), anything computed is a new object. A subscript write updates every name that holds the written
object, in every open scope (a helper's parameter is its caller's object, a generator's too).

Where the compiler cannot follow the sharing, the object is a `Shared` marker over the objects it may share
memory with: a view (a row or slice of an array, an element of a list of lists), a name that holds one of two
objects depending on the world or on the path taken, an array stored in a list. A write through a `Shared`
object, or to an object some name holds through a `Shared` one, is refused with a located error.
"""
from __future__ import annotations

import dataclasses

from .bindings import DELETED, FIXED, RANDOM, VALUE, Binding
from .kinds import merged_items, union
from .values import Shared, TupleVal, Val


def _objects(held) -> list:
    if isinstance(held, Binding):
        if held.kind in (FIXED, RANDOM):
            return [held.obj]
        if held.kind == VALUE:
            return _objects(held.val)
        return []
    if isinstance(held, TupleVal):
        return [obj for item in held.items for obj in _objects(item)]
    if isinstance(held, Val):
        return [held.obj]
    return []


def _covers(obj, target) -> bool:
    """Whether holding `obj` may mean holding `target`."""
    if obj is None:
        return False
    if obj == target:
        return True
    return isinstance(obj, Shared) and any(_covers(base, target) for base in obj.bases)


class AliasLowering:
    """The object model of names (module docstring). A part of `Lowerer` (lower.py)."""

    def new_object(self) -> int:
        self.objects_made = getattr(self, "objects_made", 0) + 1
        return self.objects_made

    def object_of(self, binding: Binding):
        """The object a FIXED or RANDOM binding holds (one is given to a binding made without one)."""
        if binding.obj is None:
            binding.obj = self.new_object()
        return binding.obj

    def view_of(self, value: Val):
        """The object of a part of `value` that may be a view into it (or, in a list, an object it holds)."""
        return Shared(frozenset([value.obj])) if self.held_by_names(value.obj) else None

    def held_by_names(self, obj) -> bool:
        """Whether a name in an open scope may hold `obj` (a temporary's object, or a returned helper's local,
        is held by none: what is made from it shares with nothing)."""
        if obj is None:
            return False
        if isinstance(obj, Shared):  # a view of a view: of whatever the innermost objects are
            return any(self.held_by_names(base) for base in obj.bases)
        return any(_covers(held, obj) for scope in self.open_scopes() for binding in scope.env.values()
                   for held in _objects(binding))

    def sharing(self, objects, fresh: bool = False):
        """The object of a value that may share memory with `objects`: a `Shared` over those some name holds
        (and, with `fresh`, a new object of its own), or a new object / None when no name holds any."""
        held = [obj for obj in objects if self.held_by_names(obj)]
        if not held:
            return None
        return Shared(frozenset(([self.new_object()] if fresh else []) + held))

    def holders(self, obj) -> list:
        """(scope, name, binding) of every name in an open scope that holds `obj` itself (a suspended
        generator's parameter too: the consumer's writes reach it, as in Python)."""
        found = []
        for scope in self.open_scopes():
            for name, binding in scope.env.items():
                if binding.kind in (FIXED, RANDOM) and binding.obj == obj or binding.kind == VALUE \
                        and isinstance(binding.val, Val) and binding.val.obj == obj:  # a parameter, a loop item
                    found.append((scope, name, binding))
        return found

    def check_write(self, name: str, binding: Binding, node):
        """The object a subscript write to `name` changes; refused where another name may see it changed in a
        way the compiler does not follow."""
        obj = self.object_of(binding) if binding.kind in (FIXED, RANDOM) else (
            binding.val.obj if binding.kind == VALUE and isinstance(binding.val, Val) else None)
        if isinstance(obj, Shared):
            raise self.error(f"`{name}` may share its array with another name here (a view into an array, a value "
                             "picked from two names, or an array held in a list), so a write through it cannot be "
                             "followed", node, f"copy it first: `{name} = list({name})`, then write to the copy")
        if obj is None:
            return None
        for scope in self.open_scopes():
            for other, held in scope.env.items():
                if (scope is self.scope and other == name) or not any(
                        isinstance(o, Shared) and _covers(o, obj) for o in _objects(held)):
                    continue
                raise self.error(f"`{other}` may share its array with `{name}` (a view into it, a value picked from "
                                 f"it, or it held in a list), so a write to `{name}` cannot be followed", node,
                                 f"copy one of them first, e.g. `{other} = list({other})`")
        return obj

    def check_unknown_rank_update(self, name: str, current: Val, obj, op: str, node) -> None:
        """`name op= v` where the compiler does not know whether `name` is a number or an array (a parameter, or
        made from one) while other names hold the same object: Python changes them too for an array (in place)
        but not for a number (a new value). Neither reading is right for every call, so a later read of any of
        them is refused (`Binding.note`); a program that never reads them again is the same either way."""
        if obj is None or current.pylist or self.rank(current) is not None:
            return
        for scope, other, _ in self.holders(obj):
            if scope is self.scope and other == name:
                continue
            line = self.loc(node).line if self.loc(node) is not None else "?"
            scope.env[other] = Binding(DELETED, loc=self.loc(node), note=(
                f"`{other}` is read after `{name} {op}= ...` (line {line}), which changes it too if they are an "
                "array but not if they are a number, and which one they are is known only when the function is "
                f"called|write `{name} = {name} {op} ...` there (a new value; `{other}` keeps its own), or copy "
                f"an array first: `{name} = list({other})`"))

    def write_through(self, name: str, obj, node) -> None:
        """After `name[i] = v`: every other name holding the same object reads the new contents."""
        if obj is None:
            return
        value = self.name_value_of(name)
        for scope, other, binding in self.holders(obj):
            if scope is self.scope and other == name:
                continue
            with self.in_scope(scope):
                self.bind(other, value, node)
        self.object_versions[obj] = self.object_versions.get(obj, 0) + 1

    def merged_object(self, objects: list, merged_env: dict, name: str):
        """The object of a name bound to different objects on the paths an `if` joins: a new one if no other
        name can hold any of them, else a `Shared` over them."""
        objects = [o for o in objects if o is not None]
        if len(set(objects)) <= 1:
            return objects[0] if objects else None
        for scope in self.open_scopes():
            env = merged_env if scope is self.scope else scope.env
            for other, held in env.items():
                if scope is self.scope and other == name:
                    continue
                if any(_covers(o, target) for o in _objects(held) for target in objects):
                    return Shared(frozenset(objects))
        return self.new_object()

    def merge_objects(self, merged: dict, sides: list[dict], names) -> None:
        """Give each FIXED or RANDOM name an `if` joins the object `merged_object` decides."""
        for name in sorted(names):
            binding = merged.get(name)
            if binding is None or binding.kind not in (FIXED, RANDOM):
                continue
            held = [side.get(name) for side in sides]
            objects = [self.object_of(b) if b.kind in (FIXED, RANDOM) else None for b in held if b is not None]
            pylists = {b.pylist for b in held if b is not None}
            merged[name] = dataclasses.replace(binding, obj=self.merged_object(objects, merged, name),
                                               pylist=pylists.pop() if len(pylists) == 1 else None,
                                               **union(*[b for b in held if b is not None]),
                                               items=merged_items([b for b in held if b is not None]))

    def loop_aliases_settle(self, scopes: list, entries: list[dict], ends: list[dict]) -> list:
        """Names whose object at the end of a loop body differs from the one they entered with while one of the
        two is shared with another name: the next iteration's sharing is not the first's. Returned as
        (scope, name, Shared) to enter the loop with instead (writes through them are then refused)."""
        def sharing(envs):
            count: dict = {}
            for env in envs:
                for binding in env.values():
                    for obj in _objects(binding):
                        count[obj] = count.get(obj, 0) + 1
            return count
        at_entry, at_end = sharing(entries), sharing(ends)
        unsettled = []
        for scope, entry, end in zip(scopes, entries, ends):
            for name, before in entry.items():
                after = end.get(name)
                if after is None or before.kind not in (FIXED, RANDOM) or after.kind not in (FIXED, RANDOM):
                    continue
                old, new = self.object_of(before), self.object_of(after)
                if old == new or isinstance(old, Shared):
                    continue
                if at_entry.get(old, 0) > 1 or at_end.get(new, 0) > 1 or isinstance(new, Shared):
                    unsettled.append((scope, name, Shared(frozenset([old, new]))))
                else:
                    end[name] = dataclasses.replace(after, obj=old)  # a private object each iteration
        return unsettled
