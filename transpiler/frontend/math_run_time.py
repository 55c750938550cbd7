"""math's functions of numbers known only at run time beyond the one-argument ones of math_module.run_time_math:
as CPython computes them, with its errors at run time on every target.

* `atan2(y, x)`, `copysign(x, y)`, `pow(x, y)`: libm's function of the two Python floats (entries `math_<name>`),
  and CPython's `math_2` errors: NaN of numbers is ValueError("math domain error"), inf of finite numbers is
  ValueError at a pole (`pow(0.0, -1.0)`) and OverflowError("math range error") otherwise (`pow(10.0, 400.0)`).
* `floor`, `ceil`, `trunc`: a Python int, as Python returns (`int(np.floor(x))`), with int()'s errors (ValueError at
  NaN, OverflowError at inf, and the run-time refusal of an int past int64); of an int, the int. `math.trunc` of a
  NumPy scalar other than float64 (float32, int64, bool) is Python's TypeError (it has no `__trunc__`), refused
  where written.
* `fabs`, `degrees`, `radians`: a Python float (`radians(x)` is `x * (pi / 180)`, CPython's one product).
* `isnan`, `isinf`, `isfinite`: a Python bool.
Their derivatives are those of the NumPy functions they are built from (floor's zero, as np.floor's).
"""
from __future__ import annotations

import math

from ..builder import const
from ..ir import Const, Var
from ..primitives.math_functions import NUMPY_OF_2
from .python_builtins import check_float_fits

ROUNDING = ("floor", "ceil", "trunc")
TESTS = ("isnan", "isinf", "isfinite")
SCALED = {"degrees": 180.0 / math.pi, "radians": math.pi / 180.0}  # CPython's radToDeg and degToRad
ONE_ARGUMENT = ROUNDING + TESTS + tuple(SCALED) + ("fabs",)


def compiles(name: str, positional: list, keywords: dict) -> bool:
    """Whether `math.name(*positional)` of a run-time value is one this module compiles."""
    if keywords:
        return False
    return (name in ONE_ARGUMENT and len(positional) == 1) or (name in NUMPY_OF_2 and len(positional) == 2)


def lower(lowering, node, builder, name: str, positional: list):
    """`math.name(...)` of numbers, at least one known only at run time (module docstring)."""
    bind = lambda prim, args, params=None: lowering._bind(builder, node, prim, args, params or {})  # noqa: E731
    for value in positional:
        if not isinstance(value, (Var, Const)) or value.type.shape != ():
            raise lowering.error(node, f"`math.{name}` of an array: Python raises TypeError unless it has one "
                                 "element (and NumPy warns that it will stop converting those)",
                                 f"math.{name} of one element (x[0]), or NumPy's function of the array")
        if value.type.dtype.startswith("c"):
            raise lowering.error(node, f"`math.{name}` of a complex number: Python raises TypeError",
                                 "cmath's function, or NumPy's")
    if name in NUMPY_OF_2:
        return _two(lowering, node, bind, name, [bind("python_float", [v]) for v in positional])
    (value,) = positional
    if name in ROUNDING:
        return _rounded(lowering, node, builder, bind, name, value)
    number = bind("python_float", [value])
    if name == "fabs":
        return bind("abs", [number])
    if name in SCALED:
        return bind("multiply", [number, const(SCALED[name])])
    return bind("python_bool", [bind(name, [number])])


def _check(bind, condition, error: str, message: str) -> None:
    bind("check_assert", [condition], {"message": message, "error": error})


def _two(lowering, node, bind, name: str, numbers: list):
    """CPython's math_2 (and math_pow's finite case): NaN of numbers a domain error; inf of finite numbers a range
    error, or a domain error at pow's pole (0.0 to a negative power)."""
    result = bind(f"math_{name}", numbers)
    defined = bind("equal", [result, result])
    for number in numbers:
        defined = bind("logical_or", [defined, bind("isnan", [number])])
    _check(bind, defined, "ValueError", "math domain error")
    finite = bind("isfinite", [numbers[0]])
    for number in numbers[1:]:
        finite = bind("logical_and", [finite, bind("isfinite", [number])])
    infinite = bind("logical_and", [bind("isinf", [result]), finite])
    if name == "pow":
        pole = bind("equal", [numbers[0], const(0.0)])
        _check(bind, bind("logical_not", [bind("logical_and", [infinite, pole])]), "ValueError", "math domain error")
        _check(bind, bind("logical_not", [infinite]), "OverflowError", "math range error")
    else:
        _check(bind, bind("logical_not", [infinite]), "ValueError", "math domain error")
    return result


def _rounded(lowering, node, builder, bind, name: str, value):
    """math.floor/ceil/trunc: Python's int of the rounded float (an int or a bool: its int)."""
    if name == "trunc" and not value.type.weak and value.type.dtype != "f64":
        raise lowering.error(node, f"`math.trunc` of a NumPy {value.type.dtype} scalar: Python raises TypeError "
                             "(the type defines no __trunc__)", "int(x), or math.trunc(float(x))")
    if value.type.dtype == "bool" or not value.type.is_float:
        return bind("python_int", [value])
    rounded = bind(name, [bind("python_float", [value])])
    check_float_fits(lowering, node, builder, rounded)
    return bind("python_int", [rounded])
