"""Sorting along an axis: `sort` (NumPy's own np.sort, so its bits), `argsort`, and `permute_along`, the gather
through a permutation that carries sort's derivatives.

Sorting moves each element to the place its rank says: the tangent is moved the same way (the stable sorting
permutation, NumPy's tie order), and the cotangent is moved back through the inverse permutation (the argsort of
the permutation). Where elements tie the function has no derivative; the stable order gives the one-sided slope
of the first in the order.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, normalize_axis
from .batching import example_rank
from .registry import Primitive, register
from .symbolic import ops


def _along(types, params) -> TensorType:
    (x, *_) = types
    if x.rank is None:
        raise ShapeError("sorting needs the rank of its argument; annotate it")
    if x.rank == 0:
        raise ShapeError("sorting along an axis needs an array of rank 1 or more (np.sort(x, axis=None) flattens)")
    normalize_axis(params.get("axis", -1), x.rank)
    return x


def _permutation(x, axis: int):
    return ops.argsort(x, axis=axis, kind="stable")


def _batched_axis(x, axis: int) -> int:
    return normalize_axis(axis, example_rank(x, True)) + 1


register(Primitive(
    name="sort", infer=_along, family="structured",
    render=lambda args, p: cg.call("np.sort", args[0], axis=p.get("axis", -1), kind=p.get("kind")),
    vjp=lambda g, out, x, active=None, axis=-1, kind=None: [
        ops.permute_along(g, ops.argsort(_permutation(x, axis), axis=axis, kind="stable"), axis=axis)],
    jvp=lambda tangents, out, x, axis=-1, kind=None: ops.permute_along(tangents[0], _permutation(x, axis), axis=axis),
    batch=lambda ctx, prim, args, batched, axis=-1, kind=None: ops.sort(
        args[0], axis=_batched_axis(args[0], axis), **({"kind": kind} if kind else {})),
    temp_name="s",
))

register(Primitive(
    name="argsort", family="structured", temp_name="order",
    infer=lambda types, p: _along(types, p).with_dtype("i64"),
    render=lambda args, p: cg.call("np.argsort", args[0], axis=p.get("axis", -1), kind=p.get("kind")),
    batch=lambda ctx, prim, args, batched, axis=-1, kind=None: ops.argsort(
        args[0], axis=_batched_axis(args[0], axis), **({"kind": kind} if kind else {})),
))


def _batch_permute(ctx, prim, args, batched, axis=-1):
    x, order = (a if b else ctx.lift(a) for a, b in zip(args, batched))
    return ops.permute_along(x, order, axis=_batched_axis(x, axis))


# `x` gathered along `axis` through `order`, a permutation of that axis (only sort's rules bind it): its adjoint
# gathers through the inverse permutation, so no scatter is needed
register(Primitive(
    name="permute_along", family="structured", temp_name="p", diff_args=(0,),
    infer=lambda types, p: _along(types[:1], p),
    render=lambda args, p: cg.call("np.take_along_axis", args[0], args[1], axis=p["axis"]),
    vjp=lambda g, out, x, order, active=None, axis=-1: [
        ops.permute_along(g, ops.argsort(order, axis=axis, kind="stable"), axis=axis), None],
    jvp=lambda tangents, out, x, order, axis=-1: ops.permute_along(tangents[0], order, axis=axis),
    batch=_batch_permute,
))
