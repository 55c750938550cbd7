"""Lowering of control flow: `if` on random or fixed conditions, `for` over fixed counts (carried values).

A random `if` splits the table and joins it; a fixed one is a Python `if`. A loop is lowered until the kinds of
its carried values (fixed or random) settle, so a value that becomes random inside it is a column throughout.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..errors import TranspileError
from . import ir
from .bindings import FIXED, PARTIAL, RANDOM, STREAM, VALUE, Binding, constant, is_ref, temp_ref
from .values import Val


class ControlFlowLowering:
    """Random and fixed branches, and loops. A part of `Lowerer` (lower.py)."""

    def if_statement(self, node: cst.If) -> None:
        cond = self.value(node.test, node.test)
        orelse = node.orelse
        if cond.random:
            self.random_if(cond, node.body, orelse)
            return
        known, truth = constant(cond.node)
        if known and truth:  # the compiler knows which branch runs (this is what ends a recursion)
            self.statements(node.body)
        elif known:
            self._else_body(orelse)
        else:
            self.fixed_if(cond, node.body, orelse)

    def _else_body(self, orelse):
        if orelse is None:
            return
        if isinstance(orelse, cst.If):
            self.if_statement(orelse)
        else:
            self.statements(orelse.body)

    def random_if(self, cond: Val, body, orelse) -> None:
        then_table, else_table = self.table + "1", self.table + "2"
        before = dict(self.scope.env)
        saved_renames = self.renames
        self.in_random_branch += 1
        note, self.pending_note = self.pending_note, None
        results = []
        for table, lower_body in ((then_table, lambda: self.statements(body)),
                                  (else_table, lambda: self._else_body(orelse))):
            self.scope.env = dict(before)
            self.renames = dict(saved_renames)
            for key in [k for k in self.renames if k[0] == self.scope.prefix]:
                del self.renames[key]  # fixed values assigned in a branch get their own locals
            with self.block([], table) as out:
                lower_body()
            results.append((out, self.scope.env))
        self.in_random_branch -= 1
        self.renames = saved_renames
        (then_out, then_env), (else_out, else_env) = results
        merged = dict(before)
        changed = {k for k in set(then_env) | set(else_env)
                   if then_env.get(k) != before.get(k) or else_env.get(k) != before.get(k)}
        for name in sorted(changed):
            sides = []
            for table, out, env in ((then_table, then_out, then_env), (else_table, else_out, else_env)):
                sides.append(env.get(name))
            kinds = {b.kind if b else None for b in sides}
            if None in kinds or PARTIAL in kinds:
                merged[name] = Binding(PARTIAL, loc=self.call_loc)
                continue
            if kinds & {STREAM, VALUE}:
                merged[name] = Binding(PARTIAL, loc=self.call_loc)
                continue
            column = self.col(name)
            for (table, out, env), binding in zip(((then_table, then_out, then_env),
                                                   (else_table, else_out, else_env)), sides):
                if binding.kind == FIXED:
                    with self.block(out, table):
                        self.assign_column(column, Val(cg.name(binding.py), False))
                elif binding.col != column:
                    with self.block(out, table):
                        self.assign_column(column, Val(self.ref(binding.col), True, frozenset([binding.col])))
            merged[name] = Binding(RANDOM, col=column)
        self.scope.env = merged
        self.emit(ir.Branch(self.table, cond.node, tuple(sorted(cond.uses)), then_table, else_table, then_out,
                            else_out, note=note))

    def fixed_if(self, cond: Val, body, orelse) -> None:
        before = dict(self.scope.env)
        note, self.pending_note = self.pending_note, None
        results = []
        for lower_body in (lambda: self.statements(body), lambda: self._else_body(orelse)):
            self.scope.env = dict(before)
            with self.block([]) as out:
                lower_body()
            results.append((out, self.scope.env))
        (then_out, then_env), (else_out, else_env) = results
        merged = dict(before)
        for name in sorted(set(then_env) | set(else_env)):
            a, b = then_env.get(name), else_env.get(name)
            if a == b:
                merged[name] = a
                continue
            if a is None or b is None or PARTIAL in (a.kind, b.kind) or {a.kind, b.kind} & {STREAM, VALUE}:
                merged[name] = Binding(PARTIAL, loc=self.call_loc)
                continue
            if a.kind == FIXED and b.kind == FIXED:
                if a.py != b.py:
                    with self.block(else_out):
                        self.op(cst.Assign([cst.AssignTarget(cg.name(a.py))], cg.name(b.py)))
                merged[name] = a
                continue
            column = self.col(name)
            for out, binding in ((then_out, a), (else_out, b)):
                with self.block(out):
                    if binding.kind == FIXED:
                        self.assign_column(column, Val(cg.name(binding.py), False))
                    elif binding.col != column:
                        self.assign_column(column, Val(self.ref(binding.col), True, frozenset([binding.col])))
            merged[name] = Binding(RANDOM, col=column)
        self.scope.env = merged
        self.emit(ir.Choice(self.table, cond.node, then_out, else_out, note=note))

    def for_statement(self, node: cst.For) -> None:
        if node.orelse is not None:
            raise self.error("`for ... else` is not part of the dist language", node)
        stream = self.iterable(node.iter)
        target = node.target
        for segment in stream.segments:
            if segment.count is None:
                self.assign(target, segment.element(None), node)
                self.statements(node.body)
            else:
                def body(index, segment=segment):
                    item = segment.element(index)
                    if isinstance(target, cst.Name) and isinstance(item, Val) and (
                            item.node is index.node or (is_ref(item.node) and temp_ref(item.node))):
                        # the loop index itself, or a fresh draw: the name just refers to it
                        self.scope.env[target.value] = Binding(VALUE, val=item)
                    else:
                        self.assign(target, item, node)
                    self.statements(node.body)
                index_name = None
                if isinstance(target, cst.Name) and isinstance(node.iter, cst.Call) \
                        and isinstance(node.iter.func, cst.Name) and node.iter.func.value == "range":
                    index_name = self.py_name(target.value)
                self.loop(segment.count, body, index_name)
        if isinstance(target, cst.Name) and target.value in self.scope.env \
                and self.scope.env[target.value].kind == VALUE:
            del self.scope.env[target.value]

    def _note_carried_ranks(self, entry: dict, end: dict) -> None:
        """The ranks the next iteration reads: a carried name whose rank changes in the body has an unknown
        rank, and the body is lowered again (its reads were lowered for the rank on entry)."""
        for name, b in entry.items():
            after = end.get(name)
            if after is None or after == b or b.kind not in (FIXED, RANDOM) or after.kind not in (FIXED, RANDOM):
                continue
            value = Val(cg.name(after.py), False) if after.kind == FIXED else Val(self.ref(after.col), True)
            if b.kind == RANDOM:
                self.note_rank("col", b.col, self.rank(value))
            else:
                self.note_rank("py", b.py, self.rank(value))

    def loop(self, count: cst.BaseExpression, body, index: str | None = None) -> None:
        """`for _i in range(count): body(_i)`, with loop-carried values made columns where they become random."""
        index = index or self.fresh_py("_i")
        note, self.pending_note = self.pending_note, None
        for _attempt in range(8):
            entry = dict(self.scope.env)
            counters = dict(self.counters)
            ranks = dict(self.ranks)
            with self.block([]) as out:
                body(Val(cg.name(index), False, rank=0))
            end = self.scope.env
            self._note_carried_ranks(entry, end)
            promote = [name for name, b in entry.items()
                       if b.kind == FIXED and name in end and end[name].kind == RANDOM]
            if not promote and all(self.ranks[key] == rank for key, rank in ranks.items()):
                break
            self.scope.env = entry
            self.counters = counters
            for name in promote:
                column = self.col(name)
                self.assign_column(column, Val(cg.name(entry[name].py), False))
                self.scope.env[name] = Binding(RANDOM, col=column)
        else:  # pragma: no cover - the kinds only ever grow
            raise TranspileError("loop kinds did not settle", self.call_loc)
        with self.block(out):
            for name, b in entry.items():
                after = end.get(name)
                if b.kind == RANDOM and after is not None and after != b:
                    if after.kind == FIXED:
                        self.assign_column(b.col, Val(cg.name(after.py), False))
                    elif after.kind == RANDOM:
                        self.assign_column(b.col, Val(self.ref(after.col), True, frozenset([after.col])))
                    end[name] = b
                elif b.kind == FIXED and after is not None and after.kind == FIXED and after.py != b.py:
                    self.op(cst.Assign([cst.AssignTarget(cg.name(b.py))], cg.name(after.py)))
                    end[name] = b
        self.scope.env = end
        self.emit(ir.Loop(self.table, index, cg.call("range", count), out, note=note))
