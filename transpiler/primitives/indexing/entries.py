"""The indexing entries of the registry: reads (`getitem`), writes (`setitem`, `index_add`, `add_at`),
`copy`, shape entries (`dim`) and vmap's batch size, each with its shape rule, derivatives and batching rule.

A read's reverse rule scatters the cotangent into zeros; basic indexing selects each element at most once, so
plain assignment is exact, and writes through integer index arrays keep NumPy's last-write-wins meaning.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ... import codegen as cg
from ...ir import Const
from ...ir.types import TensorType, broadcast_shapes, fresh_dim
from ..batching import normalized, refuse
from ..registry import Primitive, register
from ..symbolic import Sym, materialize, ops, raise_missing_rank, sum_to
from .batch_rules import batch_getitem, batch_update
from .indexed import indexed_read
from .items import Ref, array_axis, expand_ellipsis, gather_axes, infer_getitem, render_index, shift_refs


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
        items = expand_ellipsis(index, x.rank)
        inserted = tuple(axis for axis, item in enumerate(items) if item is None)
        full = materialize(g, out.type, out)
        return [ops.squeeze(full, axis=inserted[0] if len(inserted) == 1 else inserted)]
    gathers = [r for r in refs if r.type.shape != () and r.type.dtype != "bool"]
    return [Scatter(g, refs, index, repeats=bool(gathers))] + [None] * len(refs)


def _lanes(lanes: bool) -> dict:
    return {"lanes": True} if lanes else {}


def _indexed(types, params):
    """`x[index]` element by element (see indexed.py), for a backend that reads a gather or adds a scatter
    through its index arrays; None for vmap's per-lane indexing, whose meaning differs."""
    return None if params.get("lanes") else indexed_read(params["index"], types)


def _basic(args, params) -> bool:
    """Basic indexing (integers, slices, None, Ellipsis) gives a view; an index array (a gather, a mask) a copy."""
    return not any(a.type.shape != () for a in args[1:])


register(Primitive(
    name="getitem", infer=infer_getitem, family="indexing", batch=batch_getitem, views=_basic,
    render=lambda args, p: cg.subscript(args[0], render_index(p["index"], args)),
    vjp=_vjp_getitem, jvp=lambda tangents, out, x, *refs, index=(), lanes=False: ops.getitem(
        tangents[0], *refs, index=index, **_lanes(lanes)),
    diff_args=(0,), temp_name="v", broadcast_tolerant=True,  # assignment into the scatter broadcasts
    extra={"indexed": _indexed},
))


register(Primitive(  # a backend reading `x[index]` element by element raises NumPy's IndexError first
    name="check_index", family="indexing", infer=lambda types, p: TensorType("bool", ()),
    render=lambda args, p: [cst.Expr(cg.call("_check_index", args[0], cg.subscript(  # (the size of `size_axis`: a
        cg.attr(args[1], "shape"), [cg.literal(p.get("size_axis", p["axis"]))]), cg.literal(p["axis"])))],  # stand-in)
    statement=True, extra={"check": True, "effect": True, "helper": "check_index"},
    batch=refuse("the index check a backend adds after every transform is not batched"),
))


register(Primitive(  # a reduction without identity nobody uses: NumPy's ValueError on an empty axis, not its work
    name="check_nonempty", family="indexing", infer=lambda types, p: TensorType("bool", ()),
    render=lambda args, p: [cst.Expr(cg.call("_check_nonempty", cg.subscript(  # (`size_axis`: as check_index's)
        cg.attr(args[0], "shape"), [cg.literal(p.get("size_axis", p["axis"]))]), cg.dotted(f"np.{p['reduction']}")))],
    statement=True, extra={"check": True, "effect": True, "helper": "check_nonempty"},
    batch=refuse("the empty-axis check dead-code elimination adds after every transform is not batched"),
))


def _render_setitem(args, params):
    target = cg.subscript(args[0], render_index(params["index"], args))
    return [cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], args[1])])]


def _vjp_setitem(g, out, x, value, *refs, active=None, index=(), user=False, lanes=False, fresh=False):
    """The overwritten elements of `x` get no cotangent; `value` gets the region's (summed where it was
    broadcast into the region). Through an integer index array that repeats an element, only the write
    NumPy kept (the last) reaches the result, so the others get none. `fresh`: `g` belongs to the result
    alone, so `x`'s cotangent is `g` itself with the region zeroed (after `value`'s is read out of it)."""
    # (a mask's selection, batched, is all of `g`, and cannot be copied: zero a copy of `g` there)
    fresh = fresh and not lanes and not any(r.type.dtype == "bool" for r in refs)
    gv = None
    if active is None or active[1]:
        region = ops.getitem(g, *refs, index=shift_refs(index, -1), **_lanes(lanes))
        gathers = [r for r in refs if r.type.shape != () and r.type.dtype != "bool"]
        if gathers and not lanes:  # lanes: one scalar index per example, so no element is written twice
            region = _kept_writes(region, g, gathers, refs, shift_refs(index, -1))
        elif fresh and region.rank != 0:
            region = ops.copy(region)  # a view of `g`, whose region is zeroed next
        gv = sum_to(region, value.type, value)
    gx = None
    if active is None or active[0]:
        gx = ops.setitem(g if fresh else ops.copy(g), 0.0, *refs, index=index, **_lanes(lanes))
    return [gx, gv] + [None] * len(refs)


def _kept_writes(region: Sym, g: Sym, arrays: list, refs: tuple, index: tuple) -> Sym:
    """`region` (the cotangent at `x[index]`) with zeros where an earlier write was overwritten by a later one
    through the same element (repeated entries of the index array, or repeated pairs of paired index arrays)."""
    types = [g.type] + [r.type for r in refs]
    located = array_axis(index, types, g.rank)
    if located is None or region.rank is None or any(a.rank is None for a in arrays):
        raise_missing_rank(g.builder, "assignment through an index array")
    _, at = located
    axes = gather_axes(index, types, g.rank)
    sizes = [Sym(g.builder, g.builder.dim(g.shape[axis], g.atom, axis)) for axis in axes]
    kept = ops.last_writes(*arrays, *sizes, count=len(arrays))
    trailing = region.rank - at - kept.rank
    if trailing:
        kept = ops.getitem(kept, index=(Ellipsis,) + (None,) * trailing)
    return ops.where(kept, region, 0.0)


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
    render=_render_setitem, statement=True, batch=batch_update,
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
    statement=True, extra={"in_place": True}, batch=batch_update,
    # derivatives of generated code (second order): `x[index] += v` is linear in both
    vjp=lambda g, out, x, v, *refs, active=None, index=(), lanes=False, fresh=False: _vjp_update(
        g, v, refs, index, active, lanes),
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
    render=_render_add_at, statement=True, extra={"in_place": True, "indexed": _indexed}, batch=batch_update,
    vjp=lambda g, out, x, v, *refs, active=None, index=(), lanes=False, fresh=False: _vjp_update(
        g, v, refs, index, active, lanes),
    jvp=lambda tangents, out, x, v, *refs, index=(), fresh=False, lanes=False: _jvp_update(
        "add_at", tangents, x, refs, index, fresh, lanes),
    diff_args=(0, 1),
))


def _vjp_update(g, v, refs, index, active, lanes=False):
    """`x[index] += v`: `x` gets the cotangent, `v` the region's (summed where `v` was broadcast into it). Where
    `x` gets `g` itself, the region `v` gets is a copy, not a view of `g`: an earlier write into that region
    (`x[index] = 0.0` before it) zeroes it in `g` in place when its pull-back comes, after this one."""
    gv = None
    if active is None or active[1]:
        region = ops.getitem(g, *refs, index=shift_refs(index, -1), **_lanes(lanes))
        if (active is None or active[0]) and region.rank != 0 and not any(r.type.shape != () for r in refs):
            region = ops.copy(region)  # (an index array's or a mask's selection is a copy already)
        gv = sum_to(region, v.type, v)
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
    # `scalar`: `np.array(x)` of a scalar, which may be a Python number at run time (no `.copy()` method)
    render=lambda args, p: cg.call("np.array", args[0]) if p.get("scalar") else cg.method(args[0], "copy"),
    vjp=lambda g, out, x, active=None, **p: [g], jvp=lambda tangents, out, x, **p: tangents[0],
    broadcast_tolerant=True, batch=lambda ctx, prim, args, batched, **p: ops.copy(args[0]),
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
    # `x.shape[0]` is a Python int: weak, as a literal (a float32 array times it stays float32)
    return TensorType("i64", (), weak=True, value=x.shape[axis] if x.shape is not None else fresh_dim())


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
