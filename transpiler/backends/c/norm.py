"""`norm` (np.linalg.norm of a whole array) on the C targets as the square, sum and sqrt it is made of, so that
kernels fuse it.

The NumPy backend calls np.linalg.norm, NumPy's BLAS dot of the array raveled in memory order; the C targets sum
the squares in their own order, which agrees to rounding (as every C reduction does). The derivative rules ran
before, on the primitive itself.
"""
from __future__ import annotations

from ...builder import function_builder
from ...ir import Eqn, Function, rewrite_equations
from ...primitives.registry import lookup
from ...ir.verify import verified


@verified("expand_norm")
def expand_norm(fn: Function) -> Function:
    """`fn` with every `norm` written as multiply, sum and sqrt equations."""
    builder = function_builder(fn)
    builder.reuse = False  # every equation new: nothing of `fn` is looked up or folded into

    def expand(eqn: Eqn) -> list[Eqn]:
        if eqn.prim.name != "norm":
            return [eqn]
        (x,) = eqn.args
        with builder.block() as made:
            builder.loc = eqn.loc
            squares = builder.bind("multiply", [x, x])
            total = builder.bind("sum", [squares], {"axis": eqn.params.get("axis"), "keepdims": bool(eqn.params.get("keepdims"))})
            made.append(Eqn(lookup("sqrt"), (total,), {}, eqn.outs, eqn.loc, eqn.note))
        return made

    return rewrite_equations(fn, expand)
