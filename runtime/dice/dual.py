"""Dual numbers `value + derivative·ε` (ε² = 0): the parameters and the answers of `semiring="dual"`.

A caller seeds a parameter of a `@dist` function with `Dual(0.3, 1.0)` (derivative 1: differentiate with respect
to it; other parameters stay plain numbers, or are seeded too for a directional derivative). The fixed arithmetic
of the program (`1 - p`, `p * p`, `p ** k`) runs on these objects as ordinary Python, and the dual semiring
carries the derivative through every draw weight, `importance` factor, merge and `normalize=`.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


class Dual:
    """A number with a derivative; arithmetic follows the sum, product, quotient and chain rules."""

    __slots__ = ("value", "derivative")

    def __init__(self, value: float, derivative: float = 0.0):
        if isinstance(value, Dual) or isinstance(derivative, Dual):
            raise TypeError("Dual(value, derivative) takes two real numbers")
        self.value = float(value)
        self.derivative = float(derivative)

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.derivative!r})"

    def __eq__(self, other) -> bool:
        """Equal parts (a real number equals a Dual with derivative 0)."""
        other = _lift(other)
        if other is None:
            return NotImplemented
        return self.value == other.value and self.derivative == other.derivative

    __hash__ = None  # compared by parts, like a float that carries a derivative: not a dictionary key

    def _compare(self, other, test):
        other = _lift(other)
        if other is None:
            return NotImplemented
        return test(self.value, other.value)

    def __lt__(self, other):
        """Comparisons read the values: a fixed `if p > 0.5` picks a branch, whose derivative is then exact."""
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __float__(self) -> float:
        raise TypeError("a Dual parameter needs @dist(semiring=\"dual\") (or semiring=\"dual\" at the call); "
                        "other semirings take plain numbers")

    def __neg__(self) -> "Dual":
        return Dual(-self.value, -self.derivative)

    def __pos__(self) -> "Dual":
        return self

    def __add__(self, other):
        other = _lift(other)
        if other is None:
            return NotImplemented
        return Dual(self.value + other.value, self.derivative + other.derivative)

    __radd__ = __add__

    def __sub__(self, other):
        other = _lift(other)
        if other is None:
            return NotImplemented
        return Dual(self.value - other.value, self.derivative - other.derivative)

    def __rsub__(self, other):
        other = _lift(other)
        if other is None:
            return NotImplemented
        return other - self

    def __mul__(self, other):
        other = _lift(other)
        if other is None:
            return NotImplemented
        return Dual(self.value * other.value, self.value * other.derivative + self.derivative * other.value)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _lift(other)
        if other is None:
            return NotImplemented
        return Dual(self.value / other.value,
                    (self.derivative * other.value - self.value * other.derivative) / (other.value * other.value))

    def __rtruediv__(self, other):
        other = _lift(other)
        if other is None:
            return NotImplemented
        return other / self

    def __pow__(self, exponent):
        if isinstance(exponent, Dual):
            return (self.log() * exponent).exp()
        if not isinstance(exponent, (numbers.Real, np.number)):
            return NotImplemented
        exponent = float(exponent)
        if exponent == 0:
            return Dual(1.0, 0.0)
        return Dual(self.value ** exponent, exponent * self.value ** (exponent - 1) * self.derivative)

    def __rpow__(self, base):
        if not isinstance(base, (numbers.Real, np.number)):
            return NotImplemented
        base = float(base)
        power = base ** self.value
        return Dual(power, power * math.log(base) * self.derivative if self.derivative else 0.0)

    def exp(self) -> "Dual":
        """`np.exp` of an object array of Duals calls this."""
        value = math.exp(self.value)
        return Dual(value, value * self.derivative)

    def log(self) -> "Dual":
        return Dual(math.log(self.value), self.derivative / self.value)

    def sqrt(self) -> "Dual":
        value = math.sqrt(self.value)
        return Dual(value, self.derivative / (2 * value))


def _lift(other) -> Dual | None:
    """A real number as a Dual with derivative 0; None for what a Dual does not combine with (an array: NumPy
    then applies the operation element by element)."""
    if isinstance(other, Dual):
        return other
    if isinstance(other, (numbers.Real, np.number)) and not isinstance(other, np.complexfloating):
        return Dual(float(other), 0.0)
    return None


def parts(values) -> tuple[np.ndarray, np.ndarray]:
    """The values and derivatives of an array (or scalar) of real numbers and Duals, as two float64 arrays."""
    array = np.asarray(values)
    if array.dtype.kind == "c":
        raise TypeError("the dual semiring takes real weights, not complex ones")
    if array.dtype.kind != "O":
        return array.astype(np.float64), np.zeros(array.shape)
    flat = array.ravel().tolist()
    value = np.array([v.value if isinstance(v, Dual) else float(v) for v in flat], dtype=np.float64)
    derivative = np.array([v.derivative if isinstance(v, Dual) else 0.0 for v in flat], dtype=np.float64)
    return value.reshape(array.shape), derivative.reshape(array.shape)
