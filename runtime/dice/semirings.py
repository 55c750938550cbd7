"""Weight algebras for dist mode: what a world's weight is, and how weights multiply and add.

Every semiring stores the weights of `n` worlds as one NumPy array whose first axis is the world axis, so the
world table can take, repeat and concatenate them like any column. Draws produce weights from integer ratios
(`num / den`), which every semiring can represent exactly or as closely as it can.

* `float64` (default): probabilities as doubles.
* `log`: log-probabilities; products become sums, sums a log-sum-exp.
* `int`: counts of outcomes (`d(6)` weighs each face 1); ratios must have den 1 per draw, i.e. counts.
* `fraction`: exact rationals as residues modulo several primes below 2^15, in int64 arrays (a product of two
  residues stays below 2^30). The result is rebuilt by Chinese remaindering and rational reconstruction,
  checked against primes held back for the purpose, with an error naming the fix when precision runs out.
* `complex`: complex weights (for `importance` with complex amplitudes).
* `dual`: dual numbers (probability, derivative) with respect to parameters the caller seeds as `Dual`s, in
  float64 arrays of shape (n, 2); the answer maps outcomes to `Dual`s.
"""
from __future__ import annotations

from fractions import Fraction
from math import gcd, isqrt

import abc

import numpy as np

from .dual import Dual, parts


class Semiring(abc.ABC):
    name = "?"
    dtype = np.float64

    def one(self, n: int) -> np.ndarray:
        return self.ratio(np.ones(n, dtype=np.int64), 1)

    @abc.abstractmethod
    def ratio(self, num, den) -> np.ndarray:
        """Weights `num[i] / den[i]` (integer arrays or scalars, broadcast together)."""

    def mul(self, a, b):
        return a * b

    def scale(self, a, values):
        """Multiply weights by per-world values (importance weights)."""
        return a * np.asarray(values, dtype=self.dtype)

    def segment_sum(self, sorted_weights, starts):
        """Sum runs of an already grouped weight array; `starts` are the first index of each run."""
        return np.add.reduceat(sorted_weights, starts, axis=0)

    # `group_sum(weights, groups, count)`: the weights summed per group (`groups[i]` in 0..count-1) without
    # sorting, where a semiring has it (then merging may number groups instead of sorting rows); None otherwise.
    group_sum = None

    def total(self, a):
        return a.sum(axis=0) if len(a) else self.ratio(np.zeros(1, dtype=np.int64), 1)[0]

    def divide(self, a, b):
        return a / b

    def is_zero(self, a) -> np.ndarray:
        return a == 0

    def scalars(self, a) -> list:
        return a.tolist()

    real_weights = True  # `d[a:b:w]` may weigh outcomes with real numbers, not only whole ones


class Float64(Semiring):
    name = "float64"
    dtype = np.float64

    def ratio(self, num, den):
        return np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)

    def group_sum(self, weights, groups, count: int):
        return np.bincount(groups, weights=weights, minlength=count)


class Complex128(Semiring):
    name = "complex"
    dtype = np.complex128

    def ratio(self, num, den):
        return (np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)).astype(np.complex128)


class Int64(Semiring):
    """Counts: each outcome of a draw weighs its integer weight; `normalize=` is not available."""

    name = "int"
    dtype = np.int64
    real_weights = False

    def ratio(self, num, den):
        return np.broadcast_to(np.asarray(num, dtype=np.int64), np.broadcast(num, den).shape).copy()

    def scale(self, a, values):
        values = np.asarray(values)
        if values.dtype.kind not in "iub":
            raise ValueError("the int semiring takes integer importance weights only")
        return a * values.astype(np.int64)

    def divide(self, a, b):
        raise ValueError("normalize=True needs a semiring with division; the int semiring counts outcomes")


class Log(Semiring):
    """Log-probabilities; the result maps outcomes to log-probabilities."""

    name = "log"
    dtype = np.float64

    def ratio(self, num, den):
        with np.errstate(divide="ignore"):
            return np.log(np.asarray(num, dtype=np.float64)) - np.log(np.asarray(den, dtype=np.float64))

    def mul(self, a, b):
        return a + b

    def scale(self, a, values):
        with np.errstate(divide="ignore"):
            return a + np.log(np.asarray(values, dtype=np.float64))

    def segment_sum(self, sorted_weights, starts):
        peak = np.maximum.reduceat(sorted_weights, starts)
        finite = np.where(np.isfinite(peak), peak, 0.0)
        lengths = np.diff(np.append(starts, len(sorted_weights)))
        shifted = np.exp(sorted_weights - np.repeat(finite, lengths))
        with np.errstate(divide="ignore"):
            return np.log(np.add.reduceat(shifted, starts)) + finite

    def total(self, a):
        if not len(a):
            return -np.inf
        return self.segment_sum(a, np.array([0]))[0]

    def divide(self, a, b):
        return a - b

    def is_zero(self, a):
        return a == -np.inf


class DualNumbers(Semiring):
    """Probabilities with their derivative: weights of shape (n, 2), [..., 0] the value, [..., 1] the derivative.

    Products follow the product rule, sums add both parts, and `normalize=` divides by the quotient rule.
    """

    name = "dual"
    dtype = np.float64

    def ratio(self, num, den):
        value = np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)
        return np.stack([value, np.zeros_like(value)], axis=-1)

    def mul(self, a, b):
        return np.stack([a[..., 0] * b[..., 0], a[..., 0] * b[..., 1] + a[..., 1] * b[..., 0]], axis=-1)

    def scale(self, a, values):
        value, derivative = parts(values)
        return self.mul(a, np.stack([value, derivative], axis=-1))

    def group_sum(self, weights, groups, count: int):
        return np.stack([np.bincount(groups, weights=weights[:, 0], minlength=count),
                         np.bincount(groups, weights=weights[:, 1], minlength=count)], axis=-1)

    def divide(self, a, b):
        den = b[..., 0]
        if np.any(den == 0):
            raise ZeroDivisionError("normalize=True, but the worlds left have total probability 0")
        return np.stack([a[..., 0] / den, (a[..., 1] * den - a[..., 0] * b[..., 1]) / (den * den)], axis=-1)

    def is_zero(self, a):
        return np.all(a == 0, axis=-1)

    def scalars(self, a) -> list:
        return [Dual(value, derivative) for value, derivative in np.asarray(a).tolist()]


def _primes_below(limit: int, count: int) -> tuple[int, ...]:
    sieve = np.ones(limit, dtype=bool)
    sieve[:2] = False
    for p in range(2, isqrt(limit) + 1):
        if sieve[p]:
            sieve[p * p::p] = False
    return tuple(int(p) for p in np.flatnonzero(sieve)[::-1][:count])


class FractionPrecisionError(ArithmeticError):
    """The exact-rational semiring had too few primes to represent an answer."""


class Fractions(Semiring):
    """Exact rationals as residues modulo `primes` primes below 2^15 (weights have shape (n, primes)).

    `check` more primes are carried only to verify the reconstruction: a rational found from the others
    must agree with them, otherwise the answer needs more precision and `FractionPrecisionError` says so.
    """

    name = "fraction"
    dtype = np.int64
    real_weights = False

    def __init__(self, primes: int = 24, check: int = 2):
        if primes < 2:
            raise ValueError("the fraction semiring needs at least 2 primes")
        self.count = primes
        self.check = check
        self.primes = np.array(_primes_below(1 << 15, primes + check), dtype=np.int64)
        self.modulus = 1
        for p in self.primes[:primes].tolist():
            self.modulus *= p

    def _residues(self, value):
        return np.mod(np.asarray(value, dtype=np.int64)[..., None], self.primes)

    def _inverse(self, residues):
        if np.any(residues == 0):
            raise FractionPrecisionError(
                "the fraction semiring cannot divide by a multiple of one of its primes "
                f"({', '.join(map(str, self.primes.tolist()))}); dice that large need semiring='float64'")
        return _pow_mod(residues, self.primes - 2, self.primes)

    def ratio(self, num, den):
        num_r = self._residues(num)
        den_r = self._residues(den)
        return (num_r * self._inverse(den_r)) % self.primes

    def mul(self, a, b):
        return (a * b) % self.primes

    def scale(self, a, values):
        values = np.asarray(values)
        if values.dtype.kind in "iub":
            return self.mul(a, self._residues(values))
        fractions = [Fraction(v).limit_denominator(1 << 62) if not isinstance(v, Fraction) else v
                     for v in values.ravel().tolist()]
        num = np.array([f.numerator for f in fractions], dtype=object)
        den = np.array([f.denominator for f in fractions], dtype=object)
        num_r = np.array([[int(n) % p for p in self.primes.tolist()] for n in num], dtype=np.int64)
        den_r = np.array([[int(d) % p for p in self.primes.tolist()] for d in den], dtype=np.int64)
        return self.mul(a, (num_r * self._inverse(den_r)) % self.primes)

    def segment_sum(self, sorted_weights, starts):
        # residues < 2^15: a run of up to 2^48 of them sums exactly in int64
        return np.add.reduceat(sorted_weights, starts, axis=0) % self.primes

    def total(self, a):
        return a.sum(axis=0) % self.primes

    def divide(self, a, b):
        return (a * self._inverse(b)) % self.primes

    def is_zero(self, a):
        return np.all(a == 0, axis=-1)

    def scalars(self, a) -> list:
        return [self.reconstruct(row) for row in np.asarray(a).tolist()]

    def reconstruct(self, residues: list[int]) -> Fraction:
        used = self.primes[:self.count].tolist()
        value = _crt(residues[:self.count], used, self.modulus)
        result = _rational(value, self.modulus)
        if result is not None:
            checks = zip(residues[self.count:], self.primes[self.count:].tolist())
            if all((result.numerator * pow(result.denominator, -1, p) - r) % p == 0 for r, p in checks):
                return result
        raise FractionPrecisionError(
            f"semiring='fraction' with {self.count} primes (~{self.modulus.bit_length()} bits) cannot represent "
            f"this answer exactly: numerator and denominator need more than ~{self.modulus.bit_length() // 2} "
            f"bits together; use semiring=Fractions(primes={2 * self.count}) (from lifted.dice) or "
            "semiring='float64'")


def _pow_mod(base, exponent, modulus):
    base = np.asarray(base, dtype=np.int64) % modulus
    exponent = np.broadcast_to(exponent, base.shape).copy()
    result = np.ones_like(base)
    while np.any(exponent > 0):
        odd = (exponent & 1) == 1
        result = np.where(odd, (result * base) % modulus, result)
        base = (base * base) % modulus
        exponent >>= 1
    return result


def _crt(residues: list[int], primes: list[int], modulus: int) -> int:
    value = 0
    for r, p in zip(residues, primes):
        rest = modulus // p
        value += r * rest * pow(rest, -1, p)
    return value % modulus


def _rational(value: int, modulus: int) -> Fraction | None:
    """The fraction a/b with |a|, b <= sqrt(modulus / 2) congruent to `value` (extended Euclid), if any."""
    bound = isqrt(modulus // 2)
    r0, r1 = modulus, value
    s0, s1 = 0, 1
    while r1 > bound:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        s0, s1 = s1, s0 - q * s1
    if s1 == 0 or abs(s1) > bound or gcd(r1, abs(s1)) != 1:
        return None
    return Fraction(r1, s1)


NAMES = {"float64": Float64, "log": Log, "int": Int64, "fraction": Fractions, "complex": Complex128,
         "dual": DualNumbers}


def semiring(spec) -> Semiring:
    """`"float64" | "log" | "int" | "fraction" | "complex" | "dual"`, or a Semiring instance."""
    if isinstance(spec, Semiring):
        return spec
    if isinstance(spec, str) and spec in NAMES:
        return NAMES[spec]()
    raise ValueError(f"unknown semiring {spec!r}; expected one of {', '.join(NAMES)} or a Semiring instance")
