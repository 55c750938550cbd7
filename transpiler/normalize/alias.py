"""Which names hold one array object, so a write through one name is a write through all of them.

Python names refer to array objects; `b = a` shares one, `v = a[i]` (basic indexing, `.T`, reshapes) makes a
view into one, a tuple holds them. The IR is functional: an in-place update `a[i] = v` makes a new value, and
every holder of the old object must be rebound to it, or re-derived from it: a view is recomputed from the
updated array it looks into where its primitive gives a view whatever the layout (basic indexing, and the
registry's `always_views`: `.T`, `np.flip`, `np.diagonal`, ...), and so is a reshape of an array known to be
C-contiguous (view_writes.py); a view that may be a copy (`np.reshape` of a parameter, which NumPy copies where
it is not contiguous) has no value the compiler knows after the update, and is refused where it is read.
Where Python's sharing depends on the path taken (`if c: z = y`, a loop whose iterations share differently), the
names involved are *ambiguous*: reading them is fine, writing through them (or into what they may share) is a
located error, since a write would reach the other name on some paths only.
The writes themselves, and the rebinding of every holder they need, are in inplace_writes.py (through a view:
view_writes.py).
"""
from __future__ import annotations

from typing import NamedTuple

from ..errors import SourceLoc, TranspileError
from ..ir import Var
from ..primitives.indexing import Ref
from ..primitives.registry import lookup
from ..values import DictValue, ListValue, Stale


def is_object(value) -> bool:
    """A value that is an array object others can share (scalars are immutable values)."""
    return isinstance(value, Var) and value.type.shape != ()


def held(value) -> list[Var]:
    """The array objects a bound value holds: itself, or the arrays of a tuple."""
    if isinstance(value, tuple):
        return [v for item in value for v in held(item)]
    return [value] if is_object(value) else []


def held_anywhere(value) -> list[Var]:
    """The array objects a bound value holds at any depth: a tuple's, and a build-time list's or dict's too."""
    if isinstance(value, (ListValue, DictValue)):
        items = value.items.values() if isinstance(value, DictValue) else value.items
        return [v for item in items for v in held_anywhere(item)]
    if isinstance(value, tuple):
        return [v for item in value for v in held_anywhere(item)]
    return [value] if is_object(value) else []


class Recipe(NamedTuple):
    """How a view that is not basic indexing was made from its parent: recomputed from the updated parent."""
    prim: str
    rest: tuple  # the arguments after the parent
    params: dict


class SharingError(TranspileError):
    """A refusal because two names may or may not share one array: a loop whose first iteration differs in that
    from the others may still compile with that iteration lowered on its own (see ControlFlow._lower_while)."""


class Aliasing:
    """Mixed into `Lowering`. State: `_view_root` (view -> the array it looks into), `_view_op` (a view made by
    basic indexing or an `always_views` primitive -> (parent, how): the items of the `getitem` that made it, or
    the `Recipe`; a write through an indexing view reaches its parent, and `_recomputable` views are made again
    after their array's update), `_ambiguous` (value -> the values it may or may not share its array with, and
    where that started)."""

    # -- views ---------------------------------------------------------------------------------------------
    def record_view(self, out: Var, prim: str, args, params) -> None:
        """`out` looks into `args[0]`; recomputed after its update where it is a view whatever the layout (or a
        reshape of an array known to be C-contiguous, `c_contiguous` in view_writes.py)."""
        self._view_root[id(out)] = self._view_root.get(id(args[0]), args[0])
        if prim == "getitem":
            self._view_op[id(out)] = (args[0], _items(params["index"], args))
        elif lookup(prim).always_views or (
                prim == "reshape" and self.c_contiguous(args[0])):
            self._view_op[id(out)] = (args[0], Recipe(prim, tuple(args[1:]), dict(params or {})))

    def _root(self, value: Var) -> Var:
        return self._view_root.get(id(value), value)

    def _recomputable(self, value: Var) -> bool:
        """Whether `value` is a view the compiler recomputes after an update of the array it looks into: made by
        `_view_op` steps all the way from an array that is no view (a row of a reshape that may be a copy,
        `np.reshape(x, s)[0]`, is not: a write through it reaches the reshape, but its value after `x` changes is
        not known)."""
        if id(value) not in self._view_op:
            return False
        while id(value) in self._view_op:
            value = self._view_op[id(value)][0]
        return id(value) not in self._view_root

    # -- ambiguity -----------------------------------------------------------------------------------------
    def mark_ambiguous(self, values, loc: SourceLoc | None, what: str) -> None:
        """`values` may or may not share one array, depending on the path taken through `what`."""
        objects = [v for v in values if is_object(v)]
        for value in objects:
            partners, _ = self._ambiguous.get(id(value), (set(), None))
            partners = partners | {id(self._root(o)) for o in objects if o is not value} | {
                id(o) for o in objects if o is not value}
            self._ambiguous[id(value)] = (partners, (loc, what))
            root = self._root(value)
            if root is not value:
                self._ambiguous[id(root)] = (self._ambiguous.get(id(root), (set(), None))[0] | partners, (loc, what))

    def _reachable(self, env: dict, skip: str | None = None) -> dict[int, str]:
        """Every array object the environment can reach (through names, tuples and views) -> a name."""
        seen: dict[int, str] = {}
        for name, value in env.items():
            if name == skip or name.startswith("<"):
                continue
            for var in held(value):
                while True:
                    seen.setdefault(id(var), name)
                    parent = self._view_op.get(id(var))
                    if parent is None:
                        seen.setdefault(id(self._root(var)), name)
                        break
                    var = parent[0]
        return seen

    def _chain(self, var: Var) -> list[Var]:
        """`var`, the arrays it is a view into (each parent of a basic-indexing view) and the array it looks into:
        every object an update through `var` may change."""
        chain = [var]
        parent = self._view_op.get(id(var))
        while parent is not None:
            chain.append(parent[0])
            parent = self._view_op.get(id(parent[0]))
        chain.append(self._root(var))
        return chain

    def _may_be(self, value, stop: set[int], slot_sources: dict | None = None) -> list[Var]:
        """The array objects `value` may be (or look into) that are not made from others: followed through merges,
        loop slots and results (`_may_hold`), in-place updates (the updated array is the array it updated) and
        views; `stop` is what is not looked through (kept in the answer); `slot_sources` maps a loop slot to the
        values it holds (its first value and what each iteration ends with)."""
        before = {id(new): old for old, new in self._replacements}
        found: list[Var] = []
        seen: set[int] = set()
        todo = list(held(value))
        while todo:
            var = todo.pop()
            if id(var) in seen:
                continue
            seen.add(id(var))
            found.append(var)
            if id(var) in stop:
                continue
            if slot_sources is not None and id(var) in slot_sources:
                todo.extend(v for source in slot_sources[id(var)] for v in held(source))
                continue
            todo.extend(v for v in self._may_hold.get(id(var), ()) if is_object(v))
            if id(var) in before:
                todo.append(before[id(var)])
            todo.extend(self._chain(var)[1:])
        return found

    def _poison_partners(self, name: str, array: Var, target, env: dict) -> None:
        """Before `array` (held by `name`) is updated: names that may or may not hold the same array (or a view
        into it that cannot be recomputed) become stale: their value after the update is not known."""
        partners: set[int] = set()
        reason = None
        for value in (array, self._root(array)):
            entry = self._ambiguous.get(id(value))
            if entry is not None:
                partners |= entry[0]
                loc, what = entry[1]
                reason = f"it holds the same array on some paths through the {what}" + (
                    f" at line {loc.line}" if loc is not None else "") + " only"
        partners = self._with_successors(partners)
        line = self.locate(target).line
        for names in self._live_envs(env):  # (a caller's names too: a function writing into the array it was passed)
            for other, bound in list(names.items()):
                if names is env and other == name or other.startswith("<"):
                    continue
                for var in held_anywhere(bound):  # (a list's view that may be a copy makes the whole list stale)
                    hit, why = False, reason
                    chain = var
                    while True:
                        if id(chain) in partners:
                            hit = True
                            break
                        parent = self._view_op.get(id(chain))
                        if parent is None:
                            break
                        chain = parent[0]
                    if not hit and var is not array and not self._recomputable(var) and (
                            self._root(var) is array or id(self._root(var)) in partners):
                        hit, why = True, f"it may be a view of `{name}`"
                    if hit:
                        names[other] = Stale(name, line, why or "it may share its array")
                        break

    def _with_successors(self, ids: set[int]) -> set[int]:
        """`ids` and every loop slot, branch merge or loop result that holds (transitively) the array of one of
        them: a partner carried round a loop, or merged after an `if`, is held under a new value."""
        found, todo = set(ids), list(ids)
        while todo:
            for successor in self._successors.get(todo.pop(), ()):
                if successor not in found:
                    found.add(successor)
                    todo.append(successor)
        return found

    # -- trying a lowering ------------------------------------------------------------------------------------
    _TRIED = ("_view_root", "_view_op", "_entry_sharing", "_replacements", "_ambiguous", "_successors", "_may_hold",
              "_own_params", "_updated_params", "_zero_d_checked", "_named", "_conditional_names", "_c_layout",
              "_f_layout", "_laid_out", "_slot_layout", "_lost_layout")

    def sharing_state(self, env: dict) -> tuple:
        """Everything lowering a statement may change in the sharing model and the live names, to undo a try
        (restored in place: an imported module's lowering shares some of these tables while it is inlined)."""
        envs = [(names, dict(names)) for names in self._live_envs(env)]
        tables = [(getattr(self, name), _copy_table(getattr(self, name))) for name in self._TRIED]
        return envs, tables, [(call, set(call.borrowed)) for call in self._calls]

    def restore_sharing(self, state: tuple) -> None:
        envs, tables, borrowed = state
        for names, saved in envs:
            names.clear()
            names.update(saved)
        for table, saved in tables:
            table.clear()
            table.update(saved) if not isinstance(table, list) else table.extend(saved)
        for call, saved in borrowed:
            call.borrowed.clear()
            call.borrowed.update(saved)

    # -- frames -------------------------------------------------------------------------------------------
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
        def rooted(value) -> bool:
            return value is root or (isinstance(value, Var) and self._view_root.get(id(value)) is root)

        return not any(contains(v, rooted, skip=lambda x: x is view)
                       for names in self._live_envs(env) for v in names.values())

    # -- who else sees an update -----------------------------------------------------------------------------
    def shared(self, name: str, array: Var, env) -> bool:
        """Whether an in-place update of `name` would be seen elsewhere: another name, a tuple, list, dict or a
        view holds the same array, or it is a parameter (the kernel's or a caller's), a view or ambiguous."""
        if id(array) in self._own_params or any(id(array) in call.borrowed for call in self._calls) \
                or id(array) in self._view_root or id(array) in self._ambiguous or id(array) in self._entry_sharing:
            return True
        for other, bound in env.items():
            if isinstance(bound, (ListValue, DictValue)) and holds(bound, array):
                return True
            for var in held(bound):
                if (var is array and other != name) or (var is not array and self._root(var) is array):
                    return True
        return False


def _copy_table(table):
    """A copy of a sharing table whose nested sets and lists are copied too (they are added to in place)."""
    if isinstance(table, dict):
        return {k: set(v) if isinstance(v, set) else list(v) if isinstance(v, list) else v for k, v in table.items()}
    return type(table)(table)


def holds(container, array: Var) -> bool:
    """Whether a list, dict or tuple holds `array`, at any depth (an in-place update must reach it)."""
    return contains(container, lambda value: value is array)


def contains(value, match, skip=lambda value: False) -> bool:
    """Whether `value`, or what a list, dict or tuple holds at any depth, satisfies `match` (what `skip` says is
    neither matched nor looked into)."""
    seen: set[int] = set()

    def walk(value) -> bool:
        if skip(value):
            return False
        if match(value):
            return True
        if id(value) in seen or not isinstance(value, (tuple, ListValue, DictValue)):
            return False
        seen.add(id(value))
        items = value if isinstance(value, tuple) else value.items.values() if isinstance(value, DictValue) \
            else value.items
        return any(walk(v) for v in items)

    return walk(value)


def _items(index: tuple, args) -> list:
    """A getitem's index structure with its run-time references replaced by the atoms they refer to."""
    def resolve(item):
        if isinstance(item, Ref):
            return args[item.index]
        if isinstance(item, slice):
            return slice(resolve(item.start), resolve(item.stop), resolve(item.step))
        return item

    return [resolve(item) for item in index]
