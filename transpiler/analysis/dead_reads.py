"""What a gather nobody uses leaves behind: Python still evaluates `v = x[idx]`, and raises NumPy's IndexError where
an index array holds a value out of range (a caller's index array may hold anything), so dead-code elimination
drops such a read only with its checks.

`dead_read_checks(eqn)`: for a `getitem` (or a write nobody reads, `setitem`, `index_add`) through integers or
integer index arrays, one `check_index` (NumPy's IndexError and message) per index array and per integer (a run-time
one, or a literal that a run-time size may not hold), in NumPy's order: the integers first, then the arrays, each
in axis order. No check where a write through the same index into the same array follows in the block (`access_key`:
the read `a[i] = v` binds for the region's shape; the write raises there). `[]` for any other equation, and
for a read through slices and masks alone (`x[2:]`, `x[mask]`: never out of range), and for vmap's own gathers
(`lanes`: in range by construction). None when the index holds what this does not follow (a mask of another size,
a boolean scalar), so that the read itself stays.

`empty_checks(eqn)`: a reduction without identity nobody uses (`np.max`, `np.argmin`, ...) raises ValueError where a
reduced axis is empty: one `check_nonempty` per reduced axis that may be empty (NumPy's own function raises the
message), so the reduction itself is not computed.

`at_hand(checks, params)`: a dead read of a value the kernel computed (`row[1]` of a loop's row, `t[5]` of
`t = x * 2`) needs only its size, not its value: each check reads the size from a parameter whose annotation names
the same dimension (`size_axis`), so the value need not be computed (and on the C target the check goes before
the launch, as for a parameter's); where no parameter has it (an unknown or derived size) the check reads the
computed value itself, which then stays.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

from ..ir import Const, Eqn, Var
from ..ir.dims import is_derived
from ..ir.types import TensorType, is_unknown
from ..primitives.indexing.checks import index_check, index_check_key, needs_index_check
from ..primitives.indexing.items import Ref, expand_ellipsis
from ..primitives.registry import lookup


WRITES = ("setitem", "index_add")


def dead_read_checks(eqn: Eqn) -> list[Eqn] | None:
    if eqn.prim.name not in ("getitem",) + WRITES or "index" not in eqn.params or eqn.params.get("lanes"):
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
    if not arrays and not integers:
        return []
    return [index_check(atom, array, axis, eqn.loc) for axis, atom in integers + arrays
            if needs_index_check(atom, array, axis)]


# reductions whose dead occurrence becomes size checks -> the NumPy function that raises their ValueError (nanargmax
# and nanargmin stay: they raise on a slice of NaN alone too; so do masked ones: a mask may leave nothing)
EMPTY_CHECKED = {"max": "max", "min": "min", "argmax": "argmax", "argmin": "argmin", "nanmax": "nanmax",
                 "nanmin": "nanmin", "ptp": "ptp"}


def empty_checks(eqn: Eqn) -> list[Eqn] | None:
    """The `check_nonempty` equations that stand for a dead reduction which `raises_when_empty`, or None where the
    reduction itself must stay (one this does not follow)."""
    shape = getattr(eqn.args[0].type, "shape", None) if eqn.args else None
    if eqn.prim.name not in EMPTY_CHECKED or len(eqn.args) != 1 or shape is None or eqn.params.get("raises_empty"):
        return None
    axes = _reduced_axes(eqn.params.get("axis"), len(shape))
    checked = Var("checked", TensorType("bool", ()), temporary=True)
    return [Eqn(lookup("check_nonempty"), (eqn.args[0],), {"axis": a, "reduction": EMPTY_CHECKED[eqn.prim.name]},
                (checked,), loc=eqn.loc) for a in axes if not (isinstance(shape[a], int) and shape[a] > 0)]


def _reduced_axes(axis, rank: int) -> list[int]:
    if not rank:
        return []
    return list(range(rank)) if axis is None else [a % rank for a in (axis if isinstance(axis, tuple) else (axis,))]


def access_key(eqn) -> tuple | None:
    """What a read or write `x[index]` goes through: the array and the index with its run-time references as the
    values they refer to (a read's and a write's references count their arguments differently)."""
    if not isinstance(eqn, Eqn) or eqn.prim.name not in ("getitem",) + WRITES or "index" not in eqn.params:
        return None

    def item(part):
        if isinstance(part, Ref):
            return ("ref", id(eqn.args[part.index]))
        if isinstance(part, slice):
            return ("slice", item(part.start), item(part.stop), item(part.step))
        return ("literal", repr(part))

    return (id(eqn.args[0]),) + tuple(item(part) for part in eqn.params["index"])


def at_hand(checks: list[Eqn], params: Iterable[Var]) -> tuple[list[Eqn], bool]:
    """`checks` reading each size from a parameter with the same annotated dimension where one has it, and whether
    some check still reads the computed array (which must then stay)."""
    params = [p for p in params if isinstance(p, Var) and getattr(p.type, "shape", None)]
    moved, stays = [], False
    for check in checks:
        *index, array = check.args  # (`check_index`: the index, then the array; `check_nonempty`: the array)
        axis = check.params["axis"]
        dim = array.type.shape[axis]
        trusted = isinstance(dim, int) or not (is_unknown(dim) or is_derived(dim))  # (unknowns may broadcast)
        found = next(((p, k) for p in params if trusted for k, d in enumerate(p.type.shape) if d == dim), None)
        if found is None:
            stays = True
            moved.append(check)
            continue
        param, k = found
        extra = {"size_axis": k} if k != axis else {}
        moved.append(dataclasses.replace(check, args=(*index, param),
                                         params={**check.params, **extra}))
    return moved, stays


def loop_range(loop) -> frozenset:
    """{(the index, the size it stays below)} of `for i in range(size)` (or from a start >= 0 by a step > 0) where
    the size is a known dimension (`len(x)`, `x.shape[0]`, a literal); empty for anything else."""
    if loop.kind != "for" or loop.index is None:  # (a reverse sweep runs the same indices)
        return frozenset()
    start, stop, step = (Const(0, None), loop.bounds[0], Const(1, None)) if len(loop.bounds) == 1 else \
        (tuple(loop.bounds) + (Const(1, None),))[:3]
    if not (_literal_int(start) and start.value >= 0 and _literal_int(step) and step.value > 0):
        return frozenset()
    size = stop.value if _literal_int(stop) else getattr(stop.type, "value", None)
    if size is None or not isinstance(size, int) and (is_unknown(size) or is_derived(size)):
        return frozenset()
    return frozenset({(id(loop.index), size)})


def in_range(check: Eqn, ranges: frozenset) -> bool:
    """Does a loop's bounds keep this check's index inside its array (`row = M[i]` of `for row in M`)?"""
    index, array = check.args
    return (id(index), array.type.shape[check.params["axis"]]) in ranges


def raises_when_empty(eqn: Eqn) -> bool:
    """A reduction without an identity (`np.max`, `np.min`, `np.ptp`, the nan- ones, masked ones; no `initial=`)
    whose reduced axes may be empty (or whose mask may leave nothing): NumPy raises ValueError there (`zero-size
    array to reduction operation maximum`), so one nobody uses stays (it is computed; the dtype generator's
    programs with n = 0 returned a number)."""
    if eqn.params.get("raises_empty"):  # (a C kernel's launch that computes one: backends/c/partition.py)
        return True
    if not eqn.prim.extra.get("empty_raises") or eqn.params.get("initial") is not None:
        return False
    shape = getattr(eqn.args[0].type, "shape", None)
    if shape is None or len(eqn.args) > 1 or eqn.prim.name in ("nanargmax", "nanargmin"):
        return True  # (a `where=` mask may leave nothing; nanargmax raises on a slice of NaN alone)
    axes = _reduced_axes(eqn.params.get("axis"), len(shape))
    return any(not (isinstance(shape[a], int) and shape[a] > 0) for a in axes)


def _literal_int(atom) -> bool:
    return isinstance(atom, Const) and isinstance(atom.value, int) and not isinstance(atom.value, bool)


def drop_repeated_checks(block: list) -> list:
    """`block` without the index checks that repeat one made earlier in it (the same index, array and axis: the
    first one has raised already, or passed, and nothing in between rebinds either value)."""
    seen, kept = set(), []
    for stmt in block:
        if isinstance(stmt, Eqn) and stmt.prim.name == "check_index":
            key = index_check_key(*stmt.args, stmt.params["axis"]) + (stmt.params.get("size_axis"),)
            if key in seen:
                continue
            seen.add(key)
        kept.append(stmt)
    return kept
