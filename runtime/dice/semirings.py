"""Weight algebras for dist mode: what a world's weight is, and how weights multiply and add.

Every semiring stores the weights of `n` worlds as one NumPy array whose first axis is the world axis (the exact
ones an `ExactWeights` that indexes like one), so the
world table can take, repeat and concatenate them like any column. Draws produce weights from integer ratios
(`num / den`), which every semiring can represent exactly or as closely as it can.

* `float64` (default): probabilities as doubles.
* `log`: log-probabilities; products become sums, sums a log-sum-exp.
* `int`: counts of outcomes (`d(6)` weighs each face 1), exact at any size.
* `fraction`: exact rationals. Both exact semirings hold integers over a common denominator (exact.py): int64
  while an exact bound fits, residues modulo 31-bit primes past it; a fair die costs them no arithmetic.
* `complex`: complex weights (for `importance` with complex amplitudes).
* `dual`: dual numbers (probability, derivative) with respect to parameters the caller seeds as `Dual`s, in
  float64 arrays of shape (n, 2); the answer maps outcomes to `Dual`s.
"""
from __future__ import annotations

from fractions import Fraction
from math import lcm

import abc

import numpy as np

from . import exact
from .dual import Dual, parts
from .exact import ExactWeights


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

    # -- operations that make worlds: world r * k + j is world r with outcome j of the k new ones ------------------
    def draw(self, weights, counts: np.ndarray, total: int):
        """Every world times every outcome of a draw whose k outcomes weigh `counts` (whole numbers) of `total`."""
        if np.all(counts == counts[0]):  # a fair die: one product per world, then repeat
            return np.repeat(self.mul(weights, self.ratio(counts[:1], total)[0]), len(counts), axis=0)
        return self.draw_weights(weights, self.ratio(counts, total))

    def draw_weights(self, weights, draw_weights):
        """Every world times every outcome of a draw whose outcome weights are already in this semiring."""
        n, k = len(weights), len(draw_weights)
        return self.mul(np.repeat(weights, k, axis=0), np.tile(draw_weights, (n,) + (1,) * (draw_weights.ndim - 1)))

    def draw_each(self, weights, rows: np.ndarray, sides: np.ndarray, counts=None):
        """A draw whose outcomes differ between worlds (`dd(n)`, or `d[a:b:w]` with weights per world): row i of
        the result is world rows[i] with weight counts[i] / sides[i] (counts: 1 where not given)."""
        counts = np.ones(len(rows), dtype=np.int64) if counts is None else counts
        return self.mul(weights[rows], self.ratio(counts, sides))

    def product(self, a, b):
        """The weights of every pair of worlds of two independent tables (a's world r with b's world j: r*k+j)."""
        if len(b) == 1:
            return self.mul(a, b[0])
        return self.draw_weights(a, b)

    def join(self, a, b):
        """The weights of both branches of an `if`, a's worlds first."""
        return np.concatenate([a, b], axis=0)

    def bytes_per_world(self, weights) -> int:
        return weights[:1].nbytes if len(weights) else np.dtype(self.dtype).itemsize

    def scale(self, a, values):
        """Multiply weights by per-world values (importance weights)."""
        return a * np.asarray(self.real(values), dtype=self.dtype)

    def real(self, values):
        """Importance weights that are not complex: casting one would drop its imaginary part, a wrong answer."""
        values = np.asarray(values)
        if values.dtype.kind == "c" or values.dtype == object and any(isinstance(v, complex) for v in values.flat):
            raise TypeError(f"the {self.name} semiring takes real weights, not complex ones: use "
                            f"semiring=\"complex\" for complex amplitudes")
        return values

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
        return np.asarray(a) == 0

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

    def real(self, values):
        return np.asarray(values)

    def ratio(self, num, den):
        return (np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)).astype(np.complex128)


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
            return a + np.log(np.asarray(self.real(values), dtype=np.float64))

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
        return np.asarray(a) == -np.inf


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


class FractionPrecisionError(ArithmeticError):
    """An exact semiring was asked for more bits than its `max_bits=` allows."""


class _Exact(Semiring):
    """Exact weights (runtime/dice/exact.py): integers over a common denominator, int64 or residues as needed."""

    dtype = np.int64
    real_weights = False
    counts_only = False  # `int`: a draw's outcomes weigh their counts, and the denominator stays 1

    def __init__(self, max_bits: int | None = None):
        self.max_bits = max_bits

    def one(self, n: int) -> ExactWeights:
        return ExactWeights(np.ones(n, dtype=np.int64), 1, n)

    def ratio(self, num, den):
        raise TypeError(f"the {self.name} semiring keeps weights exact: use its draw/scale operations")

    def _times(self, weights, factors, growth: int, denominator_growth: int) -> ExactWeights:
        weights = exact.ready(weights, growth)
        return exact.times(weights, factors, weights.bound * growth, weights.denominator * denominator_growth,
                           self.max_bits)

    def draw(self, weights, counts, total):
        counts = np.asarray(counts, dtype=np.int64)
        common = int(np.gcd.reduce(counts)) if not self.counts_only else 1
        counts = counts // common
        total = int(counts.sum()) if self.counts_only else total // common
        weights = exact.ready(weights, total)
        k = len(counts)
        bound, denominator = weights.bound * total, weights.denominator * (1 if self.counts_only else total)
        repeated = weights.with_values(np.repeat(weights.values, k, axis=-1))
        factors = 1 if np.all(counts == 1) else np.tile(counts, len(weights))
        return exact.times(repeated, factors, bound, denominator, self.max_bits)

    def draw_weights(self, weights, draw_weights):
        raise TypeError(f"the {self.name} semiring draws whole-number weights only")

    def draw_each(self, weights, rows, sides, counts=None):
        # the counts of one world's rows add up to its `sides`: the bound grows by the largest (int) or by the
        # common denominator (fraction)
        sides = np.asarray(sides, dtype=np.int64)
        picked = weights[rows]
        if self.counts_only:
            return self._times(picked, 1 if counts is None else counts, int(sides.max(initial=1)), 1)
        common = exact.lcm_all(np.unique(sides))
        factors = common // sides if len(sides) and not np.all(sides == common) else 1
        if counts is not None:
            factors = np.asarray(counts, dtype=np.int64) * factors
        return self._times(picked, factors, common, common)

    def product(self, a, b):
        if len(b) == 1:
            factor = exact.integers(b)[0]
            return self._times(a, factor, abs(factor) if factor else 1, b.denominator)
        a = exact.ready(a, b.bound)
        bound, denominator = a.bound * b.bound, a.denominator * b.denominator
        a, b = exact.same_width(a, b, bound, self.max_bits)
        n, k = len(a), len(b)
        if a.residues == 0:
            values = (a.values[:, None] * b.values[None, :]).reshape(n * k)
        else:
            values = np.empty((a.residues, n, k), dtype=np.int64)  # products row by row, reduced in place
            for row, (left, right) in enumerate(zip(a.values, b.values)):
                np.multiply(left[:, None], right[None, :], out=values[row])
            values %= exact.PRIMES.first(a.residues)[:, None, None]
            values = values.reshape(a.residues, n * k)
        return ExactWeights(values, denominator, bound)

    def join(self, a, b):
        denominator = lcm(a.denominator, b.denominator)
        a = exact.ready(a, denominator // a.denominator)
        b = exact.ready(b, denominator // b.denominator)
        denominator = lcm(a.denominator, b.denominator)
        fa, fb = denominator // a.denominator, denominator // b.denominator
        bound = max(a.bound * fa, b.bound * fb, 1)
        a = exact.times(a, fa, a.bound * fa, denominator, self.max_bits)
        b = exact.times(b, fb, b.bound * fb, denominator, self.max_bits)
        a, b = exact.same_width(a, b, bound, self.max_bits)
        return ExactWeights(np.concatenate([a.values, b.values], axis=-1), denominator, bound)

    def bytes_per_world(self, weights) -> int:
        return weights.nbytes_per_world

    def scale(self, a, values):
        values = self.real(values)
        if values.dtype.kind in "iub":
            factors = values.astype(np.int64)
            largest = int(np.abs(factors).max(initial=0))
            return self._times(a, factors, max(largest, 1), 1)
        if self.counts_only:
            raise ValueError("the int semiring takes integer importance weights only")
        fractions = [exact.as_fraction(v) for v in values.ravel().tolist()]
        common = exact.lcm_all([f.denominator for f in fractions])
        factors = [f.numerator * (common // f.denominator) for f in fractions]
        largest = max((abs(f) for f in factors), default=0)
        array = np.array(factors, dtype=np.int64) if largest <= exact.INT64_LIMIT else np.array(factors, dtype=object)
        return self._times(a, array, max(largest, 1), common)

    def group_sum(self, weights, groups, count: int):
        return weights.with_values(exact.sums_by_group(weights, groups, count))

    def segment_sum(self, sorted_weights, starts):
        return sorted_weights.with_values(exact.sums_by_run(sorted_weights, starts))

    def total(self, a):
        if not len(a):
            return ExactWeights(np.zeros(1, dtype=np.int64), a.denominator, 0)
        return self.segment_sum(a, np.array([0]))

    def divide(self, a, b):
        """Every weight over the total `b` (one weight): the answer's exact rationals, as integers over an integer."""
        if self.counts_only:
            raise ValueError("normalize=True needs a semiring with division; the int semiring counts outcomes")
        total = exact.integers(b)[0]
        return ExactWeights(a.values, total, a.bound) if total else a

    def is_zero(self, a) -> np.ndarray:
        return a.values == 0 if a.residues == 0 else np.all(a.values == 0, axis=0)

    def scalars(self, a) -> list:
        values = exact.integers(a)
        if self.counts_only:
            return values
        return [Fraction(v, a.denominator) for v in values]


class Counts(_Exact):
    """`int`: counts of outcomes, exact at any size (`d(6)` weighs each face 1); `normalize=` is not available."""

    name = "int"
    counts_only = True


class Fractions(_Exact):
    """`fraction`: exact rationals. `max_bits=` caps the size of the exact integers (FractionPrecisionError past it)."""

    name = "fraction"


NAMES = {"float64": Float64, "log": Log, "int": Counts, "fraction": Fractions, "complex": Complex128,
         "dual": DualNumbers}


def semiring(spec) -> Semiring:
    """`"float64" | "log" | "int" | "fraction" | "complex" | "dual"`, or a Semiring instance."""
    if isinstance(spec, Semiring):
        return spec
    if isinstance(spec, str) and spec in NAMES:
        return NAMES[spec]()
    raise ValueError(f"unknown semiring {spec!r}; expected one of {', '.join(NAMES)} or a Semiring instance")
