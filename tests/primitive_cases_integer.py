"""Cases of the generic primitive test (tests/test_primitives.py): bitwise and integer arithmetic inside
differentiated kernels (ldexp, frexp).
"""
from __future__ import annotations

import numpy as np

from primitive_case import case


# --- bitwise and integer arithmetic (primitives/bitwise.py, integer_arithmetic.py; tests/test_bitwise.py for bits) --
_SHIFTS = {"i": np.array([3, -6, 0, 5]), "j": np.array([[1], [0], [2]])}
case("bitwise_and", "bitwise_and-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i & j) + np.bitwise_and(i, 6) * x",
     fixed=_SHIFTS)
case("bitwise_or", "bitwise_or-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i | j) + np.bitwise_or(j, 1) * x",
     fixed=_SHIFTS)
case("bitwise_xor", "bitwise_xor-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i ^ j) + ((x > 0) ^ (x < 1)) * x",
     fixed=_SHIFTS)
case("invert", "invert-scale", "x: f64[3,4], i: i32[4]", "x * ~i + np.invert(x > 0) * x", fixed={"i": np.array(
    [3, -6, 0, 5], np.int32)}, oracle="x * (-i - 1) + np.logical_not(x > 0) * x")
case("left_shift", "left_shift-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i << j) + np.left_shift(3, j) * x",
     fixed=_SHIFTS)
case("right_shift", "right_shift-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]",
     "x * (i >> j) + np.right_shift(i, 1) * x", fixed=_SHIFTS)
case("gcd", "gcd-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * np.gcd(i, j + 4)", fixed=_SHIFTS)
case("lcm", "lcm-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * np.lcm(i, j + 1)", fixed=_SHIFTS)
# autograd has no rules for fmod, ldexp and frexp: the oracles spell them with the quotient or power they are
case("fmod", "fmod-both", "a: f64[3,4], b: f64[4]", "np.fmod(a * 3.0, b)", domain={"b": "pos"}, vjp=True,
     oracle="a * 3.0 - b * stop_gradient(np.trunc(a * 3.0 / b))")
case("fmod", "fmod-integers", "x: f64[3,4], i: i64[4]", "x * np.fmod(i, 2) + np.fmod(x, 0.7)", fixed=_SHIFTS,
     oracle="x * np.fmod(i, 2) + x - 0.7 * stop_gradient(np.trunc(x / 0.7))")
case("ldexp", "ldexp-scale", "x: f64[3,4], i: i64[4]", "np.ldexp(x, i) * x", fixed=_SHIFTS, vjp=True,
     oracle="x * 2.0 ** i * x")
case("frexp_mantissa", "frexp_mantissa-scale", "x: f64[3,4]", "m, e = np.frexp(x * 3.0)\nm * x + e",
     oracle="x * 3.0 * 2.0 ** -np.frexp(stop_gradient(x * 3.0))[1] * x + np.frexp(stop_gradient(x * 3.0))[1]")
case("frexp_exponent", "frexp_exponent-times_x", "x: f64[3,4]", "np.frexp(x)[1] * x",
     oracle="np.frexp(stop_gradient(x))[1] * x")
