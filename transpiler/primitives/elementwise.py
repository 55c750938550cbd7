"""Elementwise primitives: NumPy broadcasting, one derivative rule per argument.

Each rule `d(g, out, *args, **params)` is linear in `g`: it is the vector-Jacobian product for reverse mode (summed
back over broadcast axes by the family) and, fed a tangent instead, the Jacobian-vector product for forward
mode. Elementwise maps are diagonal, so one rule serves both directions.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import libcst as cst
import numpy as np

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, broadcast_shapes, promote
from ..ir.dims import dim_product, dim_quotient, dim_sum, negate
from ..ir import Const
from .batching import batch_elementwise, example_rank
from .registry import Primitive, register
from .symbolic import Sym, ops, sum_to

Rule = Callable[..., Sym | None]

_LN2, _LN10, _PI = math.log(2.0), math.log(10.0), math.pi


def _exact_quotient(a, b):
    """`a // b` where `b` divides every term of `a` (`x.shape[0] // 2` of `f64[2*d]` is `d`): then the floor is the
    quotient. Only a positive int or a name divides (a zero name raises ZeroDivisionError before any use)."""
    if isinstance(b, bool) or isinstance(b, int) and b <= 0:
        return None
    return dim_quotient(a, b)


# integer arithmetic on sizes keeps the size it computes (`x.shape[0] - 1` is `n-1`, `2 * n` is `2*n`)
_SIZE_ARITHMETIC = {"add": lambda a, b: dim_sum([a, b]), "subtract": lambda a, b: dim_sum([a, negate(b)]),
                    "multiply": lambda a, b: dim_product([a, b]), "floor_divide": _exact_quotient}


def _infer(result: str, name: str = "", python_operator: bool = False, bools: str | None = None,
           bools_with_numbers: bool = False, array_first: bool = False) -> Callable:
    """`bools`: what NumPy gives for booleans alone where that is not this rule's dtype (a loop of another dtype:
    np.sin of a bool array is float16, its square int8; "an error": no loop); refused, since Lifted has no such
    dtype (None: as the rule says). `bools_with_numbers`: a bool array with Python numbers after it too (`m ** 2`
    is NumPy's square of `m`, int8). `array_first`: NumPy makes an array of a Python number first argument
    (`np.clip(2, lo32, hi32)` runs `np.asarray(2).clip(...)`: int64, so float64), which is no longer weak."""
    def infer(types: list[TensorType], params) -> TensorType:
        if array_first and types[0].weak:
            types = [TensorType(types[0].dtype, types[0].shape)] + list(types[1:])
        # (Python's operator on Python bools is Python's: `True ** 2` is 1; a NumPy function of them is NumPy's loop
        # of booleans, `np.sqrt(True)` float16, as of a mask)
        python = python_operator and not (params or {}).get("spelled") and all(t.weak for t in types)
        if bools is not None and types[0].dtype == "bool" and not python and \
                all(t.dtype == "bool" or (bools_with_numbers and t.weak) for t in types[1:]):
            raise ShapeError(f"np.{name} of booleans is {bools} in NumPy, which Lifted does not model",
                             "convert the booleans first: `m.astype(np.float64)`, or `m * 1` for integers")
        shape = broadcast_shapes([t.shape for t in types])
        dtype = promote(types[1:] if result == "where" else types)
        if result == "bool":
            dtype = "bool"
        elif result == "float" and dtype not in ("f32", "f64"):
            dtype = "f64"
        # a Python operator on Python numbers gives a Python number (weak); a NumPy function gives a NumPy scalar,
        # which promotes as its dtype (`x32 * np.sqrt(2.0)` is float64)
        weak = python_operator and not (params or {}).get("spelled") and all(t.weak for t in types)
        if weak and dtype == "bool" and result != "bool":  # Python's arithmetic on bools: `True + True` is 2
            dtype = "i64"
        out = TensorType(dtype, shape, weak=weak)
        if name in _SIZE_ARITHMETIC and dtype in ("i32", "i64") and shape == () and \
                all(t.value is not None and not isinstance(t.value, bool) for t in types):
            return TensorType(dtype, shape, weak=out.weak, value=_SIZE_ARITHMETIC[name](*[t.value for t in types]))
        return out

    return infer


def _vjp_from(rules: Sequence[Rule | None]) -> Callable:
    def vjp(g: Sym, out: Sym, *args: Sym, active: Sequence[bool] | None = None, spelled=None, **params):
        cts = []
        for i, (rule, arg) in enumerate(zip(rules, args)):
            if rule is None or (active is not None and not active[i]):
                cts.append(None)
                continue
            ct = rule(g, out, *args, **params)
            # a unary map's output has its argument's shape: nothing was broadcast, nothing to sum
            cts.append(None if ct is None else ct if len(args) == 1 else sum_to(ct, arg.type, arg, out))
        return cts

    return vjp


def _jvp_from(rules: Sequence[Rule | None]) -> Callable:
    def jvp(tangents: Sequence[Sym | None], out: Sym, *args: Sym, spelled=None, **params):
        total = None
        for rule, t in zip(rules, tangents):
            if rule is None or t is None:
                continue
            term = rule(t, out, *args, **params)
            if term is not None:
                total = term if total is None else total + term
        return total

    return jvp


def elementwise(name: str, rules: Sequence[Rule | None], render: Callable, cuda: str | None = None,
                result: str = "float", fold: Callable | None = None, temp: str = "t",
                simplify: Callable | None = None, diff: bool = True, imports: str | None = None,
                python_operator: bool = False, scalar_c: str | None = None, batch: Callable = batch_elementwise,
                cuda_uniform: tuple = (), cuda_uniform_args: tuple | None = None, bools: str | None = "",
                bools_with_numbers: bool = False, array_first: bool = False, singular: bool = False,
                finite_when_positive: tuple[tuple[int, ...], ...] = ()) -> Primitive:
    """Register an elementwise primitive; `rules[i]` is None where argument i has no derivative;
    `python_operator`: rendered as Python's operator, so Python numbers in give a Python number out; `bools` and
    `bools_with_numbers`: see `_infer` ("": float16 for a float result, NumPy's first loop where it has no boolean
    one); `array_first`: see `_infer`;
    `finite_when_positive` (see Primitive) marks the entry `singular` too."""
    bools = ("float16" if result == "float" else None) if bools == "" else bools
    return register(Primitive(
        name=name, infer=_infer(result, name, python_operator, bools, bools_with_numbers, array_first), render=render,
        family="elementwise",
        vjp=_vjp_from(rules) if diff else None, jvp=_jvp_from(rules) if diff else None,
        cuda=cuda, batch=batch, broadcast_tolerant=True, fold=fold, temp_name=temp, imports=imports,
        scalar_c=scalar_c, python_numbers="kept" if python_operator else None, cuda_uniform=cuda_uniform,
        cuda_uniform_args=cuda_uniform_args, singular=singular or bool(finite_when_positive),
        finite_when_positive=finite_when_positive,
        diff_args=tuple(i for i, r in enumerate(rules) if r is not None),
        extra={"simplify": simplify} if simplify else {},
    ))


def np_call(fn: str) -> Callable:
    return lambda args, params: cg.call(f"np.{fn}", *args)


def infix(op: str) -> Callable:
    """Python's operator; the NumPy function where the source called it on scalars (`spelled`, see
    frontend/numpy_api.py: Python's operator raises where NumPy's function gives inf or nan)."""
    def render(args, params):
        spelled = (params or {}).get("spelled")
        return cg.call(spelled, *args) if spelled else cg.binop(op, *args)

    return render


def is_number(atom) -> bool:
    """A constant Python number (not a bool): what the simplifications may fold into."""
    return isinstance(atom, Const) and isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool)


# --- transcendental and friends ----------------------------------------------------------------------------
elementwise("exp", [lambda g, y, x: g * y], np_call("exp"), "exp({0})", temp="e", scalar_c="float")
elementwise("log", [lambda g, y, x: g / x], np_call("log"), "log({0})", scalar_c="float", finite_when_positive=((0,),))
elementwise("log1p", [lambda g, y, x: g / (1.0 + x)], np_call("log1p"), "log1p({0})", scalar_c="float",
            finite_when_positive=((0,),))
elementwise("expm1", [lambda g, y, x: g * (y + 1.0)], np_call("expm1"), "expm1({0})", scalar_c="float")
elementwise("sqrt", [lambda g, y, x: g / (2.0 * y)], np_call("sqrt"), "sqrt({0})", scalar_c="float",
            finite_when_positive=((0,),))
elementwise("sin", [lambda g, y, x: g * ops.cos(x)], np_call("sin"), "sin({0})", scalar_c="float")
elementwise("cos", [lambda g, y, x: -g * ops.sin(x)], np_call("cos"), "cos({0})", scalar_c="float")
elementwise("tan", [lambda g, y, x: g * (1.0 + y * y)], np_call("tan"), "tan({0})", scalar_c="float")
elementwise("tanh", [lambda g, y, x: g * (1.0 - y * y)], np_call("tanh"), "tanh({0})", scalar_c="float")
elementwise("arctan", [lambda g, y, x: g / (1.0 + x * x)], np_call("arctan"), "atan({0})", scalar_c="float")
elementwise("arcsin", [lambda g, y, x: g / ops.sqrt(1.0 - x * x)], np_call("arcsin"), "asin({0})", singular=True)
elementwise("arccos", [lambda g, y, x: -g / ops.sqrt(1.0 - x * x)], np_call("arccos"), "acos({0})", singular=True)
elementwise("log2", [lambda g, y, x: g / (x * _LN2)], np_call("log2"), "log2({0})", finite_when_positive=((0,),))
elementwise("log10", [lambda g, y, x: g / (x * _LN10)], np_call("log10"), "log10({0})", finite_when_positive=((0,),))
elementwise("exp2", [lambda g, y, x: g * (y * _LN2)], np_call("exp2"), "exp2({0})", temp="e")
elementwise("arcsinh", [lambda g, y, x: g / ops.sqrt(x * x + 1.0)], np_call("arcsinh"), "asinh({0})")
elementwise("arccosh", [lambda g, y, x: g / ops.sqrt(x * x - 1.0)], np_call("arccosh"), "acosh({0})", singular=True)
elementwise("arctanh", [lambda g, y, x: g / (1.0 - x * x)], np_call("arctanh"), "atanh({0})", singular=True)
# sin(pi x) / (pi x): the derivative (cos(pi x) - y) / x cancels near 0 (about 1e-5 relative at |x| = 1e-6, 3e-13
# at 1e-2), so below |x| = 1e-2 it is its Taylor polynomial -pi^2 x / 3 + pi^4 x^3 / 30 - pi^6 x^5 / 840 +
# pi^8 x^7 / 45360 (the next term is below 1e-16 relative there), 0 at 0 itself; differentiating the rule again
# gives sinc''(0) = -pi^2 / 3 (a constant 0 at 0 gave a second derivative of 0); the division is kept off 0
_SINC = (-math.pi ** 2 / 3.0, math.pi ** 4 / 30.0, -math.pi ** 6 / 840.0, math.pi ** 8 / 45360.0)


def _sinc_series(x):
    x2 = x * x
    return x * (_SINC[0] + x2 * (_SINC[1] + x2 * (_SINC[2] + x2 * _SINC[3])))


elementwise("sinc", [lambda g, y, x: g * ops.where(ops.abs(x) < 1e-2, _sinc_series(x),
                                                   (ops.cos(x * _PI) - y) / ops.where(x == 0.0, 1.0, x))],
            np_call("sinc"), bools=None)
elementwise("sinh", [lambda g, y, x: g * ops.cosh(x)], np_call("sinh"), "sinh({0})", scalar_c="float")
elementwise("cosh", [lambda g, y, x: g * ops.sinh(x)], np_call("cosh"), "cosh({0})", scalar_c="float")
elementwise("square", [lambda g, y, x: g * (2.0 * x)], np_call("square"), "({0} * {0})", result="promote",
            bools="int8", scalar_c="float")
elementwise("reciprocal", [lambda g, y, x: -g * (y * y)], np_call("reciprocal"), "(1.0 / {0})", bools="int8",
            finite_when_positive=((0,),))
# the builtin `abs` renders as itself: of a Python number it is a Python number (`abs(-k)` of an int is an int that
# grows past int64, `abs(True)` is the int 1), of a NumPy value NumPy's abs; `np.abs` and its aliases as spelled
# (frontend/ufunc_handlers.py), a NumPy scalar of a Python number
elementwise("abs", [lambda g, y, x: g * ops.sign(x)], lambda args, p: cg.call((p or {}).get("spelled") or "abs", *args),
            "lifted_abs({0})", result="promote", python_operator=True)
elementwise("sign", [None], np_call("sign"), "lifted_sign({0})", result="promote", diff=False, bools="an error")
# NumPy 2.3 and later keep an integer or boolean argument's dtype in floor, ceil and trunc (the identity); earlier
# versions give float64 for integers and float16 for booleans
_ROUNDING_KEEPS_INTEGERS = np.floor(np.zeros(1, np.int32)).dtype == np.int32
for _name in ("floor", "ceil", "trunc"):
    elementwise(_name, [None], np_call(_name), f"{_name}({{0}})", diff=False,
                result="promote" if _ROUNDING_KEEPS_INTEGERS else "float",
                bools=None if _ROUNDING_KEEPS_INTEGERS else "float16")
elementwise("rint", [None], np_call("rint"), "rint({0})", diff=False)  # to the nearest, ties to even, as C's
# NumPy's npy_deg2rad and npy_rad2deg: one multiplication by the rounded constant, as here and in C
_DEG2RAD, _RAD2DEG = math.pi / 180.0, 180.0 / math.pi
elementwise("deg2rad", [lambda g, y, x: g * _DEG2RAD], np_call("deg2rad"), f"({{0}} * {_DEG2RAD!r})")
elementwise("rad2deg", [lambda g, y, x: g * _RAD2DEG], np_call("rad2deg"), f"({{0}} * {_RAD2DEG!r})")
elementwise("hypot", [lambda g, y, a, b: g * a / y, lambda g, y, a, b: g * b / y], np_call("hypot"), "hypot({0}, {1})",
            finite_when_positive=((0,), (1,)))
elementwise("arctan2", [lambda g, y, a, b: g * b / (a * a + b * b), lambda g, y, a, b: -g * a / (a * a + b * b)],
            np_call("arctan2"), "atan2({0}, {1})", finite_when_positive=((0,), (1,)))


def _larger_share(g: Sym, a: Sym, b: Sym) -> Sym:
    """`a`'s part of `g` through `maximum(a, b)`: all of it where `a` is larger, half where they tie (ties share
    equally, as in Lifted's max reduction, JAX, PyTorch and autograd; finite differences see the mean of the
    two one-sided slopes there)."""
    return ops.where(a == b, 0.5 * g, g * (a > b))


def _smaller_share(g: Sym, a: Sym, b: Sym) -> Sym:
    """`a`'s part of `g` through `minimum(a, b)` (see _larger_share)."""
    return ops.where(a == b, 0.5 * g, g * (a < b))


elementwise("maximum", [lambda g, y, a, b: _larger_share(g, a, b), lambda g, y, a, b: _larger_share(g, b, a)],
            np_call("maximum"), "lifted_maximum({0}, {1})", result="promote")
elementwise("minimum", [lambda g, y, a, b: _smaller_share(g, a, b), lambda g, y, a, b: _smaller_share(g, b, a)],
            np_call("minimum"), "lifted_minimum({0}, {1})", result="promote")


def _ignoring_nan(share: Callable) -> Callable:
    """`a`'s part of `g` through `fmax(a, b)` / `fmin(a, b)`: as through maximum / minimum, and all of it where `b`
    is NaN (the NaN is ignored: the result is `a`)."""
    return lambda g, y, a, b: ops.where(ops.isnan(b), g, share(g, a, b))


elementwise("fmax", [_ignoring_nan(_larger_share), lambda g, y, a, b: _ignoring_nan(_larger_share)(g, y, b, a)],
            np_call("fmax"), "fmax({0}, {1})", result="promote")
elementwise("fmin", [_ignoring_nan(_smaller_share), lambda g, y, a, b: _ignoring_nan(_smaller_share)(g, y, b, a)],
            np_call("fmin"), "fmin({0}, {1})", result="promote")
elementwise("logaddexp", [lambda g, y, a, b: g * ops.exp(a - y), lambda g, y, a, b: g * ops.exp(b - y)],
            np_call("logaddexp"), "lifted_logaddexp({0}, {1})")
elementwise("logaddexp2", [lambda g, y, a, b: g * ops.exp2(a - y), lambda g, y, a, b: g * ops.exp2(b - y)],
            np_call("logaddexp2"))
elementwise("where", [None, lambda g, y, c, a, b: ops.where(c, g, 0.0), lambda g, y, c, a, b: ops.where(c, 0.0, g)],
            np_call("where"), "lifted_where({0}, {1}, {2})", result="where")


def _raised(x: Sym, lo: Sym, hi: Sym) -> Sym:
    """clip's inner `maximum(x, lo)`, or `x` itself where the bounds are constants in order: `hi` then meets
    `maximum(x, lo)` exactly where it meets `x` (both equal or past it), and the gradient saves an array."""
    if is_number(lo.atom) and is_number(hi.atom) and lo.atom.value < hi.atom.value:
        return x
    return ops.maximum(x, lo)


def _batch_clip(ctx, prim, args: list[Sym], batched: list[bool], **params) -> Sym:
    """An example's clip between two scalar bounds is NumPy's loop for uniform bounds (x kept where it equals a
    bound: np.clip(-0.0, 0.0, 1.0) is -0.0); a batch of such bounds is an array, for which NumPy takes minimum and
    maximum (0.0 there). Per-example scalar bounds are therefore written out as that loop's two selections."""
    x, lo, hi = args
    if not (batched[1] or batched[2]) or example_rank(lo, batched[1]) or example_rank(hi, batched[2]):
        return batch_elementwise(ctx, prim, args, batched, **params)
    rank = max(example_rank(a, b) for a, b in zip(args, batched))
    if x.type.weak:  # (a Python number clipped is NumPy's array of it: np.clip(2, lo32, hi32) is float64)
        x = ops.astype(x, dtype=x.type.dtype, scalar=True)
    x, lo, hi = [ctx.align(a, rank) if b else a for a, b in zip((x, lo, hi), batched)]
    floats = any(a.type.is_float for a in (lo, hi))
    below = x < lo
    if floats:
        below = ops.logical_or(below, ops.isnan(lo))
    raised = ops.where(below, lo, x)
    above = raised > hi
    if floats:
        above = ops.logical_or(above, ops.isnan(hi))
    return ops.where(above, hi, raised)


# NumPy defines clip as minimum(maximum(x, lo), hi): its derivatives are those of the two, ties shared; crossed
# bounds (lo > hi) give hi everywhere, so nothing flows into x or lo there. Between two scalar bounds NumPy's loop
# keeps x where it equals one (np.clip(-0.0, -1.0, 0.0) is -0.0, where minimum(-0.0, 0.0) is 0.0): lifted_clip
elementwise("clip", [lambda g, y, x, lo, hi: _larger_share(_smaller_share(g, _raised(x, lo, hi), hi), x, lo),
                     lambda g, y, x, lo, hi: _larger_share(_smaller_share(g, _raised(x, lo, hi), hi), lo, x),
                     lambda g, y, x, lo, hi: _smaller_share(g, hi, _raised(x, lo, hi))],
            np_call("clip"), "lifted_minimum(lifted_maximum({0}, {1}), {2})", result="promote",
            cuda_uniform_args=((1, 2), "lifted_clip({0}, {1}, {2})"), batch=_batch_clip, array_first=True)

# the value itself, with no derivative: `stop_gradient(x)` renders as `x` (so its result is its operand: `views`)
elementwise("stop_gradient", [None], lambda args, p: args[0], None, result="promote", diff=False, temp="v",
            python_operator=True).views = True



register(Primitive(
    name="iadd", family="elementwise", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=lambda args, p: [cst.SimpleStatementLine([cst.AugAssign(args[0], cst.AddAssign(), args[1])])],
    statement=True, extra={"in_place": True}, batch=batch_elementwise, cuda="({0} + {1})",
    vjp=lambda g, out, a, b, active=None: [g if active is None or active[0] else None,
                                           sum_to(g, b.type, b, out) if active is None or active[1] else None],
    jvp=lambda tangents, out, a, b: tangents[1] if tangents[0] is None else
    tangents[0] if tangents[1] is None else tangents[0] + tangents[1],
))


register(Primitive(
    name="isub", family="elementwise", infer=lambda types, p: types[0].with_shape(types[0].shape),
    render=lambda args, p: [cst.SimpleStatementLine([cst.AugAssign(args[0], cst.SubtractAssign(), args[1])])],
    statement=True, extra={"in_place": True}, batch=batch_elementwise, cuda="({0} - {1})",
    vjp=lambda g, out, a, b, active=None: [g if active is None or active[0] else None,
                                           -sum_to(g, b.type, b, out) if active is None or active[1] else None],
    jvp=lambda tangents, out, a, b: -tangents[1] if tangents[0] is None else
    tangents[0] if tangents[1] is None else tangents[0] - tangents[1],
))
