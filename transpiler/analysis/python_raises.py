"""Python's operators `/ // % ** << >>` on scalars raise on Python numbers where NumPy's functions give inf, nan
or 0 (`b / 0.0`, `k // 0`, `k % 0` and `0.0 ** -1` raise ZeroDivisionError, `1e300 ** 2` OverflowError, `k << -1`
ValueError): such an operation may not be dropped when nobody reads it (analysis/liveness.py, loop bodies included)
nor moved out of a loop that may run no iteration (transforms/hoist.py)."""
from __future__ import annotations

from ..ir import Const, Eqn

_RAISING = frozenset({"divide", "floor_divide", "mod", "power", "left_shift", "right_shift"})


def python_may_raise(eqn: Eqn) -> bool:
    """Python's operator `/ // % ** << >>` on scalars that may raise: not the NumPy function the source spelled,
    nor a division by a nonzero literal, nor an int to a literal power >= 0, nor a shift by a literal count >= 0."""
    if eqn.prim.name not in _RAISING or (eqn.params or {}).get("spelled") or len(eqn.args) != 2 or \
            any(a.type.shape != () for a in eqn.args):
        return False
    second = eqn.args[1]
    literal = isinstance(second, Const) and isinstance(second.value, (int, float)) and \
        not isinstance(second.value, bool)
    if eqn.prim.name in ("left_shift", "right_shift"):
        return not (literal and second.value >= 0)
    if eqn.prim.name == "power":
        return not (literal and isinstance(second.value, int) and second.value >= 0 and
                    eqn.args[0].type.dtype in ("i32", "i64", "bool"))
    return not (literal and second.value != 0)
