"""Lowering of lazy streams: `n @ expr`, generator expressions, set streams, ranges, `zip`, `lazy_perm`.

A stream is a compile-time list of parts; its consumer (a fold, a `for`, `list`) lowers each element in
place (`for_each`), inside its own loop or inside the generator body that yields it, so a stream never holds
all its elements at once.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from .bindings import FIXED, TABLE, VALUE, is_zero, Binding
from .values import Producer, Segment, Stream, TupleVal, Val


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

    def for_each(self, stream: Stream, consume, index_name: str | None = None, where=None) -> None:
        """Lower `consume(item)` for every element of `stream`, in order: a counted segment in a loop over its
        indices, a generator by inlining its body here (each `yield` lowers `consume` for the value)."""
        consume = self.scoped(consume)  # wherever the element is made, the consumer's body is lowered here
        for part in stream.segments:
            if isinstance(part, Producer):
                self.start_producer(part, where)
                part.walk(consume)
            elif part.count is None:
                consume(part.element(None))
            else:
                self.loop(part.count, lambda index, part=part: consume(part.element(index)), index_name)

    def start_producer(self, producer: Producer, where) -> None:
        """A generator runs once, where it is read: refuse a second read (Python's would see it empty)."""
        if not producer.once:
            return
        if producer.key in self.consumed:
            raise self.error("this generator was already read: a generator runs once (read again, it is empty)",
                             where, "call the generator function again for a second pass, or keep list(...) of it")
        if self.loop_depth > producer.loop_depth:
            raise self.error("a generator made outside this loop is read inside it: it runs once, so every later "
                             "iteration would see it empty", where,
                             "call the generator function inside the loop, or keep list(...) of it before the loop")
        self.consumed.add(producer.key)

    def comprehension_stream(self, node) -> Stream:
        clause = node.for_in
        if clause.inner_for_in is not None or clause.ifs:
            raise self.error("only `(expr for name in stream)` comprehensions are supported", clause,
                             "filtering (`if`) changes the number of elements; use a fold with an `if` instead")
        source = self.iterable(clause.iter)
        target, element = clause.target, node.elt

        @self.scoped
        def make(item):
            saved = dict(self.scope.env)
            self.bind_pattern(target, item)
            try:
                return self.value(element, element)
            finally:
                self.scope.env = saved
        parts = []
        for part in source.segments:
            if isinstance(part, Producer):
                def walk(consume, part=part):
                    self.start_producer(part, clause.iter)
                    part.walk(lambda item: consume(make(item)))
                parts.append(Producer(walk, part.once, part.loop_depth))
            else:
                parts.append(Segment(part.count, self.scoped(lambda index, part=part: make(part.element(index)))))
        return Stream(parts)

    def bind_pattern(self, target, item) -> None:
        if isinstance(target, cst.Name):
            self.scope.env[target.value] = Binding(VALUE, val=item)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(item, TupleVal):
            for element, value in zip(target.elements, item.items):
                self.bind_pattern(element.value, value)
        else:
            raise self.error("only names or tuples of names can be bound here", target)

    def list_of_stream(self, stream: Stream, where=None) -> Val:
        """`list(stream)`: the elements as one array, appended one by one."""
        name = self.fresh("_list")
        self.scope.env[name] = Binding(FIXED, py=self.fresh_py("items"))
        self.renames[(self.scope.prefix, name)] = self.scope.env[name].py
        self.op(cst.Assign([cst.AssignTarget(cg.name(self.scope.env[name].py))],
                           cg.call("dice.lib.stack", cst.List([]), rows=False)))

        items = []

        def append(item):
            item = self.value_of(item, None)
            items.append(item)
            current = self.name_value(cg.name(name))
            random = current.random or item.random
            item_rank = self.rank(item)
            self.bind(name, Val(cg.call("dice.lib.append", current.node, item.node, rows=random), random,
                                current.uses | item.uses, None if item_rank is None else item_rank + 1), None)
        self.for_each(stream, append, where=where)
        result = self.name_value(cg.name(name))
        del self.scope.env[name]
        # a loop's body lowers one item for many: the items' kinds are known together only
        return self.as_list(result, [("one", item) for item in items], items_known=False)

    def iterable(self, node) -> Stream:
        """What a `for` or a fold walks over, as a stream."""
        return self.as_stream(self.expr(node))

    def as_stream(self, value) -> Stream:
        if isinstance(value, Stream):
            return value
        if isinstance(value, TupleVal):
            items = value.items
            return Stream([Segment(None, lambda index, v=v: v) for v in items])
        array = value

        def row(item: Val) -> Val:
            return self.item_of(array, item)
        if array.random:
            count = cg.subscript(cg.attr(array.node, "shape"), [cg.literal(1)])
            return Stream([Segment(count, lambda index: row(self.indexed(Val(
                cg.subscript(array.node, [cg.slice_(None, None, None), index.node]), True, array.uses), array,
                [index])))])
        element_rank = None if self.rank(array) is None else self.rank(array) - 1
        return Stream([Segment(cg.call("len", array.node),
                               lambda index: row(Val(cg.subscript(array.node, [index.node]), False,
                                                     rank=element_rank)))])

    def call_range(self, node, positional, keywords):
        args = [self.fixed(a.value, "a bound of range()", "loop to a fixed bound, `for i in range(__max__(n)):`, "
                           "with `if i < n:` inside") for a in positional]
        if len(args) == 1:
            return Stream([Segment(args[0], lambda index: index)])
        whole = cg.call("range", *args)
        return Stream([Segment(cg.call("len", whole),
                               lambda index: Val(cg.subscript(whole, [index.node]), False, rank=0))])

    def call_list(self, node, positional, keywords):
        (value,) = self.args(node, positional, 1, "list")
        if isinstance(value, Stream):
            return self.list_of_stream(value)
        value = self.value_of(value, node)  # a new list of the same items (an array's rows stay shared)
        return self.as_list(Val(value.node, value.random, value.uses, value.rank), [("star", value)])

    def call_zip(self, node, positional, keywords):
        streams = [self.iterable(a.value) for a in positional]
        if any(len(s.segments) != 1 or not s.counted or s.segments[0].count is None for s in streams):
            raise self.error("zip() takes counted streams (`n @ expr`, ranges, arrays)", node,
                             "for a generator, zip a counted stream with list(generator()), or yield tuples")
        count = cg.call("min", *[s.segments[0].count for s in streams]) if len(streams) > 1 \
            else streams[0].segments[0].count
        return Stream([Segment(count, lambda index: TupleVal(tuple(s.segments[0].element(index)
                                                                     for s in streams)))])

    def call___first__(self, node, positional, keywords):
        stream = self.counted_stream(positional[0].value)
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

    def counted_stream(self, node) -> Stream:
        stream = self.iterable(node)
        if not stream.counted:
            raise self.error("the first element of a generator cannot be split from the rest", node,
                             "fold it with a `for` loop instead")
        return stream

    def call___rest__(self, node, positional, keywords):
        stream = self.counted_stream(positional[0].value)
        head, *rest = stream.segments
        if head.count is None:
            return Stream(rest)
        shifted = Segment(cg.binop("-", head.count, 1),
                          lambda index: head.element(Val(cg.binop("+", index.node, 1), False, rank=self.rank(index))))
        return Stream([shifted] + rest)
