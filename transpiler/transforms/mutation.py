"""Reverse mode over code that updates arrays in place (`a[i] = v`, `a[:, j] += v`).

The reverse sweep reads primal values as they were when computed. A later in-place update of the same array
(or of a view of it) would change what it reads, so each value the sweep reads that shares memory with an
updated array is copied right after it is computed, and the sweep reads the copy. Values the sweep never
reads, and arrays never updated in place, cost nothing.
"""
from __future__ import annotations

from ..analysis.union_find import UnionFind
from ..builder import Builder
from ..ir import Eqn, If, Loop, Var, free_values, substitute
from ..primitives.registry import lookup


def walk_statements(block: list, visit) -> None:
    """`visit` every statement of `block`, nested ones (branches, loop tests and bodies) after the one holding them."""
    for stmt in block:
        visit(stmt)
        if isinstance(stmt, If):
            walk_statements(stmt.then_body, visit)
            walk_statements(stmt.else_body, visit)
        elif isinstance(stmt, Loop):
            walk_statements(stmt.cond_body, visit)
            walk_statements(stmt.body, visit)


def preserve_overwritten(builder: Builder, forward_count: int, params: list[Var]) -> None:
    """Copy, right after their definition, the values the reverse sweep reads that an in-place update could
    overwrite; `builder.eqns[:forward_count]` is the forward sweep, the rest the reverse sweep."""
    forward, backward = builder.eqns[:forward_count], builder.eqns[forward_count:]
    aliases, updated, pushes = UnionFind(), [], []
    when = ProgramOrder(forward)

    def visit(stmt) -> None:
        if isinstance(stmt, Eqn):
            if stmt.args and stmt.prim.shares_first(stmt.args, stmt.params):  # (a view, an update in place)
                aliases.join((stmt.outs[0], stmt.args[0]))
            if stmt.prim.name == "setitem" and stmt.params.get("user"):
                updated.append((stmt.args[0], when.of_statement(stmt)))
            if stmt.prim.name == "push":
                pushes.append(stmt)
        elif isinstance(stmt, If):
            for out, a, b in zip(stmt.outs, stmt.then_results, stmt.else_results):
                aliases.join((out, a))
                aliases.join((out, b))
        else:
            for slot, init, last, out in zip(stmt.carried, stmt.inits, stmt.carried_out, stmt.outs):
                aliases.join((slot, init))
                aliases.join((slot, last))
                aliases.join((out, slot))

    walk_statements(forward, visit)
    if not updated:
        return
    updates: dict[int, list] = {}  # alias class -> when each in-place update of it runs
    for array, moment in updated:
        updates.setdefault(aliases.find(id(array)), []).append(moment)
    read = free_values(backward) + [push.args[1] for push in pushes]
    keep: dict[int, Var] = {}
    for value in read:
        if isinstance(value, Var) and value.type.shape != () and id(value) not in keep and any(
                when.overwrites(moment, when.of_value(value)) for moment in updates.get(aliases.find(id(value)), ())):
            keep[id(value)] = Var(builder.scope.fresh(value.name + "_kept"), value.type)
    if not keep:
        return
    _insert_copies(builder.eqns, forward_count, params, keep)
    substitute(backward, keep)
    for push in pushes:
        push.args = (push.args[0], keep.get(id(push.args[1]), push.args[1]))
    for eqn in _pops(backward):
        if id(eqn.outs[0]) in keep:
            eqn.outs = (keep[id(eqn.outs[0])],)


class ProgramOrder:
    """When forward statements run: a position in program order and the loops around it. An update can only
    change a value defined before it, or one defined in a loop it shares (in a later iteration)."""

    def __init__(self, forward: list):
        self.statements: dict[int, tuple] = {}
        self.values: dict[int, tuple] = {}
        self._count = 0
        self._visit(forward, ())

    def _visit(self, block: list, loops: tuple) -> None:
        for stmt in block:
            self._count += 1
            self.statements[id(stmt)] = (self._count, loops)
            if isinstance(stmt, If):
                self._visit(stmt.then_body, loops)
                self._visit(stmt.else_body, loops)
            elif isinstance(stmt, Loop):
                inside = loops + (id(stmt),)
                for var in stmt.carried + ((stmt.index,) if stmt.index is not None else ()):
                    self.values[id(var)] = (self._count, inside)
                self._visit(stmt.cond_body, inside)
                self._visit(stmt.body, inside)
                self._count += 1  # the values after the loop come after everything in it
            for out in stmt.outs:  # a branch's own value kept after the `if` is defined where the branch made it
                self.values.setdefault(id(out), (self._count, loops))

    def of_statement(self, stmt) -> tuple:
        return self.statements[id(stmt)]

    def of_value(self, value: Var) -> tuple:
        return self.values.get(id(value), (0, ()))  # parameters: before everything

    @staticmethod
    def overwrites(update: tuple, value: tuple) -> bool:
        return update[0] > value[0] or bool(set(update[1]) & set(value[1]))


def _copy(value: Var, kept: Var) -> Eqn:
    return Eqn(lookup("copy"), (value,), {}, (kept,), None)


def _insert_copies(top: list, forward_count: int, params: list[Var], keep: dict[int, Var]) -> None:
    """Put `kept = value.copy()` right after each value's definition (parameters: at the very start)."""
    def place(block: list, stop: int | None = None) -> None:
        position = 0
        while position < (len(block) if stop is None else stop):
            stmt = block[position]
            defined = list(stmt.outs)
            if isinstance(stmt, If):
                place(stmt.then_body)
                place(stmt.else_body)
                defined = _keep_merged(stmt, keep)
            elif isinstance(stmt, Loop):
                place(stmt.body)
                place(stmt.cond_body)
                starts = [_copy(v, keep[id(v)]) for v in stmt.carried if id(v) in keep]
                stmt.body[0:0] = starts  # each iteration's starting value, before the body updates it
            copies = [_copy(v, keep[id(v)]) for v in defined if id(v) in keep]
            block[position + 1:position + 1] = copies
            position += 1 + len(copies)
            if stop is not None:
                stop += len(copies)

    place(top, forward_count)
    top[0:0] = [_copy(p, keep[id(p)]) for p in params if id(p) in keep]


def _keep_merged(stmt: If, keep: dict[int, Var]) -> list[Var]:
    """An output that only carries a branch's own value to the reverse sweep (the value itself on one path,
    None on the other) carries its copy instead, made in the branch. A merge of the program's own values stays
    as it is (the code after the `if` updates it); those the sweep reads are returned, to be copied after it."""
    outs, then_results, else_results, merged = [], [], [], []
    for out, a, b in zip(stmt.outs, stmt.then_results, stmt.else_results):
        if id(out) in keep and (out is a or out is b):
            kept = keep[id(out)]
            out, a, b = kept, kept if a is out else a, kept if b is out else b
        else:
            merged.append(out)
        outs.append(out)
        then_results.append(a)
        else_results.append(b)
    stmt.outs, stmt.then_results, stmt.else_results = tuple(outs), tuple(then_results), tuple(else_results)
    return merged


def _pops(block: list):
    found = []
    walk_statements(block, lambda s: found.append(s) if isinstance(s, Eqn) and s.prim.name == "pop" else None)
    return found
