"""Python numbers made from NumPy values: `int(a)`, `float(a)` and `bool(a)` of a scalar.

Their results are Python numbers whatever the operand (`python_numbers="made"`): weak to NumPy's promotion
(NEP 50), so `x32 * float(s)` stays float32 where `x32 * s` (a float64 `s`) is float64. A batch of them is an
int64 or float64 array; the batching transform and the C target follow where such a number meets another dtype
(analysis/python_numbers.py).
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType
from .registry import Primitive, register
from .shape_ops import vjp_astype
from .symbolic import Sym, ops


def _python_int_type(types: list[TensorType], params) -> TensorType:
    if types[0].shape != ():
        raise ShapeError(f"int() of a {types[0]} value: a scalar is needed here")
    return TensorType("i64", (), weak=True)


def _batch_python_int(ctx, prim, args: list[Sym], batched: list[bool], **params) -> Sym:
    """A batch of Python ints is an int64 array (weak to the batching transform, as the example's value is)."""
    return args[0] if args[0].type.dtype == "i64" else ops.astype(args[0], dtype="i64")


# `int(a)` of an integer scalar: the Python int `range` makes of a NumPy integer bound (a `for` with `break` runs
# as a `while` over its index, which starts at `int(start)`: `x32 * i` stays float32, as Python's index is weak).
# Of a float (the builtin `int(x)`), it truncates toward zero, as Python, C's cast and NumPy's astype do: the
# frontend checks first that Python would not raise and that the int fits int64 (frontend/python_builtins.py);
# no derivative (an integer)
register(Primitive(
    name="python_int", family="elementwise", infer=_python_int_type, render=lambda args, p: cg.call("int", args[0]),
    cuda="((int64_t)({0}))", scalar_c="any", python_numbers="made", batch=_batch_python_int, temp_name="start",
))


def _python_float_type(types: list[TensorType], params) -> TensorType:
    if types[0].shape != ():
        raise ShapeError(f"float() of a {types[0]} value: a scalar is needed here")
    return TensorType("f64", (), weak=True)


# `float(a)` of a scalar: its value as a Python float (exact: every int32, float32 and float64 is a double; an
# int64 beyond 2**53 rounds as C's conversion does, to nearest); its derivative is the identity (none for ints)
register(Primitive(
    name="python_float", family="elementwise", infer=_python_float_type,
    render=lambda args, p: cg.call("float", args[0]), cuda="((double)({0}))", scalar_c="any",
    python_numbers="made", temp_name="number",
    vjp=lambda g, out, x, active=None: vjp_astype(g, out, x),
    jvp=lambda tangents, out, x: ops.python_float(tangents[0]),
    batch=lambda ctx, prim, args, batched: args[0] if args[0].type.dtype == "f64" else ops.astype(args[0], dtype="f64"),
))


def _python_bool_type(types: list[TensorType], params) -> TensorType:
    if types[0].shape != () or types[0].dtype != "bool":
        raise ShapeError(f"bool() of a {types[0]} value: a boolean scalar is needed here")
    return TensorType("bool", (), weak=True)


# `bool(r)` of a boolean scalar: the Python bool np.allclose, np.array_equal and np.array_equiv return
# (frontend/more_elementwise.py)
register(Primitive(
    name="python_bool", family="elementwise", infer=_python_bool_type, render=lambda args, p: cg.call("bool", args[0]),
    cuda="((bool)({0}))", scalar_c="any", python_numbers="made", temp_name="same",
    batch=lambda ctx, prim, args, batched, **params: args[0],
))
