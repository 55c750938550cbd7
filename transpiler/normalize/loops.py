"""Lowering loops over slots: each slot carries one array (shared by every name holding it) or one scalar round
the loop; which names a body changes, and how they share arrays, is found by lowering the body until the slots,
their types and their sharing stop changing (see normalize/alias.py for the sharing model)."""
from __future__ import annotations

from ..ir.types import TensorType, fresh_dim, is_unknown, promote
from ..builder import Builder, const
from ..errors import TranspileError
from ..ir import Const, Loop, Var
from ..values import Stale, describe
from .alias import SharingError, is_object
from .loop_sharing import LoopSharing
from .syntax import RETURNED, assigned_names, has_return, loop_result_keys
from .static import StaticNeeded


_MAX_WIDENINGS = 4
UNSET = TensorType("none", ())  # the type of a result slot before its `return` has been lowered


def _carried_type(t: TensorType) -> TensorType:
    return TensorType(t.dtype, t.shape, weak=t.weak)


def _widen(before: TensorType, after: TensorType) -> TensorType:
    if before.dtype == "none" or after.dtype == "none":
        return after if before.dtype == "none" else before
    dtype = promote([before, after])
    if before.shape is None or after.shape is None or len(before.shape) != len(after.shape):
        shape = None if before.shape is None or after.shape is None else _rank_error(before, after)
    else:
        shape = tuple(a if a == b else fresh_dim() for a, b in zip(before.shape, after.shape))
    return TensorType(dtype, shape, weak=before.weak and after.weak)


class RankChange(SharingError):
    """A value whose rank the first iteration changes (`s = 0.0`, then `s = s + x[:, j]` in the loop: pymoo's G2
    and ZDT4): a SharingError, so a loop that surely runs is lowered with its first iteration on its own
    (normalize/peeling.py), as Python runs it, and the rest keeps one rank."""


def _rank_error(before: TensorType, after: TensorType):
    raise RankChange(f"a value carried around a loop changes rank ({before} before, {after} after one "
                         "iteration)", None, "give it its final shape before the loop, e.g. with np.zeros")


def _same_type(a: TensorType, b: TensorType) -> bool:
    if a.dtype != b.dtype or a.weak != b.weak or (a.shape is None) != (b.shape is None):
        return False
    if a.shape is None:
        return True
    return len(a.shape) == len(b.shape) and all(
        x == y or (is_unknown(x) and is_unknown(y)) for x, y in zip(a.shape, b.shape))


class Loops(LoopSharing):
    """Mixed into `Lowering`. Relies on its `_share_like`, `_renew`, `mark_ambiguous`, `_zero_of`."""

    def _hold_unnamed_roots(self, views: list[str], env: dict) -> None:
        """A view the body writes through is recomputed after the loop from the array it looks into, which the loop
        carries by a name that holds it; a new array no name holds (`y = np.zeros((3, n)).T`) gets a compiler key
        (`<base0>`), so the loop carries it like a named one and the writes reach it."""
        for name in views:
            root = env[name]
            while id(root) in self._view_op:
                root = self._view_op[id(root)][0]
            if self._holder(root, env) is None and not any(bound is root for bound in env.values()):
                env[f"<base{sum(key.startswith('<base') for key in env)}>"] = root

    def _lower_loop(self, kind, node, bounds, lower_cond, lower_body, index_name, builder: Builder, env: dict,
                    loc, flag: str | None = None, target: str | None = None, keep_target: bool = False,
                    runs: bool = False) -> None:
        """A loop over slots. A slot carries one array object (or scalar) round the loop, shared by every name
        that holds it; the names a body changes are found by lowering it (a write through a row view changes
        the matrix), so lowering repeats until the slots, their types and their sharing stop changing. `runs`:
        the loop surely runs its body at least once (a `while` whose test holds on entry)."""
        self.check_zero_d_loop_entry(node.body, env, loc)
        assigned = [n for n in assigned_names(node.body) if n in env and isinstance(env[n], (Var, Const))]
        if target is not None:
            assigned = [n for n in assigned if n != target] + ([target] if keep_target else [])
        if flag is not None:
            assigned.append(flag)
        assigned += self.lendable_arguments(node.body, env, assigned)
        result_keys = loop_result_keys(node.body, loc) if has_return(node.body) else []
        if result_keys:  # `return` inside: whether it happened, and the value(s), are carried too
            env.setdefault(RETURNED, const(False))
            for key in result_keys:
                env.setdefault(key, Const(None, UNSET))
            assigned += [key for key in (RETURNED, *result_keys) if key not in assigned]
        rebound = set(assigned_names(node.body, subscripts=False)) | {target}
        replaced = set(assigned_names(node.body, subscripts=False, augmented=False)) | {target}  # not `a += b`
        # views into arrays the loop carries are recomputed from them, unless the body rebinds them
        views = [n for n in assigned if n not in rebound and self._recomputable(env[n])]
        self._hold_unnamed_roots(views, env)
        assigned = [n for n in assigned if n not in views]
        types = {n: _carried_type(env[n].type) for n in assigned}
        split: set[str] = set()  # names whose sharing differs between iterations: one slot each, ambiguous
        stale: dict[str, Stale] = {}  # names an iteration leaves stale: stale in the next one, and after
        later: dict[str, list] = {}  # name -> (value it ends an iteration with, {slot: name}): its slot is marked so
        zero_d_later: dict[str, Var] = {}  # rank-0 name -> a value it ends an iteration with (a 0-d array...)
        state = builder.snapshot()
        for attempt in range(_MAX_WIDENINGS + 8):
            builder.restore(state)
            index = None
            if index_name is not None:  # named first: the loop index keeps the plain name
                # a Python int, whatever the bounds' types (`range` makes ints): weak, so `x32 * i` stays float32
                index = Var(builder.scope.fresh(index_name), TensorType("i64", (), weak=True))
                self._named.add(id(index))
            slots, slot_of = self._slots(assigned, split, types, env, builder, later)
            lent = self.lend_slots(slots, slot_of, replaced)
            self.widen_zero_d_slots(slot_of, zero_d_later)
            if split:
                self.mark_ambiguous([slot_of[n] for n in split if n in slot_of], loc, "loop")
            body_env = dict(env)
            body_env.update((n, slot_of[n]) for n in assigned)
            body_env.update(stale)
            marker = len(self._replacements)
            derived, cond, cond_body = [], None, []
            if lower_cond is not None:
                with builder.block() as cond_body:
                    derived = self._renew_views(env, body_env, assigned, builder, replaced)
                    cond = lower_cond(body_env)
            self._loop_depth += 1
            self._level += 1  # lists and dicts made before the loop are not changed in it
            self._break_flags.append(flag)
            try:
                with builder.block() as body:  # (again after a `while` test: the body does not see its block)
                    derived = self._renew_views(env, body_env, assigned, builder, replaced) or derived
                    lower_body(body_env, index)
            finally:
                self._loop_depth -= 1
                self._level -= 1
                self._break_flags.pop()
            if self.layouts_lost(slot_of, body_env, env):  # a slot taken for C-contiguous (a reshape of it is a
                continue  # view) ends an iteration otherwise: lowered again, with that slot's layout not known
            for name, before in env.items():
                after_body = body_env.get(name, before)
                if not isinstance(before, (Var, Const, Stale)) and not isinstance(after_body, Stale) \
                        and after_body is not before:
                    raise StaticNeeded(f"`{name}` ({describe(before)}) is rebound in a loop that runs at run time",
                                       loc, "loop over a list or a constant range(...), which runs at build time")
            ended_stale = {n: v for n, v in body_env.items() if isinstance(v, Stale) and n not in stale and n in env}
            if ended_stale:
                stale.update(ended_stale)
                assigned = [n for n in assigned if n not in stale]
                types = {n: t for n, t in types.items() if n not in stale}
                continue
            for name in assigned:
                value = body_env.get(name)
                if not isinstance(value, (Var, Const)):
                    raise TranspileError(f"`{name}` is no longer an array at the end of the loop body", loc)
            updated = self._updated_slots(slots, slot_of, marker)
            parameters = [n for n in updated if is_object(env[n]) and id(env[n]) in self._own_params]
            if parameters:  # the body copied a parameter before updating it, on every iteration: copy it once,
                builder.restore(state)  # then lower the loop afresh, over the copy
                builder.loc = loc
                for name in parameters:
                    self._writable(name, env[name], node, builder, env)
                return self._lower_loop(kind, node, bounds, lower_cond, lower_body, index_name, builder, env, loc,
                                        flag, target, keep_target, runs)
            torn = self._views_of_rebound(updated, replaced, assigned, env, stale, loc)
            if torn:  # a view into an array the loop both updates in place and rebinds the name of
                stale.update(torn)
                continue
            if updated:  # an array updated in place that other names held on entry: they are carried with it
                grown = [n for n in self._sharing_names(assigned, env, rebound, updated) if n not in stale]
                if len(grown) > len(assigned):
                    types.update((n, _carried_type(env[n].type)) for n in grown if n not in types)
                    assigned = grown
                    continue
            changed = self._changed_outside(assigned + views + derived, env, body_env, None if keep_target else target, loc)
            if changed:  # the body changed arrays held by names it never assigns: carry them too
                assigned = assigned + changed
                types.update((n, _carried_type(env[n].type)) for n in assigned if n not in types)
                continue
            held_before = self._held_from_before(assigned, env, body_env, slot_of, None if keep_target else target)
            if held_before:  # a carried name ends an iteration on an array another name held before the loop
                assigned = assigned + held_before
                types.update((n, _carried_type(env[n].type)) for n in held_before)
                continue
            if self._later_marks(assigned, slot_of, body_env, later):
                continue  # a slot holds a parameter (or an ambiguous array) from the second iteration on
            wider = self.zero_d_back_edges(slot_of, body_env, assigned)
            if wider:  # a rank-0 slot may hold a 0-d array (or a parameter) from the second iteration on
                zero_d_later.update(wider)
                continue
            newly_split = self._iteration_split(slots, assigned, slot_of, body_env) - split
            if newly_split:
                split |= newly_split
                continue
            widened = {n: _widen(types[n], body_env[n].type) for n in assigned}
            if all(_same_type(widened[n], types[n]) for n in assigned):
                break
            if attempt >= _MAX_WIDENINGS + 7:
                raise TranspileError("the types of values carried around this loop keep changing", loc,
                                     "give loop variables their final shape and dtype before the loop")
            types = widened
        else:
            raise TranspileError("the values carried around this loop keep changing", loc,
                                 "give loop variables their final shape and dtype before the loop")
        builder.loc = loc
        runs = runs or _runs(kind, bounds)
        self._unreturning.discard(id(node))  # (read right after this loop by after_returning_loop)
        if result_keys and all(body_env[k] is slot_of[k] for k in (RETURNED, *result_keys)):
            # no `return` of the body is reached (each sits in a branch decided at build time): nothing to carry
            slots = {slot: names for slot, names in slots.items()
                     if not set(names) & {RETURNED, *result_keys}}
            result_keys = []
            self._unreturning.add(id(node))
        firsts = [names[0] for names in slots.values()]
        for key in result_keys:
            if isinstance(env[key], Const) and env[key].value is None:
                env[key] = self._zero_of(types[key], builder, loc)
        carried = [slot_of[n] for n in firsts]
        outs = [body_env[n] for n in firsts]
        results = [Var(c.name, c.type) for c in carried]  # after the loop: the slot's last value
        result_of = {}
        for var, name, out in zip(results, firsts, outs):
            self._named.add(id(var))
            self._share_like(var, (out,) if runs else (env[name], out))  # (a slot has its first value's marks)
            self._slot_layout[id(var)] = self._slot_layout.get(id(slot_of[name]), False)  # (checked each iteration)
            for other in slots[id(slot_of[name])]:
                result_of[other] = var
        self._reroot(results, carried, result_of, firsts)
        builder.emit(Loop(kind, index, tuple(bounds), cond_body, cond, tuple(carried),
                          tuple(env[n] for n in firsts), body, tuple(outs), tuple(results), loc))
        after = dict(env)
        after.update(result_of)
        self._renew_views(env, after, assigned, builder, replaced)
        result_of.update((n, after[n]) for n in derived)
        for name in assigned_names(node.body):
            if name not in assigned and name in body_env and name not in env:
                self._conditional_names[name] = loc  # defined only inside the loop
        if split:
            self.mark_ambiguous([result_of[n] for n in split if n in result_of], loc, "loop")
        self._result_sharing(env, result_of, slots, slot_of, body_env, runs, loc)
        # the loop updated these arrays in place: to an enclosing loop, that is an update of what it carries
        self._refuse_held_updates(updated, env, loc)
        self._replacements.extend((env[n], result_of[n]) for n in updated if is_object(env[n]))
        self.stale_zero_d_views([env[n] for n in updated], env, loc.line if loc is not None else 0, "the loop")
        entry = {n: env[n] for n in firsts}
        env.update(result_of)
        env.update(stale)
        self.return_lent(lent, firsts, slot_of, entry, result_of, builder, env)


def _runs(kind: str, bounds) -> bool:
    """Whether a loop surely runs at least once: a `for` over a range of constants that is not empty."""
    if kind != "for" or len(bounds) != 3 or not all(isinstance(b, Const) for b in bounds):
        return False
    start, stop, step = (b.value for b in bounds)
    return isinstance(step, int) and step != 0 and len(range(start, stop, step)) > 0
