"""The reverse sweep over control flow: an `if` reversed under its own condition, a loop by a reverse loop
that reads back from tapes what each forward iteration computed (or recomputes what is cheap to)."""
from __future__ import annotations

from ...ir.types import TensorType, promote
from ...builder import const
from ...ir import (Atom, Const, Eqn, If, Loop, Var, all_defined, equations, free_values, statement_defs, substitute,
                  updates_in_place)
from ...primitives.registry import lookup
from ...primitives.tape import TAPE


class ReversedControlFlow:
    """Mixed into `sweep.AdjointSweep`: relies on its `builder`, `activity`, `adjoints`, `owner`,
    `values`, `tapes`, `none_when`, `loop_depth`, `accumulate`, `pull_back_block`, `_exact`, `_exclusive`,
    `owned`."""

    def _takes_from_tapes(self, block: list) -> bool:
        """Whether a block pushes onto a tape whose adjoint tape is filled: its values get cotangents from there
        even when nothing else flows into the block."""
        return any(e.prim.name == "push" and id(e.args[0]) in self.tapes for e in equations(block))

    def pull_back_if(self, stmt: If) -> None:
        """Reverse both branches under the same condition; adjoints changed in either are merged after it."""
        builder = self.builder
        seeds = [(out, self.adjoints.get(id(out))) for out in stmt.outs]
        if all(ct is None for _, ct in seeds) and not self._takes_from_tapes(stmt.then_body + stmt.else_body):
            return
        # an output's adjoint that belongs to it alone is handed on to the branch value it merges (the output
        # is read by nothing after the `if`'s pull-back), so the branch's updates may write into it
        handed = {id(out) for (out, ct), *values in zip(seeds, stmt.then_results, stmt.else_results)
                  if ct is not None and self.owns(ct, out)
                  and all(isinstance(v, Var) and id(v) in self.activity and v is not out for v in values)}
        before, owner_before = dict(self.adjoints), dict(self.owner)
        branches = []
        for body, results in ((stmt.then_body, stmt.then_results), (stmt.else_body, stmt.else_results)):
            # only one branch runs, so each may update in place what the code before owns
            self.adjoints, self.owner = dict(before), dict(owner_before)
            with builder.block() as reverse_body:
                builder.loc = stmt.loc
                for (out, ct), value in zip(seeds, results):
                    # an output that is the branch's own value (kept for a reverse sweep: `_keep_after_if`)
                    # already holds its adjoint: adding it again would count it twice
                    if ct is not None and isinstance(value, Var) and id(value) in self.activity and value is not out:
                        if id(out) in handed:
                            del self.adjoints[id(out)]
                            if id(value) not in self.adjoints and value.type.shape == out.type.shape:
                                self.owner[id(ct)] = id(value)
                        self.accumulate(value, ct)
                self.pull_back_block(body)
            branches.append((reverse_body, self.adjoints, self.owner))
        (then_body, then_map, then_owner), (else_body, else_map, else_owner) = branches
        inner = {id(v) for v in all_defined(stmt.then_body) + all_defined(stmt.else_body)}
        changed = [key for key in dict.fromkeys([*then_map, *else_map]) if key not in inner and (
                   then_map.get(key) is not before.get(key) or else_map.get(key) is not before.get(key))]
        merged, then_values, else_values, owned = [], [], [], []
        builder.loc = stmt.loc
        for key in changed:
            var = self.values[key]
            if then_map.get(key) is else_map.get(key):
                before[key] = then_map[key]
                continue
            then_value = self._in_block(then_body, lambda: self._branch_adjoint(then_map.get(key), var, stmt, True))
            else_value = self._in_block(else_body, lambda: self._branch_adjoint(else_map.get(key), var, stmt, False))
            dtype = _merged_dtype(var, then_value, else_value)
            then_value = self._in_block(then_body, lambda: _as_dtype(builder, then_value, dtype))
            else_value = self._in_block(else_body, lambda: _as_dtype(builder, else_value, dtype))
            then_values.append(then_value)
            else_values.append(else_value)
            merged.append(Var(builder.scope.fresh("d" + var.name), var.type.with_dtype(dtype)))
            before[key] = merged[-1]
            if then_owner.get(id(then_value)) == key and else_owner.get(id(else_value)) == key:
                owned.append((merged[-1], key))  # the same exclusive array on both paths
        for forward_body, reverse_body, values in ((stmt.then_body, then_body, then_values),
                                                   (stmt.else_body, else_body, else_values)):
            if self.loop_depth:  # each iteration's branch values go on the tape
                self._tape(forward_body, reverse_body, [], values)
            else:
                self._keep_after_if(stmt, forward_body is stmt.then_body, reverse_body, values)
        builder.emit(If(stmt.cond, then_body, else_body, tuple(merged), tuple(then_values), tuple(else_values),
                        stmt.loc))
        self.adjoints = before
        self.owner = {adj: key for adj, key in owner_before.items() if key not in changed}
        self.owner.update((id(var), key) for var, key in owned)

    def pull_back_loop(self, loop: Loop) -> None:
        """A reverse loop over the same iterations, reading back from tapes what each iteration computed."""
        builder = self.builder
        slots = [i for i, var in enumerate(loop.carried) if id(var) in self.activity]
        out_cts = {i: self.adjoints.get(id(loop.outs[i])) for i in slots}
        if all(ct is None for ct in out_cts.values()) and not self._takes_from_tapes(loop.body):
            return
        local = {id(v) for v in loop.carried} | ({id(loop.index)} if loop.index is not None else set())
        outer = [v for v in free_values(loop.body, loop.carried_out)
                 if id(v) not in local and id(v) in self.activity and v.type != TAPE]
        builder.loc = loop.loc
        # a slot the body updates in place carries an adjoint of its own, written in place by the updates'
        # pull-backs: one copy before the reverse loop instead of one (or three) per iteration
        updated = {i for i in slots if updates_in_place(loop.body, loop.carried[i])}
        # (sized like the value after the loop: the slot itself exists inside the loop only, which matters where
        # this loop is in another and its reverse sweep reads the value back from the outer loop's tape)
        ct_inits = [self.owned(out_cts[i], loop.outs[i]) if i in updated else self._exact(out_cts[i], loop.outs[i])
                    for i in slots]
        acc_inits = [self._exclusive(v) for v in outer]
        ct_slots = [Var(builder.scope.fresh("d" + loop.carried[i].name), loop.carried[i].type) for i in slots]
        acc_slots = [Var(builder.scope.fresh("d" + v.name), v.type) for v in outer]

        saved = (self.adjoints, self.owner)
        self.adjoints, self.owner = {}, {}
        for v, slot in zip(outer, acc_slots):  # each iteration adds into the same array, in place
            self.adjoints[id(v)] = slot
            if v.type.shape != ():
                self.owner[id(slot)] = id(v)
            self.values[id(v)] = v
        self.loop_depth += 1
        with builder.block() as reverse_body:
            builder.loc = loop.loc
            for i, slot in zip(slots, ct_slots):
                value = loop.carried_out[i]
                if isinstance(value, Var) and id(value) in self.activity:
                    if i in updated and value.type.shape not in ((), None) and id(value) not in self.adjoints:
                        self.owner[id(slot)] = id(value)
                    self.accumulate(value, slot)
            self.pull_back_block(loop.body)
            builder.loc = loop.loc
            ct_next = [self.owned(self.adjoints.get(id(loop.carried[i])), loop.carried[i]) if i in updated
                       else self._exact(self.adjoints.get(id(loop.carried[i])), loop.carried[i]) for i in slots]
            acc_next = [self._exclusive(v) for v in outer]
        self.loop_depth -= 1
        self.adjoints, self.owner = saved

        trips = self._trip_count(loop)
        renamed = self._tape(loop.body, reverse_body, list(loop.carried), ct_next + acc_next)
        ct_next = [renamed.get(id(a), a) for a in ct_next]
        acc_next = [renamed.get(id(a), a) for a in acc_next]
        carried = tuple(ct_slots + acc_slots)
        outs = tuple(Var(v.name, _after_loop(v, init, following)) for v, init, following in
                     zip(carried, ct_inits + acc_inits, ct_next + acc_next))
        if loop.kind == "for":
            reverse_loop = Loop("for", loop.index, loop.bounds, [], None, carried, tuple(ct_inits + acc_inits),
                                reverse_body, tuple(ct_next + acc_next), outs, loop.loc,
                                reverse=not loop.reverse)  # a reverse loop (reverse over reverse) runs forwards
        else:
            reverse_loop = Loop("for", None, (const(0), trips, const(1)), [], None, carried,
                                tuple(ct_inits + acc_inits), reverse_body, tuple(ct_next + acc_next), outs, loop.loc)
        builder.emit(reverse_loop)
        for v, out in zip(outer, outs[len(slots):]):  # these slots started from the adjoints before the loop
            self.adjoints[id(v)] = out
            if v.type.shape != ():
                self.owner[id(out)] = id(v)
        for i, out in zip(slots, outs):  # then the initial values' share (an init may be an outer value too)
            init = loop.inits[i]
            if isinstance(init, Var) and id(init) in self.activity:
                if i in updated and init.type.shape == out.type.shape and id(init) not in self.adjoints:
                    self.owner[id(out)] = id(init)
                self.accumulate(init, out)

    def _trip_count(self, loop: Loop) -> Atom | None:
        """A `while` loop counts its iterations (a carried counter), so its reverse loop can run as often."""
        if loop.kind != "while":
            return None
        counter = Var(self.builder.scope.fresh("trips"), TensorType("i64", ()))
        following = Var(counter.name, counter.type)
        after = Var(counter.name, counter.type)
        loop.body.append(Eqn(lookup("add"), (counter, const(1)), {}, (following,), loop.loc))
        loop.carried += (counter,)
        loop.inits += (const(0),)
        loop.carried_out += (following,)
        loop.outs += (after,)
        return after

    def _tape(self, forward_body: list, reverse_body: list, carried: list[Var], tail: list = ()) -> dict:
        """Push, at the end of each forward iteration (or branch), what the matching reverse block reads
        (including `tail`, the values the reverse block hands on after it ends).

        A loop slot's name still holds its final value after the loop, so its per-iteration values are popped
        into a fresh name; the returned mapping says which (the caller applies it to `tail`)."""
        defined = {id(v) for stmt in forward_body for v in statement_defs(stmt)} | {id(v) for v in carried}
        slots = {id(v) for v in carried}
        taped, recomputed = _what_to_tape(forward_body, free_values(reverse_body, tail), defined, slots)
        pops, renamed = [], {}
        for value in taped:
            tape = Var(self.builder.scope.fresh("tape_" + value.name), TAPE)
            self.builder.prologue.append(Eqn(lookup("tape_new"), (), {}, (tape,)))
            forward_body.append(Eqn(lookup("push"), (tape, value), {}, (Var(tape.name, TAPE),)))
            target = value
            if id(value) in slots:
                target = renamed[id(value)] = Var(self.builder.scope.fresh(value.name), value.type)
            pops.append(Eqn(lookup("pop"), (tape,), {"type": value.type}, (target,)))
        redone = []
        for eqn in recomputed:  # fresh values, so the forward's own lines are unchanged
            out = eqn.outs[0]
            renamed[id(out)] = Var(self.builder.scope.fresh(out.name), out.type, temporary=out.temporary)
            redone.append(Eqn(eqn.prim, eqn.args, dict(eqn.params), (renamed[id(out)],), eqn.loc))
        reverse_body[0:0] = pops + redone
        substitute(reverse_body, renamed)
        return renamed

    def _keep_after_if(self, stmt: If, then_branch: bool, reverse_body: list, merged: list) -> None:
        """Values a branch computed that its reverse reads stay defined after the `if` (None on the other path),
        so nothing deletes them before the reverse sweep gets there."""
        body = stmt.then_body if then_branch else stmt.else_body
        defined = {id(v) for v in all_defined(body)}
        kept = {id(v) for v in stmt.outs}
        for value in free_values(reverse_body, merged):
            if id(value) not in defined or id(value) in kept:
                continue
            nothing = Const(None, value.type)
            stmt.outs += (value,)  # the same value, now also defined after the `if`
            stmt.then_results += (value if then_branch else nothing,)
            stmt.else_results += (nothing if then_branch else value,)

    def _branch_adjoint(self, adjoint: Atom | None, var: Var, stmt: If, side: bool) -> Atom:
        """`var`'s adjoint at the end of one branch of `stmt`: None where `var` itself is None on that side (a
        value a branch kept for a reverse sweep; its size may be known only from the value), else exact."""
        if adjoint is None and (id(stmt.cond), side) in self.none_when.get(id(var), ()):
            return Const(None, var.type)
        return self._exact(adjoint, var)

    def _in_block(self, block: list, make):
        """Emit into an already built block; what is computed there is not reused outside it."""
        with self.builder.into(block):
            return make()


def _after_loop(slot: Var, init: Atom, following: Atom) -> TensorType:
    """The type of a scalar adjoint after its reverse loop: the slot has its value's type, but what it carries
    may be another dtype (float64 values met a float32 value: `ds + dv64 * w`), which the gradient's final cast
    must see."""
    if slot.type.shape != () or not isinstance(following, (Var, Const)) or following.type.dtype == slot.type.dtype \
            or following.type.weak or isinstance(following, Const) and following.value is None:
        return slot.type
    return TensorType(promote([init.type, following.type]) if isinstance(init, (Var, Const)) and
                      not (isinstance(init, Const) and init.value is None) else following.type.dtype, ())


def _merged_dtype(var: Var, *values: Atom) -> str:
    """The dtype of an adjoint both branches give: their common one (a float32 parameter's adjoint may be float64
    on a side where float64 values met it; the gradient is cast to the parameter's dtype at the end)."""
    strong = [v.type for v in values if not (isinstance(v, Const) and v.value is None) and not v.type.weak]
    return promote(strong) if strong else var.type.dtype


def _as_dtype(builder, value: Atom, dtype: str) -> Atom:
    if isinstance(value, Const) or value.type.weak or value.type.dtype == dtype:
        return value
    return builder.bind("astype", [value], {"dtype": dtype})


# cheap elementwise steps the reverse sweep recomputes from taped values rather than taping their results
_RECOMPUTED = {"add", "subtract", "multiply", "negative"}


def _what_to_tape(forward_body: list, needed: list[Var], defined: set[int], slots: set[int]):
    """Split what a reverse block reads from its forward block into values to tape and steps to redo.

    A step is redone when it costs one cheap operation on values the reverse block has anyway (read from the
    tape, or defined before the loop): `r * y` and `1.0 - y` from a taped `y`, or `X[i]`, a view of an array
    the loop does not change (with `i` the loop index, or taped). A value that would need a chain of steps
    redone (`y4 = y + h * k3`, with `k3` itself computed from `y`) is taped instead: redoing the chain would
    repeat the forward sweep's work, which a hand-written adjoint does not do either."""
    definitions = {id(out): stmt for stmt in forward_body if isinstance(stmt, Eqn) for out in stmt.outs}
    present = {id(v) for v in needed if id(v) in defined}  # what the reverse block reads from this block

    def redoable(eqn: Eqn) -> bool:
        inputs = [a for a in eqn.args if isinstance(a, Var)]
        at_hand = all(id(a) in present or id(a) not in defined for a in inputs)
        if eqn.prim.name == "getitem":  # a view (integer and slice indices) of an array the loop leaves alone
            return at_hand and id(eqn.args[0]) not in defined and all(a.type.shape == () for a in inputs[1:])
        return eqn.prim.name in _RECOMPUTED and at_hand

    taped: dict[int, Var] = {}
    redo: dict[int, Eqn] = {}
    for value in needed:
        if id(value) not in present or id(value) in taped or id(value) in redo:
            continue
        eqn = definitions.get(id(value))
        if eqn is not None and id(value) not in slots and redoable(eqn):
            redo[id(value)] = eqn
        else:
            taped[id(value)] = value
    order = {id(stmt): i for i, stmt in enumerate(forward_body)}
    return list(taped.values()), sorted(redo.values(), key=lambda e: order[id(e)])
