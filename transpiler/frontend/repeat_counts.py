"""`np.repeat(a, counts, axis=None)` with one count per element (a list, an array literal, or an integer array known
at run time): element i of the axis `counts[i]` times, in order, so the result is a gather along the axis with the
index array `[0] * counts[0] + [1] * counts[1] + ...`, whose length is `sum(counts)`. A gather's derivative is the
scatter-add of the cotangent: the segment sums of `counts` consecutive rows, which is np.repeat's derivative.

Counts known at build time give the index array at build time (NumPy's ValueError for a negative count or a length
that is neither 1 nor the axis's is refused, or checked at run time where the axis's length is named). Counts known
at run time: their running totals `c = np.cumsum(counts)` and `np.searchsorted(c, np.arange(c[-1]), side='right')`
(the first element whose total exceeds the position), after NumPy's checks (no negative count: ValueError); their
length must be the axis's by its annotation (the same name: a length 1 that NumPy would broadcast is refused).
"""
from __future__ import annotations

from ..ir import Atom, Const, Var
from ..values import ListValue
from .array_literals import array_like
from .call_args import Emitter, known_rank


def _static_counts(emit: Emitter, value, atom) -> list | None:
    """The counts where the program wrote them as numbers (`[1, 2, 3]`, `np.array([1, 2, 3])`), else None."""
    if isinstance(value, (tuple, ListValue)):
        items = value.items if isinstance(value, ListValue) else value
        if all(isinstance(i, Const) for i in items):
            return [i.value for i in items]
    made = emit.builder.definition(atom) if isinstance(atom, Var) else None
    if made is not None and made.prim.name == "array" and isinstance(made.params.get("value"), tuple):
        return list(made.params["value"])
    return None


def repeat_each(lowering, node, builder, x: Atom, counts_value, counts_node, axis: int | None, take) -> Atom:
    """np.repeat of `x` (made at least 1-d, raveled where axis is None by the caller) with an array of counts;
    `take(x, indices, axis)` gathers."""
    emit = Emitter(lowering, node, builder)
    counts = emit.atom(array_like(lowering, node, builder, counts_value))
    if known_rank(emit, counts) != 1:
        raise lowering.error(counts_node, "np.repeat's counts are one integer or a 1-d sequence of them (NumPy "
                             "raises ValueError for more dimensions)", "np.repeat(x, [1, 2, 3], axis=0)")
    if counts.type.dtype not in ("i32", "i64", "bool"):
        raise lowering.error(counts_node, f"np.repeat's counts are integers ({counts.type.dtype} given: NumPy "
                             "raises TypeError)", "counts.astype(np.int64)")
    length = emit.dims(x)[axis]
    numbers = _static_counts(emit, counts_value, counts)
    if numbers is not None:
        numbers = [int(n) for n in numbers]
        if any(n < 0 for n in numbers):
            raise lowering.error(counts_node, "np.repeat's counts may not be negative (NumPy raises ValueError)",
                                 "counts of 0 or more")
        if len(numbers) == 1:
            return None  # one count: the caller's broadcast
        if isinstance(length, Const) and length.value != len(numbers):
            raise lowering.error(counts_node, f"np.repeat of {len(numbers)} counts along an axis of length "
                                 f"{length.value} (NumPy raises ValueError)", "one count per element, or one count")
        if not isinstance(length, Const):
            emit("check_assert", emit("equal", length, len(numbers)), error="ValueError",
                 message=f"operands could not be broadcast together with shape ({len(numbers)},)")
        index = emit("array", value=tuple(i for i, n in enumerate(numbers) for _ in range(n)), dtype="i64")
        return take(x, index, axis)
    k = emit.dims(counts)[0]
    if isinstance(k, Const) and k.value == 1:
        return None
    if not (k is length or isinstance(k, Const) and isinstance(length, Const) and k.value == length.value):
        raise lowering.error(counts_node, "np.repeat's counts known at run time need the axis's length by "
                             "annotation (NumPy broadcasts a single count and raises ValueError for other lengths)",
                             'annotate both with one name: x: "f64[n]", counts: "i64[n]"')
    counts = counts if counts.type.dtype == "i64" else emit("astype", counts, dtype="i64")
    emit("check_assert", emit("all", emit("greater_equal", counts, 0)), error="ValueError",
         message="repeats may not contain negative values.")
    totals = emit("cumsum", counts, axis=0)
    positions = emit("arange", emit("sum", counts))
    return take(x, emit("searchsorted", totals, positions, side="right"), axis)
