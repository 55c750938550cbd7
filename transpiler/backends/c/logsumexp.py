"""`logsumexp` on the C targets as the reductions and element work it is made of, so that kernels fuse it.

The NumPy backend calls `scipy.special.logsumexp`; on the C targets that host call cost more than the kernels
around it (GradBench gmm at d = 2, k = 100: two NumPy passes and SciPy's checks per call on a (1000, 100) array).
Written out as SciPy computes it, the max shift included,

    peak = max(x, axis, keepdims=True)         (the identity -inf for an empty axis, as SciPy's result)
    result = log(sum(exp(x - peak or x where that is NaN), axis, keepdims)) + (peak where finite, else 0)

it becomes a max (a reduction the region computing `x` ends with), one pass summing exponentials and element
work. `x - peak` is NaN exactly where SciPy's shift is 0 (peak -inf: every x is -inf; peak NaN) or where x is
NaN, and where the peak is +inf every finite term is 0 here and finite in SciPy's sum, which the inf term makes
inf either way: the same result everywhere, to rounding. Only a floating `x` with no weights (`b`) or sign is
rewritten; the derivative rules ran before, on the primitive itself (its result `y` is the same value the
rewrite defines).
"""
from __future__ import annotations

import math

from ...builder import const, function_builder
from ...ir import Eqn, Function, rewrite_equations
from ...primitives.registry import lookup
from ...ir.verify import verified

EMPTY = {"initial": -math.inf}  # the max of an empty axis: its identity (-inf), where NumPy would raise


@verified("expand_logsumexp")
def expand_logsumexp(fn: Function) -> Function:
    """`fn` with every floating, unweighted `logsumexp` written as max, exp, sum and log equations."""
    builder = function_builder(fn)
    builder.reuse = False  # every equation new: nothing of `fn` is looked up or folded into

    def expand(eqn: Eqn) -> list[Eqn]:
        if eqn.prim.name != "logsumexp" or set(eqn.params) - {"axis", "keepdims"} or \
                eqn.args[0].type.dtype not in ("f32", "f64"):
            return [eqn]
        x = eqn.args[0]
        axis, keepdims = eqn.params.get("axis"), bool(eqn.params.get("keepdims"))
        with builder.block() as made:
            builder.loc = eqn.loc
            peak = builder.bind("max", [x], {"axis": axis, "keepdims": True, **EMPTY})
            shifted = builder.bind("subtract", [x, peak])
            # NaN only where the peak is not finite (or x is NaN): there x itself, the shift SciPy makes 0
            shifted = builder.bind("where", [builder.bind("isnan", [shifted]), x, shifted])
            exps = builder.bind("exp", [shifted])
            total = builder.bind("log", [builder.bind("sum", [exps], {"axis": axis, "keepdims": keepdims})])
            kept = peak if keepdims else builder.bind("max", [x], {"axis": axis, "keepdims": False, **EMPTY})
            kept = builder.bind("where", [builder.bind("isfinite", [kept]), kept, const(0.0)])
            made.append(Eqn(lookup("add"), (total, kept), {}, eqn.outs, eqn.loc, eqn.note))
        return made

    return rewrite_equations(fn, expand)

