"""Batching loops: a plain loop when its test and range are the same for every example, else a masked one.

A `while` whose test differs between examples runs until every example is done, the examples already done
keeping their values (the body is a masked `if` whose other branch keeps the slots as they are). A `for` over a
range whose bounds differ runs the longest range, each example active on its own iterations: the first ones,
or the last ones in a loop that pops a tape (a reverse sweep), so pops meet the pushes of the forward loop.
"""
from __future__ import annotations

from ...ir.types import TensorType
from ...builder import const
from ...errors import TranspileError
from ...ir import Atom, Const, Loop, Var, equations
from ...primitives.batching import batched_type
from ...primitives.symbolic import Sym, ops


class BatchedLoops:
    """Mixed into `batch._Batching`: relies on its `get`, `set`, `lift`, `block`, `masked`, `_block`, `_slots`."""

    def loop(self, stmt: Loop) -> None:
        bounds = [self.get(b) for b in stmt.bounds]
        inits = [self.get(i) for i in stmt.inits]
        per_example_bounds = any(self.is_batched(b) for b in bounds)
        flags = [self.is_batched(i) for i in inits]
        # slots that hold None in a batch of no examples (branches.py's unset parts): the initial value, or one
        # carried from a trip; a read of them in a later trip is one outside the guarded part that left them
        self.none_slots |= {id(old) for old, i in zip(stmt.carried, inits) if id(i) in self.empty_batch_none}
        masked = per_example_bounds
        state = self.builder.snapshot()
        values, batched = dict(self.values), set(self.batched)
        while True:  # which slots carry batched values (a slot may become batched in the body)
            known_none = set(self.none_slots)
            found, cond_batched = self._trial(stmt, flags, masked)
            masked = masked or cond_batched
            if masked:
                found = [f or old.type.dtype != "tape" for f, old in zip(found, stmt.carried)]
            if found == flags and self.none_slots == known_none:
                break
            flags = [a or b for a, b in zip(flags, found)]
            self.builder.restore(state)
            self.values, self.batched = dict(values), set(batched)
        self.builder.restore(state)
        self.values, self.batched = values, batched
        self._emit_loop(stmt, bounds, inits, flags, masked, per_example_bounds)

    def _trial(self, stmt: Loop, flags: list, masked: bool) -> tuple[list, bool]:
        with self._block():
            bounds = [self.get(b) for b in stmt.bounds]
            slots = self._slots(stmt, flags)
            if stmt.index is not None:
                per_example = any(self.is_batched(b) for b in bounds)
                self.set(stmt.index, Var(stmt.index.name, self._type(stmt.index, per_example)), per_example)
            with self._block():
                self.block(stmt.cond_body)
            cond_batched = stmt.cond is not None and self.is_batched(self.get(stmt.cond))
            with self._block():
                self.block(stmt.body)
            found = [self.is_batched(self.get(c)) or f for c, f in zip(stmt.carried_out, flags)]
            self.none_slots |= {id(old) for old, c in zip(stmt.carried, stmt.carried_out)
                                if id(self.get(c)) in self.empty_batch_none}
        del slots
        return found, cond_batched

    def _slots(self, stmt: Loop, flags: list) -> list[Var]:
        slots = []
        for old, flag in zip(stmt.carried, flags):
            new = Var(self.builder.scope.fresh(old.name), self._type(old, flag) if old.type.dtype != "tape"
                      else old.type)
            self.set(old, new, flag and old.type.dtype != "tape")
            if id(old) in self.none_slots:
                self.empty_batch_none.add(id(new))
            slots.append(new)
        return slots

    def _set_outs(self, stmt: Loop, outs, flags: list) -> None:
        """The loop's results for the values after it (None in a batch of no examples where their slot is)."""
        for old, new, flag, slot in zip(stmt.outs, outs, flags, stmt.carried):
            self.set(old, new, flag and old.type.dtype != "tape")
            if id(slot) in self.none_slots:
                self.empty_batch_none.add(id(new))

    def _lift_init(self, init: Atom, slot: Var) -> Atom:
        """An unbatched initial value as the batched slot's array, in the slot's dtype: a Python number (`acc =
        0.0`) takes the dtype the body gives the slot (float32 after `acc + x32[i]`), as Python's value does
        from the first iteration on, where lifting it alone would make a float64 array."""
        if init.type.dtype == slot.type.dtype:
            return self.lift(init, writable=True, name=slot.name)
        cast = self.builder.bind("astype", [self.lift(init)], {"dtype": slot.type.dtype}, name=slot.name)  # (a copy)
        self.batched.add(id(cast))
        return cast

    def _emit_loop(self, stmt: Loop, bounds, inits, flags, masked: bool, per_example_bounds: bool) -> None:
        builder = self.builder
        builder.loc = stmt.loc
        inits = [self.as_slot(i, old_init, old, stmt.loc) if f else i
                 for i, f, old_init, old in zip(inits, flags, stmt.inits, stmt.carried)]
        inits = [self._lift_init(i, old) if f and not self.is_batched(i) and not
                 (isinstance(i, Var) and i.type.dtype == "tape") else i
                 for i, f, old in zip(inits, flags, stmt.carried)]
        if per_example_bounds:
            return self._per_example_range(stmt, bounds, inits, flags)
        if masked:
            return self._masked_while(stmt, inits, flags)
        slots = self._slots(stmt, flags)
        index = None
        if stmt.index is not None:
            index = Var(builder.scope.fresh(stmt.index.name), stmt.index.type)
            self.set(stmt.index, index, False)
        with self._block() as cond_body:
            self.block(stmt.cond_body)
        cond = self.get(stmt.cond) if stmt.cond is not None else None
        with self._block() as body:
            self.block(stmt.body)
            following = [self.get(c) for c in stmt.carried_out]
        self._lift_into(body, following, flags, list(stmt.carried_out), list(stmt.carried), stmt.loc)
        outs = tuple(Var(s.name, s.type) for s in slots)
        builder.emit(Loop(stmt.kind, index, tuple(bounds), cond_body, cond, tuple(slots), tuple(inits), body,
                          tuple(following), outs, stmt.loc, stmt.note, stmt.reverse))
        self._set_outs(stmt, outs, flags)

    def _masked_while(self, stmt: Loop, inits, flags) -> None:
        """`while` until every example is done: an example that is done keeps its values. The condition is
        evaluated once before the loop and again at the end of each iteration, into the mask of examples still
        running, so the loop's own test reads only that mask."""
        builder = self.builder
        for old, new in zip(stmt.carried, inits):
            self.set(old, new, self.is_batched(new))
        self.block(stmt.cond_body)  # on the initial values
        active_init = self.get(stmt.cond)
        if not self.is_batched(active_init):
            active_init = self.lift(active_init)
        slots = self._slots(stmt, flags)
        active = Var(builder.scope.fresh("active"), batched_type(TensorType("bool", ()), self.dim))
        self.batched.add(id(active))
        with self._block() as cond_body:
            builder.loc = stmt.loc
            some = builder.bind("any", [active], name="some")
        with self._block() as body:
            following = self.masked(active, stmt.body, stmt.carried_out, [], stmt.carried, stmt.carried, stmt.loc,
                                    guard=False, loop=True)
            for old, new in zip(stmt.carried, following):  # the condition on the new values
                self.set(old, new, self.is_batched(new))
            self.block(stmt.cond_body)
            builder.loc = stmt.loc
            still = builder.bind("logical_and", [active, self.get(stmt.cond)], name="active")
            self.batched.add(id(still))
        outs = tuple(Var(s.name, s.type) for s in slots) + (Var(active.name, active.type),)
        builder.emit(Loop("while", None, (), cond_body, some, tuple(slots) + (active,),
                          tuple(inits) + (active_init,), body, tuple(following) + (still,), outs, stmt.loc,
                          stmt.note))
        self._set_outs(stmt, outs, flags)

    def _per_example_range(self, stmt: Loop, bounds, inits, flags) -> None:
        """`for i in range(...)` with bounds that differ between examples: the longest range, each example
        active on its own iterations (the last ones in a loop that pops a tape: a reverse sweep)."""
        builder = self.builder
        start, stop, step = _range(bounds)
        if not isinstance(step, Const) or step.value == 0 or self.is_batched(step):
            raise TranspileError("a range whose bounds differ between examples needs a literal step", stmt.loc)
        s = self.sym
        first, last = (start, stop) if step.value > 0 else (stop, start)
        span = s(last) if _is_zero(first) else s(last) - s(first)
        size = abs(step.value)
        count = span if size == 1 else ops.floor_divide(span + (size - 1), size)
        count = Sym(builder, builder.bind("maximum", [count.atom, const(0)], name="trips"))
        self.batched.add(id(count.atom))
        # (`initial=0`: a batch of no examples runs no trip, where np.max of nothing raises)
        total = Sym(builder, builder.bind("max", [count.atom], {"initial": 0}, name="longest"))
        slots = self._slots(stmt, flags)
        k = Var(builder.scope.fresh("k"), TensorType("i64", (), weak=True))  # (range makes Python ints)
        popping = any(e.prim.name == "pop" for e in equations(stmt.body))
        with self._block() as body:
            local = s(k) - (total - count) if popping else s(k)
            active = local >= 0 if popping else s(k) < count
            position = count - 1 - local if stmt.reverse else local
            offset = position * step.value if step.value != 1 else position
            index = offset if _is_zero(start) else s(start) + offset
            for value in (local, active, position, offset, index):
                if value.shape == (self.dim,):
                    self.batched.add(id(value.atom))
            self.set(stmt.index, index.atom, self.is_batched(index.atom))
            following = self.masked(active.atom, stmt.body, stmt.carried_out, [], stmt.carried, stmt.carried,
                                    stmt.loc, guard=False, loop=True)
        outs = tuple(Var(slot.name, slot.type) for slot in slots)
        builder.emit(Loop("for", k, (total.atom,), [], None, tuple(slots), tuple(inits), body, tuple(following),
                          outs, stmt.loc, stmt.note))
        self._set_outs(stmt, outs, flags)


def _is_zero(atom) -> bool:
    return isinstance(atom, Const) and atom.value == 0


def _range(bounds):
    if len(bounds) == 1:
        return const(0), bounds[0], const(1)
    if len(bounds) == 2:
        return bounds[0], bounds[1], const(1)
    return bounds


