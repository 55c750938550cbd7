"""Effects: `print` in a kernel, kept in program order by every pass.

A `print` equation has no value anyone reads (its output is a placeholder, never rendered or deleted): the
liveness pass keeps it like a run-time check, loop-invariant hoisting and reuse never move or merge it, and
derivative transforms see an operation without a derivative, so it stays in the forward computation (the primal,
a gradient's forward sweep, a JVP) and prints the primal values in the order Python would. Items that are not
arrays or numbers (strings, Python ints the compiler knows) are kept as literals in `params["items"]`; the atoms
are the arguments.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir.types import TensorType
from .batching import refuse
from .registry import Primitive, register

# one item of a print: ("arg", position among the equation's arguments) or ("literal", a Python value)
PrintItem = tuple


def _render_print(args, params):
    values = [args[item[1]] if item[0] == "arg" else cg.literal(item[1]) for item in params["items"]]
    options = {k: cg.literal(params[k]) for k in ("sep", "end") if params.get(k) is not None}
    if params.get("flush"):
        options["flush"] = cg.literal(True)
    return [cst.Expr(cg.call("print", *values, **options))]


register(Primitive(
    name="print", family="effect", infer=lambda types, params: TensorType("bool", ()), render=_render_print,
    statement=True, extra={"check": True, "effect": True},
    batch=refuse("`print` in a batched kernel: Python would print each example separately; print outside vmap"),
))


def _render_check_unshared(args, params):
    """`_check_unshared("f", "a", "f.py:4:9", a, b=b)`: the updated parameter, then its possible partners."""
    partners = dict(zip(params["names"][1:], args[1:]))
    return [cst.Expr(cg.call("_check_unshared", cg.literal(params["function"]), cg.literal(params["names"][0]),
                             cg.literal(params["at"]), args[0], **partners))]


def _batch_check_unshared(ctx, prim, args, batched, **params):
    """A batch shares memory exactly where some example's arrays would (the Python loop over examples would see
    one example's write in a later one's read), so the whole batched arrays are checked."""
    return ctx.bind("check_unshared", list(args), params), False


register(Primitive(  # a kernel updating its parameter: no other argument may share its memory (argument_sharing.py)
    name="check_unshared", family="effect", infer=lambda types, params: TensorType("bool", ()),
    render=_render_check_unshared, statement=True, batch=_batch_check_unshared, temp_name="checked",
    extra={"check": True, "effect": True, "helper": "check_unshared", "entry_check": True},
))
