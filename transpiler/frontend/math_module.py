"""Python's `math` functions on numbers known at build time (`int(math.floor((filter_height - 1) / 2))` of a layer's
padding, `math.pow(2 * math.pi, d / 2)` of a Gaussian's normaliser): Python itself computes them when the kernel is
built, so the value is Python's, bit for bit.

Of one number known only at run time, the one-argument functions of primitives/math_functions.py (`math.sqrt(s)`,
`math.exp(s)`, `math.log(s)`, `math.sin(s)`...) compile as Python runs them: the argument a Python float (as math
converts it), libm's function of it, a Python float out, and math's errors where libm gives NaN of a number
(ValueError "math domain error": math.sqrt(-1.0), math.log(-1.0)) or inf of a finite one (OverflowError "math range
error" where math can overflow, math.exp(1000.0); ValueError otherwise, math.log(0.0)), checked at run time on
every target. An array argument is refused (Python raises TypeError unless it has one element, and NumPy warns
that it will stop converting those). atan2, copysign, pow, floor, ceil, trunc, fabs, degrees,
radians, isnan, isinf and isfinite of run-time numbers are math_run_time.py's; the others stay refused by name
(imports.MATH_MESSAGE): hypot, fmod, gamma... are CPython's own algorithms, not libm's function of the same name."""
from __future__ import annotations

import math

from ..builder import const
from ..ir import Const, Var
from ..primitives.math_functions import NUMPY_OF, OVERFLOWS
from . import math_run_time
from .imports import MATH_HINT, MATH_MESSAGE

_NUMBERS = (bool, int, float)


def _python_number(value) -> bool:
    return isinstance(value, Const) and type(value.value) in _NUMBERS


def _as_value(result):
    """Python's result as the kernel's value: a number a weak constant, a tuple (`math.frexp`) a tuple of them."""
    if isinstance(result, tuple):
        return tuple(_as_value(r) for r in result)
    return const(result)


def math_function(name: str):
    def handle(lowering, node, builder, positional, keywords):
        arguments = list(positional) + [value for value, _ in keywords.values()]
        if not all(_python_number(a) for a in arguments):
            if name in NUMPY_OF and len(positional) == 1 and not keywords:
                return run_time_math(lowering, node, builder, name, positional[0])
            if math_run_time.compiles(name, positional, keywords):
                return math_run_time.lower(lowering, node, builder, name, positional)
            raise lowering.error(node, f"`math.{name}` of a value known only at run time: {MATH_MESSAGE}", MATH_HINT)
        try:
            result = getattr(math, name)(*[a.value for a in positional],
                                         **{k: value.value for k, (value, _) in keywords.items()})
        except (ArithmeticError, ValueError, TypeError) as error:
            raise lowering.error(node, f"`math.{name}` raises {type(error).__name__} in Python on these arguments: "
                                 f"{error}", "Python raises here on every call; compute a value it takes") from None
        if not isinstance(result, _NUMBERS + (tuple,)):
            raise lowering.error(node, f"`math.{name}` gives a {type(result).__name__}, not a number",
                                 "kernels compute numbers and arrays")
        return _as_value(result)
    return handle


def run_time_math(lowering, node, builder, name: str, value):
    """`math.name(value)` of a number known only at run time: math's conversion to a Python float, libm's
    function, math's errors (module docstring)."""
    if not isinstance(value, (Var, Const)) or value.type.shape != ():
        raise lowering.error(node, f"`math.{name}` of an array: Python raises TypeError unless it has one element "
                             "(and NumPy warns that it will stop converting those)",
                             f"np.{NUMPY_OF[name]}(x) for every element, or math.{name}(x[0]) for one")
    if value.type.dtype.startswith("c"):
        raise lowering.error(node, f"`math.{name}` of a complex number: Python raises TypeError",
                             f"cmath's function, or np.{NUMPY_OF[name]}")
    number = lowering._bind(builder, node, "python_float", [value])
    result = lowering._bind(builder, node, f"math_{name}", [number])

    def check(condition, error: str, message: str) -> None:
        lowering._bind(builder, node, "check_assert", [condition], {"message": message, "error": error})

    # CPython's math_1: NaN of a number is a domain error; inf of a finite number a range error where the function
    # can overflow, a domain error (a pole: log(0.0)) where it cannot
    check(lowering._bind(builder, node, "logical_or", [lowering._bind(builder, node, "equal", [result, result]),
                                                      lowering._bind(builder, node, "isnan", [number])]),
          "ValueError", "math domain error")
    infinite = lowering._bind(builder, node, "logical_and", [lowering._bind(builder, node, "isinf", [result]),
                                                            lowering._bind(builder, node, "isfinite", [number])])
    check(lowering._bind(builder, node, "logical_not", [infinite]),
          *(("OverflowError", "math range error") if name in OVERFLOWS else ("ValueError", "math domain error")))
    return result


FUNCTIONS = {f"math.{name}": math_function(name) for name in dir(math)
             if not name.startswith("_") and callable(getattr(math, name))}
