"""Python ints known only at run time that meet int32 values in a compiled kernel (NEP 50).

NumPy converts a Python int (a `range` index, `len(x)`, arithmetic on them, an `"i64[]"` parameter given an int)
to int32 where it meets an int32 array or NumPy scalar, and raises OverflowError where it does not fit
(`x32 + i * 1500000000`). The C and CUDA kernels hold Python ints as int64 and would wrap the int32 result. So
before each such operation the host checks the int's range (`check_assert` with `error="OverflowError"`: two
comparisons on the host, which is Python); a loop holding the check stays on the host. Literals are judged at
build time (normalize/python_ints.py); ints past int64 are refused where a kernel's scalar argument is made
(`lifted.launch_space`), and Python-int arithmetic in a C loop kernel is overflow-checked (loops/emit.py).
Comparisons are exact in int64 (as NumPy's), `np.where` wraps as NumPy's unsafe cast does, and `np.clip` drops a
bound outside the range as C's int64 comparison does: none of them is checked.
"""
from __future__ import annotations

import dataclasses

from ...ir import Const, Eqn, Function, If, Loop, Var
from ...ir.types import TensorType
from ...normalize.python_ints import COMPARISONS
from ...primitives.registry import lookup

_UNCHECKED = COMPARISONS + ("where", "clip")
_LOW, _HIGH = -2**31, 2**31
_MESSAGE = "Python integer out of bounds for int32"


def check_python_int_ranges(fn: Function) -> Function:
    """`fn` with a range check before every operation that converts a run-time Python int to int32."""
    return dataclasses.replace(fn, body=_block(fn.body))


def _block(block: list) -> list:
    out: list = []
    for stmt in block:
        if isinstance(stmt, Eqn):
            out += [check for arg in _converted(stmt) for check in _range_check(arg, stmt)]
            out.append(stmt)
        elif isinstance(stmt, If):
            out.append(dataclasses.replace(stmt, then_body=_block(stmt.then_body), else_body=_block(stmt.else_body)))
        elif isinstance(stmt, Loop):
            out.append(dataclasses.replace(stmt, cond_body=_block(stmt.cond_body), body=_block(stmt.body)))
        else:
            out.append(stmt)
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


def _range_check(value: Var, at: Eqn) -> list[Eqn]:
    scalar = TensorType("bool", ())
    number = TensorType("i64", (), weak=True)
    above = Var("fits_low", scalar, temporary=True)
    below = Var("fits_high", scalar, temporary=True)
    inside = Var("fits", scalar, temporary=True)
    checked = Var("checked", scalar, temporary=True)
    return [
        Eqn(lookup("greater_equal"), (value, Const(_LOW, number)), {}, (above,), loc=at.loc),
        Eqn(lookup("less"), (value, Const(_HIGH, number)), {}, (below,), loc=at.loc),
        Eqn(lookup("logical_and"), (above, below), {}, (inside,), loc=at.loc),
        Eqn(lookup("check_assert"), (inside,), {"message": _MESSAGE, "error": "OverflowError"}, (checked,),
            loc=at.loc),
    ]
