"""The `check_index` equations that backends and dead-code elimination add where an index read may be out of
range: NumPy raises IndexError there, and the read itself is gone (fused into a kernel, or dead)."""
from __future__ import annotations

from ...ir import Const, Eqn, Var
from ...ir.types import TensorType
from ..registry import lookup


def index_check_key(atom, array: Var, axis: int) -> tuple:
    """What makes two checks the same: the index (a literal's value; a value, or a module-level array, by
    identity), the array and the axis."""
    return (atom.value if _literal(atom) else id(atom), id(array), axis)


def needs_index_check(atom, array: Var, axis: int) -> bool:
    """False only for a literal index that the array's static size along `axis` holds."""
    dim = array.type.shape[axis]
    return not (_literal(atom) and isinstance(dim, int) and -dim <= atom.value < dim)


def index_check(atom, array: Var, axis: int, loc) -> Eqn:
    checked = Var("checked", TensorType("bool", ()), temporary=True)
    return Eqn(lookup("check_index"), (atom, array), {"axis": axis}, (checked,), loc=loc)


def _literal(atom) -> bool:
    return isinstance(atom, Const) and not isinstance(atom.value, Var)  # (a module-level array is held as a Const)
