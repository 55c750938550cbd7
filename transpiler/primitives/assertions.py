"""`assert cond, msg` on a value known only at run time (its conditions are mostly `np.all(...)`, a reduction).

The check is an effect (like `print`): it has no value anyone reads, keeps its place in program order, has no
derivative, so it stays in the forward computation of every transform (the primal, a gradient's forward sweep, a
JVP) and never runs in a reverse sweep. It renders as Python's own `assert` statement with the source's message,
so the generated function raises the AssertionError Python raises (and `python -O` strips both alike). Batched,
the condition must hold for every example: a masked branch runs on safe inputs (the examples that do not take it
get the inputs of one that does), so an example that does not reach the `assert` repeats one that does.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir.types import TensorType
from .registry import Primitive, register

def _render_assert(args, params):
    """`assert cond, message`; a check standing for another error NumPy raises (`error="ValueError"`: an argument
    known only at run time out of its range) is `if not cond: raise ValueError(message)`."""
    message = params.get("message")
    if params.get("error") is None:
        return [cst.SimpleStatementLine([cst.Assert(args[0], None if message is None else cg.literal(message))])]
    fail = cst.Raise(cg.call(params["error"], *([] if message is None else [message])))
    return [cst.If(cst.UnaryOperation(cst.Not(), args[0]), cst.SimpleStatementSuite([fail]))]


def _batch_assert(ctx, prim, args, batched, **params):
    """Every example's condition, as the Python loop over the examples would check each."""
    (cond,) = args
    every = ctx.bind("all", [cond], {}) if batched[0] else cond
    return ctx.bind("check_assert", [every], params), False


register(Primitive(
    name="check_assert", family="effect", infer=lambda types, params: TensorType("bool", ()),
    render=_render_assert, statement=True, batch=_batch_assert, temp_name="asserted",
    extra={"check": True, "effect": True},
))
