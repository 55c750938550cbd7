"""Classes of IR objects joined by a relation such as "may share storage", kept as a union-find over their ids:
a pass that must treat a whole class alike (an in-place update reaches every view of its array) asks which class
an object is in. Constants are never joined: one `Const` object may stand in many unrelated places."""
from __future__ import annotations

from typing import Iterable

from ..ir import Const


class UnionFind:
    """Union-find over IR objects' ids (values and equations; they need not be hashable)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, key: int) -> int:
        while self.parent.get(key, key) != key:
            key = self.parent[key]
        return key

    def join(self, items: Iterable) -> None:
        """One class for `items` (constants left out)."""
        ids = [id(a) for a in items if not isinstance(a, Const)]
        for other in ids[1:]:
            a, b = self.find(ids[0]), self.find(other)
            if a != b:
                self.parent[b] = a
