"""What a gather nobody uses leaves behind: Python still evaluates `v = x[idx]`, and raises NumPy's IndexError where
an index array holds a value out of range (a caller's index array may hold anything), so dead-code elimination
drops such a read only with its checks.

`dead_read_checks(eqn)`: for a `getitem` through integer index arrays, one `check_index` (NumPy's IndexError and
message) per index array and per integer beside them (a run-time one, or a literal that a run-time size may not
hold), in NumPy's order: the integers first, then the arrays, each in axis order. `[]` for any other equation, and
for a read without an index array (`x[i]`, `x[2:]`, `x[mask]`): dropped as before (a dead `x[i]` with `i` out of
range does not raise; docs/kernel-language.md), and for vmap's own gathers (`lanes`: in range by construction).
None when the index holds what this does not follow (a mask of another size, a boolean scalar), so that the read
itself stays.
"""
from __future__ import annotations

from ..ir import Const, Eqn
from ..ir.types import TensorType
from ..primitives.indexing.checks import index_check, index_check_key, needs_index_check
from ..primitives.indexing.items import Ref, expand_ellipsis


def dead_read_checks(eqn: Eqn, parameter: bool = False) -> list[Eqn] | None:
    if eqn.prim.name != "getitem" or "index" not in eqn.params or eqn.params.get("lanes"):
        return []
    array = eqn.args[0]
    shape = getattr(array.type, "shape", None)
    if shape is None:
        return None
    try:
        items = expand_ellipsis(tuple(eqn.params["index"]), len(shape))
    except Exception:  # noqa: BLE001 (too many indices: the read stays, and raises as NumPy does)
        return None
    integers, arrays, axis = [], [], 0
    for item in items:
        if item is None:
            continue
        if isinstance(item, slice):
            axis += 1
            continue
        if isinstance(item, bool) or not isinstance(item, (int, Ref)):
            return None
        if isinstance(item, int):
            integers.append((axis, Const(item, TensorType("i64", ()))))
            axis += 1
            continue
        value = eqn.args[item.index]
        kind = getattr(value.type, "shape", None)
        if kind is None or value.type.dtype not in ("i64", "i32", "bool"):
            return None
        if value.type.dtype == "bool":  # a mask: its own size on the axes it covers, or the read stays
            if tuple(kind) != tuple(shape[axis:axis + len(kind)]) or len(kind) != 1:
                return None
        elif kind == ():
            integers.append((axis, value))
        else:
            arrays.append((axis, value))
        axis += 1
    if not arrays and not (parameter and integers):
        return []
    return [index_check(atom, array, axis, eqn.loc) for axis, atom in integers + arrays
            if needs_index_check(atom, array, axis)]


def drop_repeated_checks(block: list) -> list:
    """`block` without the index checks that repeat one made earlier in it (the same index, array and axis: the
    first one has raised already, or passed, and nothing in between rebinds either value)."""
    seen, kept = set(), []
    for stmt in block:
        if isinstance(stmt, Eqn) and stmt.prim.name == "check_index":
            key = index_check_key(*stmt.args, stmt.params["axis"])
            if key in seen:
                continue
            seen.add(key)
        kept.append(stmt)
    return kept
