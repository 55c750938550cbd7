"""Entry checks for arguments whose identity Python would reveal: a 0-d array, a read-only array.

`check_scalar_argument`: a rank-0 parameter is taken as what its annotation promises, a NumPy scalar or a
Python number, and an update `a += v` rebinds it. A 0-d *array* given for it is changed in place by Python, and
every other name holding it sees the change; where the kernel has such a name (normalize/zero_d.py finds it), the
generated function refuses a 0-d array argument at entry with a `ValueError` naming the function, the parameter
and the update's `file:line:col`, like the argument-sharing check (argument_sharing.py).

`check_writeable`: a kernel updates its parameter in a copy, so the caller's array never changes; Python writes
into the caller's array, and raises `ValueError` where it is read-only. The
generated function refuses a read-only argument for a parameter the kernel updates, at entry, with that error
naming the function, the parameter and the first update (never a number where Python raises).
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir import Const
from ..ir.types import TensorType
from .registry import Primitive, register
from .symbolic import Sym


def _render_check_scalar_argument(args, params):
    """`_check_scalar_argument("f", "a", "f.py:4:9", a)`."""
    return [cst.Expr(cg.call("_check_scalar_argument", cg.literal(params["function"]), cg.literal(params["name"]),
                             cg.literal(params["at"]), args[0]))]


def _batch_check_scalar_argument(ctx, prim, args, batched, **params):
    """A batched rank-0 parameter: each example is an element of the batch (a NumPy scalar, as Python's loop over
    the examples reads it), never a 0-d array: nothing to check. Unbatched: the argument itself."""
    if batched[0]:
        return Sym(ctx.builder, Const(True, TensorType("bool", ()))), False
    return ctx.bind("check_scalar_argument", list(args), params), False


register(Primitive(
    name="check_scalar_argument", family="effect", infer=lambda types, params: TensorType("bool", ()),
    render=_render_check_scalar_argument, statement=True, batch=_batch_check_scalar_argument, temp_name="checked",
    extra={"check": True, "effect": True, "helper": "check_scalar_argument", "entry_check": True},
))


def _render_check_writeable(args, params):
    """`_check_writeable("f", "x", "f.py:4:9", x)`."""
    return [cst.Expr(cg.call("_check_writeable", cg.literal(params["function"]), cg.literal(params["name"]),
                             cg.literal(params["at"]), args[0]))]


def _batch_check_writeable(ctx, prim, args, batched, **params):
    """Python's loop over the examples writes into each example, a view of the batch: read-only where it is."""
    return ctx.bind("check_writeable", list(args), params), False


register(Primitive(
    name="check_writeable", family="effect", infer=lambda types, params: TensorType("bool", ()),
    render=_render_check_writeable, statement=True, batch=_batch_check_writeable, temp_name="checked",
    extra={"check": True, "effect": True, "helper": "check_writeable", "entry_check": True},
))
