"""`np.select(condlist, choicelist, default=0)`: nested `np.where`s, the first true condition winning.

NumPy fills the result with `default` and copies each choice where its condition holds, last to first, in the dtype
that the choices and `default` promote to (a Python int or float weakly, as NEP 50 says: `default=0` beside
float32 choices stays float32; a Python bool as an array). Written as `where(c0, x0, where(c1, x1, ... default))` with
every operand in that dtype first, the values are NumPy's, and the derivatives are `where`'s.
"""
from __future__ import annotations

import numpy as np

from ..ir import Const
from ..ir.types import lifted_dtype, numpy_dtype
from .call_args import Emitter, arg, arity



def _promoted(value):
    """What NumPy's np.select hands np.result_type for a choice: a Python int or float as itself (weak, NEP 50),
    anything else as an array (a Python bool too)."""
    if isinstance(value, Const) and isinstance(value.value, (int, float)):
        return np.bool_ if isinstance(value.value, bool) else value.value
    if value.type.weak and value.type.shape == ():  # a Python number computed in the kernel (`x.shape[0]`)
        return {"i64": 0, "i32": 0, "f64": 0.0, "f32": 0.0}.get(value.type.dtype, np.bool_)
    return numpy_dtype(value.type.dtype)


def select(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.select", positional, keywords, 2, 3, ("default",))
    emit = Emitter(lowering, node, builder)
    conditions, choices = positional[:2]
    if not isinstance(conditions, tuple) or not isinstance(choices, tuple) or not conditions:
        raise emit.error("np.select takes a list of conditions and a list of choices",
                         "np.select([x < 0, x > 1], [-x, x * x], default=0.0)")
    if len(conditions) != len(choices):
        raise emit.error("np.select needs as many choices as conditions")
    default, _ = arg(lowering, positional, keywords, 2, "default", node, Const(0, None))
    conditions = [emit.atom(c) for c in conditions]
    values = [v if isinstance(v, Const) and isinstance(v.value, (bool, int, float)) else emit.atom(v)
              for v in (*choices, default)]
    for i, condition in enumerate(conditions):
        if condition.type.dtype != "bool":
            raise emit.error(f"np.select's condition {i} is not boolean (NumPy raises a TypeError)",
                             "compare to make a boolean array: x > 0")
    dtype = np.result_type(*(_promoted(v) for v in values))
    name = lifted_dtype(dtype)
    if name is None:
        raise emit.error(f"np.select's choices promote to {dtype}, which kernels have no dtype for")
    typed = [emit("array", value=v.value, dtype=name) if isinstance(v, Const)
             else v if v.type.dtype == name or (v.type.weak and v.type.shape == ()) else emit("astype", v, dtype=name)
             for v in values]
    result = typed[-1]
    for condition, choice in zip(conditions[::-1], typed[-2::-1]):
        result = emit("where", condition, choice, result)
    return result
