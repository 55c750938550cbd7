"""Batching rules of reads and writes through an index (vmap): the batch axis goes first, and an index that
differs between examples picks each example's own row through a leading `np.arange(B)` lane index."""
from __future__ import annotations

from ...ir.types import broadcast_shapes
from ..batching import BatchError, example_rank, example_type
from ..symbolic import Sym, ops
from .items import (Ref, advanced_items, array_axes_first, array_axis, gathered_rank, infer_getitem, infer_lanes,
                    shift_refs)


def _to_front(result: Sym, at: int, count: int) -> Sym:
    """Move axes `at .. at+count` of `result` to the front (where NumPy put a gather's axes elsewhere)."""
    if at == 0:
        return result
    rank = result.rank
    moved = tuple(range(at, at + count))
    return ops.transpose(result, axes=moved + tuple(a for a in range(rank) if a not in moved))


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


def batch_getitem(ctx, prim, args, batched, index=(), lanes=False):
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
        if advanced_items(moved, types) and array_axes_first(moved, types):
            result = _to_front(result, gathered_rank(moved, types), 1)
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
        if not advanced_items(index, example) or array_axes_first(index, example):
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


def batch_update(ctx, prim, args, batched, index=(), lanes=False, **params):
    """`x[:, index] = v` (or `+=`) on a batched `x` (a batched copy of `x` when only `v` is batched), `v`
    lined up with the region example by example; with an index that differs between examples (one integer per
    example and axis), `x[lane, i] = v`."""
    x, value, refs = args[0], args[1], list(args[2:])
    if not batched[0]:
        x = ctx.lift(x, writable=True)
    if lanes:  # a vmap of a vmap: one more lane in front; every element is still written once
        region = infer_lanes([example_type(x.type)] + [example_type(r.type) if b else r.type
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
        region = infer_getitem(example, {"index": example_index})
        if batched[1]:
            value = ctx.align(value, region.rank)
            if advanced_items(example_index, example) and not array_axes_first(example_index, example):
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
        region = infer_getitem([example_type(x.type)] + [r.type for r in refs], {"index": shift_refs(index, -1)})
        value = ctx.align(value, region.rank)
        if advanced_items(moved, types) and array_axes_first(moved, types):
            # NumPy puts the index array's axes first, then the batch axis: the value's batch axis goes there too
            gathered = gathered_rank(moved, types)
            order = list(range(1, gathered + 1)) + [0] + list(range(gathered + 1, value.rank))
            value = ops.transpose(value, axes=tuple(order))
    return getattr(ops, prim.name)(x, value, *refs, index=moved, **params)
