"""Operations along one axis or on a matrix's structure: flip, cumsum, tril/triu, diag.

Each is linear, so its tangent rule applies the operation itself to the tangent, and its cotangent rule applies
the adjoint: flip is its own adjoint, a cumulative sum's adjoint is the cumulative sum taken backwards, a
triangle's adjoint keeps the same triangle, and extracting a diagonal is the adjoint of building one.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, fresh_dim, is_unknown, normalize_axis
from .registry import Primitive, register
from .symbolic import ops


def _same_type(types, params) -> TensorType:
    return types[0]


def _check_axes(x: TensorType, axis) -> None:
    if x.rank is not None:
        for a in axis if isinstance(axis, tuple) else () if axis is None else (axis,):
            normalize_axis(a, x.rank)


def _infer_flip(types, params) -> TensorType:
    _check_axes(types[0], params.get("axis"))
    return types[0]


register(Primitive(
    name="flip", infer=_infer_flip, family="structured",
    render=lambda args, p: cg.call("np.flip", args[0], axis=p.get("axis")),
    vjp=lambda g, out, x, active=None, axis=None: [ops.flip(g, axis=axis)],
    jvp=lambda tangents, out, x, axis=None: ops.flip(tangents[0], axis=axis), temp_name="r",
))


def _infer_cumsum(types, params) -> TensorType:
    (x,) = types
    if x.rank == 0:
        raise ShapeError("np.cumsum of a scalar: give it an array")
    _check_axes(x, params["axis"])
    return x.with_dtype("i64") if x.dtype in ("bool", "i32") else x


register(Primitive(
    name="cumsum", infer=_infer_cumsum, family="structured",
    render=lambda args, p: cg.call("np.cumsum", args[0], axis=p["axis"]),
    # each input element feeds every later sum: its cotangent is the sum of the cotangents from it to the end
    vjp=lambda g, out, x, active=None, axis=0: [ops.flip(ops.cumsum(ops.flip(g, axis=axis), axis=axis), axis=axis)],
    jvp=lambda tangents, out, x, axis=0: ops.cumsum(tangents[0], axis=axis), temp_name="c",
))


def _infer_triangle(types, params) -> TensorType:
    (x,) = types
    if x.rank is not None and x.rank < 2:
        raise ShapeError("np.tril and np.triu are supported on matrices (rank 2 or more) here; a vector would be "
                         "broadcast to a square matrix first: write np.tril(np.outer(np.ones_like(v), v))")
    return x


for _name in ("tril", "triu"):
    register(Primitive(
        name=_name, infer=_infer_triangle, family="structured",
        render=(lambda name: lambda args, p: cg.call(f"np.{name}", args[0], k=p.get("k") or None))(_name),
        vjp=(lambda name: lambda g, out, x, active=None, k=0: [getattr(ops, name)(g, k=k)])(_name),
        jvp=(lambda name: lambda tangents, out, x, k=0: getattr(ops, name)(tangents[0], k=k))(_name),
        temp_name="m",
    ))


def _diagonal_length(n, m, k: int):
    """How many elements the k-th diagonal of an (n, m) matrix has."""
    if isinstance(n, int) and isinstance(m, int):
        return max(0, min(n + min(k, 0), m - max(k, 0)))
    if n == m and k == 0:
        return n
    return fresh_dim()


def _infer_diag(types, params) -> TensorType:
    (x,) = types
    k = params.get("k", 0)
    if x.rank is None:
        raise ShapeError("np.diag needs the rank of its argument (a vector builds a matrix, a matrix gives its "
                         "diagonal); annotate it")
    if x.rank == 1:
        n = x.shape[0]
        size = n + abs(k) if isinstance(n, int) else n if k == 0 else fresh_dim()
        return TensorType(x.dtype, (size, size))
    if x.rank == 2:
        return TensorType(x.dtype, (_diagonal_length(x.shape[0], x.shape[1], k),))
    raise ShapeError("np.diag takes a vector or a matrix")


def _vjp_diag(g, out, x, active=None, k=0):
    if x.rank == 2:
        n, m = x.shape
        if n != m or is_unknown(n):
            raise ShapeError("reverse mode of np.diag on a matrix that is not known to be square is not supported; "
                             'annotate it square, e.g. "f64[n,n]"')
    return [ops.diag(g, k=k)]


register(Primitive(
    name="diag", infer=_infer_diag, family="structured",
    render=lambda args, p: cg.call("np.diag", args[0], k=p.get("k") or None),
    vjp=_vjp_diag, jvp=lambda tangents, out, x, k=0: ops.diag(tangents[0], k=k), temp_name="d",
))
