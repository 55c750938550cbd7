"""Python ints that meet NumPy integers (NEP 50): NumPy converts the int to the dtype its loop computes in and raises
OverflowError where it does not fit (`x32 + 2**40`, `np.maximum(x64, 2**63)`); a compiled target would wrap it.

A literal known at build time to be out of range there is refused, located, on every target (Python would raise
at the line; a missing result is better than a wrapped one). Comparisons are NumPy's exception: `x32 == 2**40` is
exact (False) whatever the range, which the C target's int64 arithmetic computes too, up to int64's range; beyond
it (`x64 < 2**70`) the comparison is refused. A float loop (`x32 / 2**70`, `f32 * 2**70`) converts the int to a
float (a C double literal): only ints past a double's range raise there. `np.where` casts unsafely (an int64
wraps into int32: only ints past int64 raise), `np.clip` drops a lower bound below the dtype's range and an upper
one above it.
"""
from __future__ import annotations

from ..ir import Const, Var
from ..ir.types import NUMPY_DTYPES
from ..primitives.logic import COMPARISONS

_BOUNDS = {"i32": 2**31, "i64": 2**63}
_INT_DTYPES = ("i32", "i64", "bool")


def python_int_problem(prim: str, args: list, out: Var) -> tuple[int, str] | None:
    """(the Python int, the message) where NumPy would raise on converting a Python-int literal of `args`, or could
    only compare it exactly beyond int64; None otherwise. `out` is the elementwise result."""
    if out.type.weak or not any(isinstance(a, Var) and not a.type.weak for a in args):
        return None  # Python numbers among themselves: Python's arithmetic (the host's, or checked in C)
    for position, atom in enumerate(args):
        value = atom.value if isinstance(atom, Const) else None
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if prim in COMPARISONS:
            strong = [a.type.dtype for a in args if not a.type.weak]
            if all(d in _INT_DTYPES for d in strong) and not -2**63 <= value < 2**63:
                return value, (f"comparing an integer value with the Python int {value}, beyond int64: NumPy compares "
                               "exactly, the compiled targets in int64")
            continue
        dtype = out.type.dtype
        bound = _BOUNDS["i64"] if prim == "where" else _BOUNDS.get(dtype)  # (np.where casts unsafely: wraps)
        if prim == "clip" and bound is not None and -2**63 <= value < 2**63 and \
                (position == 1 and value < -bound or position == 2 and value >= bound):
            continue  # (NumPy drops a lower bound below the dtype's range, an upper one above it; C's int64 agrees)
        if bound is not None and not -bound <= value < bound:
            dtype = "i64" if prim == "where" else dtype  # (the words of frontend/bitwise_api.py's own check)
            return value, (f"the Python int {value} does not fit the {dtype} NumPy computes in here ({NUMPY_DTYPES[dtype]}"
                           ": NumPy raises OverflowError)")
        if out.type.is_float and abs(value) >= 2**1024:
            return value, f"the Python int {value} is too large to convert to a float (NumPy raises OverflowError)"
    return None


def check_python_int_operands(lowering, node, prim: str, args: list, out) -> None:
    """Refuse, at `node`, an elementwise operation whose Python-int literal NumPy cannot convert (see the module
    docstring)."""
    if not isinstance(out, Var):
        return
    problem = python_int_problem(prim, list(args), out)
    if problem is not None:
        raise lowering.error(node, problem[1], "use a number in range, or compute in a wider dtype "
                             "(`x.astype(np.int64)`, or a float: `x * 2.0**40`)")
