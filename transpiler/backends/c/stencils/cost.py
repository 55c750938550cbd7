"""What repeating an equation at an offset costs (align.py's rule for computing a value again at other elements
instead of storing it once and reading it back at the offset), in bytes moved at one thread's copy bandwidth, the
unit of remat.py's rule.

A value read at offsets 1 .. k is computed k + 1 times per element when it is repeated (once at each offset: the
lanes of a vector loop are neighbours, so nothing is shared between them), and once when one kernel stores it and
the next reads it back at every offset. Storing it costs a store, a load and a kernel boundary (`SPLIT_BYTES`);
repeating it costs its operations at each offset. An add, a multiply, a comparison or a selection is about one
byte (a vector operation on 8 lanes at two a cycle), a division, a square root or a math-library call about 48: on
this project's Sapphire Rapids (one thread, 1e4 and 1e5 elements, `-O3 -march=native`), `b[i] = a[i] / 6.0` takes
0.72 ns per element where `b[i] = a[i]` takes 0.23 ns (16 bytes) and four more multiply-adds (and one more load)
0.07 ns more. A constant whole power is its multiplications (repeated squaring). So a chain of a few dozen
additions and multiplications is repeated (align.py's REPEAT_BUDGET of 32 equations bounds it), and a division, a
square root or a math-library call at an offset is read back from the kernel that stored it.

That balance is the cache's: with the arrays in memory the extra pass costs more and the divisions overlap the
loads (GradBench ode's gradient at n = 1e5, s = 10 and 100: 13-17 % slower split, 5-32 % faster at n = 1e3-1e4;
docs/gradbench.md, "h-ode3"), so where this rule splits, plans.py gives the function the repeating plan too,
chosen at run time by the element count. Only the CPU target applies the rule (rewrite.py's `split`).

A division by a constant power of two is a multiplication (its reciprocal is exact, and the compiler writes it
so); any other constant divisor is not (1/6 is inexact: the compiler may not rewrite `x / 6.0`).
"""
from __future__ import annotations

import math
import re

from ....ir import Const, Eqn

ARITH_BYTES = 1  # an add, multiply, comparison, selection, or a cheap exact call (fabs, fmax, copysign, ...)
DIVIDE_BYTES = 48  # a division, square root or math-library call per element (see the module's note)
SPLIT_BYTES = 32  # storing a value once and reading it back at the offset: a store, a load, a kernel boundary
CHEAP_CALLS = {"fabs", "copysign", "lifted_maximum", "lifted_minimum", "lifted_abs", "lifted_sign", "lifted_clip",
               "lifted_where", "fmax", "fmin", "isnan", "isinf", "isfinite", "floor", "ceil", "trunc", "rint"}
_CALL = re.compile(r"([A-Za-z_]\w*)\s*\(")


def work_bytes(eqn: Eqn) -> int:
    """What computing the equation once more per element costs (see the module's note)."""
    if eqn.prim.name == "power" and len(eqn.args) == 2 and isinstance(eqn.args[1], Const):
        return _power_bytes(eqn.args[1].value)
    text = eqn.prim.cuda or ""
    if any(call not in CHEAP_CALLS for call in _CALL.findall(text)):
        return DIVIDE_BYTES
    if "/" in text and not _exact_reciprocal(eqn):
        return DIVIDE_BYTES
    return ARITH_BYTES


def _power_bytes(exponent) -> int:
    """`a ** k` for a constant k: a whole k in [0, 1024] is repeated squaring (the prelude's `lifted_fpower`: at
    most 20 multiplications, one for `a ** 2`), any other k a `pow` call (`** 0.5` a square root)."""
    try:
        k = float(exponent)
    except (TypeError, ValueError):
        return DIVIDE_BYTES
    if k.is_integer() and 0 <= k <= 1024:
        return ARITH_BYTES * max(1, 2 * int(k).bit_length() - 2)
    return DIVIDE_BYTES


def _exact_reciprocal(eqn: Eqn) -> bool:
    """A division by a constant power of two (a multiplication by its exact reciprocal)."""
    if eqn.prim.name != "divide" or len(eqn.args) != 2 or not isinstance(eqn.args[1], Const):
        return False
    try:
        value = float(eqn.args[1].value)
    except (TypeError, ValueError):
        return False
    if value == 0.0 or not math.isfinite(value):
        return False
    return math.frexp(abs(value))[0] == 0.5
