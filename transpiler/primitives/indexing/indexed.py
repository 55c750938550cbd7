"""Where each element of `x[index]` comes from, axis by axis, for an index holding integer index arrays: the
rule a backend needs to read a gather (or add a scatter) element by element instead of materialising it.

NumPy's meaning: the index arrays (and integers standing next to them) broadcast together into one block of
result axes, placed where the first of them stands when they are adjacent, else first; every slice keeps an
axis of its own. Element `r` of the result reads `x` at, for each axis of `x`: the slice's `start + step * r[k]`
for its result axis `k`, the integer (wrapped once when negative), or the index array's entry at the block's
coordinates (wrapped once). Out-of-range values are the caller's to refuse before any read.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...ir.types import TensorType
from .items import Ref, array_axes_first, expand_ellipsis


@dataclass(frozen=True)
class AxisSource:
    """What one axis of `x` is read at: `kind` "slice" (result axis `axis`, `start + step * coordinate`),
    "fixed" (an integer: `value` a Python int or the Ref of a run-time scalar) or "array" (the Ref of an index
    array whose axes sit, right-aligned, in the result's block of gathered axes)."""

    kind: str
    axis: int = 0
    start: int = 0
    step: int = 1
    value: object = None


@dataclass(frozen=True)
class IndexedRead:
    """`x[index]` element by element: one `AxisSource` per axis of `x`, the result's rank, and where the block of
    gathered axes starts in the result and how many axes it has."""

    sources: tuple
    rank: int
    block_start: int
    block_rank: int

    def arrays(self) -> list[tuple[int, Ref]]:
        """(axis of `x`, index array) pairs, in axis order."""
        return [(a, s.value) for a, s in enumerate(self.sources) if s.kind == "array"]

    def fixed(self) -> list[tuple[int, object]]:
        """(axis of `x`, integer or scalar Ref) pairs, in axis order."""
        return [(a, s.value) for a, s in enumerate(self.sources) if s.kind == "fixed"]


def indexed_read(index: tuple, types: list[TensorType]) -> IndexedRead | None:
    """The element-by-element reading of `x[index]` (`types`: x's, then the equation's other arguments), or None
    when the index holds no integer index array, or something this reading does not cover: a mask, `None`, a
    slice with a run-time bound, or a bounded slice of an axis whose length is not a literal."""
    x = types[0]
    if x.shape is None or None in index:
        return None
    arrays = [item for item in index if isinstance(item, Ref) and types[item.index].shape != ()]
    if not arrays or any(types[r.index].dtype not in ("i64", "i32") or types[r.index].shape is None for r in arrays):
        return None
    try:
        items = expand_ellipsis(index, len(x.shape))
    except Exception:  # (too many indices: NumPy's error stays the host's)
        return None
    block_rank = max(len(types[r.index].shape) for r in arrays)
    first = array_axes_first(index, types)
    sources, result_axis, block_start = [], 0, 0 if first else None
    for item, dim in zip(items, x.shape):
        if isinstance(item, slice):
            if item == slice(None):
                start, step = 0, 1
            elif any(isinstance(b, Ref) for b in (item.start, item.stop, item.step)) or not isinstance(dim, int):
                return None
            else:
                bounds = range(*item.indices(dim))
                start, step = bounds.start, bounds.step
            sources.append(AxisSource("slice", result_axis, start, step))
            result_axis += 1
            continue
        if isinstance(item, bool) or not isinstance(item, (int, Ref)):
            return None
        if isinstance(item, Ref) and types[item.index].shape != ():
            sources.append(AxisSource("array", value=item))
        else:
            if isinstance(item, Ref) and types[item.index].dtype not in ("i64", "i32"):
                return None
            sources.append(AxisSource("fixed", value=item))
        if block_start is None:
            block_start = result_axis
    if block_start is None:
        block_start = result_axis
    rank = result_axis + block_rank
    shifted = tuple(AxisSource("slice", s.axis + block_rank, s.start, s.step)
                    if s.kind == "slice" and s.axis >= block_start else s for s in sources)
    return IndexedRead(shifted, rank, block_start, block_rank)
