"""Batching `if`: a plain `if` when the condition is the same for every example, else a masked one.

A masked `if` runs each branch that some example takes once for the whole batch, on *safe inputs* (the
examples that do not take it get the inputs of one that does, so a branch never sees values it would not have
seen unbatched: no NaN, no warning), and merges the two with `np.where`. A branch that pushes onto a tape runs
its `then` part first; one that pops (a reverse sweep) its `else` part first, so pops meet their pushes.
"""
from __future__ import annotations

import re

import numpy as np

from ...ir.types import NUMPY_DTYPES, TensorType
from ...builder import const
from ...errors import TranspileError
from ...ir import Atom, Const, If, Var, all_defined, equations, free_values
from ...primitives.batching import batched_type, example_rank
from ...primitives.symbolic import ops
from ..hoist import updated_in_place
from .ragged import ragged_axes, ragged_message


class BatchedBranches:
    """Mixed into `batch._Batching`: relies on its `get`, `set`, `lift`, `block`, `_block`, `ctx`, `builder`."""

    def branch(self, stmt: If) -> None:
        cond = self.get(stmt.cond)
        if self.is_batched(cond):
            merged = self.masked(cond, stmt.then_body, stmt.then_results, stmt.else_body, stmt.else_results,
                                 stmt.outs, stmt.loc, guard=True)
            for old, new in zip(stmt.outs, merged):
                self.set(old, new, self.is_batched(new))
            return
        builder = self.builder
        parts = []
        for body, results in ((stmt.then_body, stmt.then_results), (stmt.else_body, stmt.else_results)):
            with self._block() as new_body:
                self.block(body)
            parts.append((new_body, [self.get(r) for r in results]))
        flags = [any(self.is_batched(res[i]) for _, res in parts) and old.type.dtype != "tape"
                 for i, old in enumerate(stmt.outs)]
        for (new_body, results), olds in zip(parts, (stmt.then_results, stmt.else_results)):
            self._lift_into(new_body, results, flags, list(olds), list(stmt.outs), stmt.loc)
        outs = tuple(Var(builder.scope.fresh(o.name), self._type(o, f)) for o, f in zip(stmt.outs, flags))
        for out, a, b in zip(outs, parts[0][1], parts[1][1]):
            if any(isinstance(r, Const) and r.value is None for r in (a, b)):
                self.maybe_none.add(id(out))
            if id(a) in self.empty_batch_none or id(b) in self.empty_batch_none:
                self.empty_batch_none.add(id(out))  # (a side's None in a batch of no examples: the `if`'s too)
        builder.loc = stmt.loc
        builder.emit(If(cond, parts[0][0], parts[1][0], outs, tuple(parts[0][1]), tuple(parts[1][1]), stmt.loc,
                        stmt.note))
        for old, new, flag in zip(stmt.outs, outs, flags):
            self.set(old, new, flag)

    def _lift_into(self, block: list, results: list, flags: list, olds: list, slots: list, loc) -> None:
        """Within `block` (already emitted), lift the unbatched results whose merge is batched (in the merge's
        dtype: `as_slot`); `olds` are the results of the function being batched, `slots` what they merge into."""
        with self.builder.into(block):
            for i, flag in enumerate(flags):
                if flag and not (isinstance(results[i], Const) and results[i].value is None):
                    results[i] = self.as_slot(results[i], olds[i], slots[i], loc)
                    if not self.is_batched(results[i]):
                        results[i] = self.lift(results[i], writable=True)

    def as_slot(self, value: Atom, old_value: Atom, slot: Var, loc) -> Atom:
        """`value` (the batched program's `old_value`) entering a batched slot: a merge's result, a loop's carried
        value. Where an example's value is a Python number and the slot has another dtype (`t = 0.1` before a
        loop that makes `t` float32, or on the other path of an `if`), the example keeps the number itself but
        the batch holds it in the slot's dtype: exact where that dtype holds the number (else refused), and
        converted where the batch holds it in another (`np.where` of a float64 batch would make one). Where the
        number would give another dtype than the slot's (`python_number_merges`) the batch cannot follow."""
        if not isinstance(old_value, (Var, Const)) or not old_value.type.weak or slot.type.dtype in ("tape", "none") \
                or (isinstance(value, Const) and value.value is None):
            return value
        merge = self.number_merges.get(id(slot))
        if old_value.type.dtype == slot.type.dtype:
            if merge is not None:
                self._refuse_number_merge(merge, slot, loc)
            return value
        dtype = slot.type.dtype
        number = old_value.value if isinstance(old_value, Const) else None
        if isinstance(number, (bool, int, float)):
            with np.errstate(all="ignore"):
                held = np.asarray(number).astype(NUMPY_DTYPES[dtype]).item()
            exact = held == number or (number != number and held != held)
        else:  # known at run time only: integers are exact in float64 and int64, and int32 for any size in use
            exact = not old_value.type.is_float and dtype in ("f64", "i64", "i32")
        if not exact:
            what = f"the Python number {number!r}" if number is not None else "a Python number"
            name = re.sub(r"_[0-9]+$", "", slot.name)
            raise TranspileError(
                f"vmap: `{name}` is {what} on some examples and {NUMPY_DTYPES[dtype]} on others "
                f"(an `if` or a loop that may not run); one {NUMPY_DTYPES[dtype]} batch cannot hold that number",
                loc, f"start it from a {NUMPY_DTYPES[dtype]} value (computed from an array of that dtype), or a "
                "number it holds exactly such as 0.0 or 0.5")
        if merge is not None:
            self._refuse_number_merge(merge, slot, loc)
        if self.is_batched(value) and value.type.dtype != dtype:
            value = self.builder.bind("astype", [value], {"dtype": dtype})
            self.batched.add(id(value))
        return value

    def _refuse_number_merge(self, merge, slot: Var, loc) -> None:
        name, dtype = re.sub(r"_[0-9]+$", "", slot.name), NUMPY_DTYPES[slot.type.dtype]
        raise TranspileError(
            f"vmap: {merge.describe(name)}: one batch of the examples' values would have a dtype that depends on "
            "the data", loc, f"start `{name}` from a {dtype} value (computed from an array of that dtype; for "
            "float64 a NumPy function of a number such as `np.sqrt(0.0)`), so that it has one dtype on every run")

    def _type(self, old: Var, batched: bool) -> TensorType:
        return batched_type(old.type, self.dim) if batched else old.type

    def masked(self, mask: Atom, then_body: list, then_results, else_body: list, else_results, outs, loc,
               guard: bool, loop: bool = False) -> list[Atom]:
        """Both branches, each on the examples that take it, merged with `np.where(mask, then, else)` (`loop`: one
        more trip of a loop's body, and the values before it; for ragged.py's messages)."""
        builder = self.builder
        pops = any(e.prim.name == "pop" for e in equations(then_body + else_body))
        pushes = any(e.prim.name == "push" for e in equations(then_body + else_body))
        if pops and pushes:
            raise TranspileError("a branch that both pushes onto and pops from a tape cannot run batched", loc)
        builder.loc = loc
        not_mask = builder.bind("logical_not", [mask], name="other") if else_body or else_results else None
        if not_mask is not None:
            self.batched.add(id(not_mask))
        order = [(then_body, then_results, mask), (else_body, else_results, not_mask)]
        if pops:
            order.reverse()
        parts, guards = {}, {}
        for body, results, taken in order:
            parts[id(body)], guards[id(body)] = self._part(body, results, taken, outs, loc, guard and bool(body))
        then_part, else_part = parts[id(then_body)], parts[id(else_body)]
        merged = []
        builder.loc = loc
        for k, (old, a, b) in enumerate(zip(outs, then_part, else_part)):
            if old.type.dtype != "tape":
                a = self.as_slot(a, then_results[k], old, loc) if k < len(then_results) else a
                b = self.as_slot(b, else_results[k], old, loc) if k < len(else_results) else b
            if old.type.dtype == "tape":
                merged.append(else_part[outs.index(old)] if not pops else then_part[outs.index(old)])
                continue
            if isinstance(a, Const) and a.value is None or isinstance(b, Const) and b.value is None:
                merged.append(a if isinstance(b, Const) and b.value is None else b)
                continue
            axes = ragged_axes(then_results[k], else_results[k], old.name, loc, loop) \
                if k < len(then_results) and k < len(else_results) and id(old) in self.read else []
            if axes:  # lengths that may differ between the sides: one side's value alone, or checked equal
                some_a, some_b = guards[id(then_body)], guards[id(else_body)]
                some_a = builder.bind("any", [mask], name="some") if isinstance(some_a, Const) else some_a
                some_b = builder.bind("any", [not_mask], name="some") if isinstance(some_b, Const) else some_b
                check = (axes, ragged_message(old.name, axes, loc, loop))
                chosen = self._either_merge(old, mask, a, b, some_a, some_b, check)
                if id(a) in self.unset or id(b) in self.unset:
                    self.empty_batch_none.add(id(chosen))
            elif id(a) in self.unset or id(b) in self.unset:  # no value where no example took the part
                chosen = self._guarded_merge(old, mask, a, b, guards[id(then_body)], guards[id(else_body)])
                self.empty_batch_none.add(id(chosen))  # (None in a batch of no examples: it takes no part)
            else:
                chosen = self._where(old, mask, a, b)
            self.batched.add(id(chosen))
            merged.append(chosen)
        return merged

    def _where(self, old: Var, mask: Atom, a: Atom, b: Atom) -> Atom:
        rank = max(example_rank(self.sym(a), self.is_batched(a)), example_rank(self.sym(b), self.is_batched(b)))
        chosen = ops.where(self.ctx.align(self.sym(mask), rank), self.sym(a), self.sym(b)).atom
        if not old.temporary and isinstance(chosen, Var) and chosen.temporary:
            self.builder.rename(chosen, old.name)
        self.batched.add(id(chosen))
        return chosen

    def _guarded_merge(self, old: Var, mask: Atom, a: Atom, b: Atom, some_a: Atom, some_b: Atom) -> Atom:
        """`np.where(mask, a, b)` where a part that no example took left no value: the other part's value as it
        is (`if not some_a: b elif not some_b: a else: where`), batched like the merge."""
        builder = self.builder
        out_type = batched_type(old.type, self.dim)
        if isinstance(some_b, Const) or isinstance(some_a, Const):  # one part always runs: it has the value
            ran, other, some_other = (a, b, some_b) if isinstance(some_a, Const) else (b, a, some_a)
            if id(other) in self.unset:
                with self._block() as both:
                    chosen = self._where(old, mask, a, b)
                with self._block() as alone:
                    ran_full = ran if self.is_batched(ran) else self.lift(ran, writable=True)
                merged = Var(builder.scope.fresh(old.name), out_type)
                builder.emit(If(some_other, both, alone, (merged,), (chosen,), (ran_full,), builder.loc))
                return merged
            return self._where(old, mask, a, b)
        return self._either_merge(old, mask, a, b, some_a, some_b)

    def _either_merge(self, old: Var, mask: Atom, a: Atom, b: Atom, some_a: Atom, some_b: Atom,
                      check: tuple | None = None) -> Atom:
        """`if not some_a: b elif not some_b: a else: np.where(mask, a, b)`; with `check` (the axes of one example
        and a message: `ragged.py`), the where only after `a` and `b` are checked to have one length there."""
        builder = self.builder
        out_type = batched_type(old.type, self.dim)
        with self._block() as both:
            if check is not None:
                self._check_lengths(a, b, *check)
            chosen = self._where(old, mask, a, b)
        with self._block() as only_a:
            a_full = a if self.is_batched(a) else self.lift(a, writable=True)
        inner = Var(builder.scope.fresh(old.name), out_type)
        with self._block() as some_a_block:
            builder.emit(If(some_b, both, only_a, (inner,), (chosen,), (a_full,), builder.loc))
        with self._block() as only_b:
            b_full = b if self.is_batched(b) else self.lift(b, writable=True)
        merged = Var(builder.scope.fresh(old.name), out_type)
        builder.emit(If(some_a, some_a_block, only_b, (merged,), (inner,), (b_full,), builder.loc))
        return merged

    def _check_lengths(self, a: Atom, b: Atom, axes: list[int], message: str) -> None:
        """ValueError(`message`) unless `a` and `b` (batched or not) have one length on each of `axes` of one
        example."""
        builder = self.builder
        same = None
        for axis in axes:
            lengths = [builder.bind("dim", [v], {"axis": axis + self.is_batched(v)}, name="size") for v in (a, b)]
            equal = builder.bind("equal", lengths, name="same")
            same = equal if same is None else builder.bind("logical_and", [same, equal], name="same")
        builder.bind("check_assert", [same], {"message": message, "error": "ValueError"})

    def _part(self, body: list, results, taken: Atom, outs, loc, guard: bool) -> list[Atom]:
        """One branch of a masked `if`, run (when `guard`, only if some example takes it) on safe inputs."""
        builder = self.builder
        if not body:
            return [self.get(r) for r in results], const(True)
        free = [v for v in free_values(body) if isinstance(v, Var)]
        updated = updated_in_place(body)
        outer = {id(v): self.values.get(id(v)) for v in free}
        with self._block() as part:
            builder.loc = loc
            first = None  # (the first example that takes the branch, found when an input needs it)
            for var in free:
                new = self.get(var)
                if var.type.dtype == "tape" or isinstance(new, Const):
                    continue
                if self.is_batched(new) and id(new) not in self.maybe_none and id(new) not in self.unset:
                    # the examples that skip the branch get the inputs of one that takes it (not a value a guarded
                    # part left None where no example took it: reading it here raised TypeError where the branch
                    # reads it only under its own test, as a merge that is None on one path)
                    first = first or builder.bind("argmax", [taken], name="first")
                    example = ops.getitem(self.sym(new), self.sym(first), index=(_ref(1),))
                    rank = example_rank(self.sym(new), True)
                    safe = ops.where(self.ctx.align(self.sym(taken), rank), self.sym(new), example).atom
                    self.set(var, safe, True)
                elif id(var) in updated:  # written in the branch: its own copy
                    self.set(var, builder.bind("copy", [new]), False)
            self.guard_depth += guard  # (reads in a guarded part run where some example takes it)
            try:
                self.block(body)
            finally:
                self.guard_depth -= guard
            values = [self.get(r) for r in results]
        for var in free:  # after the branch, the values outside it again
            if outer[id(var)] is not None:
                self.values[id(var)] = outer[id(var)]
        if not guard:
            builder.eqns.extend(part)
            return values, const(True)
        inside = {id(v) for v in all_defined(body)}
        kept = [i for i, v in enumerate(values) if not (isinstance(v, Const) and v.value is None)]
        values_kept = [values[i] for i in kept]  # a value kept on this path only is no merge (None on the other)
        readable = [v for v in outer.values() if isinstance(v, Var)] + self.params
        fallback = [self._placeholder(results[i], values[i], inside, readable) for i in kept]
        flags = [self.is_batched(v) or isinstance(f, Var) and self.is_batched(f) for v, f in zip(values_kept, fallback)]
        self._lift_into(part, values_kept, flags, [results[i] for i in kept], [outs[i] for i in kept], loc)
        merged = tuple(Var(builder.scope.fresh(outs[i].name), self._type(outs[i], f) if outs[i].type.dtype != "tape"
                           else outs[i].type) for i, f in zip(kept, flags))
        some = builder.bind("any", [taken], name="some")
        builder.emit(If(some, part, [], merged, tuple(values_kept), tuple(fallback), loc))
        for new, f, value in zip(merged, flags, values_kept):
            if f:
                self.batched.add(id(new))
            if id(value) in self.maybe_none:
                self.maybe_none.add(id(new))
        for new, f in zip(merged, fallback):
            if isinstance(f, Const) and f.value is None:
                self.unset.add(id(new))
                self.empty_batch_none.add(id(new))
        final = list(values)
        for i, new in zip(kept, merged):
            final[i] = new
        return final, some

    def _placeholder(self, old_result: Atom, value: Atom, inside: set[int], readable: list[Var]) -> Atom:
        """What a guarded branch part gives when no example takes it (the merge never chooses it): the value
        from before the branch where there is one, else zeros."""
        if isinstance(old_result, Const) or value.type.dtype == "tape":
            return value if not isinstance(old_result, Const) else old_result
        if id(old_result) not in inside:
            outer = self.get(old_result)
            return self.lift(outer) if self.is_batched(value) and not self.is_batched(outer) else outer
        shape = self._shape_outside(value.type, readable)
        if shape is None:  # no zeros of the right shape: nothing, and the merge looks at which parts ran
            return Const(None, value.type)
        zeros = self.builder.bind("zeros", list(shape), {"dtype": value.type.dtype})
        if self.is_batched(value):
            self.batched.add(id(zeros))
        return zeros

    def _shape_outside(self, t: TensorType, readable: list[Var]):
        """`t`'s shape as atoms readable before a branch: named sizes, or a size read off a value from before
        the branch (`readable`) that has the same (unknown) dimension."""
        if t.shape is None:
            return None
        atoms = []
        for dim in t.shape:
            try:
                atoms.append(self.builder.dim(dim))
                continue
            except TranspileError:
                pass
            found = next(((v, a) for v in readable if v.type.shape is not None and v.type.dtype != "tape"
                          and not self._may_be_none(v) for a, d in enumerate(v.type.shape) if d == dim), None)
            if found is None:
                return None
            atoms.append(self.builder.bind("dim", [found[0]], {"axis": found[1]}, name="size"))
        return tuple(atoms)


    def _may_be_none(self, v: Var) -> bool:
        """Whether `v` may be None where it is read (a merge None on one path, a guarded part's unset value): no
        value to read a size off."""
        return any(id(v) in kind for kind in (self.maybe_none, self.unset, self.empty_batch_none))


def _ref(index: int):
    from ...primitives.indexing import Ref

    return Ref(index)
