"""The world table: every random variable is a column over worlds, and a weight vector weighs the worlds.

Generated dist code reads and writes columns by name (`w["hp"]`), and calls the table for the few operations
that change which worlds exist: a draw (outer product with the die's outcomes), `split`/`join` around a
random branch, `keep` for conditioning, and `drop`, which deletes dead columns and merges worlds whose
remaining columns became equal, summing their weights.

Merging groups rows by exact equality (grouping.py).
"""
from __future__ import annotations

import sys

import numpy as np

from . import draw_args, lib, limits, narrow, per_example
from .grouping import dense_groups, group_rows
from .semirings import Semiring, semiring as make_semiring


class Worlds:
    """A table of `n` worlds: named columns of shape (n, ...) and one weight per world."""

    __slots__ = ("semiring", "weights", "columns")

    def __init__(self, semiring="float64", weights=None, columns=None):
        self.semiring: Semiring = make_semiring(semiring)
        self.weights = self.semiring.one(1) if weights is None else weights
        self.columns: dict[str, np.ndarray] = {} if columns is None else columns

    # -- columns -------------------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.weights)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, name: str) -> np.ndarray:
        return narrow.view(self.columns[name])

    def __setitem__(self, name: str, value) -> None:
        value = np.asarray(value)
        if value.ndim == 0 or value.shape[0] != self.n:
            raise ValueError(f"column {name!r} has {value.shape[0] if value.ndim else 'no'} rows; the table has "
                             f"{self.n} worlds")
        self.columns[name] = value

    def update(self, name: str, value, *index, per_world: bool, value_rows: bool = False,
               container: str = "array") -> None:
        """`name[index] = value`: world r sets column[r, index[r]] (`per_world`) or column[r, index]; the value
        is a column (`value_rows`: world r's value goes to world r) or one fixed value for every world. A
        Python list (`container`) widens to hold the value (lib.widened).

        The column is written in place when nothing else can see it (it owns its memory and no other column,
        view or local refers to it: CPython's reference count tells), and copied first otherwise, so a value
        that shares the array never changes.
        """
        column = self.columns[name]
        # references: the table's slot, `column`, and getrefcount's argument
        if not (column.base is None and column.flags.writeable and sys.getrefcount(column) <= 3):
            column = narrow.narrowed(column)
            if column is self.columns[name]:
                column = np.array(column)
        column = lib.widened(column, value, container)
        if not narrow.holds(column.dtype, value):
            column = column.astype(np.int64)
        if per_world:
            index = tuple(np.asarray(i) for i in index)
            column[(np.arange(len(column)),) + index] = lib.lined_value(value, lib.random_cells(column, index),
                                                                        value_rows)
        else:
            cells = (slice(None),) + index
            column[cells] = lib.lined_value(value, column[cells].ndim - 1, value_rows)
        self.columns[name] = column

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def lift(self, value) -> np.ndarray:
        """A fixed value as a column (a broadcast view: no memory per world)."""
        value = np.asarray(value)
        return np.broadcast_to(value, (self.n,) + value.shape)

    def fresh(self) -> "Worlds":
        """An independent table with one world, for a subexpression that reads no random variable; none where
        this table has no world (a branch no world takes computes nothing, as Python does not)."""
        return Worlds(self.semiring) if self.n else Worlds(self.semiring, self.weights[np.zeros(0, dtype=bool)])

    # -- draws -----------------------------------------------------------------------------------------------
    def draw(self, name: str, values, weights) -> None:
        """Multiply every world by the outcomes `values` of an independent draw weighing `weights` (already in the
        semiring: real-valued weights)."""
        values = np.asarray(values)
        self._multiply(name, values, lambda: self.semiring.draw_weights(self.weights, weights))

    def draw_counts(self, name: str, values, counts, total: int) -> None:
        """Multiply every world by the outcomes `values` of an independent draw, outcome j weighing
        `counts[j] / total` (whole numbers: exact in every semiring; the `int` semiring counts `counts[j]`)."""
        values = np.asarray(values)
        counts = np.asarray(counts, dtype=np.int64)
        self._multiply(name, values, lambda: self.semiring.draw(self.weights, counts, total))

    def _multiply(self, name: str, values: np.ndarray, new_weights) -> None:
        k = len(values)
        n = self.n
        limits.check(n * k, self._bytes_per_world(values[:1]), "a draw")
        self.weights = new_weights()
        if k == 1:
            self.columns[name] = np.broadcast_to(values[0], (n,) + values.shape[1:])
            return
        for key, column in self.columns.items():
            self.columns[key] = np.repeat(narrow.narrowed(column), k, axis=0)
        self.columns[name] = np.tile(narrow.narrowed(values), (n,) + (1,) * (values.ndim - 1))

    def _bytes_per_world(self, *extra_columns) -> int:
        """Bytes one world takes: its weight and every column (stored narrow where the values allow)."""
        size = self.semiring.bytes_per_world(self.weights)
        for column in list(self.columns.values()) + list(extra_columns):
            size += int(np.prod(column.shape[1:], dtype=np.int64)) * min(column.dtype.itemsize, 8)
        return size

    def draw_d(self, name: str, sides) -> None:
        """`d(sides)`: uniform on 1..sides."""
        sides = draw_args.count(sides, "d")
        if sides < 1:
            raise ValueError(f"d({sides}) has no sides")
        self.draw_counts(name, np.arange(1, sides + 1), np.ones(sides, dtype=np.int64), sides)

    def draw_ranges(self, name: str, ranges) -> None:
        """`d[a:b:w, ...]`: each value of each inclusive range a..b weighs w (probabilities w / total).

        Whole weights give exact ratios in every semiring; real ones (or Duals, in the dual semiring) are divided
        in the semiring's arithmetic, where it has real weights (not `int` or `fraction`)."""
        if any(np.ndim(part) > 0 for bounds_and_weight in ranges for part in bounds_and_weight):
            # a weight or a bound that differs between worlds
            self._draw_per_world(name, ranges)
            return
        values, weights = [], []
        for low, high, weight in ranges:
            low, high = draw_args.count(low, "d[]"), draw_args.count(high, "d[]")
            weight = draw_args.weight(weight, self.semiring)
            for v in range(low, high + 1):
                values.append(v)
                weights.append(weight)
        if not values:
            raise ValueError("d[...] has no outcomes")
        if not all(isinstance(w, int) for w in weights):
            self._draw_real(name, values, weights)
            return
        values_arr, inverse = np.unique(np.array(values, dtype=np.int64), return_inverse=True)
        counts = np.bincount(inverse, weights=np.array(weights, dtype=np.float64)).astype(np.int64)
        total = int(sum(weights))
        if total <= 0:
            raise ValueError("d[...] has no positive weight")
        self.draw_counts(name, values_arr, counts, total)

    def _draw_real(self, name: str, values: list, weights: list) -> None:
        """`d[a:b:w]` with real (or Dual) weights: the probabilities w / total in the semiring's arithmetic."""
        if any(draw_args.real_part(w) < 0 for w in weights):
            raise ValueError("d[...] has a negative weight")
        values_arr, inverse = np.unique(np.array(values, dtype=np.int64), return_inverse=True)
        raw = self.semiring.scale(self.semiring.one(len(weights)), np.array(weights, dtype=object))
        order = np.argsort(inverse, kind="stable")
        starts = np.flatnonzero(np.diff(inverse[order], prepend=-1))
        summed = self.semiring.segment_sum(raw[order], starts)
        total = self.semiring.total(summed)
        if not np.any(draw_args.real_part_array(self.semiring, total) > 0):
            raise ValueError("d[...] has no positive weight")
        self.draw(name, values_arr, self.semiring.divide(summed, total))

    def _draw_per_world(self, name: str, ranges) -> None:
        """`d[a:b:w]` where a weight or a bound is a column: world r draws the values of its own ranges
        low[r]..high[r], each weighing w[r] / total[r] (dice-nine's `d[1:x]`; `dd(n)` is `d[0:n-1]`)."""
        lows, highs, columns = [], [], []
        for low, high, weight in ranges:
            lows.append(draw_args.counts_per_world(low, self.n))
            highs.append(draw_args.counts_per_world(high, self.n))
            columns.append(draw_args.weights_per_world(weight, self.semiring, self.n))
        first = min(int(low.min(initial=0)) for low in lows) if self.n else 0
        last = max(int(high.max(initial=0)) for high in highs) if self.n else -1
        outcomes = np.arange(first, max(last, first - 1) + 1, dtype=np.int64)
        if not len(outcomes):
            raise ValueError("d[...] has no outcomes")
        real = any(column.dtype.kind == "f" for column in columns)
        weights = np.zeros((self.n, len(outcomes)), dtype=np.float64 if real else np.int64)
        inside = np.zeros(weights.shape, dtype=bool)
        for low, high, column in zip(lows, highs, columns):
            within = (outcomes >= low[:, None]) & (outcomes <= high[:, None])
            weights += within * column[:, None]
            inside |= within
        if np.any(weights < 0):
            raise ValueError("d[...] has a negative weight")
        totals = weights.sum(axis=1)
        if np.any(totals <= 0):
            raise ValueError("d[...] has no positive weight (in some world)")
        limits.check(int(inside.sum()), self._bytes_per_world(outcomes[:1]), "a draw")
        rows, picked = np.nonzero(inside)  # world r's outcomes in order: world r * k + j where every j is drawn
        self.weights = self.semiring.draw_each(self.weights, rows, totals[rows], weights[rows, picked])
        for key, column in self.columns.items():
            self.columns[key] = column[rows]
        self.columns[name] = outcomes[picked]

    def draw_dd(self, name: str, sides) -> None:
        """`dd(n)`: uniform on 0..n-1, where `n` may differ between worlds (a column)."""
        sides = np.asarray(sides)
        if sides.ndim == 0:
            sides = np.broadcast_to(sides, (self.n,))
        sides = sides.astype(np.int64)
        if np.any(sides < 1):
            raise ValueError("dd(n) needs n >= 1 in every world")
        limits.check(int(sides.sum()), self._bytes_per_world(sides[:1]), "dd()")
        rows = np.repeat(np.arange(self.n), sides)
        starts = np.cumsum(sides) - sides
        rolls = np.arange(len(rows)) - np.repeat(starts, sides)
        self.weights = self.semiring.draw_each(self.weights, rows, sides[rows])
        for key, column in self.columns.items():
            self.columns[key] = column[rows]
        self.columns[name] = rolls

    def product(self, other: "Worlds") -> None:
        """Join an independent table: every pair of worlds (the outer product), its columns added."""
        n, k = self.n, other.n
        if k > 1:
            limits.check(n * k, self._bytes_per_world(*other.columns.values()), "combining independent values")
        self.weights = self.semiring.product(self.weights, other.weights)
        if k == 1:
            for key, column in other.columns.items():
                self.columns[key] = np.broadcast_to(column[0], (n,) + column.shape[1:])
            return
        for key, column in self.columns.items():
            self.columns[key] = np.repeat(narrow.narrowed(column), k, axis=0)
        for key, column in other.columns.items():
            self.columns[key] = np.tile(narrow.narrowed(column), (n,) + (1,) * (column.ndim - 1))

    # -- branches and conditioning ----------------------------------------------------------------------------
    def split(self, condition) -> tuple["Worlds", "Worlds"]:
        """The worlds where `condition` (a column of truth values) holds, and those where it does not."""
        mask = np.asarray(condition, dtype=bool)
        if mask.ndim == 0:
            mask = np.broadcast_to(mask, (self.n,))
        if mask.ndim != 1:
            raise ValueError("an `if` on a random value needs a single truth value per world, not an array; "
                             "use reduce_all(...) or reduce_any(...)")
        return self._select(mask), self._select(~mask)

    def _select(self, mask) -> "Worlds":
        columns = {key: column[mask] for key, column in self.columns.items()}
        return Worlds(self.semiring, self.weights[mask], columns)

    def join(self, other: "Worlds") -> "Worlds":
        """The worlds of both branches of an `if` together, merged; columns only one side has are dead. A side
        no world took computed nothing (generated code skips it), so the other side's columns are the result."""
        sides = [side for side in (self, other) if side.n] or [self, other]
        keys = [key for key in sides[0].columns if all(key in side.columns for side in sides)]
        columns = {}
        for key in keys:
            parts = [side.columns[key] for side in sides]
            if any(part.shape[1:] != parts[0].shape[1:] for part in parts):
                raise ValueError(f"`{key}` has shape {parts[0].shape[1:]} in one branch and {parts[1].shape[1:]} in "
                                 "the other")
            columns[key] = np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
        joined = Worlds(self.semiring, self.semiring.join(self.weights, other.weights), columns)
        joined.merge()
        return joined

    def keep(self, condition) -> None:
        """`assert condition`: drop the worlds where it fails (weights are not renormalized)."""
        mask = np.asarray(condition, dtype=bool)
        if mask.ndim == 0:
            mask = np.broadcast_to(mask, (self.n,))
        self.weights = self.weights[mask]
        for key, column in self.columns.items():
            self.columns[key] = column[mask]

    def importance(self, values) -> None:
        """Multiply each world's weight by a value (a column or a number)."""
        values = np.asarray(values)
        if values.ndim == 0:
            values = np.broadcast_to(values, (self.n,))
        self.weights = self.semiring.scale(self.weights, values)

    # -- forgetting ---------------------------------------------------------------------------------------------
    def drop(self, *names: str) -> None:
        """Delete dead columns (those still present), then merge the worlds that became equal."""
        changed = False
        for name in names:
            column = self.columns.pop(name, None)
            if column is None or column.size == 0 or changed:
                continue
            # a column that is constant, or a copy of one that stays, distinguished no worlds
            changed = not (_constant(column) or any(column is other for other in self.columns.values()))
        if changed:
            self.merge()

    def merge(self) -> None:
        """Merge worlds whose columns are all equal, summing their weights."""
        n = self.n
        if n <= 1:
            return
        if not self.columns:
            self.weights = self.semiring.segment_sum(self.weights, np.array([0]))
            return
        columns = [self.columns[key] for key in self.columns]
        dense = dense_groups(columns, n) if self.semiring.group_sum is not None else None
        if dense is not None:  # no sort: a table over the (small) key range
            groups, firsts = dense
            if len(firsts) == n:
                return
            self.weights = self.semiring.group_sum(self.weights, groups, len(firsts))
        else:
            order, starts = group_rows(columns, n)
            if len(starts) == n:
                return
            firsts = order[starts]
            self.weights = self.semiring.segment_sum(self.weights[order], starts)
        for key, column in self.columns.items():
            self.columns[key] = narrow.narrowed(column[firsts])

    # -- the answer -------------------------------------------------------------------------------------------------
    def batch(self, index: str, arguments: dict) -> int:
        """`vmap` of a dist function: one world per example, weighing one, the example's number in the column
        `index` and each batched argument's value (`arguments`: column -> (value, axis)) in its column."""
        return per_example.start(self, index, arguments)

    def result(self, values, normalize: bool = False, is_tuple: bool = False, batch=None):
        """The distribution of `values` (one column, or a tuple of columns) as {outcome: weight}; under `vmap`
        (`batch`: the example column and the number of examples) a list of them, one per example."""
        items = list(values) if is_tuple else [values]
        self.columns = {f"_r{i}": np.asarray(v) for i, v in enumerate(items)}
        if batch is not None:
            self.columns["_example"] = np.asarray(batch[0])
        self.merge()
        if batch is not None:
            return per_example.answers(self, batch[1], lambda part: part.answer(len(items), normalize, is_tuple))
        return self.answer(len(items), normalize, is_tuple)

    def answer(self, count: int, normalize: bool, is_tuple: bool) -> dict:
        """{outcome: weight} of a merged table whose columns are the results `_r0` .. `_r{count-1}`.

        Every outcome some world reaches is kept, whatever it weighs: `importance(0)`, a `d[a:b:0]` range and
        amplitudes that cancel give an outcome of weight exactly 0 (as Python running the program reaches it,
        and as dice-nine keeps it); only an `assert` removes worlds."""
        weights = self.weights
        if normalize:
            total = self.semiring.total(weights)
            if not len(weights):
                raise ZeroDivisionError("normalize=True, but no world is left to normalize over (every world "
                                        "failed an `assert`)")
            if bool(np.all(self.semiring.is_zero(total))):
                raise ZeroDivisionError("normalize=True, but the worlds' weights sum to 0 (an `importance` weight "
                                        "of 0, or weights that cancel), so there is nothing to divide by")
            weights = self.semiring.divide(weights, total)
        rows = [self.columns[f"_r{i}"] for i in range(count)]
        scalars = self.semiring.scalars(weights)
        outcomes = [_outcome(column) for column in rows]
        table = {}
        for index, weight in enumerate(scalars):
            key = tuple(o[index] for o in outcomes) if is_tuple else outcomes[0][index]
            table[key] = weight
        return table


def _outcome(column: np.ndarray) -> list:
    values = column.tolist()
    if column.ndim > 1:
        return [_as_tuple(v) for v in values]
    return values


def _as_tuple(value):
    return tuple(_as_tuple(v) for v in value) if isinstance(value, list) else value


def _constant(column: np.ndarray) -> bool:
    if column.strides[:1] == (0,):
        return True
    flat = column.reshape(len(column), -1)
    return bool(np.all(flat == flat[:1]))
