"""Reverse mode: the primal sweep, then each equation's vector-Jacobian product in reverse order.

The result is an IR function like any other (the backend and liveness treat it the same), computing
`grad`, `value_and_grad` or `vjp` of a kernel. Cotangents flow only through active values; a value used
several times sums its contributions; rules may hand back cotangents smaller than the value (still
broadcastable), which are broadcast only where an operation or the caller needs the full shape.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..analysis.activity import active
from ..analysis.types import TensorType
from ..builder import Builder, NameScope, const
from ..errors import SourceLoc, TranspileError
from ..ir import Atom, Const, Eqn, Function, Var, result_atoms
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
    activity = active(fn, wrt_vars)
    adjoints: dict[int, Atom] = {}
    for out, seed in zip(outputs, seeds):
        if isinstance(out, Var) and id(out) in activity and seed is not None:
            _accumulate(builder, adjoints, out, seed)

    builder.note = "reverse sweep"
    for eqn in reversed(fn.body):
        cotangent = _cotangent_of(eqn, adjoints)
        if cotangent is None:
            continue
        active_args = [isinstance(a, Var) and id(a) in activity and eqn.prim.is_diff_arg(i)
                       for i, a in enumerate(eqn.args)]
        if not any(active_args):
            continue
        builder.loc = eqn.loc
        _pull_back(builder, eqn, cotangent, active_args, adjoints)

    builder.loc = spec.loc
    grads = tuple(_gradient(builder, var, adjoints) for var in wrt_vars)
    grad_result = grads if spec.wrt_is_tuple else grads[0]
    value = fn.result
    result = grad_result if spec.kind == "grad" else (value, grad_result)
    body = builder.prologue + builder.eqns
    return Function(spec.name, params, body, result, fn.loc, None, fn.source_name)


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


def _cotangent_of(eqn: Eqn, adjoints: dict[int, Atom]) -> Atom | None:
    return adjoints.get(id(eqn.outs[0])) if eqn.outs else None


def _pull_back(builder: Builder, eqn: Eqn, cotangent: Atom, active_args: list[bool], adjoints) -> None:
    prim = eqn.prim
    out = eqn.outs[0]
    g = Sym(builder, cotangent)
    if not prim.broadcast_tolerant:
        g = materialize(g, out.type, Sym(builder, out))
    if prim.vjp is None:
        raise TranspileError(f"`{prim.name}` has no derivative rule; it cannot be differentiated", eqn.loc,
                             "wrap the value in a separate non-differentiated input")
    try:
        cts = prim.vjp(g, Sym(builder, out), *[Sym(builder, a) for a in eqn.args], active=active_args, **eqn.params)
    except TranspileError as exc:
        raise exc.located(eqn.loc)
    except Exception as exc:  # a ShapeError from a rule
        if type(exc).__name__ != "ShapeError":
            raise
        raise TranspileError(str(exc), eqn.loc) from None
    for arg, ct, needed in zip(eqn.args, cts, active_args):
        if needed and ct is not None:
            _accumulate(builder, adjoints, arg, ct.atom)


def _accumulate(builder: Builder, adjoints: dict[int, Atom], var: Var, ct: Atom) -> None:
    previous = adjoints.get(id(var))
    if previous is None:
        adjoints[id(var)] = _named(builder, ct, var)
    else:
        adjoints[id(var)] = builder.bind("add", [previous, ct], name=None if var.temporary else "d" + var.name)


def _named(builder: Builder, ct: Atom, var: Var) -> Atom:
    """Name a freshly computed cotangent after its source-named value (`dw` for `w`)."""
    if isinstance(ct, Var) and ct.temporary and not var.temporary and builder.eqns and ct in builder.eqns[-1].outs:
        ct.name = builder.scope.fresh("d" + var.name)
        ct.temporary = False
    return ct


def _gradient(builder: Builder, var: Var, adjoints: dict[int, Atom]) -> Atom:
    """The adjoint of a parameter, with exactly its shape (a fresh array, never a broadcast view)."""
    adjoint = adjoints.get(id(var))
    if adjoint is None:
        return builder.bind("zeros_like", [var], name="d" + var.name)
    if var.type.shape is None:  # shape known only at run time: the helper makes it exact
        return builder.bind("unbroadcast", [adjoint, var], name="d" + var.name)
    if var.type.shape == () or (isinstance(adjoint, Var) and adjoint.type.shape == var.type.shape):
        return adjoint
    full = materialize(Sym(builder, adjoint), var.type, Sym(builder, var))
    return builder.bind("copy", [full.atom], name="d" + var.name)
