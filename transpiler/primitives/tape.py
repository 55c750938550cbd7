"""The tape of the reverse sweep: plain Python lists in the generated code.

A loop pushes, each iteration, the values its reverse sweep will read (and only those); the reverse loop
pops them in the opposite order. Tapes are never differentiated.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..analysis.types import TensorType
from .registry import Primitive, register

TAPE = TensorType("tape", None)

register(Primitive(
    name="tape_new", family="tape", infer=lambda types, p: TAPE, temp_name="tape",
    render=lambda args, p: cst.List([]),
))
register(Primitive(
    name="push", family="tape", infer=lambda types, p: TAPE, statement=True, extra={"in_place": True},
    render=lambda args, p: [cst.SimpleStatementLine([cst.Expr(cg.method(args[0], "append", args[1]))])],
))
register(Primitive(
    name="pop", family="tape", infer=lambda types, p: p["type"],
    render=lambda args, p: cg.method(args[0], "pop"),
))
