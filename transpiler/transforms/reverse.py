"""Reverse mode: the primal sweep, then each equation's vector-Jacobian product in reverse order.

The result is an IR function like any other (the backend and liveness treat it the same), computing
`grad`, `value_and_grad` or `vjp` of a kernel. Cotangents flow only through active values; a value used
several times sums its contributions; rules may hand back cotangents smaller than the value (still
broadcastable), which are broadcast only where an operation or the caller needs the full shape.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..analysis.activity import active
from ..analysis.types import ShapeError, TensorType, broadcast_shapes, is_unknown
from ..builder import Builder, NameScope, const
from ..errors import SourceLoc, TranspileError
from ..ir import Atom, Eqn, Function, Var, result_atoms
from ..primitives.indexing import Scatter
from ..primitives.symbolic import Sym, materialize


@dataclass(frozen=True)
class ReverseSpec:
    """What to generate: which parameters to differentiate and what to return."""

    name: str
    kind: str  # "grad" | "value_and_grad" | "vjp"
    wrt: tuple[int, ...]
    wrt_is_tuple: bool
    loc: SourceLoc | None = None


def reverse(fn: Function, spec: ReverseSpec) -> Function:
    scope = NameScope([p.name for p in fn.params] + [o.name for e in fn.body for o in e.outs])
    dim_sources = {}
    for param in fn.params:
        for axis, dim in enumerate(param.type.shape or ()):
            if isinstance(dim, str):
                dim_sources.setdefault(dim, (param, axis))
    builder = Builder(scope, dim_sources)
    builder.dim_vars = {e.out.type.value: e.out for e in fn.body if e.prim.name == "dim" and e.args[0] in fn.params}
    for eqn in fn.body:
        builder.emit(eqn)

    wrt_vars = [fn.params[i] for i in spec.wrt]
    for var in wrt_vars:
        if not var.type.is_float:
            raise TranspileError(f"cannot differentiate with respect to `{var.name}`: it is {var.type.dtype}, "
                                 "not floating point", spec.loc, "pass it as a float array, or choose another wrt")
    params = list(fn.params)
    outputs = result_atoms(fn.result)
    seeds = _seeds(fn, spec, builder, params)
    sweep = _Sweep(builder, active(fn, wrt_vars))
    for out, seed in zip(outputs, seeds):
        if isinstance(out, Var) and id(out) in sweep.activity and seed is not None:
            sweep.accumulate(out, seed)

    builder.note = "reverse sweep"
    for eqn in reversed(fn.body):
        sweep.pull_back(eqn)

    builder.loc = None
    grads = tuple(sweep.gradient(var) for var in wrt_vars)
    grad_result = grads if spec.wrt_is_tuple else grads[0]
    result = grad_result if spec.kind == "grad" else (fn.result, grad_result)
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
    # vjp: one cotangent parameter, a tuple when the kernel returns a tuple
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

    def pull_back(self, eqn: Eqn) -> None:
        builder, prim = self.builder, eqn.prim
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

    def accumulate(self, var: Var, ct, start: int | None = None) -> None:
        builder = self.builder
        previous = self.adjoints.get(id(var))
        owned = previous is not None and self.owner.get(id(previous)) == id(var)
        name = None if var.temporary else "d" + var.name
        if isinstance(ct, Scatter):
            if owned:
                total = ct.into(Sym(builder, previous), first=False).atom
            else:
                shape = builder.shape_atoms(var.type, var)
                zeros = builder.bind("zeros", shape, {"dtype": ct.value.type.dtype}, name=name) if shape is not None \
                    else builder.bind("zeros_like", [var], name=name)
                total = ct.into(Sym(builder, zeros), first=True).atom
                if previous is not None:
                    total = builder.bind("iadd", [total, previous])
        elif previous is None:
            total = self._named(ct, var, start)
        elif owned and _fits_into(ct, previous):
            total = builder.bind("iadd", [previous, ct])
        else:
            total = builder.bind("add", [previous, ct], name=name)
            owned = True
        if isinstance(ct, Scatter) or (owned and previous is not None):
            self.owner[id(total)] = id(var)
        self.adjoints[id(var)] = total

    def _named(self, ct: Atom, var: Var, start: int | None) -> Atom:
        """Name a cotangent computed just now after its source-named value (`dw` for `w`)."""
        if isinstance(ct, Var) and ct.temporary and not var.temporary and start is not None \
                and any(ct in eqn.outs for eqn in self.builder.eqns[start:]):
            self.builder.rename(ct, "d" + var.name)
        return ct

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


def _fits_into(ct: Atom, accumulator: Atom) -> bool:
    """Whether `accumulator += ct` is valid: ct broadcasts to the accumulator's (static) shape."""
    target = accumulator.type.shape
    if target is None or ct.type.shape is None or any(is_unknown(d) for d in target):
        return False
    try:
        return broadcast_shapes([target, ct.type.shape]) == target and ct.type.dtype == accumulator.type.dtype
    except ShapeError:
        return False
