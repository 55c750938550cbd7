"""scipy.special's elementwise functions (expit, erf, gammaln, ...): each one registry entry, like NumPy's.

scipy computes them in float64 for booleans and integers alike (no float16 loop first, unlike NumPy's ufuncs)."""
from __future__ import annotations

import math
from typing import Callable

from .. import codegen as cg
from .elementwise import Rule, elementwise
from .symbolic import ops

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def special_call(fn: str) -> Callable:
    """`scipy.special.<fn>(x)`; static parameters (a polygamma order) go first, as scipy takes them."""
    return lambda args, params: cg.call(f"scipy.special.{fn}", *params.values(), *args)


def _special(name: str, rule: Rule, cuda: str | None = None, temp: str = "t", singular: bool = False) -> None:
    elementwise(name, [rule], special_call(name), cuda, temp=temp, imports="scipy.special", bools=None,
                singular=singular)


_special("expit", lambda g, y, x: g * (y * (1.0 - y)), "(1.0 / (1.0 + exp(-{0})))", temp="p")
_special("logit", lambda g, y, x: g / (x * (1.0 - x)), "log({0} / (1.0 - {0}))", singular=True)
_special("erf", lambda g, y, x: g * (_TWO_OVER_SQRT_PI * ops.exp(-(x * x))), "erf({0})")
_special("erfc", lambda g, y, x: g * (-_TWO_OVER_SQRT_PI * ops.exp(-(x * x))), "erfc({0})")
_special("ndtr", lambda g, y, x: g * (_INV_SQRT_2PI * ops.exp(-0.5 * (x * x))), "normcdf({0})", temp="p")
_special("log_ndtr", lambda g, y, x: g * (_INV_SQRT_2PI * ops.exp(-0.5 * (x * x) - y)), None)
_special("gammaln", lambda g, y, x: g * ops.digamma(x), "lgamma({0})")
_special("digamma", lambda g, y, x: g * ops.polygamma(x, order=1), None)
# polygamma(order, x): the order is a build-time integer, kept as a parameter
elementwise("polygamma", [lambda g, y, x, order: g * ops.polygamma(x, order=order + 1)], special_call("polygamma"),
            imports="scipy.special", bools=None)
