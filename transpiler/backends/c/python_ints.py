"""Python ints known only at run time that meet int32 values in a compiled kernel (NEP 50).

NumPy converts a Python int (a `range` index, `len(x)`, arithmetic on them, an `"i64[]"` parameter given an int)
to int32 where it meets an int32 array or NumPy scalar, and raises OverflowError where it does not fit
(`x32 + i * 1500000000`). The C and CUDA kernels hold Python ints as int64 and would wrap the int32 result. So
before each such operation the host checks the int's range (`check_assert` with `error="OverflowError"`: two
comparisons on the host, which is Python), placed where the int is made when that is in the same block (so a
size read at entry is checked before the first kernel, whose fusion it does not split); a loop holding the check
stays on the host. Literals are judged at
build time (normalize/python_ints.py); ints past int64 are refused where a kernel's scalar argument is made
(`lifted.launch_space`), and Python-int arithmetic in a C loop kernel is overflow-checked (loops/emit.py).
Comparisons are exact in int64 (as NumPy's), `np.where` wraps as NumPy's unsafe cast does, and `np.clip` drops a
bound outside the range as C's int64 comparison does: none of them is checked.
"""
from __future__ import annotations

import dataclasses

from ...ir import Const, Eqn, Function, If, Loop, Var
from ...ir.types import TensorType
from ...primitives.logic import COMPARISONS
from ...primitives.registry import lookup
from ...ir.verify import verified

_UNCHECKED = COMPARISONS + ("where", "clip")
_LOW, _HIGH = -2**31, 2**31
_MESSAGE = "Python integer out of bounds for int32"


@verified("check_python_int_ranges")
def check_python_int_ranges(fn: Function) -> Function:
    """`fn` with a range check before every operation that converts a run-time Python int to int32."""
    return dataclasses.replace(fn, body=_block(fn.body))


def _block(block: list) -> list:
    """`block` with its checks: each right after the statement that makes the int when that is in this block (a
    size read at entry is checked there, before the first kernel, which then stays one fused kernel), else at the
    block's start (the block runs the conversion on every pass, so the check raises only where Python would)."""
    # an If or a Loop makes its `outs` too (an inlined helper's `return` under `if` binds its result so)
    made_here = {id(out): k for k, stmt in enumerate(block) for out in stmt.outs}
    after: dict[int, list[Var]] = {}
    for stmt in block:
        if isinstance(stmt, Eqn):
            for value in _converted(stmt):
                place = after.setdefault(made_here.get(id(value), -1), [])
                if all(value is not v for v in place):
                    place.append(value)
    out: list = [check for value in after.get(-1, []) for check in _range_check(value, None)]
    for k, stmt in enumerate(block):
        if isinstance(stmt, If):
            stmt = dataclasses.replace(stmt, then_body=_block(stmt.then_body), else_body=_block(stmt.else_body))
        elif isinstance(stmt, Loop):
            stmt = dataclasses.replace(stmt, cond_body=_block(stmt.cond_body), body=_block(stmt.body))
        out.append(stmt)
        out += [check for value in after.get(k, []) for check in _range_check(value, stmt)]
    return out


def _converted(eqn: Eqn) -> list[Var]:
    """The run-time Python ints `eqn` converts to int32."""
    if eqn.prim.family != "elementwise" or len(eqn.outs) != 1 or eqn.prim.name in _UNCHECKED:
        return []
    out = eqn.out.type
    if out.weak or out.dtype != "i32":
        return []
    found = []
    for arg in eqn.args:
        if isinstance(arg, Var) and arg.type.weak and arg.type.dtype == "i64" and arg.type.shape == () and \
                arg not in found:
            found.append(arg)
    return found


def _range_check(value: Var, at) -> list[Eqn]:
    scalar = TensorType("bool", ())
    number = TensorType("i64", (), weak=True)
    above = Var("fits_low", scalar, temporary=True)
    below = Var("fits_high", scalar, temporary=True)
    inside = Var("fits", scalar, temporary=True)
    checked = Var("checked", scalar, temporary=True)
    return [
        Eqn(lookup("greater_equal"), (value, Const(_LOW, number)), {}, (above,), loc=getattr(at, "loc", None)),
        Eqn(lookup("less"), (value, Const(_HIGH, number)), {}, (below,), loc=getattr(at, "loc", None)),
        Eqn(lookup("logical_and"), (above, below), {}, (inside,), loc=getattr(at, "loc", None)),
        Eqn(lookup("check_assert"), (inside,), {"message": _MESSAGE, "error": "OverflowError"}, (checked,),
            loc=getattr(at, "loc", None)),
    ]
