"""Reverse mode: the primal sweep, then each equation's vector-Jacobian product in reverse order.

The result is an IR function like any other (the backend and liveness treat it the same), computing
`grad`, `value_and_grad` or `vjp` of a kernel. Cotangents flow only through active values; a value used
several times sums its contributions; rules may hand back cotangents smaller than the value (still
broadcastable), which are broadcast only where an operation or the caller needs the full shape.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ...analysis.activity import active
from ...ir.types import TensorType
from ...builder import Builder, const, function_builder
from ...errors import SourceLoc, TranspileError
from ...ir import Atom, Const, Function, If, Loop, Var, all_defined, result_atoms
from ..mutation import preserve_overwritten
from ..peel import peel_constant_trips
from .sweep import AdjointSweep
from ...ir.verify import verified


@dataclass(frozen=True)
class ReverseSpec:
    """What to generate: which parameters to differentiate and what to return."""

    name: str
    kind: str  # "grad" | "value_and_grad" | "vjp" | "elementwise_grad" (autograd's: the vjp of a cotangent of ones)
    wrt: tuple[int, ...]
    wrt_is_tuple: bool
    loc: SourceLoc | None = None
    leaf_cotangents: tuple = ()  # vjp: one cotangent parameter per result array (a tree's leaves), these names


@verified("reverse")
def reverse(fn: Function, spec: ReverseSpec) -> Function:
    fn = peel_constant_trips(fn, [fn.params[i] for i in spec.wrt if fn.params[i].type.is_float])
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
    sweep = AdjointSweep(builder, active(fn, wrt_vars))
    sweep.none_when = _none_when(forward)
    for out, seed in zip(outputs, seeds):
        if isinstance(out, Var) and id(out) in sweep.activity and seed is not None:
            sweep.accumulate(out, seed)

    builder.note = "reverse sweep"
    forward_count = len(builder.eqns)
    sweep.pull_back_block(forward)
    preserve_overwritten(builder, forward_count, fn.params)

    builder.loc = None
    grads = tuple(_gradient(sweep, var, spec.loc or fn.loc) for var in wrt_vars)
    grad_result = grads if spec.wrt_is_tuple else grads[0]
    result = grad_result if spec.kind in ("grad", "elementwise_grad") else (fn.result, grad_result)
    return Function(spec.name, params, builder.prologue + builder.eqns, result, fn.loc, None, fn.source_name)


def _gradient(sweep: AdjointSweep, var: Var, loc: SourceLoc | None) -> Atom:
    """`var`'s gradient; a shape error in making it exact is located where its adjoint was made (the statement
    whose pull-back gave it), else at the transform: the statements are all behind, so the builder has no place."""
    try:
        return sweep.gradient(var)
    except TranspileError as exc:
        definition = sweep.builder.definition(sweep.adjoints.get(id(var)))
        raise exc.located(definition.loc if definition is not None else None).located(loc) from None


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
