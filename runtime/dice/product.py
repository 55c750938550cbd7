"""`SemiringProduct`: one program run in several weight algebras at once (dice-nine's `SemiringProduct`).

`SemiringProduct("fraction", "float64")` gives {outcome: (exact probability, float probability)}; with `"dual"`
a derivative rides along with an exact answer. Each world carries one weight per algebra (`ProductWeights`), and
every operation of the world table is done in each algebra on its own part.
"""
from __future__ import annotations

import numpy as np

from .semirings import Semiring, semiring as make_semiring


class ProductWeights:
    """One weight array per algebra, for the same worlds; indexing selects worlds in all of them."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple):
        self.parts = parts

    def __len__(self) -> int:
        return len(self.parts[0])

    def __getitem__(self, index) -> "ProductWeights":
        return ProductWeights(tuple(part[index] for part in self.parts))


class SemiringProduct(Semiring):
    """The product of semirings (names or instances): weights are tuples, operations act part by part."""

    def __init__(self, *semirings):
        if len(semirings) < 2:
            raise ValueError("SemiringProduct needs at least two semirings")
        self.semirings = tuple(make_semiring(s) for s in semirings)
        self.name = "product(" + ", ".join(s.name for s in self.semirings) + ")"
        self.real_weights = all(s.real_weights for s in self.semirings)
        if any(s.group_sum is None for s in self.semirings):
            self.group_sum = None  # merging sorts rows unless every part can sum by group number

    def _each(self, method: str, *weights, **kwargs) -> ProductWeights:
        return ProductWeights(tuple(getattr(s, method)(*(w.parts[i] if isinstance(w, ProductWeights) else w
                                                         for w in weights), **kwargs)
                                    for i, s in enumerate(self.semirings)))

    def one(self, n: int) -> ProductWeights:
        return ProductWeights(tuple(s.one(n) for s in self.semirings))

    def ratio(self, num, den) -> ProductWeights:
        return ProductWeights(tuple(s.ratio(num, den) for s in self.semirings))

    def mul(self, a, b):
        return self._each("mul", a, b)

    def draw(self, weights, counts, total):
        return self._each("draw", weights, counts, total)

    def draw_weights(self, weights, draw_weights):
        return self._each("draw_weights", weights, draw_weights)

    def draw_each(self, weights, rows, sides, counts=None):
        return self._each("draw_each", weights, rows, sides, counts)

    def product(self, a, b):
        return self._each("product", a, b)

    def join(self, a, b):
        return self._each("join", a, b)

    def bytes_per_world(self, weights) -> int:
        return sum(s.bytes_per_world(w) for s, w in zip(self.semirings, weights.parts))

    def scale(self, a, values):
        return self._each("scale", a, values)

    def segment_sum(self, sorted_weights, starts):
        return self._each("segment_sum", sorted_weights, starts)

    def group_sum(self, weights, groups, count: int):
        return self._each("group_sum", weights, groups, count)

    def total(self, a):
        return self._each("total", a)

    def divide(self, a, b):
        return self._each("divide", a, b)

    def is_zero(self, a) -> np.ndarray:
        """A world is zero only when it weighs zero in every algebra (so no part loses an outcome)."""
        zeros = np.broadcast_arrays(*(np.asarray(s.is_zero(w)) for s, w in zip(self.semirings, a.parts)))
        return np.logical_and.reduce(zeros)

    def scalars(self, a) -> list:
        return list(zip(*(s.scalars(w) for s, w in zip(self.semirings, a.parts))))
