"""Composing a write through a view into a write of the array it looks into, as index arithmetic.

`b[::-1][:2] = v` is `b[3:1:-1] = v` (length 4); `np.flip(b)[0] = v` is `b[-1] = v`; `b.T[0] = v` is `b[:, 0] =
v`; `np.expand_dims(b, 0)[0, 1] = v` is `b[1] = v`. Each function here answers with the items of one index of the
parent (or a permutation of the value's axes), or None where the write is not one index of the parent that NumPy
reads the same way: the caller then updates a copy of the view and writes it back (exact, and slower).
These functions are pure (items in, items out); binding `-1 - i` for a run-time `i` is the caller's (`negate`).
"""
from __future__ import annotations

from typing import Callable

from ..ir import Const, Var

_FULL = slice(None)


def is_scalar_int(item) -> bool:
    if isinstance(item, bool):
        return False
    if isinstance(item, int):
        return True
    return isinstance(item, (Var, Const)) and item.type.shape == () and item.type.dtype in ("i32", "i64")


def _is_array(item) -> bool:
    return isinstance(item, Var) and item.type.shape not in ((), None)


def _static_slice(item) -> bool:
    return isinstance(item, slice) and all(b is None or (isinstance(b, int) and not isinstance(b, bool))
                                           for b in (item.start, item.stop, item.step))


def _width(item) -> int:
    """How many axes of the indexed array an item consumes (a boolean mask: its rank)."""
    if item is None or item is Ellipsis:
        return 0
    if _is_array(item) and item.type.dtype == "bool":
        return len(item.type.shape)
    return 1


def expand(items: list, rank: int | None) -> list | None:
    """`items` with `...` spelled out and trailing `:` added, so that they consume all `rank` axes."""
    if rank is None or any(_is_array(i) and i.type.shape is None for i in items):
        return None
    consumed = sum(_width(i) for i in items)
    if consumed > rank or list(items).count(Ellipsis) > 1:
        return None
    if Ellipsis in items:
        at = items.index(Ellipsis)
        return list(items[:at]) + [_FULL] * (rank - consumed) + list(items[at + 1:])
    return list(items) + [_FULL] * (rank - consumed)


def _of_range(r: range) -> slice:
    """The slice that selects the positions of `r` (a range over one axis's positions)."""
    if len(r) == 0:
        return slice(0, 0)
    return slice(r.start, None if r.stop < 0 else r.stop, r.step)


def _through_slice(outer: slice, dim, inner, negate: Callable):
    """Item of the parent's axis for `parent[outer][inner]` on that axis; None where it is not one item."""
    if outer == _FULL:
        return inner  # the whole axis: the inner item means the same on the parent
    reversed_axis = outer == slice(None, None, -1)
    if reversed_axis and is_scalar_int(inner):  # position k of the reversed axis is position -1 - k (any length)
        return -1 - inner if isinstance(inner, int) else negate(inner)
    if not (_static_slice(outer) and isinstance(dim, int) and not isinstance(dim, bool)):
        return None
    positions = range(dim)[outer]
    if isinstance(inner, int) and not isinstance(inner, bool):
        return positions[inner] if -len(positions) <= inner < len(positions) else None
    if _static_slice(inner):
        return _of_range(positions[inner])
    return None


def compose(shape, outer: list, inner: list, negate: Callable) -> list | None:
    """Items of one index into an array of `shape` that select what `array[outer][inner]` selects, in the same
    order and shape; `outer` is basic (ints, slices, None). None where there is no such index."""
    if shape is None or any(_is_array(i) for i in outer):
        return None
    outer = expand(outer, len(shape))
    if outer is None:
        return None
    view_axes = [k for k, item in enumerate(outer) if isinstance(item, slice) or item is None]
    inner = expand(inner, len(view_axes))
    if inner is None or any(i is None for i in inner):
        return None
    replaced: dict[int, list] = {}  # position in `outer` -> the items it becomes
    axis_of = {}  # position in `outer` -> the parent's axis it indexes
    axis = 0
    for k, item in enumerate(outer):
        if item is not None:
            axis_of[k] = axis
            axis += 1
    at = 0
    for item in inner:
        width = _width(item)
        covered = view_axes[at:at + width]
        at += width
        if width > 1 or (_is_array(item) and item.type.dtype == "bool"):  # a mask: over whole axes, side by side
            if any(outer[k] != _FULL for k in covered) or covered != list(range(covered[0], covered[0] + width)):
                return None
            replaced[covered[0]] = [item]
            for k in covered[1:]:
                replaced[k] = []
            continue
        k = covered[0]
        if outer[k] is None:  # a new axis of length 1 in the view: its only position, or all of it
            if isinstance(item, int) and item in (0, -1):
                replaced[k] = []
            elif item == _FULL:
                replaced[k] = [None]
            else:
                return None
            continue
        composed = _through_slice(outer[k], shape[axis_of[k]], item, negate)
        if composed is None:
            return None
        replaced[k] = [composed]
    result = []
    for k, item in enumerate(outer):
        result.extend(replaced.get(k, [item]))
    return _trimmed(result) if _same_region(result, inner) else None


def _trimmed(items: list) -> list:
    """Without the trailing `:` (NumPy adds them): `b[3:1:-1]`, not `b[3:1:-1, :]`."""
    end = len(items)
    while end > 1 and items[end - 1] == _FULL:
        end -= 1
    return list(items[:end])


def _same_region(result: list, inner: list) -> bool:
    """Whether NumPy lays out `parent[result]` as `view[inner]`: where index arrays are present, integers count as
    index arrays too, and a block of them that is not side by side moves to the front (the view's did not)."""
    if not any(_is_array(i) for i in result):
        return True
    def adjacent(items) -> bool:
        positions = [k for k, i in enumerate(items) if _is_array(i) or is_scalar_int(i)]
        return positions == list(range(positions[0], positions[0] + len(positions)))
    return adjacent(result) or not adjacent(inner)


def flip_items(rank: int, axis) -> list:
    """`np.flip(x, axis)` as basic items of `x`."""
    axes = range(rank) if axis is None else {a % rank for a in (axis if isinstance(axis, tuple) else (axis,))}
    return [slice(None, None, -1) if a in axes else _FULL for a in range(rank)]


def expand_dims_items(rank: int, axis) -> list:
    """`np.expand_dims(x, axis)` as basic items of `x` (a None where each new axis is)."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    total = rank + len(axes)
    new = {a % total for a in axes}
    return [None if a in new else _FULL for a in range(total)]


def squeeze_items(shape, axis) -> list | None:
    """`np.squeeze(x, axis)` as basic items of `x` (a 0 at each axis dropped)."""
    if shape is None:
        return None
    if axis is None:
        if any(not isinstance(d, int) for d in shape):
            return None
        axes = {a for a, d in enumerate(shape) if d == 1}
    else:
        axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return [0 if a in axes else _FULL for a in range(len(shape))]


def permutation(prim: str, params: dict, rank: int) -> tuple[int, ...]:
    """The axes of the parent that axis k of a `transpose`/`swapaxes` view is."""
    if prim == "swapaxes":
        perm = list(range(rank))
        i, j = params["axis1"] % rank, params["axis2"] % rank
        perm[i], perm[j] = perm[j], perm[i]
        return tuple(perm)
    axes = params.get("axes")
    return tuple(reversed(range(rank))) if axes is None else tuple(a % rank for a in axes)


def permuted(perm: tuple[int, ...], inner: list) -> tuple[list, list[int]] | None:
    """`parent.transpose(perm)[inner]` as `parent[items]` and the order in which the value's axes are taken
    (the region's axes follow the parent's order): None where `inner` has new axes or index arrays."""
    inner = expand(inner, len(perm))
    if inner is None or any(not (isinstance(i, slice) or is_scalar_int(i)) for i in inner):
        return None
    items = [_FULL] * len(perm)
    for k, item in enumerate(inner):
        items[perm[k]] = item
    kept = [k for k, item in enumerate(inner) if isinstance(item, slice)]
    order = [kept.index(k) for k in sorted(kept, key=perm.__getitem__)]
    return _trimmed(items), order


def inverse(perm) -> tuple[int, ...]:
    out = [0] * len(perm)
    for k, p in enumerate(perm):
        out[p] = k
    return tuple(out)


def _static_shape(shape) -> bool:
    return shape is not None and all(isinstance(d, int) and not isinstance(d, bool) for d in shape)


def reshaped(view_shape, parent_shape, inner: list) -> tuple[list, tuple, tuple] | None:
    """`parent.reshape(view_shape)[inner]` (C order) as `parent[items]`, where `inner` is integers known at build
    time followed by whole axes (`g[1]`, `g[1, 2]`): its elements are one run of the parent's flat order, which is
    one index of the parent where the run is a range along one axis with whole axes after it. Returns the items,
    the region's shape in the parent and in the view (the value is reshaped from one to the other); None
    otherwise (static shapes only: an index out of range is left to the copy-and-write-back, which raises)."""
    if not (_static_shape(view_shape) and _static_shape(parent_shape)):
        return None
    inner = expand(inner, len(view_shape))
    if inner is None:
        return None
    ints = 0
    while ints < len(inner) and isinstance(inner[ints], int) and not isinstance(inner[ints], bool):
        ints += 1
    if any(item != _FULL for item in inner[ints:]):
        return None
    start = 0
    for item, dim in zip(inner[:ints], view_shape):
        if not -dim <= item < dim:
            return None
        start = start * dim + item % dim
    length = 1
    for dim in view_shape[ints:]:
        length *= dim
    for dim in view_shape[ints:]:
        start *= dim
    if length == 0:
        return None
    if ints == len(view_shape):  # one element: its position in the parent
        position = []
        for dim in reversed(parent_shape):
            position.insert(0, start % dim)
            start //= dim
        return position, (), ()
    for axis in reversed(range(len(parent_shape))):
        inner_size = 1
        for dim in parent_shape[axis + 1:]:
            inner_size *= dim
        if start % inner_size or length % inner_size:
            continue
        first, count = (start // inner_size) % parent_shape[axis], length // inner_size
        if first + count > parent_shape[axis]:
            continue
        prefix, rest = [], start // inner_size // parent_shape[axis]
        for dim in reversed(parent_shape[:axis]):
            prefix.insert(0, rest % dim)
            rest //= dim
        items = prefix + [slice(first, first + count)] + [_FULL] * (len(parent_shape) - axis - 1)
        return _trimmed(items), (count,) + tuple(parent_shape[axis + 1:]), tuple(view_shape[ints:])
    return None
