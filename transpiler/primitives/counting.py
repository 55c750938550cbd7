"""Searching and counting through NumPy's own functions: `searchsorted`, `isin` and `bincount`.

Each is one NumPy call in the generated module, so its time and memory are NumPy's (a binary search, a sort, one
pass over the elements), where a composition of comparisons and sums would hold an element-by-bin table (a
`bincount` of a million values up to a million is 10**12 entries). The results are integers or booleans, except
`bincount`'s weighted sums, whose derivative in the weights is a gather (reverse) and the same sum of the tangents
(forward). Batching: the values searched, the elements tested and the weights batch through the same call; a
batched sorted array or test set falls back to the comparisons, one example per row; a batched `bincount` input
would give each example its own length, which vmap refuses, unless the call is `bounded` (np.histogram's: every
position below the least length, so the result has exactly that length and each example's positions are moved past
the earlier examples' bins).
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, fresh_dim
from .batching import BatchError, example_rank
from .indexing.items import Ref
from .registry import Primitive, register
from .symbolic import ops


def _one_dimensional(t: TensorType, what: str) -> None:
    if t.rank != 1:
        raise ShapeError(f"{what} must be 1-D")


def _infer_searchsorted(types, params) -> TensorType:
    a, v = types
    _one_dimensional(a, "np.searchsorted's sorted array")
    if a.dtype != v.dtype:
        raise ShapeError("np.searchsorted's operands are compared in one dtype (the frontend converts them)")
    return TensorType("i64", v.shape)


def _before(p, q):
    """`p` comes before `q` in NumPy's sort order, NaN last: `p < q or (isnan(q) and not isnan(p))`."""
    less = ops.less(p, q)
    if p.type.dtype not in ("f32", "f64"):
        return less
    return ops.logical_or(less, ops.logical_and(ops.isnan(q), ops.logical_not(ops.isnan(p))))


def _batch_searchsorted(ctx, prim, args, batched, side="left"):
    """Batched values search one array through NumPy's call; a batched sorted array counts, per example and value,
    the elements before the value (`a` is checked sorted, so the count is what the binary search finds)."""
    a, v = args
    if not batched[0]:
        return ops.searchsorted(a, v, side=side)
    column, rows = _against_rows(ctx, v, batched[1], a)
    hits = _before(rows, column) if side == "left" else ops.logical_not(_before(column, rows))
    return ops.sum(hits, axis=-1)


def _against_rows(ctx, values, batched: bool, table):
    """Each example's `values` with a last axis of 1, and its 1-D `table` along a last axis: every value meets every
    entry of its own example's table."""
    values = values if batched else ctx.lift(values)
    rank = example_rank(values, True)
    return ops.expand_dims(values, axis=rank + 1), ops.getitem(table, index=(slice(None),) + (None,) * rank +
                                                               (slice(None),))


register(Primitive(
    name="searchsorted", family="structured", temp_name="position", infer=_infer_searchsorted,
    render=lambda args, p: cg.call("np.searchsorted", args[0], args[1],
                                   side=None if p.get("side", "left") == "left" else p["side"]),
    batch=_batch_searchsorted,
))


def _infer_isin(types, params) -> TensorType:
    x, tests = types
    _one_dimensional(tests, "np.isin's test elements (flattened by the frontend)")
    return TensorType("bool", x.shape)


def _batch_isin(ctx, prim, args, batched, invert=False):
    """Batched elements meet one test set through NumPy's call; a batched test set compares every element with
    every test element of its own example (`==`, as each of NumPy's methods decides)."""
    x, tests = args
    if not batched[1]:
        return ops.isin(x, tests, invert=invert)
    column, rows = _against_rows(ctx, x, batched[0], tests)
    found = ops.any(ops.equal(column, rows), axis=-1)
    return ops.logical_not(found) if invert else found


register(Primitive(
    name="isin", family="structured", temp_name="found", infer=_infer_isin,
    render=lambda args, p: cg.call("np.isin", args[0], args[1], invert=True if p.get("invert") else None),
    batch=_batch_isin,
))


def _infer_bincount(types, params) -> TensorType:
    """`bincount(x)`, `bincount(x, weights)`, or `bincount(x, weights, length)` with a run-time least length (vmap's
    rule: the batch's bins). `bounded`: every position is below the least length (the caller's guarantee), so a
    `minlength` is the result's length."""
    x, *rest = types
    _one_dimensional(x, "np.bincount's `x`")
    if x.dtype != "i64" or rest and (rest[0].dtype != "f64" or rest[0].rank != 1):
        raise ShapeError("np.bincount counts int64 positions with 1-D float64 weights (the frontend converts them "
                         "and checks their length)")
    length = params.get("minlength", 0) if params.get("bounded") and len(rest) < 2 else fresh_dim()
    return TensorType("f64" if rest else "i64", (length,))


def _vjp_bincount(g, out, x, weights, *length, active=None, minlength=0, bounded=False):
    """Each weight is added into its element's bin: its cotangent is that bin's, with the weights' shape (the
    frontend checked at run time that `x` is as long; `np.bincount([1, 2, 5], weights=w)` with `w: "f64[n]"`)."""
    gathered = ops.getitem(g, x, index=(Ref(1),))
    if gathered.shape != weights.shape:
        gathered = ops.reshape_like(gathered, weights)
    return [None, gathered] + [None] * len(length)


def _jvp_bincount(tangents, out, x, weights, *length, minlength=0, bounded=False):
    return ops.reshape_like(ops.bincount(x, tangents[1], *length, minlength=minlength, bounded=bounded), out)


def _batch_bincount(ctx, prim, args, batched, minlength=0, bounded=False):
    """Weights batched over one `x`: example k's positions moved past the k earlier examples' bins, one call over
    all of them (each bin still adds its weights in the order of `x`, so each example's sums are its own)."""
    if bounded:
        return _batch_bounded(ctx, args, batched, minlength)
    if batched[0]:
        raise BatchError("np.bincount's result has one bin per value up to the largest element, which differs "
                         "between examples")
    if len(args) > 2:
        raise BatchError("np.bincount's weights under two vmaps are not supported", "vmap over one axis")
    x, weights = args
    length = ops.dim(ops.bincount(x, minlength=minlength), axis=0)
    return _stacked_bins(ctx, ops.expand_dims(x, axis=0), weights, length)


def _batch_bounded(ctx, args, batched, minlength):
    """A bounded call (each example's positions below its least length L): without weights the counts are sums of
    float64 ones (exact below 2**53)."""
    x, *rest = args
    length = rest[1] if len(rest) > 1 else minlength
    x = x if batched[0] else ctx.lift(x)
    weights = (rest[0] if batched[1] else ctx.lift(rest[0])) if rest else ops.ones_like(x, dtype="f64")
    sums = _stacked_bins(ctx, x, weights, length)
    return sums if rest else ops.astype(sums, dtype="i64")


def _stacked_bins(ctx, x, weights, length):
    """Example k's positions (row k of `x`, or the one row it broadcasts) moved past the k earlier examples' `length`
    bins: one bincount over all of them, each bin adding its weights in the order of `x`, so each example's sums are
    its own."""
    first = ops.multiply(ops.expand_dims(ops.arange(ctx.size), axis=1), length)
    positions = ops.reshape(ops.add(first, x), -1)
    sums = ops.bincount(positions, ops.reshape(weights, -1), ops.multiply(ctx.size, length))
    return ops.reshape(sums, ctx.size, length)


def _render_bincount(args, p):
    """NumPy returns int64 zeros for an empty `x` even with weights; the weighted sums are typed float64, so that
    call is cast (no copy where NumPy already gives float64)."""
    counts = cg.call("np.bincount", *args, minlength=p.get("minlength") or None)
    return cg.method(counts, "astype", cg.dotted("np.float64"), copy=False) if len(args) > 1 else counts


register(Primitive(
    name="bincount", family="structured", temp_name="counts", infer=_infer_bincount, render=_render_bincount,
    vjp=_vjp_bincount, jvp=_jvp_bincount, diff_args=(1,), batch=_batch_bincount,
))
