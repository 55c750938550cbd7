"""Reverse mode: the primal sweep, then each equation's vector-Jacobian product in reverse order.

The result is an IR function like any other (the backend and liveness treat it the same), computing
`grad`, `value_and_grad` or `vjp` of a kernel. Cotangents flow only through active values; a value used
several times sums its contributions; rules may hand back cotangents smaller than the value (still
broadcastable), which are broadcast only where an operation or the caller needs the full shape.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..analysis.activity import active
from ..ir.types import ShapeError, TensorType, broadcast_shapes, is_unknown
from ..builder import Builder, const, function_builder
from ..errors import SourceLoc, TranspileError
from ..ir import (Atom, Const, Eqn, Function, If, Loop, Var, all_defined, equations, free_values, result_atoms,
                  statement_defs, substitute)
from ..primitives.registry import lookup
from ..primitives.tape import TAPE
from ..primitives.indexing import Scatter
from .mutation import preserve_overwritten
from ..primitives.symbolic import Sym, materialize


@dataclass(frozen=True)
class ReverseSpec:
    """What to generate: which parameters to differentiate and what to return."""

    name: str
    kind: str  # "grad" | "value_and_grad" | "vjp" | "elementwise_grad" (autograd's: the vjp of a cotangent of ones)
    wrt: tuple[int, ...]
    wrt_is_tuple: bool
    loc: SourceLoc | None = None
    leaf_cotangents: tuple = ()  # vjp: one cotangent parameter per result array (a tree's leaves), these names


def reverse(fn: Function, spec: ReverseSpec) -> Function:
    builder = function_builder(fn)
    forward = _copy_block(fn.body)  # the reverse sweep adds tape pushes to the loops it finds here
    for stmt in forward:
        builder.emit(stmt)

    wrt_vars = [fn.params[i] for i in spec.wrt]
    for var in wrt_vars:
        if not var.type.is_float:
            raise TranspileError(f"cannot differentiate with respect to `{var.name}`: it is {var.type.dtype}, "
                                 "not floating point", spec.loc, "pass it as a float array, or choose another wrt")
    params = list(fn.params)
    outputs = result_atoms(fn.result)
    seeds = _seeds(fn, spec, builder, params)
    sweep = _Sweep(builder, active(fn, wrt_vars))
    sweep.none_when = _none_when(forward)
    for out, seed in zip(outputs, seeds):
        if isinstance(out, Var) and id(out) in sweep.activity and seed is not None:
            sweep.accumulate(out, seed)

    builder.note = "reverse sweep"
    forward_count = len(builder.eqns)
    sweep.pull_back_block(forward)
    preserve_overwritten(builder, forward_count, fn.params)

    builder.loc = None
    grads = tuple(sweep.gradient(var) for var in wrt_vars)
    grad_result = grads if spec.wrt_is_tuple else grads[0]
    result = grad_result if spec.kind in ("grad", "elementwise_grad") else (fn.result, grad_result)
    return Function(spec.name, params, builder.prologue + builder.eqns, result, fn.loc, None, fn.source_name)


def _seeds(fn: Function, spec: ReverseSpec, builder: Builder, params: list[Var]) -> list[Atom | None]:
    outputs = result_atoms(fn.result)
    if spec.kind in ("grad", "value_and_grad"):
        out = outputs[0]
        if isinstance(fn.result, tuple) or out.type.shape not in ((), None) or not out.type.is_float:
            raise TranspileError(
                f"`{spec.kind}` needs `{fn.name}` to return a floating-point scalar, but it returns "
                f"{'a tuple' if isinstance(fn.result, tuple) else out.type}", spec.loc,
                "reduce the result (e.g. np.sum), or declare vjp(...) for vector outputs")
        return [const(1.0)]
    if spec.kind == "elementwise_grad":  # every output element seeded with 1: the gradient of their sum
        out = outputs[0]
        if isinstance(fn.result, tuple) or not out.type.is_float:
            raise TranspileError(f"`elementwise_grad` needs `{fn.name}` to return one floating-point array", spec.loc,
                                 "declare vjp(...) for tuple results")
        return [const(1.0)]
    # vjp: one cotangent parameter, a tuple when the kernel returns a tuple
    if spec.leaf_cotangents:
        cts = [Var(builder.scope.fresh(name), out.type) for name, out in zip(spec.leaf_cotangents, outputs)]
        params.extend(cts)
        return [ct if out.type.is_float else None for ct, out in zip(cts, outputs)]
    ct_name = builder.scope.fresh("ct")
    if not isinstance(fn.result, tuple):
        ct = Var(ct_name, outputs[0].type)
        params.append(ct)
        return [ct]
    ct = Var(ct_name, TensorType("f64", None))
    params.append(ct)
    seeds = []
    for i, out in enumerate(outputs):
        if out.type.is_float:
            seeds.append(builder.bind("tuple_get", [ct], {"index": i, "type": out.type}, name=f"{ct_name}_{i}"))
        else:
            seeds.append(None)
    return seeds


class _Sweep:
    """The reverse sweep's state: each active value's adjoint so far, and which adjoints it may update in place.

    An adjoint is *owned* by a value when it was allocated for that value alone (a sum, or a scatter into
    zeros); only then can later contributions be added in place (`dx += g`, `dx[1:] += g`) without touching
    an array some other adjoint shares.
    """

    def __init__(self, builder: Builder, activity: set[int]):
        self.builder = builder
        self.activity = activity
        self.adjoints: dict[int, Atom] = {}
        self.owner: dict[int, int] = {}  # id(adjoint array) -> id(value it belongs to)
        self.values: dict[int, Var] = {}  # id -> value, for every value that has an adjoint
        self.loop_depth = 0
        self.tapes: dict[int, Var] = {}  # id(tape) -> its adjoint tape (reverse over code with tapes)
        self.none_when: dict[int, set] = {}  # value -> {(id(cond), side)}: None where `if cond` takes that side

    def pull_back_block(self, block: list) -> None:
        for stmt in reversed(block):
            if isinstance(stmt, If):
                self.pull_back_if(stmt)
            elif isinstance(stmt, Loop):
                self.pull_back_loop(stmt)
            else:
                self.pull_back(stmt)

    def pull_back(self, eqn: Eqn) -> None:
        builder, prim = self.builder, eqn.prim
        if prim.family == "tape":
            self.pull_back_tape(eqn)
            return
        cotangent = self.adjoints.get(id(eqn.outs[0])) if eqn.outs else None
        if cotangent is None:
            return
        active_args = [isinstance(a, Var) and id(a) in self.activity and prim.is_diff_arg(i)
                       for i, a in enumerate(eqn.args)]
        if not any(active_args):
            return
        if prim.vjp is None:
            raise TranspileError(f"`{prim.name}` has no derivative rule, so it cannot be differentiated", eqn.loc,
                                 "apply it to values that do not depend on the differentiated inputs")
        builder.loc = eqn.loc
        out = eqn.outs[0]
        g = Sym(builder, cotangent)
        if not prim.broadcast_tolerant:
            g = materialize(g, out.type, Sym(builder, out))
        start = len(builder.eqns)
        try:
            cts = prim.vjp(g, Sym(builder, out), *[Sym(builder, a) for a in eqn.args], active=active_args,
                           **eqn.params)
        except TranspileError as exc:
            raise exc.located(eqn.loc)
        except ShapeError as exc:
            raise TranspileError(str(exc), eqn.loc) from None
        for arg, ct, needed in zip(eqn.args, cts, active_args):
            if needed and ct is not None:
                self.accumulate(arg, ct if isinstance(ct, Scatter) else ct.atom, start)

    def pull_back_tape(self, eqn: Eqn) -> None:
        """A pop's cotangent goes onto the tape's adjoint tape (made in the prologue on first use); the matching
        push, met later in the sweep, takes it off for the pushed value."""
        builder, prim = self.builder, eqn.prim
        if prim.name == "pop":
            tape, out = eqn.args[0], eqn.outs[0]
            if id(tape) not in self.activity or id(out) not in self.activity:
                return
            if id(tape) not in self.tapes:
                adjoint = Var(builder.scope.fresh("d" + tape.name), TAPE)
                builder.prologue.append(Eqn(lookup("tape_new"), (), {}, (adjoint,)))
                self.tapes[id(tape)] = adjoint
            builder.loc = eqn.loc
            g = self.adjoints.get(id(out))
            g = Sym(builder, self._exact(g, out)) if g is not None else None
            prim.vjp(g, Sym(builder, out), Sym(builder, tape), active=[False], adjoint_tape=self.tapes[id(tape)],
                     **eqn.params)
        elif prim.name == "push":
            tape, value = eqn.args
            if id(tape) not in self.tapes or not isinstance(value, Var) or id(value) not in self.activity:
                return
            builder.loc = eqn.loc
            _, ct = prim.vjp(None, Sym(builder, eqn.outs[0]), Sym(builder, tape), Sym(builder, value),
                             active=[False, True], adjoint_tape=self.tapes[id(tape)], **eqn.params)
            self.accumulate(value, ct.atom)

    def _takes_from_tapes(self, block: list) -> bool:
        """Whether a block pushes onto a tape whose adjoint tape is filled: its values get cotangents from there
        even when nothing else flows into the block."""
        return any(e.prim.name == "push" and id(e.args[0]) in self.tapes for e in equations(block))

    def accumulate(self, var: Var, ct, start: int | None = None) -> None:
        builder = self.builder
        previous = self.adjoints.get(id(var))
        owned = previous is not None and self.owner.get(id(previous)) == id(var)
        name = None if var.temporary else "d" + var.name
        if isinstance(ct, Scatter):
            if owned and previous.type.shape == var.type.shape and var.type.shape is not None:
                total = ct.into(Sym(builder, previous), first=False).atom  # scatter into the full-size array
            else:
                shape = builder.shape_atoms(var.type, var)
                zeros = builder.bind("zeros", shape, {"dtype": ct.value.type.dtype}, name=name) if shape is not None \
                    else builder.bind("zeros_like", [var], name=name)
                total = ct.into(Sym(builder, zeros), first=True).atom
                if previous is not None:
                    total = builder.bind("iadd", [total, previous])
        elif previous is None:
            total = self._named(ct, var, start)
        elif self._negated(ct) is not None:  # `previous + -(x)` is `previous - x`: one operation fewer
            negated = self._negated(ct)
            if owned and _fits_into(negated, previous):
                total = builder.bind("isub", [previous, negated])
            else:
                total, owned = self._new_array("subtract", [previous, negated], name)
        elif owned and _fits_into(ct, previous):
            total = builder.bind("iadd", [previous, ct])
        elif self._negated(previous) is not None:  # `-(x) + ct` is `ct - x`
            total, owned = self._new_array("subtract", [ct, self._negated(previous)], name)
        else:
            total, owned = self._new_array("add", [previous, ct], name)
        if isinstance(ct, Scatter) or (owned and previous is not None):
            self.owner[id(total)] = id(var)
        elif self.owner.get(id(total), id(var)) != id(var):
            # an array another value owns (a sum the builder handed back, say `dt_2 + dt_3` for both `b` and
            # `r` in `(b + r) * (b + r)`) is now var's adjoint too: an update in place for either would change both
            del self.owner[id(total)]
        self.adjoints[id(var)] = total
        self.values[id(var)] = var

    def _new_array(self, prim_name: str, args: list[Atom], name: str | None) -> tuple[Atom, bool]:
        """The sum or difference of two contributions, and whether it is a new array: the builder may hand back
        one computed before (another value's adjoint, when two values receive the same two contributions)."""
        count = len(self.builder.eqns)
        total = self.builder.bind(prim_name, args, name=name)
        return total, any(total in eqn.outs for eqn in self.builder.eqns[count:])

    def _negated(self, ct: Atom) -> Atom | None:
        """`x` when the cotangent `ct` is `-x` computed a few lines above in the same block (so adding it can
        subtract `x` instead; the negation then usually has no reader left and is not emitted)."""
        definition = self.builder.definition(ct)
        if definition is None or definition.prim.name != "negative":
            return None
        if not any(eqn is definition for eqn in self.builder.eqns[-_NEARBY:]):
            return None  # defined in another block, where `x` may not be in scope here
        return definition.args[0]

    def _named(self, ct: Atom, var: Var, start: int | None) -> Atom:
        """Name a cotangent computed just now after its source-named value (`dw` for `w`)."""
        if isinstance(ct, Var) and ct.temporary and not var.temporary and start is not None \
                and any(ct in eqn.outs for eqn in self.builder.eqns[start:]):
            self.builder.rename(ct, "d" + var.name)
        return ct

    # -- control flow --------------------------------------------------------------------------------------
    def pull_back_if(self, stmt: If) -> None:
        """Reverse both branches under the same condition; adjoints changed in either are merged after it."""
        builder = self.builder
        seeds = [(out, self.adjoints.get(id(out))) for out in stmt.outs]
        if all(ct is None for _, ct in seeds) and not self._takes_from_tapes(stmt.then_body + stmt.else_body):
            return
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
            then_values.append(then_value)
            else_values.append(else_value)
            merged.append(Var(builder.scope.fresh("d" + var.name), var.type))
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
        ct_inits = [self._exact(out_cts[i], loop.carried[i]) for i in slots]
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
                    self.accumulate(value, slot)
            self.pull_back_block(loop.body)
            builder.loc = loop.loc
            ct_next = [self._exact(self.adjoints.get(id(loop.carried[i])), loop.carried[i]) for i in slots]
            acc_next = [self._exclusive(v) for v in outer]
        self.loop_depth -= 1
        self.adjoints, self.owner = saved

        trips = self._trip_count(loop)
        renamed = self._tape(loop.body, reverse_body, list(loop.carried), ct_next + acc_next)
        ct_next = [renamed.get(id(a), a) for a in ct_next]
        acc_next = [renamed.get(id(a), a) for a in acc_next]
        carried = tuple(ct_slots + acc_slots)
        outs = tuple(Var(v.name, v.type) for v in carried)
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

    def _exact(self, adjoint: Atom | None, var: Var) -> Atom:
        """An adjoint with exactly `var`'s type, zeros where there is none (merges and loop slots need one)."""
        builder = self.builder
        if adjoint is None:
            if var.type.shape == ():
                return const(0.0)
            shape = builder.shape_atoms(var.type, var)
            if shape is None:
                return builder.bind("zeros_like", [var], name="d" + var.name)
            return builder.bind("zeros", shape, {"dtype": var.type.dtype}, name="d" + var.name)
        if adjoint.type.shape == var.type.shape or var.type.shape is None:
            return adjoint
        return materialize(Sym(builder, adjoint), var.type, Sym(builder, var)).atom

    def _exclusive(self, var: Var) -> Atom:
        """`var`'s adjoint as an array nothing else refers to (so a loop may add into it in place)."""
        adjoint = self.adjoints.get(id(var))
        if adjoint is not None and self.owner.get(id(adjoint)) == id(var) and adjoint.type.shape == var.type.shape:
            return adjoint
        exact = self._exact(adjoint, var)
        if adjoint is None or var.type.shape == () or isinstance(exact, Const):
            return exact
        return self.builder.bind("copy", [exact])

    def _in_block(self, block: list, make):
        """Emit into an already built block; what is computed there is not reused outside it."""
        builder = self.builder
        saved, builder.eqns, note, builder.note = builder.eqns, block, builder.note, None
        computed = dict(builder.computed)
        try:
            return make()
        finally:
            builder.eqns, builder.note, builder.computed = saved, note, computed

    def gradient(self, var: Var) -> Atom:
        """The adjoint of a parameter, with exactly its shape (a fresh array, never a broadcast view)."""
        builder = self.builder
        adjoint = self.adjoints.get(id(var))
        if adjoint is None:
            return builder.bind("zeros_like", [var], name="d" + var.name)
        if var.type.shape is None:  # shape known only at run time: the helper makes it exact
            definition = builder.definition(adjoint)
            if definition is not None and definition.prim.name == "unbroadcast" and definition.args[1] is var:
                return adjoint
            return builder.bind("unbroadcast", [adjoint, var], name="d" + var.name)
        if var.type.shape == () or (isinstance(adjoint, Var) and adjoint.type.shape == var.type.shape):
            return adjoint
        full = materialize(Sym(builder, adjoint), var.type, Sym(builder, var))
        return builder.bind("copy", [full.atom], name="d" + var.name)


_NEARBY = 32  # how far back `_negated` looks for a negation in the current block

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


def _fits_into(ct: Atom, accumulator: Atom) -> bool:
    """Whether `accumulator += ct` is valid: ct broadcasts to the accumulator's (static) shape."""
    target = accumulator.type.shape
    if not target or ct.type.shape is None or any(is_unknown(d) for d in target):
        return False  # scalars are rebound, never updated in place (a 0-d array may be the caller's)
    try:
        return broadcast_shapes([target, ct.type.shape]) == target and ct.type.dtype == accumulator.type.dtype
    except ShapeError:
        return False


def _copy_block(block: list) -> list:
    """The statements of a block with their nested blocks copied (equations and values are shared)."""
    copied = []
    for stmt in block:
        if isinstance(stmt, If):
            stmt = dataclasses.replace(stmt, then_body=_copy_block(stmt.then_body),
                                       else_body=_copy_block(stmt.else_body))
        elif isinstance(stmt, Loop):
            stmt = dataclasses.replace(stmt, cond_body=_copy_block(stmt.cond_body), body=_copy_block(stmt.body))
        copied.append(stmt)
    return copied


def _none_when(block: list, found: dict | None = None) -> dict[int, set]:
    """The values an `if` (outside loops) leaves None on one side: {id(value): {(id(cond), side)}}. A value a
    nested `if` leaves None where its own condition holds is None there too: that condition, made inside the
    branch, is None (false) on the other side."""
    found = {} if found is None else found
    for stmt in block:
        if not isinstance(stmt, If):
            continue
        _none_when(stmt.then_body, found)
        _none_when(stmt.else_body, found)
        for out, *results in zip(stmt.outs, stmt.then_results, stmt.else_results):
            for side, result, body in ((True, results[0], stmt.then_body), (False, results[1], stmt.else_body)):
                if isinstance(result, Const) and result.value is None:
                    found.setdefault(id(out), set()).add((id(stmt.cond), side))
                elif isinstance(result, Var) and id(result) in found:
                    inner = {id(v) for v in all_defined(body)}
                    found.setdefault(id(out), set()).update(
                        (cond, True) for cond, holds in found[id(result)] if holds and cond in inner)
    return found
