"""Lowering of lazy streams: `n @ expr`, generator expressions, set streams, ranges, `zip`, `lazy_perm`.

A stream is a compile-time list of segments; its consumer (a fold, a `for`, `list`) lowers each element in
place, inside its own loop, so a stream never holds all its elements at once.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from .bindings import FIXED, TABLE, VALUE, is_zero, Binding
from .values import Segment, Stream, TupleVal, Val


class StreamLowering:
    """Streams and the expressions that make or split them. A part of `Lowerer` (lower.py)."""

    def expr_GeneratorExp(self, node):
        return self.comprehension_stream(node)

    def expr_ListComp(self, node):
        return self.list_of_stream(self.comprehension_stream(node))

    def expr_Set(self, node):
        segments = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                segments.extend(self.iterable(element.value).segments)
            else:
                value = element.value
                segments.append(Segment(None, self.scoped(lambda index, value=value: self.value(value, value))))
        return Stream(segments)

    def comprehension_stream(self, node) -> Stream:
        clause = node.for_in
        if clause.inner_for_in is not None or clause.ifs:
            raise self.error("only `(expr for name in stream)` comprehensions are supported", clause,
                             "filtering (`if`) changes the number of elements; use a fold with an `if` instead")
        source = self.iterable(clause.iter)
        target, element = clause.target, node.elt
        segments = []
        for segment in source.segments:
            def make(index, segment=segment):
                item = segment.element(index)
                saved = dict(self.scope.env)
                self.bind_pattern(target, item)
                try:
                    return self.value(element, element)
                finally:
                    self.scope.env = saved
            segments.append(Segment(segment.count, self.scoped(make)))
        return Stream(segments)

    def bind_pattern(self, target, item) -> None:
        if isinstance(target, cst.Name):
            self.scope.env[target.value] = Binding(VALUE, val=item)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(item, TupleVal):
            for element, value in zip(target.elements, item.items):
                self.bind_pattern(element.value, value)
        else:
            raise self.error("only names or tuples of names can be bound here", target)

    def list_of_stream(self, stream: Stream) -> Val:
        """`list(stream)`: the elements as one array, appended one by one."""
        name = self.fresh("_list")
        self.scope.env[name] = Binding(FIXED, py=self.fresh_py("items"))
        self.renames[(self.scope.prefix, name)] = self.scope.env[name].py
        self.op(cst.Assign([cst.AssignTarget(cg.name(self.scope.env[name].py))],
                           cg.call("dice.lib.stack", cst.List([]), rows=False)))
        for segment in stream.segments:
            def body(index, segment=segment):
                item = self.value_of(segment.element(index), None)
                current = self.name_value(cg.name(name))
                random = current.random or item.random
                item_rank = self.rank(item)
                self.bind(name, Val(cg.call("dice.lib.append", current.node, item.node, rows=random), random,
                                    current.uses | item.uses, None if item_rank is None else item_rank + 1), None)
            if segment.count is None:
                body(None)
            else:
                self.loop(segment.count, body)
        result = self.name_value(cg.name(name))
        del self.scope.env[name]
        return result

    def iterable(self, node) -> Stream:
        """What a `for` or a fold walks over, as a stream."""
        value = self.expr(node)
        if isinstance(value, Stream):
            return value
        if isinstance(value, TupleVal):
            items = value.items
            return Stream([Segment(None, lambda index, v=v: v) for v in items])
        array = value
        if array.random:
            count = cg.subscript(cg.attr(array.node, "shape"), [cg.literal(1)])
            return Stream([Segment(count, lambda index: self.indexed(Val(
                cg.subscript(array.node, [cg.slice_(None, None, None), index.node]), True, array.uses), array,
                [index]))])
        return Stream([Segment(cg.call("len", array.node),
                               lambda index: Val(cg.subscript(array.node, [index.node]), False))])

    def call_range(self, node, positional, keywords):
        args = [self.fixed(a.value, "a bound of range()") for a in positional]
        if len(args) == 1:
            return Stream([Segment(args[0], lambda index: index)])
        whole = cg.call("range", *args)
        return Stream([Segment(cg.call("len", whole),
                               lambda index: Val(cg.subscript(whole, [index.node]), False, rank=0))])

    def call_list(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "list")
        if isinstance(value, Stream):
            return self.list_of_stream(value)
        return self.value_of(value, node)

    def call_zip(self, node, positional, keywords):
        streams = [self.iterable(a.value) for a in positional]
        if any(len(s.segments) != 1 or s.segments[0].count is None for s in streams):
            raise self.error("zip() takes counted streams (`n @ expr`, ranges, arrays)", node)
        count = cg.call("min", *[s.segments[0].count for s in streams]) if len(streams) > 1 \
            else streams[0].segments[0].count
        return Stream([Segment(count, lambda index: TupleVal(tuple(s.segments[0].element(index)
                                                                     for s in streams)))])

    def call___first__(self, node, positional, keywords):
        stream = self.iterable(positional[0].value)
        head = stream.segments[0]
        if head.count is None:
            return head.element(None)
        return head.element(Val(cg.literal(0), False))

    def call_lazy_perm(self, node, positional, keywords):
        """`lazy_perm(n, m)`: m distinct values of 0..n-1 in random order (draws without replacement), a stream.

        The values not drawn yet are a 0/1 column of the table, carried from one element to the next, so a
        consumer such as `lazy_sum` keeps which values are gone but never the order they came in.
        """
        if len(positional) != 2:
            raise self.error("lazy_perm() takes 2 arguments", node, "lazy_perm(n, m): m of 0..n-1")
        n, m = [self.fixed(a.value, "an argument of lazy_perm()") for a in positional]
        left = self.fresh("lazy_perm") + ".left"
        self.assign_column(left, Val(cg.call("dice.lib.ones", n), False))

        def element(index: Val) -> Val:
            rank, picked = self.fresh("_d"), self.fresh("_t")
            sides = n if is_zero(index.node) else cg.binop("-", n, index.node)
            self.op(cst.Expr(cg.call(cg.attr(cg.name(self.table), "draw_d"), rank, sides)), defs=[rank])
            self.op(cst.Assign([cst.AssignTarget(self.ref(picked))],
                               cg.call("dice.lib.nth_one", self.ref(left), self.ref(rank))),
                    defs=[picked], uses=[left, rank])
            self.op(cst.Expr(cg.call(cg.attr(cg.name(TABLE), "update"), left, 0, self.ref(picked), per_world=True)),
                    defs=[left], uses=[left, picked])  # no worlds become equal: `picked` still tells
            self.note_rank("col", picked, 0)
            return Val(self.ref(picked), True, frozenset([picked]))
        return Stream([Segment(m, element)])

    def call___rest__(self, node, positional, keywords):
        stream = self.iterable(positional[0].value)
        head, *rest = stream.segments
        if head.count is None:
            return Stream(rest)
        shifted = Segment(cg.binop("-", head.count, 1),
                          lambda index: head.element(Val(cg.binop("+", index.node, 1), False, rank=self.rank(index))))
        return Stream([shifted] + rest)
