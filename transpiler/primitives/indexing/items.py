"""What an index means: its items (ints, slices, `None`, `...`, `Ref`s to run-time integers and index arrays),
the shape of `x[index]` as NumPy computes it, and its rendering.

An index is a tuple of items: an int, `None`, `Ellipsis`, a `slice` whose bounds are ints/None/`Ref`, or a
`Ref(i)` naming argument `i` of the equation (a run-time integer or an index array).
"""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import libcst as cst

from ... import codegen as cg
from ...ir.dims import within
from ...ir.types import ShapeError, TensorType, broadcast_shapes, fresh_dim, is_unknown, offset_dim, show_shape


@dataclass(frozen=True)
class Ref:
    """An index position filled by argument `index` of the equation (a run-time integer)."""

    index: int


def expand_ellipsis(index: tuple, rank: int) -> tuple:
    consumed = sum(1 for item in index if item is not None and item is not Ellipsis)
    if consumed > rank:
        raise ShapeError(f"too many indices ({consumed}) for an array of rank {rank}",
                         f"NumPy raises IndexError here; an array of rank {rank} takes at most {rank} indices "
                         "(besides None and ...)")
    if Ellipsis in index:
        at = index.index(Ellipsis)
        return index[:at] + (slice(None),) * (rank - consumed) + index[at + 1:]
    return index + (slice(None),) * (rank - consumed)


# (lengths, args) while the builder infers a getitem: `lengths` maps a run-time length (a slice's by the same
# run-time bounds, a mask's count by the same mask) to one unknown length (see _run_time_length), `args` are the
# equation's atoms the index's Refs name
RUN_TIME_LENGTHS: ContextVar[tuple[dict, tuple] | None] = ContextVar("run_time_lengths", default=None)


def _slice_length(item: slice, dim: Any, types: list[TensorType]) -> Any:
    start, stop, step = item.start, item.stop, item.step
    bounded = _known_bound_length(start, stop, step, dim, types)
    if bounded is not None:
        return bounded
    if isinstance(step, Ref) or isinstance(start, Ref) or isinstance(stop, Ref):
        return _run_time_length((dim, start, stop, step))
    if start is None and stop is None and step in (None, 1, -1):  # x[::-1] keeps every element
        return dim
    if isinstance(dim, int):
        return len(range(*slice(start, stop, step).indices(dim)))
    start = start or 0
    if step in (None, 1) and start >= 0 and (stop is None or stop < 0) and not is_unknown(dim):
        return offset_dim(dim, -start + (stop or 0))  # x[1:] of a named length n has length n-1
    return fresh_dim()


def _known_bound_length(start, stop, step, dim, types: list[TensorType]) -> Any:
    """`x[h:]` and `x[:h]` where the run-time bound `h` is a known size (`x.shape[0] // 2` of an `f64[2*d]` is
    `d`) surely within the axis: `d` elements either way, so that the halves meet the arrays named `d` with one
    length (an unknown one would broadcast with them to a fresh length). None otherwise."""
    if step not in (None, 1) or (start is None) == (stop is None):
        return None
    bound = start if stop is None else stop
    value = types[bound.index].value if isinstance(bound, Ref) else None
    if value is None or isinstance(value, bool) or is_unknown(dim):
        return None
    rest = within(value, dim)
    return None if rest is None else rest if stop is None else within(rest, dim)


def _run_time_length(parts: tuple) -> Any:
    """An unknown length; the same one wherever `parts` (plain values and Refs to the equation's atoms) are the
    same: every slice of a length `dim` by the same bound values (an IR value is defined once: `signs[lo:hi]` and
    `columns[lo:hi]` of two `[s, l]` arrays have one length), every selection by the same mask (`w[m]`, `x[m]`), so
    that two different unknown lengths, which broadcast to a third (either may be 1), are not made of equal ones."""
    known = RUN_TIME_LENGTHS.get()
    if known is None:
        return fresh_dim()
    lengths, args = known
    atoms = tuple(args[p.index] if isinstance(p, Ref) else p for p in parts)
    key = tuple(("atom", id(a)) if isinstance(p, Ref) else ("value", p) for a, p in zip(atoms, parts))
    if key not in lengths:
        lengths[key] = (fresh_dim(), atoms)  # (the atoms kept alive: their ids stay theirs)
    return lengths[key][0]


def advanced_items(index: tuple, types: list[TensorType]) -> list[Ref]:
    """Index arrays (integer gathers and boolean masks) among the index items."""
    return [item for item in index if isinstance(item, Ref) and types[item.index].shape != ()]


def infer_lanes(types: list[TensorType], index: tuple) -> TensorType:
    """`x[lane, ...]` (vmap: each example reads its own row with its own indices): every integer and index
    array of the index broadcasts together into the leading axes, slices follow."""
    x = types[0]
    if x.shape is None:
        return TensorType(x.dtype, None)
    arrays, dims, source = [], [], iter(x.shape)
    for item in expand_ellipsis(index, len(x.shape)):
        if item is None or (isinstance(item, Ref) and types[item.index].dtype == "bool"):
            raise ShapeError("an index that differs between examples cannot be combined with None or a mask")
        dim = next(source)
        if isinstance(item, Ref):
            arrays.append(types[item.index].shape)
        elif isinstance(item, slice):
            dims.append(_slice_length(item, dim, types))
    return TensorType(x.dtype, tuple(broadcast_shapes(arrays)) + tuple(dims))


def infer_getitem(types: list[TensorType], params) -> TensorType:
    x = types[0]
    index = params["index"]
    if params.get("lanes"):
        return infer_lanes(types, index)
    advanced = advanced_items(index, types)
    if len(advanced) > 1 and any(types[r.index].dtype == "bool" for r in advanced):
        raise ShapeError("indexing with a boolean mask together with another index array is not supported",
                         "index with one at a time (`x[mask][:, j]`), or turn the mask into positions first")
    if advanced and None in index:
        raise ShapeError("combining an index array with None (np.newaxis) is not supported",
                         "index first, then add the axis: `x[i, j][:, None]` or np.expand_dims")
    if x.shape is None:
        return TensorType(x.dtype, None)
    shape, dims, gathered, array_at = [], iter(x.shape), [], None
    paired = []  # the shapes of integer index arrays, broadcast together as NumPy does (`f[i, j]`)
    for item in expand_ellipsis(_mask_axes(index, types), len(x.shape)):
        if item is None:
            shape.append(1)
            continue
        if item is _MASK_REST:  # a further axis consumed by a multi-dimensional mask
            next(dims)
            continue
        if isinstance(item, Ref) and types[item.index].shape != ():
            array = types[item.index]
            next(dims)
            if array.dtype == "bool":  # a mask selects a number of elements known only at run time
                gathered = [_run_time_length(("mask", item))]
            else:
                paired.append(array.shape)
            array_at = len(shape) if array_at is None else array_at
            continue
        dim = next(dims)
        if isinstance(item, int):
            if isinstance(dim, int) and not -dim <= item < dim:
                raise ShapeError(f"index {item} is out of bounds for an axis of size {dim}",
                                 f"NumPy raises IndexError here; an index of this axis is {-dim} to {dim - 1}")
        elif isinstance(item, slice):
            shape.append(_slice_length(item, dim, types))
    if paired:
        if any(p is None for p in paired):
            gathered = [fresh_dim()] if len(paired) == 1 else None
        else:
            try:
                gathered = list(broadcast_shapes(list(paired)))
            except ShapeError:
                raise ShapeError("index arrays of shapes " + " and ".join(show_shape(p) for p in paired)
                                 + " cannot be broadcast together",
                                 "NumPy pairs the index arrays element by element and raises IndexError where "
                                 "their shapes do not broadcast; for every row with every column, index one axis "
                                 "at a time (`a[rows][:, cols]`)") from None
        if gathered is None:
            return TensorType(x.dtype, None)
    if advanced:
        at = 0 if array_axes_first(index, types) else array_at
        shape[at:at] = gathered
    return TensorType(x.dtype, tuple(shape))


def array_axes_first(index: tuple, types: list[TensorType]) -> bool:
    """Whether NumPy puts an index array's axes first in the result: integers next to an index array are
    index arrays too, and when a slice, `None` or `...` separates them the combined axes go to the front
    (`x[0, :, idx]` has shape idx.shape + (x.shape[1],))."""
    positions = [k for k, item in enumerate(index) if (isinstance(item, int) and not isinstance(item, bool))
                 or isinstance(item, Ref)]
    return bool(positions) and positions[-1] - positions[0] + 1 != len(positions)


def array_axis(index: tuple, types: list[TensorType], rank: int | None) -> tuple[int, int] | None:
    """For an index with one integer index array: the axis of the indexed array it selects along, and the
    position of its axes in the result (the region `x[index]`). None where the ranks are not known."""
    if rank is None:
        return None
    items = expand_ellipsis(index, rank)
    axis, at = 0, 0
    for item in items:
        if isinstance(item, Ref) and types[item.index].shape != ():
            return axis, 0 if array_axes_first(index, types) else at
        if item is None:
            at += 1
            continue
        axis += 1
        if isinstance(item, slice):
            at += 1
    raise ValueError("the index holds no index array")


def _mask_axes(index: tuple, types: list[TensorType]) -> tuple:
    """The index with a k-dimensional mask counted as k items, so `...` expands correctly."""
    items = []
    for item in index:
        items.append(item)
        if isinstance(item, Ref) and types[item.index].dtype == "bool" and types[item.index].rank:
            items.extend([_MASK_REST] * (types[item.index].rank - 1))
    return tuple(items)


class _MaskRest:
    """Placeholder for the further axes a multi-dimensional mask consumes."""


_MASK_REST = _MaskRest()


def render_index(index: tuple, args: list) -> list:
    def bound(value):
        return args[value.index] if isinstance(value, Ref) else value

    items = []
    for item in index:
        if isinstance(item, Ref):
            items.append(args[item.index])
        elif isinstance(item, slice):
            items.append(cg.slice_(bound(item.start), bound(item.stop), bound(item.step)))
        elif item is Ellipsis:
            items.append(cst.Ellipsis())
        else:
            items.append(cg.literal(item))
    return items or [cst.Tuple([])]  # `x[()]`: the whole array (of a 0-d one, its element as a NumPy scalar)


def index_refs(index: tuple):
    """The argument references an index holds: index arrays and scalars, and run-time slice bounds."""
    for item in index:
        if isinstance(item, Ref):
            yield item
        elif isinstance(item, slice):
            yield from (b for b in (item.start, item.stop, item.step) if isinstance(b, Ref))


def shift_refs(index: tuple, offset: int) -> tuple:
    """Move argument references when the indexed value gains a leading argument (setitem's value)."""
    def move(item):
        if isinstance(item, Ref):
            return Ref(item.index + offset)
        if isinstance(item, slice):
            return slice(move(item.start), move(item.stop), move(item.step))
        return item

    return tuple(move(item) for item in index)


def gathered_rank(index: tuple, types: list[TensorType]) -> int:
    """How many axes the index arrays of `index` put in the result (a mask: one)."""
    arrays = advanced_items(index, types)
    if not arrays:
        return 0
    array = types[arrays[0].index]
    return 1 if array.dtype == "bool" else array.rank


def gather_axes(index: tuple, types: list[TensorType], rank: int) -> list[int]:
    """The axis of the indexed array each integer index array of `index` selects along, in order."""
    axes, axis = [], 0
    for item in expand_ellipsis(index, rank):
        if item is None:
            continue
        if isinstance(item, Ref) and types[item.index].shape != ():
            axes.append(axis)
        axis += 1
    return axes
