"""An operator between a NumPy value and a list or tuple of numbers: NumPy makes the sequence an array.

`arr - [8.0, 18.0]`, `[1, 2] * np.exp(x)` and `x[0] - [3, 5]` (an element of an array is a NumPy scalar) run in
NumPy as `arr - np.array([8.0, 18.0])`: the NumPy operand's operator method takes the list, as `np.asarray` would.
A Python number with a list is Python's own business (`2 * [1, 2]` repeats the list, `1.5 + [1.0]` raises
TypeError), and so is a list with a list; those stay with `container_operation`, as does a scalar parameter
(`s: "f64[]"` may be given a Python float) and any scalar not read from an array.
"""
from __future__ import annotations

from ..frontend.array_literals import array
from ..ir import Var
from ..values import ListValue


def numpy_operands(lowering, node, left, right, builder) -> tuple | None:
    """(left, right) with the sequence made an array where the other operand is a NumPy value; else None."""
    sequences = [isinstance(v, (tuple, ListValue)) for v in (left, right)]
    if sequences.count(True) != 1:
        return None
    other = right if sequences[0] else left
    if not _numpy_value(other, builder):
        return None
    made = array(lowering, node, builder, [_as_tuples(left if sequences[0] else right)], {})
    return (made, right) if sequences[0] else (left, made)


def _numpy_value(value, builder) -> bool:
    """An array, or an element read from one (a NumPy scalar). Another scalar may be a Python number at run time
    (a `"f64[]"` parameter takes either), with which Python's list operators apply instead: not converted."""
    if not isinstance(value, Var) or value.type.weak or value.type.shape is None:
        return False
    if value.type.shape != ():
        return True
    definition = builder.definition(value)
    return definition is not None and definition.prim.name == "getitem" and bool(definition.args[0].type.shape)


def _as_tuples(value):
    """A list (nested) as the tuples np.array's handler reads."""
    if isinstance(value, (tuple, ListValue)):
        return tuple(_as_tuples(v) for v in (value.items if isinstance(value, ListValue) else value))
    return value
