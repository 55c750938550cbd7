"""Exclusive running products and first-order linear recurrences: the division-free pieces of `prod`'s rules.

The derivative of a product with respect to one factor is the product of the other factors. Dividing the
product by the factor is 0 / 0 where the factor is 0, so `prod`'s rules multiply the running product of the
factors before each one by the running product of those after it (`cumprod_exclusive`, forwards and backwards).
`prod_others` is that product of the others as one entry, so first derivatives render as one helper call; its
value takes the faster division where the helper can prove it exact (no zero, magnitudes that keep every partial
product in the normal range), and its own rules differentiate the running products, never the division.

Differentiating a running product again gives a first-order linear recurrence, h_i = a_(i-1) h_(i-1) + b_(i-1)
from h_0 = 0 (`linear_scan`; `reverse` runs it from the end), and a linear recurrence differentiates into
another one over the same coefficients. So every order of derivative of `prod` stays exact where entries are 0.

Both run along `axis` as `prod` reduces: an int, a tuple (the axes taken together, in C order) or None (all).
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import TensorType
from .registry import Primitive, register
from .symbolic import Sym, ops


def _axis_call(helper: str, args, params):
    return cg.call(helper, *args, axis=params.get("axis"), reverse=params.get("reverse") or None)


def _infer_running_product(types, params) -> TensorType:
    (x,) = types
    return x if x.is_float else x.with_dtype("f64")


def _scan(a: Sym, b: Sym, axis, reverse: bool) -> Sym:
    return ops.linear_scan(a, b, axis=axis, reverse=reverse)


register(Primitive(
    name="cumprod_exclusive", infer=_infer_running_product, family="scan",
    render=lambda args, p: _axis_call("_cumprod_exclusive", args, p),
    # y_i = x_(i-1) y_(i-1) from y_0 = 1: the tangent follows the same recurrence, fed t_(i-1) y_(i-1)
    jvp=lambda tangents, y, x, axis=None, reverse=False: _scan(x, tangents[0] * y, axis, reverse),
    # ... and the cotangent is that map transposed: the recurrence run the other way, then times y
    vjp=lambda g, y, x, active=None, axis=None, reverse=False: [y * _scan(x, g, axis, not reverse)],
    temp_name="p", extra={"helper": "cumprod_exclusive"},
))


def _others_jvp(tangents, others, x, axis=None):
    before, after = ops.cumprod_exclusive(x, axis=axis), ops.cumprod_exclusive(x, axis=axis, reverse=True)
    (t,) = tangents
    return _scan(x, t * before, axis, False) * after + _scan(x, t * after, axis, True) * before


def _others_vjp(g, others, x, active=None, axis=None):
    before, after = ops.cumprod_exclusive(x, axis=axis), ops.cumprod_exclusive(x, axis=axis, reverse=True)
    return [before * _scan(x, g * after, axis, True) + after * _scan(x, g * before, axis, False)]


# the product of the other entries of each one's group: `before * after`, the exclusive running products. Its
# value takes a faster path where that is exact (see the helper); its rules differentiate `before * after`.
register(Primitive(
    name="prod_others", infer=_infer_running_product, family="scan",
    render=lambda args, p: cg.call("_prod_others", args[0], axis=p.get("axis")),
    jvp=_others_jvp, vjp=_others_vjp, temp_name="p", extra={"helper": "prod_others"},
))


def _infer_linear_scan(types, params) -> TensorType:
    """The rules hand it coefficients and inputs of one shape (the helper broadcasts them all the same)."""
    a, b = types
    dtype = "f32" if a.dtype == b.dtype == "f32" else "f64"
    return TensorType(dtype, a.shape if a.shape is not None else b.shape)


def _jvp_linear_scan(tangents, h, a, b, axis=None, reverse=False):
    ta, tb = tangents
    feed = ta * h if ta is not None else None
    feed = tb if feed is None else feed if tb is None else feed + tb
    return _scan(a, feed, axis, reverse)


def _vjp_linear_scan(g, h, a, b, active=None, axis=None, reverse=False):
    gb = _scan(a, g, axis, not reverse)  # h = M b with M lower triangular: M^T is the scan run the other way
    ga = gb * h if active is None or active[0] else None  # a_k multiplies h_k into the next step
    return [ga, gb]


register(Primitive(
    name="linear_scan", infer=_infer_linear_scan, family="scan",
    render=lambda args, p: _axis_call("_linear_scan", args, p),
    jvp=_jvp_linear_scan, vjp=_vjp_linear_scan, temp_name="h", extra={"helper": "linear_scan"},
))
