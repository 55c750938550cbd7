"""Exact weights for the `int` and `fraction` semirings: whole numbers over one common denominator.

A table's weights are integers `v[i]` with the world's probability (or count) `v[i] / denominator`, and an exact
`bound` on the sum of their absolute values, both Python ints carried next to the array. Every operation that
changes the weights knows how it changes the bound (a draw of total weight W multiplies it by W, a join takes
the larger side, a merge keeps it), so the representation is chosen before a number could overflow:

* while `bound < 2**63` the values are a plain int64 array, and arithmetic is NumPy's own (exact: no value,
  product or sum can pass the bound);
* past it, the values are residues modulo enough primes below 2**31 (products stay below 2**62) that the
  modulus exceeds `2 * bound`; the exact integers are rebuilt by Garner's mixed-radix conversion, so the answer
  is deterministic, never a guess checked afterwards. When the bound outgrows the primes, more primes are added
  by converting the residues through the same mixed radix (no rerun).

A uniform die therefore costs nothing in the weights (they are repeated; only the denominator grows), and a
fraction program needs no modular inverse anywhere: `normalize=` divides two exact integers at the very end.
"""
from __future__ import annotations

from fractions import Fraction
from math import gcd, isqrt, lcm

import numpy as np

INT64_LIMIT = (1 << 63) - 1
_FLOAT_EXACT = 1 << 53  # float64 (bincount's accumulator) holds every integer below this exactly


def _primes_below(limit: int, count: int) -> list[int]:
    """The `count` largest primes below `limit` (largest first), by trial division of odd candidates."""
    found, candidate = [], limit - 1 if (limit - 1) % 2 else limit - 2
    while len(found) < count:
        root = isqrt(candidate)
        if all(candidate % p for p in range(3, root + 1, 2)):
            found.append(candidate)
        candidate -= 2
    return found


class _Primes:
    """The primes below 2**31 handed out in order, with the constants Garner's conversion needs (cached)."""

    def __init__(self):
        self.values: list[int] = []
        self.array = np.zeros(0, dtype=np.int64)

    def first(self, count: int) -> np.ndarray:
        if count > len(self.values):
            more = _primes_below(self.values[-1] if self.values else 1 << 31, count - len(self.values) + 8)
            values = self.values + more  # the array first: a thread that sees the longer list sees it too
            self.array = np.array(values, dtype=np.int64)
            self.values = values
        return self.array[:count]

    def count_for(self, bound: int) -> int:
        """How many primes make a modulus above 2 * bound (values lie in [-bound, bound])."""
        need, modulus, count = 2 * bound + 1, 1, 0
        while modulus <= need:
            count += 1
            modulus *= int(self.first(count)[-1])
        return count


PRIMES = _Primes()


class ExactWeights:
    """Integer weights `values` over `denominator`, with sum(|v|) <= bound: an int64 array of shape (n,), or
    residues of shape (k, n), one row per prime (each row contiguous: a row's remainders and group sums run
    over one divisor, about twice as fast as across an (n, k) array).

    Indexing selects worlds (`w[mask]`, `w[order]`), so the world table moves these like any weight array.
    """

    __slots__ = ("values", "denominator", "bound")

    def __init__(self, values: np.ndarray, denominator: int, bound: int):
        self.values = values
        self.denominator = denominator
        self.bound = bound

    def __len__(self) -> int:
        return self.values.shape[-1]

    def __getitem__(self, index) -> "ExactWeights":
        return ExactWeights(self.values[..., index], self.denominator, self.bound)

    @property
    def residues(self) -> int:
        """How many primes the values are held modulo (0: plain int64)."""
        return self.values.shape[0] if self.values.ndim == 2 else 0

    @property
    def nbytes_per_world(self) -> int:
        return 8 * max(1, self.residues)

    def with_values(self, values: np.ndarray, denominator: int | None = None,
                    bound: int | None = None) -> "ExactWeights":
        return ExactWeights(values, self.denominator if denominator is None else denominator,
                            self.bound if bound is None else bound)


def fitted(weights: ExactWeights, bound: int, limit_bits: int | None = None) -> ExactWeights:
    """`weights` in a representation that holds every value of magnitude up to `bound` (the new bound set)."""
    if limit_bits is not None and bound.bit_length() > limit_bits:
        from .semirings import FractionPrecisionError
        raise FractionPrecisionError(
            f"the exact weights need {bound.bit_length()} bits, more than the {limit_bits} allowed (max_bits=); "
            "raise it, or use semiring='float64'")
    have = weights.residues
    if have == 0 and bound <= INT64_LIMIT or have and PRIMES.count_for(bound) <= have:
        return weights.with_values(weights.values, bound=bound)
    count = _count_with_headroom(bound)
    if have == 0:
        return weights.with_values(values_to_residues(weights.values, count), bound=bound)
    return weights.with_values(widen(weights.values, weights.bound, count), bound=bound)


def ready(weights: ExactWeights, growth: int) -> ExactWeights:
    """`weights` before an operation that multiplies the bound by `growth`: if that would leave int64, first
    recompute the bound from the values and cancel common factors of values and denominator (asserts shrink
    the mass, merges make common factors), which can keep a program in plain int64."""
    if weights.residues or weights.bound * growth <= INT64_LIMIT:
        return weights
    return _tightened(weights)


def _count_with_headroom(bound: int) -> int:
    """Primes for `bound`, and half as many again: a bound that keeps growing is widened rarely."""
    need = PRIMES.count_for(bound)
    return need + max(2, need // 2)


def _tightened(weights: ExactWeights) -> ExactWeights:
    values = weights.values
    if not len(values):
        return weights.with_values(values, bound=0)
    total = int(np.abs(values).sum(dtype=np.int64))  # <= the old bound < 2**63: exact
    common = gcd(weights.denominator, int(np.gcd.reduce(values)))
    if common > 1:
        return ExactWeights(values // common, weights.denominator // common, total // common)
    return ExactWeights(values, weights.denominator, total)


def values_to_residues(values: np.ndarray, count: int) -> np.ndarray:
    return np.mod(np.asarray(values, dtype=np.int64)[None, :], _column(PRIMES.first(count)))


def _column(primes: np.ndarray) -> np.ndarray:
    """Primes (or per-prime constants) shaped to meet (k, n) residues row by row."""
    return primes[:, None]


def constant_residues(value: int, count: int) -> np.ndarray:
    """A Python int (any size) modulo each of the first `count` primes."""
    return constant_residues_for(value, PRIMES.first(count))


def _mixed_radix(residues: np.ndarray, offset: int) -> np.ndarray:
    """Garner's digits of `u = value + offset` (in [0, modulus)) from its residues: u = sum d_j * (p_0...p_{j-1})."""
    count = residues.shape[0]
    primes = PRIMES.first(count).tolist()
    shifted = (residues + _column(constant_residues(offset, count))) % _column(PRIMES.first(count))
    digits = np.empty_like(shifted)
    for i, p in enumerate(primes):
        acc = np.zeros(shifted.shape[1], dtype=np.int64)
        radix = 1
        for j in range(i):
            acc += digits[j] * (radix % p)
            acc %= p
            radix *= primes[j]
        inverse = pow(radix % p, -1, p)
        digits[i] = ((shifted[i] - acc) % p) * inverse % p
    return digits


def widen(residues: np.ndarray, bound: int, count: int) -> np.ndarray:
    """Residues of values in [-bound, bound] modulo the first `count` primes (more than they have now)."""
    have = residues.shape[0]
    digits = _mixed_radix(residues, bound)
    new = PRIMES.first(count)[have:]
    acc = np.zeros((len(new), residues.shape[1]), dtype=np.int64)
    radix = 1
    for j, p in enumerate(PRIMES.first(have).tolist()):
        acc += digits[j][None, :] * _column(constant_residues_for(radix, new))
        acc %= _column(new)
        radix *= p
    acc = (acc - _column(constant_residues_for(bound, new))) % _column(new)
    return np.concatenate([residues, acc], axis=0)


def constant_residues_for(value: int, primes: np.ndarray) -> np.ndarray:
    return np.array([value % p for p in primes.tolist()], dtype=np.int64)


def integers(weights: ExactWeights) -> list[int]:
    """The exact integer values (Python ints)."""
    if weights.residues == 0:
        return weights.values.tolist()
    count = weights.residues
    digits = _mixed_radix(weights.values, weights.bound)
    radix, radices = 1, []
    for p in PRIMES.first(count).tolist():
        radices.append(radix)
        radix *= p
    return [sum(d * r for d, r in zip(row, radices)) - weights.bound for row in digits.T.tolist()]


# -- arithmetic on ExactWeights (each sets the new bound before it computes) -----------------------------------
def times(weights: ExactWeights, factors, bound: int, denominator: int, limit_bits: int | None) -> ExactWeights:
    """Values multiplied by `factors` (one int, or an int array per world), with the new bound and denominator
    (computed by the caller from `weights` after `ready`)."""
    weights = fitted(weights, bound, limit_bits)
    weights = weights.with_values(weights.values, denominator=denominator)
    if bound == 0:  # every value is 0 (no world, or none with weight): a factor of any size changes nothing
        return weights
    if isinstance(factors, int):
        if factors == 1:
            return weights
        if weights.residues == 0:
            return weights.with_values(weights.values * factors)
        count = weights.residues
        return weights.with_values(weights.values * _column(constant_residues(factors, count))
                                   % _column(PRIMES.first(count)))
    factors = np.asarray(factors)
    if weights.residues == 0:
        return weights.with_values(weights.values * factors.astype(np.int64))
    count = weights.residues
    primes = PRIMES.first(count)
    if factors.dtype == object:
        residues = np.array([[int(f) % p for f in factors.tolist()] for p in primes.tolist()], dtype=np.int64)
    else:
        residues = values_to_residues(factors, count)
    return weights.with_values(weights.values * residues % _column(primes))


def same_width(a: ExactWeights, b: ExactWeights, bound: int, limit_bits: int | None):
    """Both fitted to `bound` and held alike (both int64, or residues modulo the same primes)."""
    a, b = fitted(a, bound, limit_bits), fitted(b, bound, limit_bits)
    width = max(a.residues, b.residues)
    return _to_width(a, width), _to_width(b, width)


def _to_width(weights: ExactWeights, width: int) -> ExactWeights:
    if weights.residues == width:
        return weights
    if weights.residues == 0:
        return weights.with_values(values_to_residues(weights.values, width))
    return weights.with_values(widen(weights.values, weights.bound, width))


def sums_by_group(weights: ExactWeights, groups: np.ndarray, count: int) -> np.ndarray:
    """The values summed per group (groups[i] in 0..count-1), exactly."""
    values = weights.values
    n = len(weights)
    if weights.residues == 0:
        if weights.bound < _FLOAT_EXACT:
            return np.rint(np.bincount(groups, weights=values, minlength=count)).astype(np.int64)
        if (n << 31) < _FLOAT_EXACT:  # two 31-bit limbs, each summed exactly in float64
            low = values & np.int64((1 << 31) - 1)
            high = values >> np.int64(31)
            low_sum = np.rint(np.bincount(groups, weights=low, minlength=count)).astype(np.int64)
            high_sum = np.rint(np.bincount(groups, weights=high, minlength=count)).astype(np.int64)
            return (high_sum << np.int64(31)) + low_sum
        order = np.argsort(groups, kind="stable")
        starts = np.flatnonzero(np.diff(groups[order], prepend=-1))
        return np.add.reduceat(values[order], starts)
    primes = _column(PRIMES.first(weights.residues))
    if (n << 31) < _FLOAT_EXACT:  # one bincount per prime over its contiguous row
        sums = np.empty((len(values), count), dtype=np.int64)
        for row, residues in enumerate(values):
            sums[row] = np.rint(np.bincount(groups, weights=residues, minlength=count))
        return sums % primes
    order = np.argsort(groups, kind="stable")
    starts = np.flatnonzero(np.diff(groups[order], prepend=-1))
    return np.add.reduceat(values[:, order], starts, axis=1) % primes


def sums_by_run(weights: ExactWeights, starts: np.ndarray) -> np.ndarray:
    """Sums of runs of already grouped values (residues below 2**31: 2**32 of them fit in int64)."""
    sums = np.add.reduceat(weights.values, starts, axis=-1)
    return sums % _column(PRIMES.first(weights.residues)) if weights.residues else sums


def lcm_all(values) -> int:
    return lcm(*[int(v) for v in values]) if len(values) else 1


def as_fraction(value) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value).limit_denominator(1 << 62)
