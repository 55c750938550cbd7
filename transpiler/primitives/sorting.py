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


# -- np.unique's values: no derivative where two elements tie ---------------------------------------------------
# np.unique keeps one of each run of equal values of its sorted operand: where two elements of the operand are
# equal, any move of one of them splits the run and changes the result's length, so the values have no derivative
# there (no convention of the sort's, such as the cotangent on the first of the tied, is one). `distinct_sorted`
# is its sorted operand itself; its JVP and VJP first check at run time that no two neighbours along `axis` are
# equal (NaNs compare unequal: they stay NaN under any move) and raise a ValueError naming the np.unique call
# (`where`, its file:line:col) otherwise. The primal never checks: the values themselves are NumPy's at ties.
# The set functions built on np.unique (frontend/unique_forms.py) jump the same way where a value repeats within
# one argument or is shared by the two: they name themselves (`name`), and np.setdiff1d, whose values are read
# from its first argument where np.isin finds them absent from the second, passes that np.isin mask as a second
# operand `shared`: any True in it is a shared value (the operand's neighbours are then not compared: with
# `assume_unique=True` it is not sorted, and a value repeated within it is kept once per occurrence, smoothly),
# and the second argument as a third, `other`: it has no path to the result but the mask, yet a move of it
# makes a shared value appear, so its derivative (zero where nothing is shared) passes through the same check.
TIED = ("{loc}: np.unique has no derivative where its argument holds repeated values (a move of one of them "
        "changes the number of unique values)")
SET_TIED = ("{loc}: {name} has no derivative where its arguments hold repeated values (within one or shared "
            "between the two: a move of one of them changes the result's length)")


def _no_ties(s, shared, axis: int, where: str | None, name: str | None) -> None:
    """The run-time check of the derivative rules: no two neighbours of the sorted `s` equal along `axis` (or,
    given `shared`, no True in it)."""
    builder = s.builder
    if shared is None:
        before = (slice(None),) * axis
        ahead = ops.getitem(s, index=before + (slice(1, None),))
        behind = ops.getitem(s, index=before + (slice(None, -1),))
        tied = ops.any(ops.equal(ahead, behind), axis=None)
    else:
        tied = ops.any(shared, axis=None)
    loc = where or builder.loc or name or "np.unique"
    builder.bind("check_assert", [ops.logical_not(tied).atom],
                 {"message": TIED.format(loc=loc) if name is None else SET_TIED.format(loc=loc, name=name),
                  "error": "ValueError"})


def _distinct_jvp(tangents, out, s, shared=None, other=None, axis=0, where=None, name=None):
    _no_ties(s, shared, axis, where, name)
    return tangents[0]


def _distinct_vjp(g, out, s, shared=None, other=None, active=None, axis=0, where=None, name=None):
    _no_ties(s, shared, axis, where, name)
    return [g] if shared is None else [g, None, None]


def _batch_distinct(ctx, prim, args, batched, axis=0, where=None, name=None):
    lifted = [a if b else ctx.lift(a) for a, b in zip(args, batched)] if len(args) > 1 else args
    return ops.distinct_sorted(*lifted, axis=axis + 1, where=where, **({"name": name} if name else {}))


register(Primitive(
    name="distinct_sorted", family="structured", temp_name="s", infer=lambda types, p: types[0], diff_args=(0, 2),
    render=lambda args, p: args[0], vjp=_distinct_vjp, jvp=_distinct_jvp, batch=_batch_distinct, views=True,
))
