"""Broadcasting entries: `broadcast_to`, `broadcast_like` and `unbroadcast` (a cotangent summed back to its value's
shape), and `refine_shape`, a size the run time checks.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, broadcast_shapes
from .batching import check_static_shape, example_rank
from .registry import Primitive, register
from .shape_ops import batch_like, shape_expr, shape_value
from .symbolic import Sym, materialize, ops, sum_to


# --- broadcasting -------------------------------------------------------------------------------------------
def _infer_broadcast_to(types, params) -> TensorType:
    x, dims = types[0], shape_value(types[1:])
    if x.shape is not None:
        broadcast_shapes([x.shape, dims])
    return TensorType(x.dtype, dims)


def _batch_broadcast_to(ctx, prim, args, batched):
    check_static_shape(batched, 1)
    return ops.broadcast_to(ctx.align(args[0], len(args) - 1), ctx.size, *args[1:])


register(Primitive(
    name="broadcast_to", views=True, always_views=True, infer=_infer_broadcast_to, family="shape", batch=_batch_broadcast_to,
    render=lambda args, p: cg.call("np.broadcast_to", args[0], shape_expr(args[1:])),
    vjp=lambda g, out, x, *dims, active=None: [sum_to(g, x.type, x, out)] + [None] * len(dims),
    jvp=lambda tangents, out, x, *dims: ops.broadcast_to(tangents[0], *dims),
    diff_args=(0,), broadcast_tolerant=True, temp_name="b",
))
def _infer_refine(types, params) -> TensorType:
    x, dims = types[0], shape_value(types[1:])
    if x.shape is not None and len(x.shape) != len(dims):
        raise ShapeError(f"cannot check rank {len(x.shape)} against a shape of rank {len(dims)}")
    return TensorType(x.dtype, dims)


def _vjp_refine(g, out, x, *dims, active=None):
    """The cotangent has the checked shape, which is `x`'s at run time: checked back to `x`'s static type."""
    builder = g.builder
    if x.rank is None:
        return [g] + [None] * len(dims)
    back = [Sym(builder, builder.dim(d, x.atom, axis)) if not isinstance(d, int) else d
            for axis, d in enumerate(x.shape)]
    return [ops.refine_shape(materialize(g, out.type, out), *back)] + [None] * len(dims)


def _batch_refine(ctx, prim, args, batched):
    """Each example is checked against the same sizes, behind the batch axis."""
    check_static_shape(batched, 1)
    return ops.refine_shape(args[0], ctx.size, *args[1:])


# `y` of shape [n,k] meeting an array of shape [n,2]: the sizes are equal if the program is right, which only
# the run time can tell. The value is checked there (a clear error otherwise) and has the literal shape after.
register(Primitive(
    name="refine_shape", views=True, infer=_infer_refine, family="shape",
    render=lambda args, p: cg.call("_same_shape", args[0], shape_expr(args[1:])),
    vjp=_vjp_refine, jvp=lambda tangents, out, x, *dims: ops.refine_shape(tangents[0], *dims),
    diff_args=(0,), temp_name="c", extra={"helper": "same_shape"},
    batch=_batch_refine,
))
register(Primitive(
    name="broadcast_like", views=True, family="shape",
    infer=lambda types, p: TensorType(types[0].dtype, types[1].shape),
    render=lambda args, p: cg.call("np.broadcast_to", args[0], cg.call("np.shape", args[1])),
    vjp=lambda g, out, x, like, active=None: [sum_to(g, x.type, x, out), None],
    jvp=lambda tangents, out, x, like: ops.broadcast_like(tangents[0], like), batch=batch_like("broadcast_like"),
    diff_args=(0,), broadcast_tolerant=True, temp_name="b",
))
def _batch_unbroadcast(ctx, prim, args, batched):
    """Each example's cotangent summed to its value's shape: the same helper, to the batched shape. The leading
    axes that broadcasting added to an example are summed first: the helper sums an array's leading axes, and the
    batch axis leads (`g` of `M + u`, `[B,n,d]`, to `u`'s `[B,d]` summed the examples into one `[n,d]`)."""
    x, like = args
    if not batched[1]:
        like = ctx.lift(like)
    if x.rank is not None and like.rank is not None:
        extra = example_rank(x, batched[0]) - example_rank(like, True)
        if extra > 0:
            x = ops.sum(x, axis=tuple(range(int(batched[0]), int(batched[0]) + extra)))
    if batched[0]:
        x = ctx.align(x, example_rank(like, True))
    return ops.unbroadcast(x, like)


register(Primitive(
    name="unbroadcast", views=True, family="shape",
    infer=lambda types, p: TensorType(types[0].dtype, types[1].shape),
    render=lambda args, p: cg.call("_unbroadcast", args[0], cg.call("np.shape", args[1])),
    vjp=lambda g, out, x, like, active=None: [ops.broadcast_like(g, x), None],
    jvp=lambda tangents, out, x, like: ops.unbroadcast(tangents[0], like),
    diff_args=(0,), temp_name="s", extra={"helper": "unbroadcast"}, batch=_batch_unbroadcast,
))
