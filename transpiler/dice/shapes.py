"""Per-world ranks of values, and lining up the world axis where values of different ranks meet.

A column has the world axis first: per world it holds a number (rank 0) or an array (rank k), so its NumPy
shape is (worlds, ...k axes). When `d(3) > [d(2), d(2)]` compares a rank-0 column with a rank-1 column,
NumPy's broadcasting (which lines trailing axes up) would put the first column's world axis against the
second's element axis: an error, or a silently wrong answer when the world count equals the array's length
or the array has length 1. So every operation over random values gives the lower-rank column unit axes
right after its world axis first: statically (`x[:, None]`) where the lowering knows both ranks, else at run
time (`dice.lib.per_world`), which reads the ranks off the arrays (a column's rank is its ndim - 1, a fixed
value's is its ndim). A fixed value met by a column never needs changing: it has no world axis.

Ranks are known for draws, literals and what is computed from known ranks; a name (column or fixed local)
that is ever bound to values of two different ranks, or a function parameter, has an unknown rank.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from .bindings import is_ref, scalar_literal
from .kinds import kinds
from .values import Val


class ShapeLowering:
    """What the lowering knows about per-world ranks, and the line-up of operands. A part of `Lowerer`."""

    def init_shapes(self) -> None:
        self.ranks: dict[tuple[str, str], int | None] = {}  # ("col" | "py", name) -> rank; None: unknown

    def rank(self, value: Val) -> int | None:
        """The per-world rank of `value` (the rank of a fixed value), or None where it is not known."""
        if value.rank is not None:
            return value.rank
        node = value.node
        if not value.random:
            if scalar_literal(node):
                return 0
            if isinstance(node, cst.Name):
                return self.ranks.get(("py", node.value))
            return None
        if is_ref(node):
            return self.ranks.get(("col", node.slice[0].slice.value.evaluated_value))
        return None

    def note_rank(self, kind: str, name: str, rank: int | None) -> None:
        """Record the rank a name is bound to; a name bound to two different ranks has an unknown rank for
        good (a loop reads it before and after such a binding, see `ControlFlowLowering.loop`)."""
        key = (kind, name)
        if key in self.ranks and self.ranks[key] != rank:
            rank = None
        self.ranks[key] = rank

    def ranked(self, value: Val, *operands: Val, extra: int = 0) -> Val:
        """`value` with its rank: the highest of the operands' plus `extra`, when all of them are known."""
        ranks = [self.rank(o) for o in operands]
        if any(r is None for r in ranks):
            return value
        return Val(value.node, value.random, value.uses, max(ranks, default=0) + extra, **kinds(value))

    def line_up(self, *values: Val) -> list[Val]:
        """The operands of one elementwise operation, each column with unit axes after its world axis up to
        the highest rank among all of them, so that NumPy broadcasts every world against itself only."""
        values = list(values)
        if not any(v.random for v in values):
            return values
        for j, other in enumerate(values):
            if self._needs_reread(other, values):
                values[j] = self.snapshot(other)  # read twice below
        originals = list(values)
        for i, value in enumerate(originals):
            if not value.random:
                continue
            lined = value
            for j, other in enumerate(originals):
                if j != i:
                    lined = self._lined_against(lined, other)
            values[i] = lined
        return values

    def _needs_reread(self, other: Val, values: list[Val]) -> bool:
        """Whether some column's line-up reads `other` at run time (so it must be cheap to read twice)."""
        if isinstance(other.node, cst.Name) or is_ref(other.node) or scalar_literal(other.node):
            return False
        return any(self._runtime_against(v, other) for v in values if v is not other and v.random)

    def _runtime_against(self, column: Val, other: Val) -> bool:
        if not other.random:
            return not self._fixed_fits(column, other)
        return self.rank(column) is None or self.rank(other) is None

    def _fixed_fits(self, column: Val, fixed: Val) -> bool:
        """Whether a fixed value is known to have no more axes than each world's value of `column`."""
        if scalar_literal(fixed.node):
            return True
        mine, theirs = self.rank(column), self.rank(fixed)
        return mine is not None and theirs is not None and theirs <= mine

    def _lined_against(self, column: Val, other: Val) -> Val:
        if not other.random:
            if self._fixed_fits(column, other):
                return column
            lined = cg.call("dice.lib.per_world", column.node, other.node)
            return Val(lined, True, column.uses | other.uses, self._max_rank(column, other))
        mine, theirs = self.rank(column), self.rank(other)
        if mine is not None and theirs is not None:
            if theirs <= mine:
                return column
            unit_axes = [cg.name("None")] * (theirs - mine)
            return Val(cg.subscript(column.node, [cg.slice_(None, None, None)] + unit_axes), True, column.uses,
                       theirs)
        lined = cg.call("dice.lib.per_world", column.node, other.node, rows=True)
        return Val(lined, True, column.uses | other.uses)

    def _max_rank(self, a: Val, b: Val) -> int | None:
        ra, rb = self.rank(a), self.rank(b)
        return None if ra is None or rb is None else max(ra, rb)
