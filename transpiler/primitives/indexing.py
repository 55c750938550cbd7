"""Indexing: reads with integers, slices, negative indices, `None` and `...`; `dim` reads a shape entry.

An index is a tuple of items: an int, `None`, `Ellipsis`, a `slice` whose bounds are ints/None/`Ref`, or a
`Ref(i)` naming argument `i` (a run-time integer). Its reverse rule scatters the cotangent into zeros;
basic indexing selects each element at most once, so plain assignment is exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

from .. import codegen as cg
from ..ir.types import (ShapeError, TensorType, broadcast_shapes, fresh_dim, is_unknown, offset_dim,
                        show_shape)
from ..ir import Const
from .batching import BatchError, batch_elementwise, example_rank, example_type, normalized, refuse
from .registry import Primitive, register
from .symbolic import Sym, materialize, ops, sum_to


@dataclass(frozen=True)
class Ref:
    """An index position filled by argument `index` of the equation (a run-time integer)."""

    index: int


def _expand_ellipsis(index: tuple, rank: int) -> tuple:
    consumed = sum(1 for item in index if item is not None and item is not Ellipsis)
    if consumed > rank:
        raise ShapeError(f"too many indices ({consumed}) for an array of rank {rank}")
    if Ellipsis in index:
        at = index.index(Ellipsis)
        return index[:at] + (slice(None),) * (rank - consumed) + index[at + 1:]
    return index + (slice(None),) * (rank - consumed)


def _slice_length(item: slice, dim: Any, types: list[TensorType]) -> Any:
    start, stop, step = item.start, item.stop, item.step
    if isinstance(step, Ref) or isinstance(start, Ref) or isinstance(stop, Ref):
        return fresh_dim()
    if start is None and stop is None and step in (None, 1):
        return dim
    if isinstance(dim, int):
        return len(range(*slice(start, stop, step).indices(dim)))
    start = start or 0
    if step in (None, 1) and start >= 0 and (stop is None or stop < 0) and not is_unknown(dim):
        return offset_dim(dim, -start + (stop or 0))  # x[1:] of a named length n has length n-1
    return fresh_dim()


def advanced_items(index: tuple, types: list[TensorType]) -> list[Ref]:
    """Index arrays (integer gathers and boolean masks) among the index items."""
    return [item for item in index if isinstance(item, Ref) and types[item.index].shape != ()]


def _infer_lanes(types: list[TensorType], index: tuple) -> TensorType:
    """`x[lane, ...]` (vmap: each example reads its own row with its own indices): every integer and index
    array of the index broadcasts together into the leading axes, slices follow."""
    x = types[0]
    if x.shape is None:
        return TensorType(x.dtype, None)
    arrays, dims, source = [], [], iter(x.shape)
    for item in _expand_ellipsis(index, len(x.shape)):
        if item is None or (isinstance(item, Ref) and types[item.index].dtype == "bool"):
            raise ShapeError("an index that differs between examples cannot be combined with None or a mask")
        dim = next(source)
        if isinstance(item, Ref):
            arrays.append(types[item.index].shape)
        elif isinstance(item, slice):
            dims.append(_slice_length(item, dim, types))
    return TensorType(x.dtype, tuple(broadcast_shapes(arrays)) + tuple(dims))


def _infer_getitem(types: list[TensorType], params) -> TensorType:
    x = types[0]
    index = params["index"]
    if params.get("lanes"):
        return _infer_lanes(types, index)
    advanced = advanced_items(index, types)
    if len(advanced) > 1 and any(types[r.index].dtype == "bool" for r in advanced):
        raise ShapeError("indexing with a boolean mask together with another index array is not supported",)
    if advanced and None in index:
        raise ShapeError("combining an index array with None (np.newaxis) is not supported; expand dims after")
    if x.shape is None:
        return TensorType(x.dtype, None)
    shape, dims, gathered, array_at = [], iter(x.shape), [], None
    paired = []  # the shapes of integer index arrays, broadcast together as NumPy does (`f[i, j]`)
    for item in _expand_ellipsis(_mask_axes(index, types), len(x.shape)):
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
                gathered = [fresh_dim()]
            else:
                paired.append(array.shape)
            array_at = len(shape) if array_at is None else array_at
            continue
        dim = next(dims)
        if isinstance(item, int):
            if isinstance(dim, int) and not -dim <= item < dim:
                raise ShapeError(f"index {item} is out of bounds for an axis of size {dim}")
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
                                 + " cannot be broadcast together") from None
        if gathered is None:
            return TensorType(x.dtype, None)
    if advanced:
        at = 0 if _array_axes_first(index, types) else array_at
        shape[at:at] = gathered
    return TensorType(x.dtype, tuple(shape))


def _array_axes_first(index: tuple, types: list[TensorType]) -> bool:
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
    items = _expand_ellipsis(index, rank)
    axis, at = 0, 0
    for item in items:
        if isinstance(item, Ref) and types[item.index].shape != ():
            return axis, 0 if _array_axes_first(index, types) else at
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
    return items


@dataclass(frozen=True)
class Scatter:
    """A cotangent that is zero except at `x[index]`, where it is `value`.

    Reverse mode adds it into an accumulator in place (`dx[1:] += g`) instead of building zeros first.
    """

    value: Sym
    refs: tuple
    index: tuple
    repeats: bool = False  # an integer index array may select an element several times

    def into(self, accumulator: Sym, first: bool) -> Sym:
        """`accumulator[index] = value` (first) or `+= value`, in place; `np.add.at` when indices repeat."""
        if self.repeats:
            return ops.add_at(accumulator, self.value, *self.refs, index=shift_refs(self.index, 1))
        prim = ops.setitem if first else ops.index_add
        return prim(accumulator, self.value, *self.refs, index=shift_refs(self.index, 1))


def _vjp_getitem(g, out, x, *refs, active=None, index=(), lanes=False):
    if lanes:  # several examples never read the same element, but an index array may repeat one
        return [Scatter(g, refs, index, repeats=True)] + [None] * len(refs)
    if x.rank is not None and not refs and all(i is None or i is Ellipsis or i == slice(None) for i in index):
        # `x[:, None, :]` only inserts axes: its cotangent removes them again, no scatter needed
        items = _expand_ellipsis(index, x.rank)
        inserted = tuple(axis for axis, item in enumerate(items) if item is None)
        full = materialize(g, out.type, out)
        return [ops.squeeze(full, axis=inserted[0] if len(inserted) == 1 else inserted)]
    gathers = [r for r in refs if r.type.shape != () and r.type.dtype != "bool"]
    return [Scatter(g, refs, index, repeats=bool(gathers))] + [None] * len(refs)


def _lanes(lanes: bool) -> dict:
    return {"lanes": True} if lanes else {}


def shift_refs(index: tuple, offset: int) -> tuple:
    """Move argument references when the indexed value gains a leading argument (setitem's value)."""
    def move(item):
        if isinstance(item, Ref):
            return Ref(item.index + offset)
        if isinstance(item, slice):
            return slice(move(item.start), move(item.stop), move(item.step))
        return item

    return tuple(move(item) for item in index)


def _to_front(result: Sym, at: int, count: int) -> Sym:
    """Move axes `at .. at+count` of `result` to the front (where NumPy put a gather's axes elsewhere)."""
    if at == 0:
        return result
    rank = result.rank
    moved = tuple(range(at, at + count))
    return ops.transpose(result, axes=moved + tuple(a for a in range(rank) if a not in moved))


def _gathered(index: tuple, types: list[TensorType]) -> int:
    """How many axes the index arrays of `index` put in the result (a mask: one)."""
    arrays = advanced_items(index, types)
    if not arrays:
        return 0
    array = types[arrays[0].index]
    return 1 if array.dtype == "bool" else array.rank


def _lane_index(ctx, refs, batched, index):
    """The index of a batched array read (or written) with indices that differ between examples: a first index
    array `lane = np.arange(B)` (shaped to broadcast against the others) picks each example's own row."""
    if any(isinstance(item, Ref) and refs[item.index - 1].type.dtype == "bool" for item in index):
        raise BatchError("a boolean mask that differs between examples selects a different number of elements "
                         "in each; use np.where instead")
    rank = max((example_rank(r, b) for item in index if isinstance(item, Ref) and not isinstance(item, slice)
                for r, b in [(refs[item.index - 1], batched[item.index])]), default=0)
    lane = ops.arange(ctx.size)
    if rank:
        lane = ops.getitem(lane, index=(slice(None),) + (None,) * rank)
    return [lane] + refs, (Ref(1),) + shift_refs(index, 1)


def _batch_getitem(ctx, prim, args, batched, index=(), lanes=False):
    """`x[:, index]` for a batched `x`; an index that differs between examples gathers from an unbatched `x`
    (`x[i]`, the gathered axis moved to the front), or each example's own row of a batched one."""
    x, refs = args[0], list(args[1:])
    types = [a.type for a in args]
    if lanes:  # a vmap of a vmap: one more lane in front (each example's index arrays already come first)
        x = x if batched[0] else ctx.lift(x)
        lane_refs, lane_index = _lane_index(ctx, refs, batched, index)
        return ops.getitem(x, *lane_refs, index=lane_index, lanes=True)
    if any(isinstance(item, slice) and any(isinstance(b, Ref) and batched[b.index] for b in
                                           (item.start, item.stop, item.step)) for item in index):
        raise BatchError("a slice whose bounds differ between examples would give arrays of different shapes")
    if not any(batched[1:]):
        example_rank(x, True)
        moved = (slice(None),) + index
        result = ops.getitem(x, *refs, index=moved)
        if advanced_items(moved, types) and _array_axes_first(moved, types):
            result = _to_front(result, _gathered(moved, types), 1)
        return result
    if not batched[0] and len(advanced_items(index, types)) > 1:  # several index arrays (per example): each
        x, batched = ctx.lift(x), [True] + list(batched[1:])    # example's own row of a broadcast view
    if batched[0]:
        if None in index:
            raise BatchError("an index that differs between examples cannot be combined with None here; "
                             "expand the dimensions after indexing")
        example = [example_type(x.type)] + [example_type(r.type) if b else r.type for r, b in zip(refs, batched[1:])]
        lane_refs, lane_index = _lane_index(ctx, refs, batched, index)
        result = ops.getitem(x, *lane_refs, index=lane_index, lanes=True)
        if not advanced_items(index, example) or _array_axes_first(index, example):
            return result  # each example's result: its gathered axes (if any) first, as NumPy puts them here
        at = array_axis(index, example, len(example[0].shape))[1]
        gathered = len(broadcast_shapes([example[r.index].shape for r in advanced_items(index, example)]))
        if at == 0:
            return result
        order = list(range(result.rank))
        moved = order[1:1 + gathered]
        rest = order[1 + gathered:]
        return ops.transpose(result, axes=tuple([0] + rest[:at] + moved + rest[at:]))
    array = [types[r.index] for r in advanced_items(index, types)]
    if array and array[0].dtype == "bool":
        raise BatchError("a boolean mask that differs between examples selects a different number of elements "
                         "in each; use np.where instead")
    result = ops.getitem(x, *refs, index=index)
    located = array_axis(index, types, example_rank(x, False))
    return _to_front(result, located[1], 1)


def _batch_update(ctx, prim, args, batched, index=(), lanes=False, **params):
    """`x[:, index] = v` (or `+=`) on a batched `x` (a batched copy of `x` when only `v` is batched), `v`
    lined up with the region example by example; with an index that differs between examples (one integer per
    example and axis), `x[lane, i] = v`."""
    x, value, refs = args[0], args[1], list(args[2:])
    if not batched[0]:
        x = ctx.lift(x, writable=True)
    if lanes:  # a vmap of a vmap: one more lane in front; every element is still written once
        region = _infer_lanes([example_type(x.type)] + [example_type(r.type) if b else r.type
                                                        for r, b in zip(refs, batched[2:])], shift_refs(index, -1))
        if batched[1]:
            value = ctx.align(value, region.rank)
        lane_refs, lane_index = _lane_index(ctx, refs, [batched[0]] + list(batched[2:]), shift_refs(index, -1))
        return getattr(ops, prim.name)(x, value, *lane_refs, index=shift_refs(lane_index, 1), lanes=True,
                                       **params)
    if any(batched[2:]):
        accumulates = prim.name == "add_at"  # np.add.at adds every write: repeated elements are fine
        if not accumulates and (any(r.type.rank != 1 for r, b in zip(refs, batched[2:]) if b) or
                                any(r.type.shape != () for r, b in zip(refs, batched[2:]) if not b)):
            raise BatchError("assigning through index arrays that differ between examples is not supported yet; "
                             "index with one integer per axis")
        if None in index:
            raise BatchError("an index that differs between examples cannot be combined with None here")
        example = [example_type(x.type)] + [example_type(r.type) if b else r.type for r, b in zip(refs, batched[2:])]
        example_index = shift_refs(index, -1)
        region = _infer_getitem(example, {"index": example_index})
        if batched[1]:
            value = ctx.align(value, region.rank)
            if advanced_items(example_index, example) and not _array_axes_first(example_index, example):
                at = array_axis(example_index, example, len(example[0].shape))[1]
                gathered = len(broadcast_shapes([example[r.index].shape
                                                 for r in advanced_items(example_index, example)]))
                if at:  # each example's region has its index axes at `at`; with lanes they come first
                    rank = value.rank
                    order = [0] + list(range(1 + at, 1 + at + gathered)) + list(range(1, 1 + at)) + \
                        list(range(1 + at + gathered, rank))
                    value = ops.transpose(value, axes=tuple(order))
        lane_refs, lane_index = _lane_index(ctx, refs, [True] + list(batched[2:]), example_index)
        return getattr(ops, prim.name)(x, value, *lane_refs, index=shift_refs(lane_index, 1), lanes=True,
                                       **params)
    moved = (slice(None),) + index
    if batched[1]:
        types = [a.type for a in [x, value] + refs]
        region = _infer_getitem([example_type(x.type)] + [r.type for r in refs], {"index": shift_refs(index, -1)})
        value = ctx.align(value, region.rank)
        if advanced_items(moved, types) and _array_axes_first(moved, types):
            # NumPy puts the index array's axes first, then the batch axis: the value's batch axis goes there too
            gathered = _gathered(moved, types)
            order = list(range(1, gathered + 1)) + [0] + list(range(gathered + 1, value.rank))
            value = ops.transpose(value, axes=tuple(order))
    return getattr(ops, prim.name)(x, value, *refs, index=moved, **params)


register(Primitive(
    name="getitem", infer=_infer_getitem, family="indexing", batch=_batch_getitem,
    render=lambda args, p: cg.subscript(args[0], render_index(p["index"], args)),
    vjp=_vjp_getitem, jvp=lambda tangents, out, x, *refs, index=(), lanes=False: ops.getitem(
        tangents[0], *refs, index=index, **_lanes(lanes)),
    diff_args=(0,), temp_name="v", broadcast_tolerant=True,  # assignment into the scatter broadcasts
))


def _render_setitem(args, params):
    target = cg.subscript(args[0], render_index(params["index"], args))
    return [cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], args[1])])]


def _vjp_setitem(g, out, x, value, *refs, active=None, index=(), user=False, lanes=False):
    """The overwritten elements of `x` get no cotangent; `value` gets the region's (summed where it was
    broadcast into the region). Through an integer index array that repeats an element, only the write
    NumPy kept (the last) reaches the result, so the others get none."""
    gx = ops.setitem(ops.copy(g), 0.0, *refs, index=index, **_lanes(lanes)) if active is None or active[0] else None
    gv = None
    if active is None or active[1]:
        region = ops.getitem(g, *refs, index=shift_refs(index, -1), **_lanes(lanes))
        gathers = [r for r in refs if r.type.shape != () and r.type.dtype != "bool"]
        if gathers and not lanes:  # lanes: one scalar index per example, so no element is written twice
            region = _kept_writes(region, g, gathers, refs, shift_refs(index, -1))
        gv = sum_to(region, value.type, value)
    return [gx, gv] + [None] * len(refs)


def _kept_writes(region: Sym, g: Sym, arrays: list, refs: tuple, index: tuple) -> Sym:
    """`region` (the cotangent at `x[index]`) with zeros where an earlier write was overwritten by a later one
    through the same element (repeated entries of the index array, or repeated pairs of paired index arrays)."""
    from .symbolic import raise_missing_rank

    types = [g.type] + [r.type for r in refs]
    located = array_axis(index, types, g.rank)
    if located is None or region.rank is None or any(a.rank is None for a in arrays):
        raise_missing_rank(g.builder, "assignment through an index array")
    _, at = located
    axes = _gather_axes(index, types, g.rank)
    sizes = [Sym(g.builder, g.builder.dim(g.shape[axis], g.atom, axis)) for axis in axes]
    kept = ops.last_writes(*arrays, *sizes, count=len(arrays))
    trailing = region.rank - at - kept.rank
    if trailing:
        kept = ops.getitem(kept, index=(Ellipsis,) + (None,) * trailing)
    return ops.where(kept, region, 0.0)


def _gather_axes(index: tuple, types: list[TensorType], rank: int) -> list[int]:
    """The axis of the indexed array each integer index array of `index` selects along, in order."""
    axes, axis = [], 0
    for item in _expand_ellipsis(index, rank):
        if item is None:
            continue
        if isinstance(item, Ref) and types[item.index].shape != ():
            axes.append(axis)
        axis += 1
    return axes


def _last_writes_type(types, params) -> TensorType:
    count = params.get("count", 1)
    return TensorType("bool", broadcast_shapes([t.shape for t in types[:count]]))


def _render_last_writes(args, params):
    count = params.get("count", 1)
    if count == 1:
        return cg.call("_last_writes", args[0], args[1])
    return cg.call("_last_writes", cg.tuple_(*args[:count]), cg.tuple_(*args[count:]))


register(Primitive(
    name="setitem", family="indexing", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=_render_setitem, statement=True, batch=_batch_update,
    vjp=_vjp_setitem,
    jvp=lambda tangents, out, x, value, *refs, index=(), user=False, fresh=False, lanes=False: ops.setitem(
        _writable(tangents[0], x, fresh), tangents[1] if tangents[1] is not None else 0.0, *refs, index=index,
        **_lanes(lanes)),
    diff_args=(0, 1), extra={"in_place": True},
))
register(Primitive(
    name="last_writes", family="indexing", infer=_last_writes_type,
    batch=refuse("assignments through an index array that differs between examples are not supported yet"),
    render=_render_last_writes, temp_name="kept",
    extra={"helper": "last_writes"},
))
register(Primitive(
    name="index_add", family="indexing", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=lambda args, p: [cst.SimpleStatementLine([cst.AugAssign(
        cg.subscript(args[0], render_index(p["index"], args)), cst.AddAssign(), args[1])])],
    statement=True, extra={"in_place": True}, batch=_batch_update,
    # derivatives of generated code (second order): `x[index] += v` is linear in both
    vjp=lambda g, out, x, v, *refs, active=None, index=(), lanes=False: _vjp_update(g, v, refs, index, active,
                                                                                    lanes),
    jvp=lambda tangents, out, x, v, *refs, index=(), fresh=False, lanes=False: _jvp_update(
        "index_add", tangents, x, refs, index, fresh, lanes),
    diff_args=(0, 1),
))
def _render_add_at(args, params):
    index = params["index"]
    items = render_index(index, args)
    where = items[0] if len(items) == 1 and isinstance(index[0], Ref) else cg.subscript(cg.dotted("np.s_"), items)
    return [cst.SimpleStatementLine([cst.Expr(cg.call("np.add.at", args[0], where, args[1]))])]


register(Primitive(
    name="add_at", family="indexing", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=_render_add_at, statement=True, extra={"in_place": True}, batch=_batch_update,
    vjp=lambda g, out, x, v, *refs, active=None, index=(), lanes=False: _vjp_update(g, v, refs, index, active,
                                                                                    lanes),
    jvp=lambda tangents, out, x, v, *refs, index=(), fresh=False, lanes=False: _jvp_update(
        "add_at", tangents, x, refs, index, fresh, lanes),
    diff_args=(0, 1),
))
register(Primitive(
    name="iadd", family="elementwise", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=lambda args, p: [cst.SimpleStatementLine([cst.AugAssign(args[0], cst.AddAssign(), args[1])])],
    statement=True, extra={"in_place": True}, batch=batch_elementwise, cuda="({0} + {1})",
    vjp=lambda g, out, a, b, active=None: [g if active is None or active[0] else None,
                                           sum_to(g, b.type, b, out) if active is None or active[1] else None],
    jvp=lambda tangents, out, a, b: tangents[1] if tangents[0] is None else
    tangents[0] if tangents[1] is None else tangents[0] + tangents[1],
))


register(Primitive(
    name="isub", family="elementwise", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=lambda args, p: [cst.SimpleStatementLine([cst.AugAssign(args[0], cst.SubtractAssign(), args[1])])],
    statement=True, extra={"in_place": True}, batch=batch_elementwise, cuda="({0} - {1})",
    vjp=lambda g, out, a, b, active=None: [g if active is None or active[0] else None,
                                           -sum_to(g, b.type, b, out) if active is None or active[1] else None],
    jvp=lambda tangents, out, a, b: -tangents[1] if tangents[0] is None else
    tangents[0] if tangents[1] is None else tangents[0] - tangents[1],
))


def _vjp_update(g, v, refs, index, active, lanes=False):
    """`x[index] += v`: `x` gets the cotangent, `v` the region's (summed where `v` was broadcast into it)."""
    gv = None
    if active is None or active[1]:
        gv = sum_to(ops.getitem(g, *refs, index=shift_refs(index, -1), **_lanes(lanes)), v.type, v)
    return [g if active is None or active[0] else None, gv] + [None] * len(refs)


def _jvp_update(prim, tangents, x, refs, index, fresh=False, lanes=False):
    """The tangent of `x[index] += v`: the same update, of `x`'s tangent (or of zeros)."""
    tx, tv = tangents[:2]
    if tv is None:
        return tx
    return getattr(ops, prim)(_writable(tx, x, fresh), tv, *refs, index=index, **_lanes(lanes))


def _writable(tangent, x, fresh: bool):
    """The tangent an in-place update of `x` may write into: itself when the forward sweep says it belongs to
    `x` alone (`fresh`: made for it by an earlier update), else a copy, or zeros where `x` has none."""
    if tangent is None:
        return ops.zeros_like(x)
    return tangent if fresh else ops.copy(tangent)
register(Primitive(
    name="copy", family="indexing", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=lambda args, p: cg.method(args[0], "copy"),
    vjp=lambda g, out, x, active=None: [g], jvp=lambda tangents, out, x: tangents[0], broadcast_tolerant=True,
    batch=lambda ctx, prim, args, batched: ops.copy(args[0]),
    extra={"fresh": True},  # a new array each time: never reused for another `copy` of the same value
))


def slice_along(x: Sym, start: Sym, stop: Sym, axis: int) -> Sym:
    """`x[:, ..., start:stop]` with the slice on `axis` (literal bounds stay literal)."""
    args, bounds = [], []
    for bound in (start, stop):
        if isinstance(bound.atom, Const):
            bounds.append(bound.atom.value)
        else:
            args.append(bound)
            bounds.append(Ref(len(args)))
    return ops.getitem(x, *args, index=(slice(None),) * axis + (slice(*bounds),))


def take_along(x: Sym, position: int, axis: int) -> Sym:
    """`x[:, ..., position]` with the integer on `axis`."""
    return ops.getitem(x, index=(slice(None),) * axis + (position,))


def _infer_dim(types, params) -> TensorType:
    x = types[0]
    axis = params["axis"]
    return TensorType("i64", (), value=x.shape[axis] if x.shape is not None else fresh_dim())


register(Primitive(  # a shape entry is the same for every example: the result stays unbatched
    name="dim", infer=_infer_dim, family="indexing",
    batch=lambda ctx, prim, args, batched, axis=0: (ops.dim(args[0], axis=normalized(axis, args[0].rank - 1) + 1),
                                                    False),
    render=lambda args, p: cg.subscript(cg.attr(args[0], "shape"), [cg.literal(p["axis"])]),
    temp_name="size",
))

register(Primitive(
    name="tuple_get", infer=lambda types, p: p["type"], family="indexing",
    render=lambda args, p: cg.subscript(args[0], [cg.literal(p["index"])]), temp_name="ct",
    batch=refuse("batching a vjp of a kernel that returns a tuple is not supported yet"),
))


def _render_batch_size(args, params):
    sizes = {name: cg.subscript(cg.attr(arg, "shape"), [cg.literal(axis)])
             for name, arg, axis in zip(params["names"], args, params["axes"])}
    return cg.call("_batch_size", **sizes)


register(Primitive(  # vmap: the batch size all batched arguments share (a clear error when they differ)
    name="batch_size", family="indexing", render=_render_batch_size, temp_name="size",
    infer=lambda types, p: TensorType("i64", (), value=p["dim"]), extra={"helper": "batch_size", "check": True},
    batch=lambda ctx, prim, args, batched, axes=(), names=(), dim=None: (ops.batch_size(
        *args, axes=tuple(a + 1 if b else a for a, b in zip(axes, batched)), names=names, dim=dim), False),
))
