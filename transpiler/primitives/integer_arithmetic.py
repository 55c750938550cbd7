"""Integer and floating-point decomposition entries: np.gcd, np.lcm, np.fmod, np.ldexp and np.frexp's two results.

(`divmod` is floor_divide and mod, NumPy's own definitions of its two results: the frontend binds those.)
gcd and lcm take integers only and have no derivative; fmod keeps the dividend's sign (C's fmod, `%` truncating
for integers, 0 for a zero divisor as NumPy gives); ldexp scales by a power of two exactly, so its derivative is
the same scaling; frexp's mantissa is x scaled by 2**-e, its exponent an int32 (0 for 0, inf and NaN).
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, broadcast_shapes
from .bitwise import integer_operands, add_check
from .elementwise import elementwise, np_call
from .registry import Primitive, register
from .batching import batch_elementwise
from .symbolic import ops, sum_to

_TYPE = "decltype({0} + {1})"
# |v| as an unsigned 64-bit number (|INT_MIN| too, as NumPy's unsigned gcd sees it)
_MAGNITUDE = "(({0}) < 0 ? (uint64_t)0 - (uint64_t)({0}) : (uint64_t)({0}))"
_EUCLID = "while (y != 0) {{ const uint64_t r = x % y; x = y; y = r; }}"
_GCD = f"[](uint64_t x, uint64_t y) {{{{ {_EUCLID} return x; }}}}({_MAGNITUDE.format('{0}')}, " \
       f"{_MAGNITUDE.format('{1}')})"
_LCM = f"[](const uint64_t a, const uint64_t b) {{{{ uint64_t x = a, y = b; {_EUCLID} " \
       f"return x == 0 ? (uint64_t)0 : a / x * b; }}}}({_MAGNITUDE.format('{0}')}, {_MAGNITUDE.format('{1}')})"
for _name, _c in (("gcd", _GCD), ("lcm", _LCM)):
    add_check(elementwise(_name, [None, None], np_call(_name), _c, result="promote", bools=None, diff=False),
              integer_operands(f"np.{_name}", bools=False))

# floats: C's fmod (exact); integers: C's `%` (the dividend's sign), 0 where the divisor is 0 or -1 (as NumPy)
_FMOD = f"(({_TYPE})0.5 != 0 ? ({_TYPE})fmod({{0}}, {{1}}) : ({{1}}) == 0 || ({{1}}) == -1 ? ({_TYPE})0 : " \
        f"({_TYPE})((long long)({{0}}) % (long long)({{1}})))"
elementwise("fmod", [lambda g, y, a, b: g, lambda g, y, a, b: -g * ops.trunc(a / b)], np_call("fmod"), _FMOD,
            result="promote", bools="int8")


def _float_of(t: TensorType, name: str) -> str:
    """The float dtype NumPy's loop gives for this argument: its own, float64 for integers (float16 for booleans,
    which Lifted does not model)."""
    if t.dtype == "bool":
        raise ShapeError(f"{name} of booleans is float16 in NumPy, which Lifted does not model",
                         "convert the booleans first: `m.astype(np.float64)`")
    return t.dtype if t.dtype in ("f32", "f64") else "f64"


def _ldexp_type(types: list[TensorType], params) -> TensorType:
    x, e = types
    if e.dtype not in ("bool", "i32", "i64"):
        raise ShapeError(f"np.ldexp's exponent is a {e.dtype} value: NumPy takes integers there (it raises "
                         "TypeError)", "convert it: `e.astype(np.int64)`")
    return TensorType(_float_of(x, "np.ldexp"), broadcast_shapes([x.shape, e.shape]))


# the exponent clamped to +-100000 (past which every result is 0 or inf), as NumPy clamps an int64 to C's int
register(Primitive(
    name="ldexp", family="elementwise", infer=_ldexp_type, render=np_call("ldexp"),
    cuda="ldexp({0}, (int)fmin(fmax((double)({1}), -100000.0), 100000.0))", batch=batch_elementwise,
    broadcast_tolerant=True, diff_args=(0,),
    vjp=lambda g, out, x, e, active=None: [None if active is not None and not active[0] else
                                           sum_to(ops.ldexp(g, e), x.type, x, out), None],
    jvp=lambda tangents, out, x, e: None if tangents[0] is None else ops.ldexp(tangents[0], e),
))


def _frexp_type(result: str):
    def infer(types: list[TensorType], params) -> TensorType:
        dtype = _float_of(types[0], "np.frexp")
        return TensorType(dtype if result == "mantissa" else "i32", types[0].shape)
    return infer


def _frexp_render(position: int):
    return lambda args, params: cg.subscript(cg.call("np.frexp", *args), [cg.literal(position)])


# frexp(x) = (m, e) with x = m * 2**e, 0.5 <= |m| < 1: m is x scaled exactly, so dm = dx * 2**-e
register(Primitive(
    name="frexp_mantissa", family="elementwise", infer=_frexp_type("mantissa"), render=_frexp_render(0),
    cuda="scalbn({0}, ({0}) == 0 || !isfinite({0}) ? 0 : -(ilogb({0}) + 1))", batch=batch_elementwise,
    temp_name="mantissa",
    vjp=lambda g, out, x, active=None: [ops.ldexp(g, -ops.frexp_exponent(x))],
    jvp=lambda tangents, out, x: None if tangents[0] is None else ops.ldexp(tangents[0], -ops.frexp_exponent(x)),
))
register(Primitive(
    name="frexp_exponent", family="elementwise", infer=_frexp_type("exponent"), render=_frexp_render(1),
    cuda="(int32_t)(({0}) == 0 || !isfinite((double)({0})) ? 0 : ilogb((double)({0})) + 1)",
    batch=batch_elementwise, temp_name="exponent",
))
