"""Python's `math` functions on numbers known at build time (`int(math.floor((filter_height - 1) / 2))` of a layer's
padding, `math.pow(2 * math.pi, d / 2)` of a Gaussian's normaliser): Python itself computes them when the kernel is
built, so the value is Python's, bit for bit. On a value known only at run time they are refused by name
(imports.MATH_MESSAGE): math's functions raise where NumPy's give nan or inf, and floor, ceil and trunc return
ints, so NumPy's function of the same name is not the same function."""
from __future__ import annotations

import math

from ..builder import const
from ..ir import Const
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


FUNCTIONS = {f"math.{name}": math_function(name) for name in dir(math)
             if not name.startswith("_") and callable(getattr(math, name))}
