"""The reverse sweep's core: each equation's vector-Jacobian product, and the sum of a value's cotangents.

Control flow (an `if`, a loop, their tapes) is mixed in from control.py; function.py drives the sweep.
"""
from __future__ import annotations

from ...ir.types import ShapeError, broadcast_shapes, is_unknown
from ...builder import Builder, const
from ...errors import TranspileError
from ...ir import Atom, Const, Eqn, If, Loop, Var
from ...primitives.registry import lookup
from ...primitives.tape import TAPE
from ...primitives.indexing import Scatter
from ...primitives.symbolic import Sym, materialize
from .control import ReversedControlFlow


class AdjointSweep(ReversedControlFlow):
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
        # an update's cotangent that belongs to its result alone is the updated array's, written in place
        updates = prim.family == "indexing" and bool(prim.extra.get("in_place"))
        fresh = updates and self.owns(g.atom, out)
        try:
            cts = prim.vjp(g, Sym(builder, out), *[Sym(builder, a) for a in eqn.args], active=active_args,
                           **eqn.params, **({"fresh": True} if fresh else {}))
        except TranspileError as exc:
            raise exc.located(eqn.loc)
        except ShapeError as exc:  # (its hint, what to write instead, kept)
            raise TranspileError(str(exc), eqn.loc, exc.hint) from None
        if updates and active_args[0] and cts[0] is not None and (fresh or self._updated_copy(cts[0].atom, start)):
            if fresh:
                del self.adjoints[id(out)]  # (read by nothing after its definition's pull-back)
            self.owner[id(cts[0].atom)] = id(eqn.args[0])
        for arg, ct in self._per_value([(arg, ct if isinstance(ct, Scatter) else ct.atom)
                                        for arg, ct, needed in zip(eqn.args, cts, active_args)
                                        if needed and ct is not None]):
            self.accumulate(arg, ct, start)

    def _per_value(self, contributions: list) -> list:
        """One contribution per value an equation reads more than once (`M - M`, `x * x`): summed among
        themselves before they meet the value's adjoint, as autograd sums them, so that `t - t` is 0 before it is
        added to what other uses gave (added one after the other, `(x + t) - t` loses x where t is much larger)."""
        combined: list = []
        for arg, ct in contributions:
            same = next((k for k, (other, _) in enumerate(combined) if other is arg), None)
            if same is None or isinstance(ct, Scatter) or isinstance(combined[same][1], Scatter):
                combined.append((arg, ct))
                continue
            negated = self._negated(ct)
            total, new = self._new_array("add" if negated is None else "subtract",
                                         [combined[same][1], ct if negated is None else negated], None)
            if new:  # (the value's own array: a later contribution may be added into it in place)
                self.owner[id(total)] = id(arg)
            combined[same] = (arg, total)
        return combined

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

    def _updated_copy(self, atom: Atom, start: int) -> bool:
        """Whether `atom` is an in-place update, made since `start`, of a copy made there too: a new array."""
        definition = self.builder.definition(atom)
        made = self.builder.eqns[start:]
        if definition is None or not any(e is definition for e in made) or not definition.prim.extra.get("in_place"):
            return False
        source = self.builder.definition(definition.args[0])
        return source is not None and source.prim.name == "copy" and any(e is source for e in made)

    def owns(self, adjoint: Atom, var: Var) -> bool:
        """Whether `adjoint` is an array of `var`'s shape allocated for `var` alone and held by no other value."""
        return isinstance(adjoint, Var) and self.owner.get(id(adjoint)) == id(var) \
            and adjoint.type.shape == var.type.shape and var.type.shape not in ((), None) \
            and not _other_dtype(adjoint, var) \
            and sum(a is adjoint for a in self.adjoints.values()) == 1

    def owned(self, adjoint: Atom | None, var: Var) -> Atom:
        """`_exact(adjoint, var)` as an array that belongs to `var` alone: copied unless owned or made here."""
        if adjoint is not None and self.owns(adjoint, var):
            return adjoint
        exact = self._exact(adjoint, var)
        # a number needs no copy; an array constant does: it is the module's array (`W` in `np.sum(x * W)`, whose
        # cotangent is `W` itself), which an update in place would change for every later call
        if adjoint is None or var.type.shape == () or isinstance(exact, Const) and exact.type.shape == ():
            return exact
        if _other_dtype(exact, var):  # (a float64 parameter's adjoint first met as float32 values: added into in
            return self.builder.bind("astype", [exact], {"dtype": var.type.dtype})  # float64, as the gradient is)
        return self.builder.bind("copy", [exact])

    def _exclusive(self, var: Var) -> Atom:
        """`var`'s adjoint as an array nothing else refers to (so a loop may add into it in place)."""
        return self.owned(self.adjoints.get(id(var)), var)

    def gradient(self, var: Var) -> Atom:
        """The adjoint of a parameter, with exactly its shape (a fresh array, never a broadcast view) and dtype (a
        float32 parameter's gradient is float32, even where float64 values such as `1.0 * mask` met it)."""
        builder = self.builder
        adjoint = self.adjoints.get(id(var))
        if adjoint is None:
            return builder.bind("zeros_like", [var], name="d" + var.name)
        name = "d" + var.name
        if var.type.shape is None:  # shape known only at run time: the helper makes it exact
            definition = builder.definition(adjoint)
            if not (definition is not None and definition.prim.name == "unbroadcast" and definition.args[1] is var):
                adjoint = builder.bind("unbroadcast", [adjoint, var], name=name)
        elif var.type.shape != () and not (isinstance(adjoint, Var) and adjoint.type.shape == var.type.shape):
            full = materialize(Sym(builder, adjoint), var.type, Sym(builder, var)).atom
            if _other_dtype(full, var) or _may_be_python_number(adjoint, var):  # `.astype` copies too: one copy
                return builder.bind("astype", [full], {"dtype": var.type.dtype}, name=name)
            return builder.bind("copy", [full], name=name)
        if _other_dtype(adjoint, var):
            return builder.bind("astype", [adjoint], {"dtype": var.type.dtype}, name=name)
        if _may_be_python_float(adjoint, var):
            return builder.bind("astype", [adjoint], {"dtype": var.type.dtype, "scalar": True}, name=name)
        return adjoint


def _may_be_python_float(adjoint: Atom, var: Var) -> bool:
    """A scalar adjoint of a float32 parameter that may be a Python float at run time although typed float32: a loop
    slot entered with a Python number (`v = 0.1`, then `v = v + np.sum(a)` in a loop that may not run) is typed by
    what the loop makes of it, and NumPy broadcasts the Python float to float64. A float64 parameter's adjoint that
    is a Python number (weakly typed) may be a Python int: `v = 0`, then `v += 1.5` in a loop that runs no trip,
    and `x * v`'s gradient is `v`, the int 0, where the gradient of a float64 parameter is a float64. A constant
    adjoint (the gradient of `x` returned as it is, or of `3.0 * x * x` twice) is a Python float, float64 in NumPy:
    a float32 parameter's gradient is float32 (autograd's and JAX's: the argument's dtype)."""
    if isinstance(adjoint, Const):
        return adjoint.type.shape == () and var.type.is_float and var.type.dtype != "f64"
    return isinstance(adjoint, Var) and adjoint.type.shape == () and var.type.is_float \
        and (var.type.dtype != "f64" or adjoint.type.weak)


def _may_be_python_number(adjoint: Atom, var: Var) -> bool:
    """A scalar adjoint broadcast to a float array parameter: it may be a Python number at run time although typed
    float (a loop slot entered with `v = 0`, then `v += 1.5` in a loop that may not run: typed float64, an int 0
    after no trip), and the broadcast array would have the number's dtype (int64), so the copy is an `.astype`
    (one copy either way; dtype scan seed 33033)."""
    return isinstance(adjoint, Var) and adjoint.type.shape == () and var.type.is_float


def _other_dtype(adjoint: Atom, var: Var) -> bool:
    """A float parameter's adjoint of another dtype (not a Python float, which has no `.astype`)."""
    return var.type.is_float and adjoint.type.dtype != var.type.dtype and not adjoint.type.weak


_NEARBY = 32  # how far back `_negated` looks for a negation in the current block


def _fits_into(ct: Atom, accumulator: Atom) -> bool:
    """Whether `accumulator += ct` is valid: ct broadcasts to the accumulator's (static) shape."""
    target = accumulator.type.shape
    if not target or ct.type.shape is None or any(is_unknown(d) for d in target):
        return False  # scalars are rebound, never updated in place (a 0-d array may be the caller's)
    try:
        return broadcast_shapes([target, ct.type.shape]) == target and ct.type.dtype == accumulator.type.dtype
    except ShapeError:
        return False
