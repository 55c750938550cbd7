"""Reductions over `axis` (an int, a tuple, or None for all) with `keepdims`.

Cotangents come back through `unreduce` (the reduced axes re-inserted with size 1), so they stay cheap
broadcastable arrays until an operation actually needs the full shape.
"""
from __future__ import annotations

from typing import Callable

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType
from .batching import batch_reduction, example_rank
from .registry import Primitive, register
from .symbolic import Sym, count, ops, reduced_axes, unreduce


def reduction_rule(result: str) -> Callable:
    """The shape and dtype rule of a reduction; `result` names its dtype: "same", "bool", "float", "sum" (small
    integers in int64) or "index"."""
    def infer(types: list[TensorType], params) -> TensorType:
        (x,) = types
        axis, keepdims = params.get("axis"), params.get("keepdims", False)
        dtype = x.dtype
        if result == "bool":
            dtype = "bool"
        elif result == "float" and dtype not in ("f32", "f64"):
            dtype = "f64"
        elif result == "sum" and dtype in ("bool", "i32"):  # NumPy adds and multiplies small integers in int64
            dtype = "i64"
        elif result == "index":
            dtype = "i64"
        if x.shape is None:
            if axis is None and not keepdims:
                return TensorType(dtype, ())
            return TensorType(dtype, None)
        try:
            axes = reduced_axes(len(x.shape), axis)
        except ShapeError:
            raise
        if keepdims:
            shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return TensorType(dtype, shape)

    return infer


def _render(func: str) -> Callable:
    def render(args, params):
        extra = {k: v for k, v in params.items() if k not in ("axis", "keepdims")}
        return cg.call(func, args[0], axis=params.get("axis"), **extra, keepdims=params.get("keepdims") or None)

    return render


def reduction(name: str, vjp: Callable, jvp: Callable, func: str | None = None, result: str = "same",
              cuda: str | None = None, imports: str | None = None, empty_raises: bool = False) -> Primitive:
    """`empty_raises`: NumPy raises ValueError on an empty operand (no identity), unless `initial=` is given."""
    return register(Primitive(
        name=name, infer=reduction_rule(result), render=_render(func or f"np.{name}"), family="reduction",
        vjp=lambda g, out, x, active=None, axis=None, keepdims=False, **extra: [vjp(g, out, x, axis, keepdims, **extra)],
        jvp=lambda tangents, out, x, axis=None, keepdims=False, **extra: jvp(tangents[0], out, x, axis, keepdims,
                                                                             **extra),
        cuda=cuda, batch=batch_reduction, broadcast_tolerant=True, imports=imports, temp_name="s",
        extra={"empty_raises": True} if empty_raises else {},
    ))


def _ties(x: Sym, out: Sym, axis, keepdims) -> tuple[Sym, Sym]:
    """Where the extreme value sits, and how many elements share it (ties share equally, as in JAX)."""
    mask = x == unreduce(out, x, axis, keepdims)
    return mask, ops.sum(mask, axis=axis, keepdims=True)


def _share(x: Sym, out: Sym, axis, keepdims) -> Sym:
    mask, ties = _ties(x, out, axis, keepdims)
    return mask / ties


def _extreme_vjp(g: Sym, out: Sym, x: Sym, axis, keepdims) -> Sym:
    """The cotangent divided by the tie count on the reduced shape, then spread: one pass over x fewer."""
    mask, ties = _ties(x, out, axis, keepdims)
    return mask * (unreduce(g, x, axis, keepdims) / ties)


def _softmax(x: Sym, out: Sym, axis, keepdims) -> Sym:
    return ops.exp(x - unreduce(out, x, axis, keepdims))


reduction("sum",
          lambda g, y, x, axis, keepdims: unreduce(g, x, axis, keepdims),
          lambda t, y, x, axis, keepdims: ops.sum(t, axis=axis, keepdims=keepdims),
          result="sum", cuda="add")
reduction("mean",
          lambda g, y, x, axis, keepdims: unreduce(g, x, axis, keepdims) / count(x, axis),
          lambda t, y, x, axis, keepdims: ops.mean(t, axis=axis, keepdims=keepdims),
          result="float", cuda="add")
reduction("max",
          _extreme_vjp,
          lambda t, y, x, axis, keepdims: ops.sum(t * _share(x, y, axis, keepdims), axis=axis, keepdims=keepdims),
          cuda="max", empty_raises=True)
reduction("min",
          _extreme_vjp,
          lambda t, y, x, axis, keepdims: ops.sum(t * _share(x, y, axis, keepdims), axis=axis, keepdims=keepdims),
          cuda="min", empty_raises=True)
def _others(x: Sym, axis) -> Sym:
    """For each entry, the product of the OTHER entries it is reduced with: the running products before it and
    after it, multiplied (no division, so exact where entries are 0, at every order: see `scans`)."""
    return ops.prod_others(x, axis=tuple(axis) if isinstance(axis, list) else axis)


reduction("prod",
          lambda g, y, x, axis, keepdims: unreduce(g, x, axis, keepdims) * _others(x, axis),
          lambda t, y, x, axis, keepdims: ops.sum(t * _others(x, axis), axis=axis, keepdims=keepdims),
          result="sum", cuda="mul")
reduction("logsumexp",
          lambda g, y, x, axis, keepdims: unreduce(g, x, axis, keepdims) * _softmax(x, y, axis, keepdims),
          lambda t, y, x, axis, keepdims: ops.sum(t * _softmax(x, y, axis, keepdims), axis=axis, keepdims=keepdims),
          func="scipy.special.logsumexp", result="float", imports="scipy.special")



# np.linalg.norm(x) of the whole array (ord None, 'fro' of a matrix, 2 of a vector, no axis): NumPy computes
# `sqrt(x.ravel(order='K').dot(...))`, a BLAS dot in the array's memory order, whose bits `sqrt(np.sum(x * x))`
# (the norm along axes) does not give; the NumPy backend calls np.linalg.norm itself, the C targets write it out
# (backends/c/norm.py). d norm = x / norm: 0 / 0 at x = 0, as the chain through sqrt and autograd's rule give (a
# singular rule: transforms/peel.py runs a loop's trips from a zero constant start on their own). `axis` is set
# by vmap only: the trailing axes of each example, whose norm is the helper `_norm_each`'s (each example in its
# own memory order, as np.linalg.norm of the example reads it).
def _batch_norm(ctx, prim, args, batched, axis=None, keepdims=False):
    """The examples' axes renumbered past the batch axis."""
    (x,) = args
    rank = example_rank(x, True)
    examples = tuple(range(1, rank + 1)) if axis is None else tuple(a + 1 for a in axis)
    return ctx.bind(prim.name, [x], {"axis": examples, "keepdims": keepdims})


def _render_norm(args, p):
    if p.get("axis") is None:
        return cg.call("np.linalg.norm", args[0], keepdims=p.get("keepdims") or None)
    return cg.call("_norm_each", args[0], p["axis"], keepdims=p.get("keepdims") or None)


def _norm_vjp(g, out, x, active=None, axis=None, keepdims=False):
    return [unreduce(g, x, axis, keepdims) * (x / unreduce(out, x, axis, keepdims))]


register(Primitive(
    name="norm", infer=reduction_rule("float"), family="reduction", temp_name="s", broadcast_tolerant=True,
    singular=True, finite_when_positive=((0,),), diff_args=(0,), render=_render_norm,
    vjp=_norm_vjp,
    jvp=lambda tangents, out, x, axis=None, keepdims=False:
        ops.sum(tangents[0] * x, axis=axis, keepdims=keepdims) / out,
    batch=_batch_norm, extra={"helper": lambda params: params.get("axis") is not None and "norm_each"},
))

# var and std with `ddof`: d var / dx = 2 (x - mean) / (N - ddof); the mean's own derivative sums to zero
def _centred(x: Sym, axis) -> Sym:
    return x - ops.mean(x, axis=axis, keepdims=True)


def _dof(x: Sym, axis, ddof: int):
    n = count(x, axis)
    return n - ddof if ddof else n


reduction("var",
          lambda g, y, x, axis, keepdims, ddof=0: unreduce(g, x, axis, keepdims) * (2.0 * _centred(x, axis))
          / _dof(x, axis, ddof),
          lambda t, y, x, axis, keepdims, ddof=0: ops.sum(t * (2.0 * _centred(x, axis)), axis=axis, keepdims=keepdims)
          / _dof(x, axis, ddof),
          result="float")


def _nonzero(y: Sym) -> Sym:
    """The standard deviation where it is not 0; 1 where it is (all values equal, so every centred value is 0
    and the derivative is 0, as for abs at 0, instead of 0 / 0)."""
    return ops.where(y == 0.0, 1.0, y)


reduction("std",
          lambda g, y, x, axis, keepdims, ddof=0: unreduce(g / _nonzero(y), x, axis, keepdims) * _centred(x, axis)
          / _dof(x, axis, ddof),
          lambda t, y, x, axis, keepdims, ddof=0: ops.sum(t * _centred(x, axis), axis=axis, keepdims=keepdims)
          / (_dof(x, axis, ddof) * _nonzero(y)),
          result="float")


def batch_argmax(ctx, prim, args, batched, axis=None, keepdims=False):
    """Each example's position along its own axis, or in its own flattened array."""
    (x,) = args
    rank = x.rank - 1
    if axis is None and rank != 1:  # the position in each example's flattened array: one row per example
        if keepdims:
            raise ShapeError(f"np.{prim.name} of a flattened array with keepdims=True cannot run batched yet; "
                             "pass axis=")
        return ctx.bind(prim.name, [ops.reshape(x, ctx.size, -1)], {"axis": 1})
    params = {"axis": (0 if axis is None else axis % rank) + 1}
    if keepdims:
        params["keepdims"] = True
    return ctx.bind(prim.name, [x], params)


# where the extremes sit: integer positions, never differentiated (`np.argmax(mask)`: the first example that
# takes a branch)
for _name in ("argmax", "argmin"):
    register(Primitive(name=_name, infer=reduction_rule("index"), render=_render(f"np.{_name}"), family="reduction",
                       temp_name="idx", batch=batch_argmax, extra={"empty_raises": True}))


# --- non-differentiable reductions: what batched control flow asks of a mask ---------------------------------
register(Primitive(  # `np.any(mask)`: does any example take this branch (stay in this loop)?
    name="any", infer=reduction_rule("bool"), render=_render("np.any"), family="reduction", temp_name="some",
    batch=batch_reduction,
))
register(Primitive(  # `np.all(x)`, a truth value as np.any's
    name="all", infer=reduction_rule("bool"), render=_render("np.all"), family="reduction", temp_name="every",
    batch=batch_reduction,
))
