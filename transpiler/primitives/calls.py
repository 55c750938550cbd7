"""Calls whose derivative the user wrote: `custom_vjp(f, f_vjp)`.

The call's forward computation is inlined with derivatives stopped at its inputs; this primitive then links
the result back to the inputs, and its reverse rule inlines the user's rule kernel `f_vjp(*args, out, g)`.
"""
from __future__ import annotations

from ..ir.types import ShapeError
from .registry import Primitive, register
from .symbolic import Sym


def _vjp_custom(g, out, value, *args, active=None, rule=None, kernel=""):
    builder = g.builder
    result = builder.inline(rule, [a.atom for a in args] + [out.atom, g.atom])
    cotangents = result if isinstance(result, tuple) else (result,)
    if len(cotangents) != len(args):
        raise ShapeError(f"the custom_vjp rule of `{kernel}` returns {len(cotangents)} cotangent(s), but `{kernel}` "
                         f"has {len(args)} parameter(s): return one per parameter, in order")
    return [None] + [Sym(builder, c) for c in cotangents]


def _jvp_custom(tangents, out, value, *args, rule=None, kernel=""):
    raise ShapeError(f"forward mode through `{kernel}` is not supported: its custom_vjp rule only gives "
                     "reverse-mode derivatives")


def _batch_custom(ctx, prim, args, batched, rule=None, kernel=""):
    """The batched value, linked to the inputs through the user's rule batched the same way (the batching
    transform provides it: cotangents of unbatched inputs summed over the examples)."""
    value = args[0] if batched[0] else ctx.lift(args[0])
    return ctx.bind("custom_vjp_call", [value, *args[1:]],
                    {"rule": ctx.batch_rule(rule, tuple(batched[1:])), "kernel": kernel})


register(Primitive(
    name="custom_vjp_call", family="call", infer=lambda types, p: types[0], views=True,
    render=lambda args, p: args[0],  # the value computed by the inlined forward body
    vjp=_vjp_custom, jvp=_jvp_custom, batch=_batch_custom, diff_args=None, temp_name="v",
))
