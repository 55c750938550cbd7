"""More of NumPy's elementwise functions (cbrt, copysign, heaviside, nextafter, spacing, modf, i0, float_power,
logical_xor, positive, and the complex-number functions on real numbers): one entry each, NumPy's function as the
rendering, so the NumPy backend has NumPy's bits, and C99's function as the C expression where it computes the same.

Lifted has no complex dtype, but `np.imag`, `np.conjugate`, `np.iscomplex` and `np.isreal` of real numbers are still
NumPy functions with defined values (zeros, a copy, False, True); `np.real` is the value itself and `np.angle` an
arctan2 (frontend/more_elementwise.py). Where a function is flat or has no derivative (heaviside's step, copysign's
sign argument, nextafter's direction, spacing), the rule follows JAX and autograd: zero. i0's derivative is I1,
which the generated module computes with a helper of its own (no scipy).
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import TensorType
from .elementwise import elementwise, is_number, np_call
from .symbolic import Sym, ops


def _cbrt(g: Sym, y: Sym, x: Sym) -> Sym:
    """d cbrt(x) / dx = 1 / (3 cbrt(x)^2): inf at 0, as the formula gives."""
    return g / (3.0 * (y * y))


def _copysign_magnitude(g: Sym, y: Sym, a: Sym, b: Sym) -> Sym:
    """copysign(a, b) is |a| with b's sign: its slope in a is sign(a), negated where b's sign bit is set (JAX's
    `where(signbit(b), -abs(a), abs(a))`; 0 at a = 0, as abs's)."""
    return g * ops.where(ops.signbit(b), -ops.sign(a), ops.sign(a))


def _heaviside_h0(g: Sym, y: Sym, x: Sym, h0: Sym) -> Sym:
    """heaviside(x, h0) is h0 where x is 0 (JAX's where(x < 0, 0, where(x > 0, 1, h0))); x's slope is 0."""
    return ops.where(x == 0.0, g, 0.0)


def _i1_slope(g: Sym, y: Sym, x: Sym) -> Sym:
    """I1'(x) = I0(x) - I1(x) / x, and 1/2 at 0 (the limit)."""
    return g * ops.where(x == 0.0, 0.5, ops.i0(x) - y / ops.where(x == 0.0, 1.0, x))


# NumPy's formula for the fraction: modf(x)[0] is x - trunc(x) with x's sign (-0.0 for -3.0), 0 for an infinity
_MODF_FRACTION_C = "copysign(isinf({0}) ? 0 : {0} - trunc({0}), {0})"
# NumPy's npy_spacing: NaN for an infinity, else the distance to the next number away from 0 (up from either zero)
_SPACING_C = "(isinf({0}) ? {0} - {0} : nextafter({0}, {0} == 0 ? INFINITY : copysign(INFINITY, {0})) - {0})"
# NumPy's npy_heaviside: NaN for NaN, h0 at 0, else the step
_HEAVISIDE_C = "({0} != {0} ? {0} : {0} == 0 ? {1} : {0} < 0 ? 0 : 1)"

elementwise("cbrt", [_cbrt], np_call("cbrt"), "cbrt({0})", finite_when_positive=((0,),))
elementwise("copysign", [_copysign_magnitude, None], np_call("copysign"), "copysign({0}, {1})")
elementwise("heaviside", [None, _heaviside_h0], np_call("heaviside"), _HEAVISIDE_C)
# nextafter(a, b) moves `a` one step: a's slope is 1, the direction b's is 0
elementwise("nextafter", [lambda g, y, a, b: g, None], np_call("nextafter"), "nextafter({0}, {1})")
elementwise("spacing", [None], np_call("spacing"), _SPACING_C, diff=False)
elementwise("modf", [lambda g, y, x: g], lambda args, params: cg.subscript(cg.call("np.modf", args[0]), [cg.literal(0)]),
            _MODF_FRACTION_C, temp="frac")
# np.i0 is NumPy's Chebyshev series in Python, in the argument's float dtype (float32 through NumPy's float32 exp):
# no C expression has its bits, so the C target runs NumPy's function on the host; integers and booleans go to
# float64 first. Its derivative is I1, which scipy has and NumPy not: the generated module's helper `_i1` computes it
# as NumPy computes i0 (templates/module_body.py.j2)
elementwise("i0", [lambda g, y, x: g * ops.i1(x)], np_call("i0"), None, bools=None)
_i1 = elementwise("i1", [_i1_slope], lambda args, params: cg.call("_i1", args[0]), None, bools=None)
_i1.extra["helper"] = "i1"
elementwise("logical_xor", [None, None], np_call("logical_xor"), "(!{0} != !{1})", result="bool", temp="mask",
            diff=False)
elementwise("positive", [lambda g, y, x: g], np_call("positive"), "(+{0})", result="promote", bools="an error")
# complex conjugation of real numbers: a copy (of booleans: int8, NumPy's first loop)
elementwise("conjugate", [lambda g, y, x: g], np_call("conjugate"), "({0})", result="promote", bools="int8")
# the imaginary part of a real number is 0 (a Python number's `.imag` is a Python number of its type: True's is 0)
elementwise("imag", [None], np_call("imag"), "0", result="promote", diff=False, bools=None, python_operator=True)
elementwise("iscomplex", [None], np_call("iscomplex"), "false", result="bool", temp="mask", diff=False)
# np.isreal(x) is `imag(x) == 0`: a Python bool for a Python number
elementwise("isreal", [None], np_call("isreal"), "true", result="bool", temp="mask", diff=False, python_operator=True)


def _float_power_base(g: Sym, y: Sym, a: Sym, b: Sym) -> Sym | None:
    """As power's (0 where the exponent is 0), in float64."""
    if is_number(b.atom):
        return None if b.atom.value == 0 else g * ops.float_power(a, b.atom.value - 1.0) * b
    return ops.where(b == 0, 0.0, g * ops.float_power(a, b - 1.0) * b)


def _in_float64(a: Sym) -> Sym:
    return a if a.type.dtype == "f64" else ops.astype(a, dtype="f64", scalar=a.type.shape == ())


def _float_power_exponent(g: Sym, y: Sym, a: Sym, b: Sym) -> Sym | None:
    """As power's: log(a) a**b, 0 where a is 0."""
    if is_number(a.atom):
        return None if a.atom.value == 0 else g * (ops.log(a) * y)
    return g * (ops.log(ops.where(a == 0.0, 1.0, _in_float64(a))) * y)


# np.float_power: power in float64 whatever the operands (float32 too), through libm's pow (not the SIMD loop of
# np.power), which C's pow is
_float_power = elementwise("float_power", [_float_power_base, _float_power_exponent], np_call("float_power"),
                           "pow({0}, {1})", bools=None,
                           finite_when_positive=((0,),))
_power_infer = _float_power.infer
_float_power.infer = lambda types, params: TensorType("f64", _power_infer(types, params).shape)
