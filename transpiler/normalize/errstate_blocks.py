"""`with np.errstate(divide="ignore"):` in a kernel: NumPy's floating-point error handling changes which warnings
a block prints, never a value, so the block is lowered as if its statements stood in place of the `with` (pymoo's
MW problems wrap their divisions in it; an exit inside the block continues with the statements after it), each
statement recorded with the modes in force there: the builder stamps them on the locations of what it emits
(`SourceLoc.errstate`, inlined callees included, as errstate is dynamic in Python), and the NumPy backend wraps
that code in the same `np.errstate`, so the generated module is as quiet as the block. `all="raise"` (an
exception where Python raises FloatingPointError) and `call=` (a Python function called) are refused."""
from __future__ import annotations

import libcst as cst

from ..ir.source import ERRSTATE_KEYS, merge_errstate
from ..values import Module

QUIET = ("ignore", "warn", "print", "log")  # the modes that change what is printed only


def inline_errstate(lowering, statements: list, builder, env, modes: tuple) -> list:
    """`statements` with each `with np.errstate(...):` replaced by its body (other statements as they are);
    `lowering.errstate_of` maps each statement returned to the modes in force at it (`modes` outside a block)."""
    if not any(isinstance(s, cst.With) for s in statements):
        return statements  # (a block lowered again, the rest after an exit: recorded when it was flattened)
    return _flatten(lowering, statements, builder, env, modes)


def _flatten(lowering, statements: list, builder, env, modes: tuple) -> list:
    out = []
    for statement in statements:
        inner = _errstate_modes(lowering, statement, builder, env) if isinstance(statement, cst.With) else None
        if inner is not None:
            out.extend(_flatten(lowering, list(statement.body.body), builder, env, merge_errstate(modes, inner)))
        else:
            lowering.errstate_of[id(statement)] = modes
            out.append(statement)
    return out


def _errstate_modes(lowering, statement: cst.With, builder, env) -> dict | None:
    """The modes a `with np.errstate(...)` sets (several calls in one `with`: in order), or None if it is
    some other `with`."""
    if statement.asynchronous is not None or not isinstance(statement.body, cst.IndentedBlock):
        return None
    modes: dict = {}
    for item in statement.items:
        call = item.item
        if item.asname is not None or not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                                           and call.func.attr.value == "errstate"):
            return None
        base = lowering.expr(call.func.value, builder, env)
        if not (isinstance(base, Module) and base.path == "numpy"):
            return None
        named: dict = {}
        for arg in call.args:
            mode = arg.value.evaluated_value if isinstance(arg.value, cst.SimpleString) else None
            if arg.keyword is None or arg.keyword.value not in ERRSTATE_KEYS + ("all",) or mode not in QUIET:
                raise lowering.error(arg, "np.errstate here makes NumPy raise or call a function on a floating-point "
                                     "error, which a kernel does not model",
                                     'keep only the modes that print: "ignore", "warn", "print", "log"')
            named[arg.keyword.value] = mode
        modes = dict(merge_errstate(tuple(modes.items()), named))
    return modes
