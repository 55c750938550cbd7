"""Values that are provably never at a singular rule's infinite point (`1.0 + u * u`, `np.cosh(.)`, `2.0`).

transforms/peel.py peels a loop's first trip where a slot's zero tangent reaches a rule whose factor can be
infinite (`Primitive.singular`); where the rule's argument can never be at that point on any trip, the zero tangent
meets a finite factor (0 exactly) and the loop needs no peel. The analysis is sound in floating point, not in the
reals: a product or a quotient of positive values can underflow to 0 and `np.exp` does below -745, so those are
only `_nonnegative`; a sum of a positive value and a nonnegative one is at least the positive one, never 0 (a NaN
operand gives NaN, which is not the singular point either). "Positive" is bounded away from 0: at least
`MIN_POSITIVE` (a literal below it, `1e-300`, is not taken), so the factors stay finite (`1 / b ** 2` <= 1e6).
A factor that also holds another argument must stay finite for every float64 that argument can be: `a / b`'s
factor `a / b ** 2` needs `|a|` bounded (`_magnitude`: at most `QUOTIENT_BOUND`; a numerator near the float64
maximum overflows it), `power`'s `b * a ** (b - 1)` a literal exponent in [-8, 1] (above 1 it overflows for a
large base), `hypot`'s `a / hypot(a, b)` and `arctan2`'s `b / (a * a + b * b)` finite arguments (an infinite one
gives inf / inf or 0 * inf). What it cannot prove is not away: the loop is peeled as before.
"""
from __future__ import annotations

import math

from ..ir import Const, Eqn, Var

MIN_POSITIVE = 1e-3
QUOTIENT_BOUND = 1e302  # |a| <= this, b >= MIN_POSITIVE: |a| / b ** 2 <= 1e308, below float64's maximum 1.79e308
_DEPTH = 12  # (a chain this long is not followed further: not proved)


def away_from_singular(eqn: Eqn, definitions: dict[int, Eqn]) -> bool:
    """Whether `eqn`'s singular rule can never meet its infinite factor (its singular arguments are > 0)."""
    alternatives = eqn.prim.finite_when_positive  # (the registry entry's: see Primitive)
    if not alternatives:
        return False
    if eqn.prim.name in ("power", "float_power"):
        exponent = eqn.args[1] if len(eqn.args) > 1 else None
        if not (isinstance(exponent, Const) and isinstance(exponent.value, (int, float)) and -8 <= exponent.value <= 1):
            return False
    if eqn.prim.name == "divide" and not _magnitude(eqn.args[0], definitions, _DEPTH) <= QUOTIENT_BOUND:
        return False
    if eqn.prim.name in ("hypot", "arctan2") and not all(_magnitude(a, definitions, _DEPTH) < math.inf
                                                         for a in eqn.args):
        return False
    return any(all(i < len(eqn.args) and positive(eqn.args[i], definitions) for i in indices)
               for indices in alternatives)


def positive(atom, definitions: dict[int, Eqn], depth: int = _DEPTH) -> bool:
    """>= MIN_POSITIVE (or NaN) on every run, element by element."""
    if isinstance(atom, Const):
        return isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool) \
            and atom.value >= MIN_POSITIVE
    eqn = definitions.get(id(atom)) if isinstance(atom, Var) and depth > 0 else None
    if eqn is None:
        return False
    name, args, depth = eqn.prim.name, eqn.args, depth - 1
    if name in ("ones", "ones_like", "cosh"):
        return True
    if name == "add":
        return any(positive(a, definitions, depth) and _nonnegative(b, definitions, depth)
                   for a, b in ((args[0], args[1]), (args[1], args[0])))
    if name in ("maximum", "fmax"):
        return any(positive(a, definitions, depth) for a in args)
    if name in ("sqrt", "broadcast_to", "broadcast_like", "copy"):
        return positive(args[0], definitions, depth)
    return False


def _nonnegative(atom, definitions: dict[int, Eqn], depth: int) -> bool:
    """>= 0 (or NaN) on every run."""
    if isinstance(atom, Const):
        return isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool) and atom.value >= 0
    if positive(atom, definitions, depth):
        return True
    eqn = definitions.get(id(atom)) if isinstance(atom, Var) and depth > 0 else None
    if eqn is None:
        return False
    name, args, depth = eqn.prim.name, eqn.args, depth - 1
    if name in ("square", "abs", "exp", "exp2", "zeros_like", "zeros"):
        return True
    if name == "multiply":
        return args[0] is args[1] or all(_nonnegative(a, definitions, depth) for a in args)
    if name in ("add", "maximum", "fmax", "divide"):
        return all(_nonnegative(a, definitions, depth) for a in args) if name != "maximum" and name != "fmax" \
            else any(_nonnegative(a, definitions, depth) for a in args)
    if name in ("sqrt", "broadcast_to", "broadcast_like", "copy"):
        return _nonnegative(args[0], definitions, depth)
    return False


_AT_MOST_ONE = ("sin", "cos", "tanh", "ones", "ones_like")


def _magnitude(atom, definitions: dict[int, Eqn], depth: int) -> float:
    """A bound on `|atom|` on every run, element by element (NaN aside): inf where none is known."""
    if isinstance(atom, Const):
        value = atom.value
        if not isinstance(value, (int, float)) or isinstance(value, int) and abs(value) > 2 ** 1000:
            return math.inf  # (an int past float64's range has no float bound)
        return abs(float(value)) if math.isfinite(value) else math.inf
    eqn = definitions.get(id(atom)) if isinstance(atom, Var) and depth > 0 else None
    if eqn is None:
        return math.inf
    name, args, depth = eqn.prim.name, eqn.args, depth - 1
    if name in _AT_MOST_ONE:
        return 1.0
    if name in ("zeros", "zeros_like"):
        return 0.0
    if name in ("negative", "abs", "copy", "broadcast_to", "broadcast_like"):
        return _magnitude(args[0], definitions, depth)
    if name == "multiply":  # (a bound rounds up: the product of the bounds is a bound of the rounded product)
        return _magnitude(args[0], definitions, depth) * _magnitude(args[1], definitions, depth) * (1 + 2 ** -50)
    if name in ("add", "subtract"):
        return (_magnitude(args[0], definitions, depth) + _magnitude(args[1], definitions, depth)) * (1 + 2 ** -50)
    return math.inf
