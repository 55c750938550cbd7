"""Generators: a helper whose body has `yield` is a stream, its body inlined where the stream is read.

`g(args)` reads its arguments at the call (copies of the values, still the caller's objects, aliases.py). The
consumer (`StreamLowering.for_each`) walks the stream: the body is lowered there, in a scope of its own, and
each `yield v` lowers the consumer's loop body for `v` (`deliver`), in the consumer's scope. So what a
generator yields comes into existence only when it is used, one value at a time, and a loop in the generator
carries the consumer's names too (`ControlFlowLowering.loop` over `open_scopes`).
"""
from __future__ import annotations

import libcst as cst

from ..errors import TranspileError
from .bindings import is_return
from .values import Producer, Shared, Stream, TupleVal, Val


class GeneratorLowering:
    """Generator calls, `yield` and `yield from`. A part of `Lowerer` (lower.py)."""

    def generator_stream(self, fn: cst.FunctionDef, node, positional, keywords) -> Stream:
        """A call of a generator function: its arguments are read now (copied, as Python binds them), its body
        runs where the stream is read, inlined there: each `yield` lowers the consumer's loop body for the
        value (so what it yields comes into existence only when it is used, one value at a time)."""
        name = fn.name.value
        args = {key: self.frozen(value) for key, value in self.bind_arguments(fn, node, positional,
                                                                               keywords).items()}
        call_loc = self.loc(node) or self.call_loc
        versions = {obj: self.object_versions.get(obj, 0) for value in args.values()
                    for obj in self.held_objects(value)}

        def walk(consume):
            for obj, version in versions.items():
                if self.object_versions.get(obj, 0) != version:
                    raise TranspileError(f"an array passed to the generator `{name}` was written to after the call "
                                         "and before the generator ran: Python's generator would read the new "
                                         "contents", call_loc, "call the generator after the writes, or pass a "
                                         "copy: list(xs)")
            outer_loc = self.call_loc
            self.call_stack.append(name)
            self.call_loc = call_loc
            self.yield_targets.append(consume)
            try:
                with self.in_scope(self.enter_function(fn, node, args)):
                    body = self._statements(fn)
                    for index, pair in enumerate(body):
                        if is_return(pair):
                            if pair[1].value is not None or index != len(body) - 1:
                                raise self.error("a generator ends by running off its end (a bare `return` "
                                                 "last at most)", pair[1])
                            continue
                        self.statement(pair)
            finally:
                self.yield_targets.pop()
                self.call_stack.pop()
                self.call_loc = outer_loc
        return Stream([Producer(walk, once=True, loop_depth=self.loop_depth)])

    def frozen(self, value):
        """An argument as it is now: later assignments to the caller's names cannot change it (it is still the
        caller's object: a write to it in the generator is a write to the caller's names, aliases.py)."""
        if isinstance(value, TupleVal):
            return TupleVal(tuple(self.frozen(v) for v in value.items))
        if isinstance(value, Val):
            return self.snapshot(value)
        return value

    def held_objects(self, value) -> list:
        if isinstance(value, TupleVal):
            return [obj for item in value.items for obj in self.held_objects(item)]
        if not isinstance(value, Val) or value.obj is None:
            return []

        def flat(obj):
            return [o for base in obj.bases for o in flat(base)] if isinstance(obj, Shared) else [obj]
        return flat(value.obj)

    def yield_statement(self, node: cst.Yield) -> None:
        """`yield v` in a generator being inlined: lower its consumer's loop body for `v`, in the consumer's
        scope; `yield from s` does so for each element of the stream `s`."""
        if not self.yield_targets:
            raise self.error("`yield` outside a generator: a @dist function returns its outcome", node,
                             "put the `yield` in a helper function and read it with `for`, sum(*g()), list(g())")
        if isinstance(node.value, cst.From):
            self.for_each(self.iterable(node.value.item), self.deliver, where=node.value.item)
            return
        if node.value is None:
            raise self.error("`yield` needs a value in the dist language", node)
        item = self.expr(node.value)
        if isinstance(item, Stream):
            raise self.error("a generator yields values, not streams", node.value, "yield list(...) of it")
        self.deliver(item)

    def deliver(self, item) -> None:
        consume = self.yield_targets.pop()
        try:
            consume(item)  # scoped to the consumer (streams.py); a `yield` in it is the consumer's own
        finally:
            self.yield_targets.append(consume)
