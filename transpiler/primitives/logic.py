"""Comparisons, logic and NaN tests: elementwise entries that make booleans and carry no derivative."""
from __future__ import annotations

import operator

from .. import codegen as cg
from ..ir.types import TensorType
from .elementwise import elementwise, infix, np_call
from .registry import Primitive, register
from .symbolic import ops

_COMPARED = [("less", "<", operator.lt), ("less_equal", "<=", operator.le), ("greater", ">", operator.gt),
             ("greater_equal", ">=", operator.ge), ("equal", "==", operator.eq), ("not_equal", "!=", operator.ne)]
COMPARISONS = tuple(name for name, _, _ in _COMPARED)  # (exact for Python ints of any size in NumPy: NEP 50)
for _name, _op, _fold in _COMPARED:
    elementwise(_name, [None, None], (lambda op: lambda args, p: cg.compare(op, *args))(_op),
                f"({{0}} {_op} {{1}})", result="bool", fold=_fold, temp="mask", diff=False, python_operator=True,
                scalar_c="one_dtype")
# `a & b`, `a | b` (and `and`, `or`) of booleans: Python's operator, so Python bools stay Python bools as in the
# source (`1.0 / (a & b)` raises ZeroDivisionError there); np.logical_and(a, b) as the source spelled it
elementwise("logical_and", [None, None], infix("&"), "({0} && {1})", result="bool", temp="mask", diff=False,
            scalar_c="any", python_operator=True)
elementwise("logical_or", [None, None], infix("|"), "({0} || {1})", result="bool", temp="mask", diff=False,
            scalar_c="any", python_operator=True)
elementwise("logical_not", [None], np_call("logical_not"), "(!{0})", result="bool", temp="mask", diff=False,
            scalar_c="any")


def _batch_not(ctx, prim, args, batched, **params):
    """A batch of `not b` is np.logical_not of the batch (`not` takes one truth value)."""
    return ops.logical_not(args[0])


# Python's `not b` of a boolean scalar: a Python bool, whatever `b` is (`not np.True_` is False)
register(Primitive(
    name="not", family="elementwise", render=lambda args, p: cg.unary("not", args[0]),
    infer=lambda types, p: TensorType("bool", (), weak=True), cuda="(!{0})", scalar_c="any", python_numbers="made",
    batch=_batch_not, fold=operator.not_, temp_name="mask"))
for _name, _cuda in (("isnan", "isnan({0})"), ("isinf", "isinf({0})"), ("isfinite", "isfinite({0})"),
                     ("signbit", "signbit({0})")):  # (signbit: -0.0 and a NaN with its sign bit set too)
    elementwise(_name, [None], np_call(_name), _cuda, result="bool", temp="mask", diff=False)
