"""Python's arithmetic over columns where NumPy's differs by failing (or not) on some values.

NumPy divides by zero with a warning and gives inf, nan or 0; Python raises ZeroDivisionError. NumPy refuses an
integer to a negative power and wraps an integer power past int64; Python gives a float and a big integer. Each
function computes NumPy's answer where it equals Python's and raises Python's exception where Python would, in
the worlds that compute it (a branch computes its operands in the worlds that take it only, so a world where
Python never divides never raises). A result Python would give but one typed column cannot hold exactly (a big
integer) is refused with an OverflowError: an error, never a different number.
"""
from __future__ import annotations

import numpy as np

_INT64_LIMIT = 2.0 ** 63
_EXACT_FLOAT_INT = 2 ** 53


NUMPY_DIVISION = ("; an operand may be a NumPy value, which Python divides by zero with a warning (inf, nan or 0), "
                  "but the dist language raises, as Python does for its own numbers")


def _divisor_checked(divisor, message: str, numpy: bool) -> np.ndarray:
    divisor = np.asanyarray(divisor)
    if np.any(divisor == 0):
        raise ZeroDivisionError(message + (NUMPY_DIVISION if numpy else ""))
    return divisor


def true_divide(left, right, numpy: bool = False):
    """`left / right`: ZeroDivisionError where a world divides by zero (NumPy: inf or nan). `numpy`: an operand
    may be a NumPy value (the message says why Python's answer may have been a number)."""
    return np.true_divide(left, _divisor_checked(right, "division by zero", numpy))


def floor_divide(left, right, numpy: bool = False):
    """`left // right`: ZeroDivisionError where a world divides by zero (NumPy: 0 or nan)."""
    return np.floor_divide(left, _divisor_checked(right, "integer division or modulo by zero", numpy))


def remainder(left, right, numpy: bool = False):
    """`left % right`: ZeroDivisionError where a world divides by zero (NumPy: 0 or nan)."""
    return np.remainder(left, _divisor_checked(right, "integer modulo by zero", numpy))


def power(base, exponent):
    """`base ** exponent` of Python numbers (never NumPy values, whose `**` is NumPy's in Python too).

    Integers: a non-negative power is an int, and fails with an OverflowError where it does not fit in int64
    (NumPy would wrap); a negative one is Python's float (0 to a negative power: ZeroDivisionError), and the
    column then holds floats, so the ints other worlds compute must be exact floats. Floats: 0.0 to a negative
    power is a ZeroDivisionError, a result too large an OverflowError, a negative number to a fractional power
    (Python: a complex number) a ValueError. Complex numbers: NumPy's power.
    """
    base, exponent = np.asanyarray(base), np.asanyarray(exponent)
    kinds = base.dtype.kind + exponent.dtype.kind
    if "c" in kinds or not set(kinds) <= set("biuf"):
        return np.power(base, exponent)
    if set(kinds) <= set("biu"):
        base, exponent = base.astype(np.int64), exponent.astype(np.int64)
        negative = exponent < 0
        if not np.any(negative):
            with np.errstate(over="ignore", invalid="ignore"):
                size = np.abs(base.astype(np.float64)) ** exponent
            if np.any(size >= _INT64_LIMIT):
                raise OverflowError("an integer power does not fit in 64 bits (Python's int would hold it; the dist "
                                    "language's columns hold int64)")
            return np.power(base, exponent)
        base = base.astype(np.float64)
        with np.errstate(over="ignore"):
            whole = np.abs(np.where(negative, 0.0, base) ** np.where(negative, 0, exponent))
        if np.any(whole > _EXACT_FLOAT_INT):
            raise OverflowError("an integer power that some worlds take to a negative exponent (Python: a float) "
                                "and others to an integer past 2**53, which one column of floats cannot hold")
    base, exponent = np.asarray(base, dtype=np.float64), np.asarray(exponent, dtype=np.float64)
    if np.any((base == 0) & (exponent < 0)):
        raise ZeroDivisionError("0.0 cannot be raised to a negative power")
    if np.any((base < 0) & np.isfinite(exponent) & (exponent != np.floor(exponent))):
        raise ValueError("a negative number to a fractional power is a complex number in Python; write "
                         "complex(x) ** y where that is meant")
    # Python's own pow() on each pair (a float result too large raises Python's OverflowError)
    return _each_pair(lambda b, e: pow(float(b), float(e)), base, exponent)


MAYBE_PYTHON_POWER = ("an integer to a negative power, of values that may be Python ints (Python: a float) or NumPy "
                      "ints (Python: a ValueError) in different worlds")


def numpy_power(base, exponent, python: bool = False):
    """`base ** exponent` where an operand may be a NumPy value: NumPy's `**`, but a float result is computed
    as NumPy's scalars compute it (Python's world holds scalars), since the vectorised loop over a column may
    round a power differently in the last bit. `python`: both operands may also be Python numbers, so an integer
    to a negative power has no one answer (refused, never another number)."""
    base, exponent = np.asanyarray(base), np.asanyarray(exponent)
    if python and base.dtype.kind in "biu" and exponent.dtype.kind in "biu" and np.any(exponent < 0):
        raise TypeError(f"{MAYBE_PYTHON_POWER}; convert with float(...) or int(...) where the value is made")
    result = np.power(base, exponent)
    if np.asarray(result).dtype.kind != "f":
        return result
    return _each_pair(lambda b, e: b ** e, base, exponent)


def _each_pair(power_of, base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """`power_of(b, e)` once per distinct pair of a base and an exponent (each a NumPy scalar of its column's
    dtype), spread over the broadcast shape: a column holds few distinct values, so this costs little."""
    base, exponent = np.broadcast_arrays(base, exponent)
    if base.size == 0:
        return np.power(base, exponent)
    bases, base_at = np.unique(base.ravel(), return_inverse=True)
    exponents, exponent_at = np.unique(exponent.ravel(), return_inverse=True)
    pairs, pair_at = np.unique(base_at.ravel() * len(exponents) + exponent_at.ravel(), return_inverse=True)
    values = np.array([power_of(bases[p // len(exponents)], exponents[p % len(exponents)]) for p in pairs.tolist()])
    return values[pair_at.ravel()].reshape(base.shape)


def as_int(value):
    """`int(x)`: Python's int, truncating floats toward zero; nan and infinities fail as in Python, and so does a
    value past int64 (Python's int would hold it; a column cannot)."""
    if not isinstance(value, np.ndarray):
        return int(value)
    if value.dtype.kind == "c":
        raise TypeError("int() argument must be a string, a bytes-like object or a real number, not 'complex'")
    if value.dtype.kind == "f":
        if np.any(np.isnan(value)):
            raise ValueError("cannot convert float NaN to integer")
        if np.any(np.isinf(value)):
            raise OverflowError("cannot convert float infinity to integer")
        if np.any(np.abs(value) >= _INT64_LIMIT):
            raise OverflowError("int() of a float past int64 (Python's int would hold it; a column cannot)")
    return value.astype(np.int64)
