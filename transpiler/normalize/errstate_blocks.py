"""`with np.errstate(divide="ignore"):` in a kernel: NumPy's floating-point error handling changes which warnings
a block prints, never a value, so the block is lowered as if its statements stood in place of the `with` (pymoo's
MW problems wrap their divisions in it). `all="raise"` (an exception where Python raises FloatingPointError) and
`call=` (a Python function called) are refused."""
from __future__ import annotations

import libcst as cst

from ..values import Module

QUIET = ("ignore", "warn", "print", "log")  # the modes that change what is printed only


def inline_errstate(lowering, statements: list, builder, env) -> list:
    """`statements` with each `with np.errstate(...):` replaced by its body (other statements as they are)."""
    if not any(isinstance(s, cst.With) for s in statements):
        return statements
    out = []
    for statement in statements:
        if isinstance(statement, cst.With) and _is_errstate(lowering, statement, builder, env):
            out.extend(inline_errstate(lowering, list(statement.body.body), builder, env))
        else:
            out.append(statement)
    return out


def _is_errstate(lowering, statement: cst.With, builder, env) -> bool:
    if statement.asynchronous is not None or not isinstance(statement.body, cst.IndentedBlock):
        return False
    for item in statement.items:
        call = item.item
        if item.asname is not None or not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                                           and call.func.attr.value == "errstate"):
            return False
        base = lowering.expr(call.func.value, builder, env)
        if not (isinstance(base, Module) and base.path == "numpy"):
            return False
        for arg in call.args:
            mode = arg.value.evaluated_value if isinstance(arg.value, cst.SimpleString) else None
            if arg.keyword is None or arg.keyword.value == "call" or mode not in QUIET:
                raise lowering.error(arg, "np.errstate here makes NumPy raise or call a function on a floating-point "
                                     "error, which a kernel does not model",
                                     'keep only the modes that print: "ignore", "warn", "print", "log"')
    return True
