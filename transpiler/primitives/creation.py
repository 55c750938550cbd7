"""Array creation: zeros, ones, full, zeros_like, ones_like, arange. Constants: never differentiated."""
from __future__ import annotations

from .. import codegen as cg
from ..analysis.types import NUMPY_DTYPES, ShapeError, TensorType, fresh_dim
from .batching import check_static_shape
from .registry import Primitive, register
from .shape_ops import shape_value
from .symbolic import ops


def _dtype_arg(params):
    dtype = params.get("dtype", "f64")
    return None if dtype == "f64" else cg.dotted(f"np.{NUMPY_DTYPES[dtype]}")


def _filled(name: str) -> None:
    register(Primitive(
        name=name, family="creation",
        infer=lambda types, p: TensorType(p.get("dtype", "f64"), shape_value(types)),
        render=lambda args, p: cg.call(f"np.{name}", cg.tuple_(*args), dtype=_dtype_arg(p)),
        batch=lambda ctx, prim, args, batched, **p: check_static_shape(batched, 0), temp_name=name.rstrip("s"),
    ))


_filled("zeros")
_filled("ones")


def _infer_full(types, params) -> TensorType:
    value = types[-1]
    if value.shape not in ((), None):
        raise ShapeError("np.full takes a scalar fill value here")
    dtype = params.get("dtype") or ("f64" if value.weak and value.dtype == "f64" else value.dtype)
    return TensorType(dtype, shape_value(types[:-1]))


def _batch_full(ctx, prim, args, batched, dtype=None):
    """A fill value that differs between examples: each example's value broadcast, as a new array."""
    check_static_shape(batched[:-1], 0)
    filled = ops.copy(ops.broadcast_to(ctx.align(args[-1], len(args) - 1), ctx.size, *args[:-1]))
    return filled if dtype is None or dtype == filled.type.dtype else ops.astype(filled, dtype=dtype)


register(Primitive(
    name="full", family="creation", infer=_infer_full, batch=_batch_full,
    render=lambda args, p: cg.call("np.full", cg.tuple_(*args[:-1]), args[-1], dtype=_dtype_arg(p) if "dtype" in p else None),
    vjp=lambda g, out, *args, active=None, dtype=None: [None] * (len(args) - 1) + [ops.sum(g)],
    jvp=lambda tangents, out, *args, dtype=None: ops.broadcast_to(tangents[-1], *args[:-1]),
    diff_args=None, temp_name="full",  # the cotangent must come in full: every element adds to the fill value
))


def _like(name: str) -> None:
    register(Primitive(
        name=name, family="creation",
        infer=lambda types, p: TensorType(p.get("dtype") or types[0].dtype, types[0].shape),
        render=lambda args, p: cg.call(f"np.{name}", args[0], dtype=_dtype_arg(p) if "dtype" in p else None),
        batch=lambda ctx, prim, args, batched, **p: getattr(ops, name)(args[0], **p),
        temp_name=name.split("_")[0].rstrip("s"),
    ))


_like("zeros_like")
_like("ones_like")


def _infer_arange(types, params) -> TensorType:
    values = [t.value for t in types]
    dtype = "f64" if any(t.dtype in ("f32", "f64") for t in types) else "i64"
    if all(isinstance(v, int) for v in values) and values:
        return TensorType(dtype, (len(range(*values)),))
    if len(values) == 1 and values[0] is not None:
        return TensorType(dtype, (values[0],))
    return TensorType(dtype, (fresh_dim(),))


register(Primitive(
    name="arange", family="creation", infer=_infer_arange,
    render=lambda args, p: cg.call("np.arange", *args), temp_name="idx",
    batch=lambda ctx, prim, args, batched: check_static_shape(batched, 0),
))


register(Primitive(  # the identity: a batch of basis vectors, one per row (the seeds of a dense Jacobian)
    name="eye", family="creation", render=lambda args, p: cg.call("np.eye", args[0], dtype=_dtype_arg(p)),
    infer=lambda types, p: TensorType(p.get("dtype", "f64"), shape_value(types) * 2), temp_name="basis",
    batch=lambda ctx, prim, args, batched, **p: check_static_shape(batched, 0),
))
