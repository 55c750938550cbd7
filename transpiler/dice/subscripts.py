"""Lowering of subscripts to `Val`s: items and rows of lists and arrays (fixed or random indices, slices), and
weighted draws `d[a:b:w, ...]`."""
from __future__ import annotations

import dataclasses

import libcst as cst

from .. import codegen as cg
from .bindings import constant
from .kinds import union
from .values import Val


class SubscriptLowering:
    """`x[i]`, `x[a:b]` and `d[...]`. A part of `Lowerer` (lower.py)."""

    def is_weighted_draw(self, node: cst.Subscript) -> bool:
        return isinstance(node.value, cst.Name) and node.value.value == "d" and "d" not in self.scope.env

    def expr_Subscript(self, node):
        if self.is_weighted_draw(node):
            return self.weighted_draw(node)
        array = self.value(node.value, node.value)
        index = self.indices(node)
        if isinstance(index, tuple):  # slices: a list's is a new list, an array's a view into it
            part = {"obj": None if array.pylist else self.view_of(array), "pylist": array.pylist,
                    **union(array)}
            if array.random:
                return Val(cg.subscript(array.node, [cg.slice_(None, None, None)] + list(index)), True, array.uses,
                           **part)
            return Val(cg.subscript(array.node, list(index)), False, **part)
        return self.item_of(array, self.index_value(array, index, node), index)

    def item_of(self, array: Val, item: Val, index=None) -> Val:
        """An item read from `array` (at `index`, a list of index Vals, where known): a number is a new value;
        a row of an array is a view into it, an item of a list of lists the list it holds (aliases.py), and a
        list itself where its rank says so. Its kinds of number are any item's, or its own at a fixed index."""
        at = None
        if isinstance(index, list) and len(index) == 1 and not index[0].random:
            known, value = constant(index[0].node)
            at = value if known and isinstance(value, int) and not isinstance(value, bool) else None
        flags = self.item_kinds_of(array, at)
        item = self.restored(array, item, flags, at)
        rank = self.rank(item)
        if rank == 0:
            return dataclasses.replace(item, **flags)
        # a list's items are lists only where it was made of lists (pylist 2) and the rank does not say otherwise
        pylist = (None if rank is None else rank > 0) if array.pylist == 2 else False
        return Val(item.node, item.random, item.uses, item.rank, obj=self.view_of(array), pylist=pylist, **flags)

    @staticmethod
    def numpy_items(array: Val) -> bool:
        """Whether the items of `array` may be NumPy values: an array's are; a Python list's, as it was made."""
        return array.pylist is not True or array.numpy

    def index_value(self, array: Val, index, node) -> Val:
        index = index if isinstance(index, list) else [index]
        uses = array.uses | frozenset().union(*[i.uses for i in index])
        if any(i.random for i in index):
            if array.random:
                index = self.line_up(*index)  # per world, the indices broadcast against each other
                uses = array.uses | frozenset().union(*[i.uses for i in index])
                return self.indexed(Val(cg.call("dice.lib.take_rows", array.node, *[i.node for i in index]), True,
                                        uses), array, index)
            index = self.line_up(*index)  # per world, the indices broadcast against each other
            uses = frozenset().union(*[i.uses for i in index])
            return Val(cg.call("dice.lib.lookup", array.node, *[i.node for i in index]), True, uses)
        if array.random:
            return self.indexed(Val(cg.subscript(array.node, [cg.slice_(None, None, None)] + [i.node for i in index]),
                                    True, uses), array, index)
        return self.indexed(Val(cg.subscript(array.node, [i.node for i in index]), False), array, index)

    def indexed(self, result: Val, array: Val, index: list) -> Val:
        """A value (a column, or a fixed value) read at one number per axis: its rank drops by one per index
        (when all are known), so a number read from a list is known to share nothing with it (aliases.py)."""
        rank = self.rank(array)
        if rank is None or rank < len(index) or any(self.rank(i) != 0 for i in index):
            return result
        return Val(result.node, result.random, result.uses, rank - len(index))

    def indices(self, node: cst.Subscript):
        """A list of index Vals, or a tuple of fixed slices/indices (when any element is a slice)."""
        elements = node.slice
        if any(isinstance(e.slice, cst.Slice) for e in elements):
            parts = []
            for e in elements:
                if isinstance(e.slice, cst.Slice):
                    bounds = []
                    for bound in (e.slice.lower, e.slice.upper, e.slice.step):
                        if bound is None:
                            bounds.append(None)
                            continue
                        value = self.value(bound, bound)
                        if value.random:
                            raise self.error("slice bounds must be fixed", bound,
                                             "index with a random value instead, or use an `if`")
                        bounds.append(value.node)
                    parts.append(cg.slice_(*bounds))
                else:
                    value = self.value(e.slice.value, e.slice.value)
                    if value.random:
                        raise self.error("a random index cannot be mixed with slices", e)
                    parts.append(value.node)
            return tuple(parts)
        return [self.value(e.slice.value, e.slice.value) for e in elements]

    def draw_bound(self, node, uses: frozenset) -> tuple:
        """A bound of `d[a:b:w]` (a number in each world) and the columns it reads."""
        value = self.value(node, node)
        if self.rank(value) not in (0, None):
            raise self.error("a bound of d[...] must be a number", node, "d[a:b:w] draws a..b inclusive")
        return value.node, uses | value.uses

    def weighted_draw(self, node: cst.Subscript) -> Val:
        """`d[a:b:w, ...]`: bounds and weights fixed or random (each world draws its own outcomes, weighed its own
        way)."""
        ranges, uses = [], frozenset()
        for element in node.slice:
            part = element.slice
            if isinstance(part, cst.Slice):
                if part.lower is None:
                    raise self.error("d[a:b:w] needs a lower bound", part)
                low, uses = self.draw_bound(part.lower, uses)  # fixed, or one per world (the outcomes differ)
                high, uses = self.draw_bound(part.upper, uses) if part.upper is not None else (low, uses)
                weight = cg.literal(1)
                if part.step is not None:
                    value = self.value(part.step, part.step)
                    weight, uses = value.node, uses | value.uses
            else:
                low, uses = self.draw_bound(part.value, uses)
                high = low
                weight = cg.literal(1)
            ranges.append(cg.tuple_(low, high, weight))
        column = self.fresh("_d")
        self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_ranges"), column, cg.tuple_(*ranges))),
                defs=[column], uses=uses)
        self.note_rank("col", column, 0)
        return Val(self.ref(column), True, frozenset([column]))
