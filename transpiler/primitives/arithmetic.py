"""Arithmetic entries (`+ - * / ** -x // %`): the elementwise family's rules, and the simplifications the builder
applies as it binds them (adding zero, multiplying by one, folding a negation or a constant factor into a
product), which keep generated derivatives short and readable."""
from __future__ import annotations

import math
import operator

import libcst as cst

from .. import codegen as cg
from ..ir import Const, const
from ..ir.types import ShapeError, TensorType
from .batching import batch_elementwise
from .elementwise import elementwise, infix, is_number
from .registry import lookup
from .symbolic import Sym, ops


def _same(atom, out_type: TensorType):
    t = atom.type
    return atom if (t.dtype == out_type.dtype and t.shape == out_type.shape) else None


def _is(atom, value) -> bool:
    return isinstance(atom, Const) and not isinstance(atom.value, bool) and atom.value == value


def _negated(atom, builder):
    """`x` when `atom` was computed as `-x`, else None."""
    eqn = builder.definition(atom)
    return eqn.args[0] if eqn is not None and eqn.prim.name == "negative" else None


def _simplify_add(args, params, out, builder):
    a, b = args
    if _is(a, 0):
        return _same(b, out)
    if _is(b, 0):
        return _same(a, out)
    if _negated(b, builder) is not None:  # a + -b  ->  a - b
        return builder.bind("subtract", [a, _negated(b, builder)])
    return None


def _simplify_sub(args, params, out, builder):
    a, b = args
    if _is(b, 0):
        return _same(a, out)
    if _is(a, 0):
        return builder.bind("negative", [b])
    if _negated(b, builder) is not None:  # a - -b  ->  a + b
        return builder.bind("add", [a, _negated(b, builder)])
    return None


def _simplify_mul(args, params, out, builder):
    a, b = args
    if _is(a, 1):
        return _same(b, out)
    if _is(b, 1):
        return _same(a, out)
    if _is(a, -1) and _same(b, out) is not None:
        return builder.bind("negative", [b])
    if _is(b, -1) and _same(a, out) is not None:
        return builder.bind("negative", [a])
    if not out.is_float:
        return None
    if is_number(a) and not is_number(b):
        a, b = b, a  # the constant factor last: `x * 2.0`
    if is_number(b):
        if _negated(a, builder) is not None:  # -x * c  ->  x * -c
            return builder.bind("multiply", [_negated(a, builder), const(-b.value)])
        scaled = _scaled(a, builder)
        if scaled is not None:  # (x * c) * d  ->  x * (c * d): one pass over the array, not two
            return builder.bind("multiply", [scaled[0], const(scaled[1] * b.value)])
        return None
    for x, y in ((a, b), (b, a)):  # -x * y  ->  -(x * y): the sign can then meet a constant or a sum
        if _negated(x, builder) is not None and x.type.shape == out.shape:  # (never negate a larger array)
            return builder.bind("negative", [builder.bind("multiply", [_negated(x, builder), y])])
    return None


def _scaled(atom, builder):
    """`(x, c)` when `atom` was computed as `x * c` (or `c * x`) for a number `c`, else None."""
    eqn = builder.definition(atom)
    if eqn is None or eqn.prim.name != "multiply":
        return None
    x, c = eqn.args
    if is_number(x):
        x, c = c, x
    return (x, c.value) if is_number(c) and not is_number(x) else None


def _simplify_div(args, params, out, builder):
    return _same(args[0], out) if _is(args[1], 1) else None


def _simplify_pow(args, params, out, builder):
    return _same(args[0], out) if _is(args[1], 1) else None


def _simplify_neg(args, params, out, builder):
    inner = _negated(args[0], builder)
    if inner is not None:
        return _same(inner, out)
    scaled = _scaled(args[0], builder) if out.is_float else None
    if scaled is not None:  # -(x * c)  ->  x * -c
        return builder.bind("multiply", [scaled[0], const(-scaled[1])])
    return None


# --- arithmetic -------------------------------------------------------------------------------------------
elementwise("add", [lambda g, y, a, b: g, lambda g, y, a, b: g], infix("+"), "({0} + {1})",
            result="promote", fold=operator.add, simplify=_simplify_add, python_operator=True,
            scalar_c="any")
elementwise("subtract", [lambda g, y, a, b: g, lambda g, y, a, b: -g], infix("-"), "({0} - {1})",
            bools="an error", result="promote", fold=operator.sub, simplify=_simplify_sub, python_operator=True,
            scalar_c="any")
elementwise("multiply", [lambda g, y, a, b: g * b, lambda g, y, a, b: g * a], infix("*"), "({0} * {1})",
            result="promote", fold=operator.mul, simplify=_simplify_mul,
            python_operator=True, scalar_c="any")
elementwise("divide", [lambda g, y, a, b: g / b, lambda g, y, a, b: -(g * y) / b], infix("/"), "({0} / {1})",
            bools=None, fold=operator.truediv, simplify=_simplify_div, python_operator=True, scalar_c="any",
            finite_when_positive=((1,),))
def _power_base(g: Sym, y: Sym, a: Sym, b: Sym) -> Sym | None:
    """d a**b / da = b a**(b-1), and 0 where b is 0 (a**0 is 1 everywhere: `0 * 0**-1` would be NaN), as JAX."""
    if is_number(b.atom):
        return None if b.atom.value == 0 else g * a ** (b - 1) * b
    return ops.where(b == 0, 0.0, g * a ** (b - 1) * b)


def _power_exponent(g: Sym, y: Sym, a: Sym, b: Sym) -> Sym | None:
    """d a**b / db = log(a) a**b, and 0 where a is 0 (the limit of 0**b for b > 0; `log(0) * 0` would be NaN), as
    JAX."""
    if is_number(a.atom):
        return None if a.atom.value == 0 else g * (ops.log(a) * y)
    return g * (ops.log(ops.where(a == 0.0, 1.0, a)) * y)


def _batch_power(ctx, prim, args: list[Sym], batched: list[bool], **params) -> Sym:
    """A batch of scalars to one scalar power. Python's loop raises NumPy scalars, whose `** 0.5` is C's pow
    (-0.0 gives 0.0, -inf gives inf); NumPy computes an array's `** 0.5` as sqrt (-0.0, NaN) wherever the exponent
    is one scalar. A literal 0.5 is pow's meaning written out; another uniform exponent becomes an array, which
    NumPy raises element by element with pow."""
    base, exponent = args
    if not (batched[0] and not batched[1] and base.rank == 1 and exponent.rank == 0 and exponent.type.is_float):
        return batch_elementwise(ctx, prim, args, batched, **params)
    if is_number(exponent.atom):
        if exponent.atom.value != 0.5:
            return batch_elementwise(ctx, prim, args, batched, **params)
        raised = ops.where(base == -math.inf, math.inf, base)  # pow(-inf, 0.5) is inf; sqrt's -0.0 is pow's 0.0
        return ops.abs(ops.sqrt(raised))
    return batch_elementwise(ctx, prim, [base, ctx.lift(exponent, writable=True)], [True, True], **params)


elementwise("power", [_power_base, _power_exponent],
            infix("**"), "lifted_power({0}, {1})", result="promote", fold=operator.pow, simplify=_simplify_pow,
            python_operator=True, batch=_batch_power, cuda_uniform=((1, 0.5, "sqrt({0})"),), bools="int8",
            bools_with_numbers=True, finite_when_positive=((0,),))
_infer_power = lookup("power").infer


def _power_type(types: list[TensorType], params) -> TensorType:
    """NumPy's promotion, except for an integer to a negative literal power (`k ** -1`): Python's int gives a float
    (0.5), NumPy's integers raise ValueError, so the type is known only for a Python int base (weak: a Python float);
    an integer array or NumPy integer base is refused (the int64 type was wrong: the C target truncated 2.5 to 2)."""
    base, exponent = types
    if base.dtype in ("i32", "i64", "bool") and exponent.dtype in ("i32", "i64", "bool") and \
            isinstance(exponent.value, int) and not isinstance(exponent.value, bool) and exponent.value < 0 and \
            not (params or {}).get("spelled"):
        if base.weak and base.shape == ():
            return TensorType("f64", (), weak=True)
        raise ShapeError(f"an integer to a negative integer power ({exponent.value}): Python's int gives a float, "
                         "NumPy's integers raise ValueError, and an `\"i64[]\"` argument may be either",
                         f"write a float exponent (`** {float(exponent.value)}`) or divide (`1 / (k ** "
                         f"{-exponent.value})`)")
    return _infer_power(types, params)


lookup("power").infer = _power_type
elementwise("negative", [lambda g, y, a: -g],
            lambda args, p: cg.call(p["spelled"], *args) if (p or {}).get("spelled") else cg.unary("-", args[0]),
            "(-{0})",
            result="promote", bools="an error", fold=operator.neg, simplify=_simplify_neg, python_operator=True,
            scalar_c="any")
elementwise("floor_divide", [None, None], infix("//"), "lifted_floor_divide({0}, {1})", result="promote", bools="int8",
            fold=operator.floordiv, diff=False, python_operator=True, scalar_c="any")
elementwise("mod", [lambda g, y, a, b: g, lambda g, y, a, b: -g * ops.floor_divide(a, b)], infix("%"),
            "lifted_mod({0}, {1})", result="promote", bools="int8", fold=operator.mod, python_operator=True,
            scalar_c="any")


def _render_at_least(args, params):
    """`a if a > low else low`: Python's conditional, not the builtin `max`, which a kernel may rebind."""
    return cst.IfExp(test=cg.compare(">", args[0], args[1]), body=args[0], orelse=args[1])


# a slice's length max(n-1, 0) (ir/dims.py's clamps) as a Python int; only the builder binds it, to sizes
elementwise("size_at_least", [None, None], _render_at_least, "(({0}) > ({1}) ? ({0}) : ({1}))", result="promote",
            fold=max, diff=False, python_operator=True, scalar_c="any", temp="size")
