"""`np.cumprod` (NumPy's running product along one axis, with derivative rules that stay exact at zeros) and
`np.vecdot` (NumPy's dot products along the last axis, other axes broadcast).

The value is NumPy's own call, so its bits, its dtype (bool and int32 inputs give int64, as np.cumprod does) and
integer wrap-around are NumPy's. The derivative with respect to one factor is the product of the other factors up
to that point; dividing the running product by the factor would be 0 / 0 at a zero factor, so the rules write
`y = x * E` with `E` the exclusive running product (`cumprod_exclusive`, primitives/scans.py: the product of the
entries before each one, 1 for the first) and differentiate that product: `E`'s own rules are a linear recurrence
(`linear_scan`) over the same factors, exact where entries are 0, and differentiable again to any order.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, broadcast_shapes, normalize_axis, promote
from .batching import batch_along_axis, batch_elementwise
from .registry import Primitive, register
from .symbolic import ops, sum_to


def _infer_cumprod(types, params) -> TensorType:
    (x,) = types
    if x.rank == 0:
        raise ShapeError("np.cumprod of a scalar: give it an array")
    if x.rank is not None:
        normalize_axis(params["axis"], x.rank)
    return x.with_dtype("i64") if x.dtype in ("bool", "i32") else x


def _cumprod_jvp(tangents, y, x, axis=0):
    """dy = t E + x dE, where dE follows E's recurrence fed with t E (the tangent of `cumprod_exclusive`)."""
    (t,) = tangents
    before = ops.cumprod_exclusive(x, axis=axis)
    fed = t * before
    return fed + x * ops.linear_scan(x, fed, axis=axis)


def _cumprod_vjp(g, y, x, active=None, axis=0):
    """g_x = g E + (the cotangent of E from g x): E times the recurrence run from the end."""
    before = ops.cumprod_exclusive(x, axis=axis)
    return [g * before + before * ops.linear_scan(x, g * x, axis=axis, reverse=True)]


register(Primitive(
    name="cumprod", infer=_infer_cumprod, family="structured",
    render=lambda args, p: cg.call("np.cumprod", args[0], axis=p["axis"]),
    jvp=_cumprod_jvp, vjp=_cumprod_vjp, temp_name="c", batch=batch_along_axis,
))


# np.vecdot(x1, x2): the dot product along the last axis of each (the frontend moves another `axis=` there with a
# transpose, a view: NumPy's gufunc reads the same elements with the same strides), the other axes broadcast. The
# value is NumPy's call (its inner loop is the dtype's dot, BLAS's for floats: not `np.sum(x1 * x2, axis=-1)`'s
# pairwise sum), as are its dtypes (int32 stays int32).
def _infer_vecdot(types, params) -> TensorType:
    a, b = types
    if a.rank == 0 or b.rank == 0:
        raise ShapeError("np.vecdot of a scalar: NumPy needs arrays of rank 1 or more", "multiply by the scalar")
    if "bool" in (a.dtype, b.dtype):
        raise ShapeError("np.vecdot of booleans is not supported in kernels", "cast to an integer or float first")
    if a.shape is None or b.shape is None:
        return TensorType(promote([a, b]), None)
    n, m = a.shape[-1], b.shape[-1]
    if isinstance(n, int) and isinstance(m, int) and n != m:
        raise ShapeError(f"np.vecdot of vectors of lengths {n} and {m} (NumPy raises ValueError)",
                         "dot vectors of one length, e.g. np.vecdot(x, y[:n])")
    return TensorType(promote([a, b]), broadcast_shapes([a.shape[:-1], b.shape[:-1]]))


def _vecdot_vjp(g, out, x1, x2, active=None):
    along = ops.expand_dims(g, axis=-1)
    return [sum_to(along * x2, x1.type, x1) if active is None or active[0] else None,
            sum_to(along * x1, x2.type, x2) if active is None or active[1] else None]


def _vecdot_jvp(tangents, out, x1, x2):
    t1, t2 = tangents
    terms = [ops.vecdot(t1, x2) if t1 is not None else None, ops.vecdot(x1, t2) if t2 is not None else None]
    return terms[0] if terms[1] is None else terms[1] if terms[0] is None else terms[0] + terms[1]


register(Primitive(
    name="vecdot", infer=_infer_vecdot, family="linalg",
    render=lambda args, p: cg.call("np.vecdot", args[0], args[1]),
    vjp=_vecdot_vjp, jvp=_vecdot_jvp, temp_name="dots", batch=batch_elementwise,
))
