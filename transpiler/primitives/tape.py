"""The tape of the reverse sweep: plain Python lists in the generated code.

A loop pushes, each iteration, the values its reverse sweep will read (and only those); the reverse loop
pops them in the opposite order.

Derivatives of code with tapes (forward over reverse: `jvp(grad(f))`, `hessian(f)` of a kernel with loops): a
tape's tangent is a second tape, made where the first is, that holds the tangents of what the first holds. So
`push(tape, v)` has the tangent rule `push(ttape, tv)` and `y = pop(tape)` has `ty = pop(ttape)`: tangents
travel beside their values, in the same order. (The activity analysis knows that a tape holds what is pushed
onto it: pops read the tape's own value, not the push's result.)

Reverse over reverse (`grad(grad(f))`): a tape's adjoint is a tape too, filled in the opposite order. The
reverse sweep meets the pops first (they ran last): `y = pop(tape)` pushes y's cotangent onto the adjoint tape;
then it meets the pushes, in reverse order, and `push(tape, v)` pops v's cotangent off it.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir.types import TensorType
from .registry import Primitive, register
from .symbolic import Sym

TAPE = TensorType("tape", None)


def _new_jvp(tangents, out, **params):
    """The tangent tape: empty, like the tape."""
    return Sym(out.builder, out.builder.bind("tape_new", []))


def _push_jvp(tangents, out, tape, value, **params):
    """Push the value's tangent (zeros where it has none) onto the tangent tape."""
    ttape, tvalue = tangents
    if ttape is None:
        return None  # nothing popped from this tape reaches an output
    builder = out.builder
    pushed = tvalue.atom if tvalue is not None else builder.bind("zeros_like", [value.atom])
    return Sym(builder, builder.bind("push", [ttape.atom, pushed]))


def _pop_jvp(tangents, out, tape, **params):
    """The tangent of a popped value comes off the tangent tape."""
    (ttape,) = tangents
    return Sym(out.builder, out.builder.bind("pop", [ttape.atom], {"type": out.type}))


def _push_vjp(g, out, tape, value, active, adjoint_tape, **params):
    """v's cotangent: the last cotangent pushed onto the adjoint tape (by the matching pop's rule)."""
    builder = out.builder
    return None, Sym(builder, builder.bind("pop", [adjoint_tape], {"type": value.type}))


def _pop_vjp(g, out, tape, active, adjoint_tape, **params):
    """Push the popped value's cotangent (zeros where it has none) onto the tape's adjoint tape."""
    builder = out.builder
    pushed = g.atom if g is not None else builder.bind("zeros_like", [out.atom])
    builder.bind("push", [adjoint_tape, pushed])
    return (None,)


register(Primitive(
    name="tape_new", family="tape", infer=lambda types, p: TAPE, temp_name="tape",
    render=lambda args, p: cst.List([]), jvp=_new_jvp,
))
register(Primitive(
    name="push", family="tape", infer=lambda types, p: TAPE, statement=True, extra={"in_place": True},
    render=lambda args, p: [cst.SimpleStatementLine([cst.Expr(cg.method(args[0], "append", args[1]))])],
    jvp=_push_jvp, vjp=_push_vjp,
))
register(Primitive(
    name="pop", family="tape", infer=lambda types, p: p["type"],
    render=lambda args, p: cg.method(args[0], "pop"), jvp=_pop_jvp, vjp=_pop_vjp,
))
