"""Lowering of control flow: `if` on random or fixed conditions, `for` over fixed counts (carried values).

A random `if` splits the table and joins it; a fixed one is a Python `if`. A loop is lowered until the kinds of
its carried values (fixed or random) settle, so a value that becomes random inside it is a column throughout.
"""
from __future__ import annotations

import dataclasses

import libcst as cst

from .. import codegen as cg
from ..errors import TranspileError
from . import ir
from .bindings import DELETED, FIXED, PARTIAL, RANDOM, STREAM, VALUE, Binding, constant, find_yield, is_ref, temp_ref
from .conditionals import side_tables
from .kinds import kinds, merged_items, union, widens
from .values import Val


class ControlFlowLowering:
    """Random and fixed branches, and loops. A part of `Lowerer` (lower.py)."""

    def if_statement(self, node: cst.If) -> None:
        cond = self.value(node.test, node.test)
        orelse = node.orelse
        known, truth = constant(cond.node) if not cond.random else (False, None)
        if not known:
            found = find_yield(node)
            if found is not None:
                raise self.error("`yield` inside an `if` is not part of the dist language: a generator yields the "
                                 "same number of values in every world", found,
                                 "yield in every case, choosing the value: `yield a if cond else b`")
        if cond.random:
            self.random_if(cond, node.body, orelse)
            return
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
        then_table, else_table = side_tables(self.table)
        before = dict(self.scope.env)
        saved_renames = self.renames
        self.in_random_branch += 1
        note, self.pending_note = self.pending_note, None
        results = []
        consumed_before, consumed_after = set(self.consumed), set()
        for table, lower_body in ((then_table, lambda: self.statements(body)),
                                  (else_table, lambda: self._else_body(orelse))):
            self.consumed = set(consumed_before)
            self.scope.env = dict(before)
            self.renames = dict(saved_renames)
            for key in [k for k in self.renames if k[0] == self.scope.prefix]:
                del self.renames[key]  # fixed values assigned in a branch get their own locals
            with self.block([], table) as out:
                lower_body()
            results.append((out, self.scope.env))
            consumed_after |= self.consumed
        self.consumed = consumed_after
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
            noted = [b for b in sides if b is not None and b.note]
            if noted:  # a read after an update the compiler cannot follow is refused on either path (aliases.py)
                merged[name] = noted[0]
                continue
            if None in kinds or PARTIAL in kinds:
                merged[name] = Binding(PARTIAL, loc=self.call_loc)
                continue
            if kinds & {STREAM, VALUE, DELETED}:
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
        self.merge_objects(merged, [then_env, else_env], {n for n in set(then_env) | set(else_env)
                                                          if then_env.get(n) is not before.get(n)
                                                          or else_env.get(n) is not before.get(n)})
        self.scope.env = merged
        self.emit(ir.Branch(self.table, cond.node, tuple(sorted(cond.uses)), then_table, else_table, then_out,
                            else_out, note=note))

    def fixed_if(self, cond: Val, body, orelse) -> None:
        before = dict(self.scope.env)
        note, self.pending_note = self.pending_note, None
        results = []
        consumed_before, consumed_after = set(self.consumed), set()
        for lower_body in (lambda: self.statements(body), lambda: self._else_body(orelse)):
            self.consumed = set(consumed_before)
            self.scope.env = dict(before)
            with self.block([]) as out:
                lower_body()
            results.append((out, self.scope.env))
            consumed_after |= self.consumed
        self.consumed = consumed_after
        (then_out, then_env), (else_out, else_env) = results
        merged = dict(before)
        for name in sorted(set(then_env) | set(else_env)):
            a, b = then_env.get(name), else_env.get(name)
            if a == b:
                merged[name] = a
                continue
            if a is not None and a.note or b is not None and b.note:
                merged[name] = a if a is not None and a.note else b
                continue
            if a is None or b is None or PARTIAL in (a.kind, b.kind) or {a.kind, b.kind} & {STREAM, VALUE, DELETED}:
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
        self.merge_objects(merged, [then_env, else_env],
                           {n for n in set(then_env) | set(else_env) if then_env.get(n) is not else_env.get(n)})
        self.scope.env = merged
        self.emit(ir.Choice(self.table, cond.node, then_out, else_out, note=note))

    def for_statement(self, node: cst.For) -> None:
        if node.orelse is not None:
            raise self.error("`for ... else` is not part of the dist language", node)
        stream = self.iterable(node.iter)
        target = node.target

        def body(item):
            if isinstance(target, cst.Name) and isinstance(item, Val) and (
                    isinstance(item.node, cst.Name) and item.node.value == index_name
                    or (is_ref(item.node) and temp_ref(item.node))):
                # the loop index itself, or a fresh draw: the name just refers to it
                self.scope.env[target.value] = Binding(VALUE, val=item)
            else:
                self.assign(target, item, node)
            self.statements(node.body)
        index_name = None
        if isinstance(target, cst.Name) and isinstance(node.iter, cst.Call) \
                and isinstance(node.iter.func, cst.Name) and node.iter.func.value == "range":
            index_name = self.py_name(target.value)
        self.for_each(stream, body, index_name, where=node.iter)
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
        """`for _i in range(count): body(_i)`, with loop-carried values made columns where they become random.

        The names carried are those of every open scope: a generator's loop body holds its consumer's body."""
        index = index or self.fresh_py("_i")
        note, self.pending_note = self.pending_note, None
        scopes = self.open_scopes()
        self.loop_depth += 1
        try:
            for _attempt in range(8):
                entries = [dict(scope.env) for scope in scopes]
                counters, ranks, consumed = dict(self.counters), dict(self.ranks), set(self.consumed)
                with self.block([]) as out:
                    body(Val(cg.name(index), False, rank=0))
                ends = [scope.env for scope in scopes]
                promote, deleted = [], []
                for scope, entry, end in zip(scopes, entries, ends):
                    self._note_carried_ranks(entry, end)
                    promote += [(scope, name) for name, b in entry.items()
                                if b.kind == FIXED and name in end and end[name].kind == RANDOM]
                    deleted += [(scope, name, end[name]) for name, b in entry.items()
                                if b.kind != DELETED and name in end and end[name].kind == DELETED]
                unsettled = self.loop_aliases_settle(scopes, entries, ends)
                # a name that is a list after the body and not before (or the reverse): `+` and `*` on it mean
                # different things in different iterations, so it enters the loop as "maybe a list"
                unsettled += [(scope, name, dataclasses.replace(b, pylist=None))
                              for scope, entry, end in zip(scopes, entries, ends) for name, b in entry.items()
                              if b.kind in (FIXED, RANDOM) and name in end and end[name].kind in (FIXED, RANDOM)
                              and b.pylist is not None and end[name].pylist != b.pylist]
                # a name that may be a kind of number (a Python bool, a NumPy value...) after the body and not before
                # may be one in any iteration (a list: in any item, and item by item where the length stays)
                unsettled += [(scope, name, dataclasses.replace(b, **union(b, end[name]),
                                                                items=merged_items([b, end[name]])))
                              for scope, entry, end in zip(scopes, entries, ends) for name, b in entry.items()
                              if b.kind in (FIXED, RANDOM) and name in end and end[name].kind in (FIXED, RANDOM)
                              and widens(b, end[name])]
                # a name bound to a value without a name of its own (a helper's parameter) and rebound in the body:
                # the next iteration must read the new value, so it becomes a local or column before the loop
                named = [(scope, name, b) for scope, entry, end in zip(scopes, entries, ends)
                         for name, b in entry.items() if b.kind in (VALUE, STREAM) and end.get(name) is not b
                         and name in end]
                for scope, name, b in named:
                    if b.kind == STREAM or not isinstance(b.val, Val):
                        raise TranspileError(f"`{name}` (a stream or tuple) is rebound inside a loop that reads it "
                                             "again in the next iteration", self.statement_loc or self.call_loc,
                                             "fold it first (lazy_sum, list, ...), or bind its parts to names")
                if not promote and not deleted and not unsettled and not named \
                        and all(self.ranks[key] == rank for key, rank in ranks.items()):
                    break
                for scope, entry in zip(scopes, entries):
                    scope.env = entry
                for scope, name, binding in deleted:  # the next iteration starts without it
                    scope.env[name] = binding
                for scope, name, change in unsettled:  # shared with other names in some iterations only
                    scope.env[name] = change if isinstance(change, Binding) \
                        else dataclasses.replace(scope.env[name], obj=change)
                for scope, name, b in named:
                    with self.in_scope(scope):
                        self.bind(name, b.val, None)
                self.counters, self.consumed = counters, consumed
                for scope, name in promote:
                    column = f"{scope.prefix}{name}"
                    fixed = scope.env[name]
                    self.assign_column(column, Val(cg.name(fixed.py), False))
                    scope.env[name] = Binding(RANDOM, col=column, obj=self.object_of(fixed), pylist=fixed.pylist,
                                              **kinds(fixed))
            else:  # pragma: no cover - the kinds only ever grow
                raise TranspileError("loop kinds did not settle", self.call_loc)
        finally:
            self.loop_depth -= 1
        with self.block(out):
            for scope, entry, end in zip(scopes, entries, ends):
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
                scope.env = end
        self.emit(ir.Loop(self.table, index, cg.call("range", count), out, note=note))
