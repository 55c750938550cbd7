"""Forward mode: each equation's Jacobian-vector product emitted right after it (tangent code interleaved).

The result is an IR function like any other, `(*args, *tangents) -> (value, tangent)`, so it can be rendered,
or transformed again. Tangents exist only for active values (they depend on a `wrt` input and reach an
output); an input without a tangent is a constant to the rules, so no zero tangent is ever materialised
inside the computation (only where a branch merge, a loop slot or an output needs one).

The sweep walks a block statement by statement: an equation gets its rule, an `if` gets the tangents of its
merged values as extra merges, a loop gets the tangents of its active slots as extra slots. `Tangents` is
used by the Jacobian transforms too, which run it inside a loop over basis vectors. A value whose tangent is a
structural zero on some paths (a branch left it constant) carries a flag, so a singular rule leaves its term out on
those paths (`_masked`) instead of multiplying the zero by an infinite factor.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..analysis.activity import active
from ..analysis.positive import away_from_singular
from ..ir.types import ShapeError
from ..builder import Builder, const, function_builder
from ..errors import SourceLoc, TranspileError
from ..ir import Atom, Const, Eqn, Function, If, Loop, Var, all_defined, updates_in_place
from ..ir.types import TensorType
from ..primitives.symbolic import Sym, materialize
from .peel import peel_constant_trips
from ..ir.verify import verified


@dataclass(frozen=True)
class ForwardSpec:
    name: str
    wrt: tuple[int, ...]
    loc: SourceLoc | None = None


def check_float_inputs(fn: Function, wrt: tuple[int, ...], loc: SourceLoc | None) -> list[Var]:
    inputs = [fn.params[i] for i in wrt]
    for var in inputs:
        if not var.type.is_float:
            raise TranspileError(f"cannot differentiate with respect to `{var.name}`: it is {var.type.dtype}, "
                                 "not floating point", loc, "pass it as a float array, or choose another wrt")
    return inputs


@verified("jvp")
def jvp(fn: Function, spec: ForwardSpec) -> Function:
    """`(*args, *tangents) -> (value, tangent)`, one tangent parameter per `wrt` input (`tx` for `x`)."""
    inputs = check_float_inputs(fn, spec.wrt, spec.loc)
    fn = peel_constant_trips(fn, inputs)
    builder = function_builder(fn)
    tangent_params = [Var(builder.scope.fresh("t" + var.name), var.type) for var in inputs]
    sweep = Tangents(builder, active(fn, inputs))
    for var, tangent in zip(inputs, tangent_params):
        sweep.tangents[id(var)] = tangent
    sweep.push_block(fn.body)
    builder.loc = None
    tangent_result = sweep.result_tangent(fn.result)
    return Function(spec.name, list(fn.params) + tangent_params, builder.prologue + builder.eqns,
                    (fn.result, tangent_result), fn.loc, None, fn.source_name)


def scalar_of_dtype(builder: Builder, value: Const, like: Atom) -> Atom:
    """A constant derivative (a zero tangent, a seed passed through) of a scalar result typed float32: NumPy makes
    the Python float float64, where JAX and autograd give the result's dtype (`np.float32(0.0)`). A float64 or
    weakly typed result (a Python number at run time) keeps the Python float."""
    if like.type.shape == () and like.type.is_float and like.type.dtype != "f64" and not like.type.weak \
            and value.value is not None:
        return builder.bind("astype", [value], {"dtype": like.type.dtype, "scalar": True})
    return value


class Tangents:
    """The forward sweep's state: the tangent of each active value computed so far."""

    def __init__(self, builder: Builder, activity: set[int]):
        self.builder = builder
        self.activity = activity
        self.tangents: dict[int, Atom] = {}
        self.computed: set[int] = set()  # values the rules computed (tangents and their parts)
        # tangent arrays made by an in-place update's rule for one value alone -> that value: the next update
        # of the value may write into its tangent without a copy (as the primal writes into the value)
        self.owner: dict[int, int] = {}
        # value -> a bool that is False on the paths where its tangent is a structural zero (a branch or a loop of
        # no trip left it at a constant); absent: a tangent on every path. A singular rule reads it (`_masked`)
        self.live: dict[int, Atom] = {}
        self.definitions: dict[int, Eqn] = {}  # value -> its equation, for `away_from_singular`

    def push_block(self, block: list) -> None:
        for stmt in block:
            if isinstance(stmt, If):
                self.push_if(stmt)
            elif isinstance(stmt, Loop):
                self.push_loop(stmt)
            else:
                self.equation(stmt)

    def equation(self, eqn: Eqn, emit: bool = True) -> None:
        """The primal equation (unless `emit` is off: it was emitted already) and its tangent code.

        An in-place update's tangent comes first: its rule reads no primal value, and the tangent code of
        the statement then never reads an array after the update has changed it."""
        if eqn.prim.extra.get("in_place"):
            self.push(eqn)
            if emit:
                self.builder.emit(eqn)
            return
        if emit:
            self.builder.emit(eqn)
        self.definitions.update((id(v), eqn) for v in eqn.outs)
        self.push(eqn)

    def push(self, eqn: Eqn) -> None:
        """The tangent of one equation's result, from its arguments' tangents (None: a constant)."""
        prim = eqn.prim
        out = eqn.outs[0] if eqn.outs else None
        ts = [self.tangents.get(id(a)) if isinstance(a, Var) and prim.is_diff_arg(i) else None
              for i, a in enumerate(eqn.args)]
        source = not eqn.args and out is not None and id(out) in self.activity  # a tape's tangent: a new tape
        if out is not None:
            self.live.pop(id(out), None)  # (a value defined again, as a tape pop defines the forward value anew)
        if all(t is None for t in ts) and not source:
            return
        if out is None or id(out) not in self.activity:
            return
        if prim.jvp is None:
            raise TranspileError(f"`{prim.name}` has no forward-mode rule, so it cannot be differentiated in "
                                 "forward mode", eqn.loc, "use reverse mode (grad, vjp) for it")
        flags = [self.live.get(id(a)) if t is not None else None for t, a in zip(ts, eqn.args)]
        flagged = [i for i, f in enumerate(flags) if f is not None]
        if prim.singular and flagged and not prim.extra.get("in_place") \
                and not away_from_singular(eqn, self.definitions):  # (`1.0 + u * u` is never 0: no test)
            self._masked(eqn, ts, flagged)
        else:
            self._rule(eqn, ts)
        if id(out) in self.tangents and not source and all(f is not None for f, t in zip(flags, ts) if t is not None):
            live = list({id(flags[i]): flags[i] for i in flagged}.values())  # an or of the arguments' flags
            self.builder.loc = eqn.loc
            flag = live[0]
            for other in live[1:]:
                flag = self.builder.bind("logical_or", [flag, other])
            self.live[id(out)] = flag

    def _masked(self, eqn: Eqn, ts: list, flagged: list[int]) -> None:
        """A singular rule whose argument `flagged[0]` has a structural zero tangent on some paths: on those its
        term is left out (`if live: <rule> else: <rule without it>`), never multiplied by the rule's factor,
        which may be infinite there (`0 / (2 * sqrt(0))`). Python's function does not depend on the input through
        the argument on those paths, so its derivative there has no such term: exact, and a true zero tangent
        times a finite factor is never touched (the test is on the path, not on the tangent's values)."""
        builder, out = self.builder, eqn.outs[0]
        k, rest = flagged[0], flagged[1:]
        results = []
        for keep in (True, False):
            with builder.block() as body:
                part = list(ts) if keep else [None if i == k else t for i, t in enumerate(ts)]
                self.tangents.pop(id(out), None)
                if any(t is not None for t in part):
                    if rest:
                        self._masked(eqn, part, rest)
                    else:
                        self._rule(eqn, part)
                builder.loc = eqn.loc
                results.append(self.exact(out, out))
            results.append(body)
        tangent = Var(builder.scope.fresh("t" + out.name), out.type)
        builder.emit(If(self.live[id(eqn.args[k])], results[1], results[3], (tangent,), (results[0],),
                        (results[2],), eqn.loc))
        self.tangents[id(out)] = tangent

    def _rule(self, eqn: Eqn, ts: list) -> None:
        """The tangent rule of `eqn` for argument tangents `ts`, recorded as its result's tangent."""
        builder, prim = self.builder, eqn.prim
        out = eqn.outs[0]
        builder.loc = eqn.loc
        args = [Sym(builder, a) for a in eqn.args]
        syms = []
        for t, arg in zip(ts, args):
            if t is None:
                syms.append(None)
            elif prim.family == "elementwise" or t.type.shape == arg.type.shape:
                syms.append(Sym(builder, t))  # broadcasting rules take a smaller tangent as it is
            else:
                syms.append(materialize(Sym(builder, t), arg.type, arg))
        start = len(builder.eqns)
        updates = prim.family == "indexing" and prim.extra.get("in_place")
        extra = {"fresh": self._exclusive(ts[0], eqn.args[0])} if updates else {}
        try:
            tangent = prim.jvp(syms, Sym(builder, out), *args, **eqn.params, **extra)
        except TranspileError as exc:
            raise exc.located(eqn.loc)
        except ShapeError as exc:  # (its hint, what to write instead, kept)
            raise TranspileError(str(exc), eqn.loc, exc.hint) from None
        if tangent is None:
            return
        made = {id(v) for e in builder.eqns[start:] if isinstance(e, Eqn) for v in e.outs}
        self.computed.update(made)
        atom = tangent.atom
        if updates and (id(atom) in made or extra["fresh"] and atom is ts[0]):
            self.owner[id(atom)] = id(out)
        if isinstance(atom, Var) and atom.temporary and not out.temporary and id(atom) in self.computed:
            builder.rename(atom, "t" + out.name)  # named after its value: `tp` for `p`
        self.tangents[id(out)] = atom

    def _live_of(self, value: Atom) -> Atom | None:
        """`value`'s flag where its tangent is made here (False: it has none, a constant); None: always live."""
        if not isinstance(value, Var) or id(value) not in self.tangents:
            return const(False)
        return self.live.get(id(value))

    def _forget_inside(self, block: list, slots=()) -> None:
        """Flags computed in a nested block (or carried by its loop, `slots`) are not read after it (a value of a
        loop's body that a later block reads, as a reverse sweep's loop reads its tape, is taken as live there: the
        rule unmasked, as before)."""
        inside = {id(v) for v in all_defined(block)} | {id(v) for v in slots}
        self.live = {k: f for k, f in self.live.items() if not (isinstance(f, Var) and id(f) in inside)}

    def _flag(self, name: str) -> Var:
        return Var(self.builder.scope.fresh("l" + name), TensorType("bool", ()))

    def _exclusive(self, tangent: Atom | None, value: Atom) -> bool:
        """Whether `tangent` was made for `value` alone and no other value has taken it as its own tangent
        (a rule may pass a tangent through where the primal makes a new array: `w = v + 1.0`)."""
        return tangent is not None and self.owner.get(id(tangent)) == id(value) \
            and sum(t is tangent for t in self.tangents.values()) == 1

    # -- control flow --------------------------------------------------------------------------------------
    def push_if(self, stmt: If) -> None:
        """Both branches with their tangent code; active merged values merge their tangents too."""
        builder = self.builder
        merged = [i for i, out in enumerate(stmt.outs) if id(out) in self.activity]
        bodies, results, alone, flags = [], [], set(merged), []
        for body, values in ((stmt.then_body, stmt.then_results), (stmt.else_body, stmt.else_results)):
            with builder.block() as new_body:
                self.push_block(body)
                builder.loc = stmt.loc
                exact = {i: self._exact_alone(values[i], stmt.outs[i]) for i in merged}
                results.append(tuple(exact[i][0] for i in merged))
                flags.append([self._live_of(values[i]) for i in merged])
                alone -= {i for i in merged if not exact[i][1]}
            bodies.append(new_body)
        outs = tuple(Var(builder.scope.fresh("t" + stmt.outs[i].name), stmt.outs[i].type) for i in merged)
        # a merged value that one path leaves constant (or whose tangent is a structural zero there) gets a flag
        flagged = [k for k in range(len(merged)) if flags[0][k] is not None or flags[1][k] is not None]
        lives = tuple(self._flag(stmt.outs[merged[k]].name) for k in flagged)
        ends = [tuple(const(True) if flags[b][k] is None else flags[b][k] for k in flagged) for b in (0, 1)]
        builder.emit(If(stmt.cond, bodies[0], bodies[1], stmt.outs + outs + lives,
                        stmt.then_results + results[0] + ends[0], stmt.else_results + results[1] + ends[1], stmt.loc))
        for k, live in zip(flagged, lives):
            self.live[id(stmt.outs[merged[k]])] = live
        for i, tangent in zip(merged, outs):
            self.tangents[id(stmt.outs[i])] = tangent
            if i in alone:  # on either path an array its value's updates may write into (as the primal's)
                self.owner[id(tangent)] = id(stmt.outs[i])

    def push_loop(self, loop: Loop) -> None:
        """The loop with a tangent slot beside each active slot (zeros on entry where the initial value is
        constant)."""
        builder = self.builder
        slots = [i for i, var in enumerate(loop.carried) if id(var) in self.activity]
        builder.loc = loop.loc
        updated = {i for i in slots if updates_in_place(loop.body, loop.carried[i])}
        inits = tuple(self.owned(loop.inits[i], loop.carried[i]) if i in updated
                      else self.exact(loop.inits[i], loop.carried[i]) for i in slots)
        carried = tuple(Var(builder.scope.fresh("t" + loop.carried[i].name), loop.carried[i].type) for i in slots)
        # a slot that may enter at a constant (a loop of no trip leaves it there) carries a flag the body reads
        entry = {i: self._live_of(loop.inits[i]) for i in slots}
        lives = {i: self._flag(loop.carried[i].name) for i in slots if entry[i] is not None}
        for i, live in lives.items():
            self.live[id(loop.carried[i])] = live
        for i, slot in zip(slots, carried):
            self.tangents[id(loop.carried[i])] = slot
            if i in updated:
                self.owner[id(slot)] = id(loop.carried[i])
        with builder.block() as cond_body:
            self.push_block(loop.cond_body)
        self._forget_inside(cond_body)
        with builder.block() as body:
            self.push_block(loop.body)
            builder.loc = loop.loc
            following = tuple(self.owned(loop.carried_out[i], loop.carried[i]) if i in updated
                              else self.exact(loop.carried_out[i], loop.carried[i]) for i in slots)
            ending = {i: self._live_of(loop.carried_out[i]) for i in slots}
        # (a slot whose flag only its end sets gets one too: the body did not read it, the code after the loop does)
        lives.update({i: self._flag(loop.carried[i].name) for i in slots if i not in lives and ending[i] is not None})
        self._forget_inside(body, lives.values())  # (the slots' flags too: a trip's, not the loop's outcome)
        flagged = [i for i in slots if i in lives]
        live_outs = tuple(Var(lives[i].name, lives[i].type) for i in flagged)
        outs = tuple(Var(slot.name, slot.type) for slot in carried)
        builder.emit(Loop(loop.kind, loop.index, loop.bounds, cond_body, loop.cond,
                          loop.carried + carried + tuple(lives[i] for i in flagged),
                          loop.inits + inits + tuple(const(True) if entry[i] is None else entry[i] for i in flagged),
                          body, loop.carried_out + following + tuple(const(True) if ending[i] is None else ending[i]
                                                                    for i in flagged),
                          loop.outs + outs + live_outs, loop.loc, reverse=loop.reverse))
        for i, live in zip(flagged, live_outs):
            self.live[id(loop.outs[i])] = live
        for i, out in zip(slots, outs):
            self.tangents[id(loop.outs[i])] = out
            if i in updated:
                self.owner[id(out)] = id(loop.outs[i])

    # -- exact tangents ------------------------------------------------------------------------------------
    def exact(self, value: Atom, like: Var) -> Atom:
        """The tangent of `value` with exactly `like`'s type: zeros where it has none (merges, slots)."""
        builder = self.builder
        if isinstance(value, Const) and value.value is None:
            return value  # a value kept on one path only (no tangent on the other either)
        tangent = self.tangents.get(id(value)) if isinstance(value, Var) else None
        if tangent is None and like.type.shape == ():
            return const(0.0)
        # a tangent has its value's shape; sizes the types leave open are read from `value`, which exists here:
        # `like` (a loop slot, a branch's merged value) is assigned only after this point
        target = like
        if isinstance(value, Var) and value.type.shape is not None and like.type.shape is not None \
                and len(value.type.shape) == len(like.type.shape):
            target = value
        if tangent is None:
            shape = builder.shape_atoms(target.type, target)
            if shape is None:
                return builder.bind("zeros_like", [target], {"dtype": like.type.dtype}
                                    if like.type.dtype != "f64" or target.type.dtype != "f64" else None)
            return builder.bind("zeros", shape, {"dtype": like.type.dtype})
        if not (tangent.type.shape == target.type.shape or target.type.shape is None):
            tangent = materialize(Sym(builder, tangent), target.type, Sym(builder, target)).atom
        if like.type.is_float and tangent.type.dtype != like.type.dtype and not tangent.type.weak:
            # a tangent has its value's dtype: one type where paths merge (float32 where float64 met it)
            tangent = builder.bind("astype", [tangent], {"dtype": like.type.dtype})
        return tangent

    def owned(self, value: Atom, like: Var) -> Atom:
        """The exact tangent of `value` as an array that belongs to it alone (copied where it is shared).

        A loop slot whose value the body updates in place gets such a tangent on entry and at the end of each
        iteration, so the update writes into the slot's tangent as the primal writes into the value: one copy
        before the loop instead of one per iteration."""
        tangent, alone = self._exact_alone(value, like)
        if not alone:
            tangent = self.builder.bind("copy", [tangent])
            if isinstance(value, Var):
                self.builder.rename(tangent, "t" + value.name)
        return tangent

    def _exact_alone(self, value: Atom, like: Var) -> tuple[Atom, bool]:
        """`exact(value, like)`, and whether that tangent belongs to `value` alone (made here, or by an update
        of it that no other value shares); a constant belongs to no one and is never written into."""
        start = len(self.builder.eqns)
        tangent = self.exact(value, like)
        made = any(isinstance(e, Eqn) and any(v is tangent for v in e.outs) for e in self.builder.eqns[start:])
        return tangent, not isinstance(tangent, Var) or made or self._exclusive(tangent, value)

    def _constant_tangent(self, result) -> Atom:
        """The zero tangent of a result that is not computed here (a module-level array): shaped like it, as
        JAX and autograd give it; a scalar's is 0.0."""
        shape = self.builder.shape_atoms(result.type) if result.type.shape != () else None
        if shape is None:
            return const(0.0) if result.type.shape == () else self.builder.bind("zeros_like", [result])
        return self.builder.bind("zeros", shape, {"dtype": result.type.dtype})

    def result_tangent(self, result):
        """Tangents with the structure of a function's result; None for non-float results."""
        if isinstance(result, tuple):
            return tuple(self.result_tangent(r) for r in result)
        if not result.type.is_float:
            return Const(None, result.type)
        tangent = self.exact(result, result) if isinstance(result, Var) else self._constant_tangent(result)
        if isinstance(tangent, Const):
            tangent = scalar_of_dtype(self.builder, tangent, result)
        if isinstance(tangent, Var) and self.builder.definition(tangent) is not None \
                and self.builder.definition(tangent).prim.name in ("broadcast_to", "broadcast_like"):
            tangent = self.builder.bind("copy", [tangent])  # a fresh array, never a read-only broadcast view
        return tangent
