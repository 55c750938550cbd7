"""How a loop's slots share arrays: one slot per array object, the names each iteration changes or leaves
sharing differently (found anew on each attempt of `Loops._lower_loop`), and the sharing after the loop."""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from ..builder import Builder
from ..errors import TranspileError
from ..ir import Const, Var
from ..values import DictValue, ListValue, Stale
from .alias import holds, held, is_object
from .branches import display_name


class LoopSharing:
    """Mixed into `Loops`. Relies on `Lowering`'s sharing tables (`_view_op`, `_view_root`, `_ambiguous`,
    `_own_params`, `_calls`, `_replacements`, `_may_hold`, `_entry_sharing`, `_named`) and its `_share_like`,
    `_renew`, `_may_be`, `_chain`, `_root`, `_recomputable`, `_live_envs`, `mark_ambiguous`."""

    def _result_sharing(self, env: dict, result_of: dict, slots: dict, slot_of: dict, body_env: dict,
                        runs: bool, loc) -> None:
        """After the loop, each carried name holds its slot's last value, or its first one where the loop may run
        no iteration, or where an iteration may leave it as it found it: a result that may hold an array some
        other name holds after the loop (or that another result may hold) is ambiguous with it."""
        firsts = {id(slot_of[names[0]]): names[0] for names in slots.values()}
        sources = {id(slot_of[n]): (env[n], body_env[n]) for n in firsts.values()}
        may_be = {}
        for slot, name in firsts.items():
            starts = [body_env[name]] + ([] if runs else [env[name]])
            may_be[name] = {id(v): v for start in starts for v in self._may_be(start, set(), sources)
                            if id(v) not in sources}
        after = dict(env)
        after.update(result_of)
        names = list(may_be)
        for k, name in enumerate(names):
            result = result_of[name]
            for other, value in after.items():
                if other.startswith("<"):
                    continue
                for var in held(value):
                    hits = [v for v in self._chain(var) if id(v) in may_be[name] and v is not result]
                    if hits and var is not result:
                        self.mark_ambiguous([result] + hits, loc, "loop")
            for other in names[k + 1:]:
                if result_of[other] is not result and may_be[name].keys() & may_be[other].keys():
                    self.mark_ambiguous([result, result_of[other]], loc, "loop")

    def _views_of_rebound(self, updated: list, rebound: set, assigned: list, env: dict, stale: dict, loc) -> dict:
        """Names not carried that hold a view into the first array of a name the loop both updates in place and
        rebinds: the view sees the updates made before the rebinding only, which slots do not model; it is
        stale (a read is a located error)."""
        roots = {id(env[n]): n for n in updated if n in rebound and is_object(env[n])}
        torn = {}
        for name, value in env.items():
            if name in assigned or name in stale or name.startswith("<") or not is_object(value) or \
                    not self._recomputable(value):
                continue
            hit = next((roots[id(v)] for v in self._chain(value)[1:] if id(v) in roots), None)
            if hit is not None:
                torn[name] = Stale(hit, loc.line if loc is not None else 0, f"it is a view into the array `{hit}` "
                                   "held before the loop, which the loop both changes and rebinds")
        return torn

    def _held_from_before(self, assigned: list, env: dict, body_env: dict, slot_of: dict, target) -> list:
        """Names the loop does not carry that hold an array (or look into one) a carried name may end an iteration
        on (`c = b` in the body, `b` bound before the loop): the next iteration starts with `c` sharing `b`'s
        array, so `b` is carried too, and the slots' sharing model sees the two."""
        stop = {id(var) for var in slot_of.values()}
        ends = {id(v) for n in assigned for v in self._may_be(body_env[n], stop) if id(v) not in stop}
        found = []
        for name, value in env.items():
            if name in assigned or name == target or name.startswith("<running") or not is_object(value):
                continue
            if any(id(v) in ends for var in held(value) for v in self._chain(var)):
                found.append(name)
        return found

    def _refuse_held_updates(self, updated: list, env: dict, loc) -> None:
        """A list, dict or tuple made before the loop that holds an array the loop updates in place would see
        the update on the iterations that run: the compiler does not carry containers, so it refuses."""
        for name in updated:
            array = env[name]
            if not is_object(array):
                continue
            for names in self._live_envs(env):
                for holder, value in names.items():
                    if not holder.startswith("<") and isinstance(value, (tuple, ListValue, DictValue)) \
                            and holds(value, array):
                        raise TranspileError(f"`{name}` is updated in place in this loop, and `{holder}` (a list, "
                                             "dict or tuple made before the loop) holds the same array", loc,
                                             f"take a copy before the loop ({name} = {name}.copy()) or rebuild "
                                             f"`{holder}` after it")

    def lendable_arguments(self, body, env: dict, assigned: list) -> list[str]:
        """Names holding a caller's array (one this function was passed, see `lend_slots`) that the loop body
        passes to a function without assigning them itself (cavity_flow's `pressure_poisson(nit, p, ...)` in its
        time loop): the callee may update the array in a loop of its own, so this loop carries it too."""
        calls = [call for call in self._calls if call.level == self._level]
        if not calls:
            return []
        passed = {arg.value.value for node in m.findall(body, m.Call()) for arg in node.args
                  if isinstance(arg.value, cst.Name)}
        return [n for n in sorted(passed) if n not in assigned and isinstance(env.get(n), Var) and is_object(env[n])
                and any(id(env[n]) in call.borrowed for call in calls)]

    def lend_slots(self, slots: dict, slot_of: dict, rebound: set) -> set:
        """The slots of a loop written directly in an inlined function's body (not in a branch or loop of it) whose
        first array is the caller's (an argument it passed) and whose names the body never rebinds (`rebound`:
        assigned other than by an index or an augmented assignment, which updates an array in place): such a slot
        is the caller's array on every iteration, so the body may update it in place like the function's own
        (NPBench's `for t in range(1, TSTEPS): A[1:-1] = ...`), and the caller sees the loop's result
        (`return_lent`). Their ids, taken off the call's borrowed arrays for the body."""
        calls = [call for call in self._calls if call.level == self._level]
        lent = set()
        for names in slots.values():
            var = slot_of[names[0]]
            if not is_object(var) or set(names) & rebound or id(var) in self._ambiguous:
                continue
            for call in calls:
                if id(var) in call.borrowed:
                    call.borrowed.discard(id(var))
                    lent.add(id(var))
        return lent

    def return_lent(self, lent: set, firsts: list, slot_of: dict, entry: dict, result_of: dict, builder: Builder,
                    env: dict) -> None:
        """After the loop: the caller's names (and views) that held a lent slot's first array hold its result,
        which is the caller's array again (an update of it at the call's level is seen by the caller)."""
        for name in firsts:
            if id(slot_of[name]) in lent:
                for call in self._calls:
                    if call.level == self._level and id(entry[name]) in call.borrowed:
                        call.borrowed.add(id(result_of[name]))
                self.replace_object(entry[name], result_of[name], builder, env)

    def _updated_slots(self, slots: dict, slot_of: dict, marker: int) -> list:
        """The names whose carried arrays the body updated in place (since `marker` in `_replacements`)."""
        carried = {id(var) for var in slot_of.values()}
        written = set()
        for old, _ in self._replacements[marker:]:  # a write into a merge that may hold a slot may update it
            todo, seen = [old], set()
            while todo:
                value = todo.pop()
                if id(value) not in seen:
                    seen.add(id(value))
                    written.add(id(value))
                    todo.extend(self._may_hold.get(id(value), ()))
        written &= carried
        return [n for n, var in slot_of.items() if id(var) in written]

    def _sharing_names(self, assigned: list, env: dict, rebound: set, updated: list) -> list:
        """`assigned` and every other name holding an array that `updated` names held on entry, or a view into
        one that cannot be recomputed from it (an update through any of them changes all of them)."""
        roots = {id(self._root(v)) for n in updated for v in held(env.get(n))}
        extra = [n for n, v in env.items() if n not in assigned and is_object(v) and id(self._root(v)) in roots
                 and not n.startswith("<running") and (n in rebound or not self._recomputable(v))]
        return assigned + extra

    def _renew_views(self, env: dict, new_env: dict, assigned: list, builder: Builder, rebound=()) -> list:
        """Recompute, in `new_env`, the views (held by names not carried) into arrays that `assigned` names
        now hold as new values (updated in place); returns those names. A name the loop rebinds (`rebound`) may
        hold another array: a view into the array it held before still looks into that one."""
        memo = {id(env[n]): new_env[n] for n in assigned
                if n not in rebound and is_object(env[n]) and new_env[n] is not env[n]}
        renewed = []
        if not memo:
            return renewed
        for name, value in env.items():
            if name in assigned or not is_object(value) or not self._recomputable(value):
                continue
            new = self._renew(value, dict(memo), builder, None)
            if new is not value:
                new_env[name] = new
                renewed.append(name)
        return renewed

    def _later_marks(self, assigned: list, slot_of: dict, body_env: dict, later: dict) -> bool:
        """Record (in `later`) the names that end an iteration holding a parameter (the kernel's or a caller's),
        or an array that may or may not be shared (ambiguous), while their slot is not marked so: the next
        iteration's update would write into the argument, or miss the other holder. Returns whether any was."""
        found = False
        for name in assigned:
            out, slot = body_env[name], slot_of[name]
            if not is_object(out) or out is slot:
                continue
            ambiguous = id(out) in self._ambiguous and not any(
                id(value) in self._ambiguous for value, _ in later.get(name, ()))
            if ambiguous or (id(out) in self._own_params and id(slot) not in self._own_params) or any(
                    id(out) in call.borrowed and id(slot) not in call.borrowed for call in self._calls):
                # with the slots and ends of this attempt's iteration, to find the next attempt's slot of a
                # partner that is one (or that a name ends the iteration with)
                holders = {id(var): n for n, var in slot_of.items()}
                holders.update((id(body_env[n]), n) for n in assigned if is_object(body_env[n]) and n != name)
                later.setdefault(name, []).append((out, holders))
                found = True
        return found

    def _mark_later(self, slot_of: dict, later: dict) -> None:
        """Give each slot the marks of the values in `later` its names end an iteration with: a partner of an
        ambiguous value that is a slot of an earlier attempt is that slot in this one."""
        for name, values in later.items():
            if name not in slot_of:
                continue
            var = slot_of[name]
            for value, slot_names in values:
                if id(value) in self._own_params:
                    self._own_params.add(id(var))
                for call in self._calls:
                    if id(value) in call.borrowed:
                        call.borrowed.add(id(var))
                if id(value) in self._ambiguous:
                    partners, where = self._ambiguous[id(value)]
                    slots = {id(slot_of[slot_names[p]]) for p in partners
                             if p in slot_names and slot_names[p] in slot_of} - {id(var)}
                    self._ambiguous[id(var)] = (self._ambiguous.get(id(var), (set(), None))[0] | partners | slots,
                                                where)
                    for other in slots:
                        entry = self._ambiguous.get(other, (set(), where))
                        self._ambiguous[other] = (entry[0] | {id(var)}, entry[1])

    def _slots(self, assigned: list, split: set, types: dict, env: dict, builder: Builder, later: dict):
        """One carried value per array object (names holding one array share it), per scalar name, and per
        name in `split`. A slot is marked (a parameter, a view, ambiguous...) as its first value is, and as the
        values in `later` its names end an iteration with. Returns {id(carried): names} and {name: carried}."""
        slots: dict[int, list] = {}
        slot_of: dict[str, Var] = {}
        by_object: dict[int, Var] = {}
        for name in assigned:
            value = env[name]
            if is_object(value) and name not in split and id(value) in by_object:
                var = by_object[id(value)]
            else:
                var = Var(builder.scope.fresh(display_name(name)), types[name])
                self._named.add(id(var))
                self._share_like(var, (value,))
                self.note_slot_layout(var, value)
                if is_object(value) and name not in split:
                    by_object[id(value)] = var
            slot_of[name] = var
            slots.setdefault(id(var), []).append(name)
            if is_object(value) and (id(value) in self._entry_sharing or any(
                    other not in assigned and bound is value for other, bound in env.items())):
                self._entry_sharing.add(id(var))  # shares its first array with a name the loop does not carry
        self._mark_later(slot_of, later)
        self._reroot([slot_of[n] for n in assigned], [env[n] for n in assigned], slot_of, assigned)
        return slots, slot_of

    def _reroot(self, values: list, sources: list, by_name: dict, names: list) -> None:
        """A carried view looks into the carried array of the slot holding its array."""
        holder = {id(src): by_name[n] for n, src in zip(names, sources) if is_object(src)}
        for value, source in zip(values, sources):
            root = self._view_root.get(id(source))
            if root is not None and id(root) in holder:
                self._view_root[id(value)] = holder[id(root)]

    def _changed_outside(self, assigned: list, env: dict, body_env: dict, target, loc) -> list:
        """Names the body changed without assigning them (writes through another name or a view)."""
        changed = []
        for name, before in env.items():
            if name in assigned or name == target or name.startswith("<running") or name not in body_env \
                    or isinstance(body_env[name], Stale):
                continue
            if body_env[name] is before:
                continue
            if not isinstance(before, (Var, Const)):
                raise TranspileError(f"`{name}` holds a tuple with an array this loop updates in place", loc,
                                     "build the tuple after the loop")
            changed.append(name)
        return changed

    def _iteration_split(self, slots: dict, assigned: list, slot_of: dict, body_env: dict) -> set:
        """Names whose sharing at the end of an iteration differs from the start (the next iteration would
        start with a different sharing): names of one slot that end apart, names of two slots that end on
        one array."""
        split = set()
        for names in slots.values():
            ends = {id(body_env[n]) for n in names}
            if len(ends) > 1:
                split.update(names)
        objects = [n for n in assigned if is_object(body_env[n])]
        for i, n in enumerate(objects):
            for other in objects[i + 1:]:
                if slot_of[n] is not slot_of[other] and self._root(body_env[n]) is self._root(body_env[other]):
                    split.update((n, other))
        return split
