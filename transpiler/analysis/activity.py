"""Activity: which values need derivatives, i.e. depend on a `wrt` input *and* reach the output.

Only floating-point results of differentiable primitives carry derivatives; integers, booleans, shapes and
comparison results never do, so no adjoint is ever computed for them.
"""
from __future__ import annotations

from ..ir import Function, Var, result_atoms


def varied(fn: Function, inputs: list[Var]) -> set[int]:
    """Ids of values that depend differentiably on `inputs`."""
    seen = {id(v) for v in inputs}
    for eqn in fn.body:
        prim = eqn.prim
        if not prim.differentiable:
            continue
        if any(id(a) in seen and prim.is_diff_arg(i) for i, a in enumerate(eqn.args)):
            seen.update(id(out) for out in eqn.outs if out.type.is_float)
    return seen


def useful(fn: Function, outputs: list) -> set[int]:
    """Ids of values that some output depends on."""
    needed = {id(a) for a in outputs if isinstance(a, Var)}
    for eqn in reversed(fn.body):
        if any(id(out) in needed for out in eqn.outs):
            needed.update(id(a) for a in eqn.args if isinstance(a, Var))
    return needed


def active(fn: Function, inputs: list[Var]) -> set[int]:
    return varied(fn, inputs) & useful(fn, result_atoms(fn.result))
