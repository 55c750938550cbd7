"""vmap keeps NumPy's copies: one element read out of an array is a new scalar for one example, but the batch's
column of those elements (`a[:, 1]` for `a[1]`) is a view of the batched array. Where that array, or an array
sharing its memory, is updated in place between the read and a use of it (`v = a[1]; a[1] = 0.0; a[2] += v`,
which the reverse sweep of `a[1] = a[2]` writes too), the view would follow the update where the example's
scalar did not: the batched read is copied there, and only there. The same holds for a read through a boolean mask
that differs between examples, which vmap keeps as the array itself (masks.py's selections)."""
from __future__ import annotations

from ...analysis.union_find import UnionFind
from ...ir import Eqn, Function, If, Loop, Var
from ..mutation import ProgramOrder, walk_statements


def element_reads_overwritten(fn: Function) -> set[int]:
    """The ids of `fn`'s equations that read a scalar out of an array which an in-place update may change before
    the scalar is used (later in program order, or in a later iteration of a loop around the update and the use);
    a scalar carried on by a merge or a loop slot counts as used after every update that follows its read."""
    aliases, flows, order = UnionFind(), UnionFind(), ProgramOrder(fn.body)
    updates, reads, uses = [], [], {}

    def use(atom, moment: tuple) -> None:
        if isinstance(atom, Var):
            uses.setdefault(id(atom), []).append(moment)

    def visit(stmt) -> None:
        moment = order.of_statement(stmt)
        if isinstance(stmt, Eqn):
            for atom in stmt.args:
                use(atom, moment)
            if not stmt.args or not stmt.outs:
                return
            if stmt.prim.shares_first(stmt.args, stmt.params):  # (a view, an update in place)
                aliases.join((stmt.outs[0], stmt.args[0]))
            if stmt.prim.extra.get("in_place") and stmt.prim.family != "tape":
                updates.append((stmt.args[0], moment))
            first = stmt.args[0]
            if stmt.outs[0].type.shape == () and first.type.shape not in ((), None) and first.type.dtype != "tape" \
                    or _mask_read(stmt):
                reads.append(stmt)
        elif isinstance(stmt, If):
            use(stmt.cond, moment)
            for out, a, b in zip(stmt.outs, stmt.then_results, stmt.else_results):
                aliases.join((out, a, b))
                flows.join((out, a, b))
        elif isinstance(stmt, Loop):
            for atom in stmt.bounds:
                use(atom, moment)
            for slot, init, last, out in zip(stmt.carried, stmt.inits, stmt.carried_out, stmt.outs):
                aliases.join((slot, init, last, out))
                flows.join((slot, init, last, out))

    walk_statements(fn.body, visit)
    moments: dict[int, list] = {}
    for array, moment in updates:
        moments.setdefault(aliases.find(id(array)), []).append(moment)
    carried_on = {flows.find(key) for key in flows.parent}

    def at_risk(read: Eqn) -> bool:
        out, defined = read.outs[0], order.of_statement(read)
        later = [m for m in moments.get(aliases.find(id(read.args[0])), ()) if ProgramOrder.overwrites(m, defined)]
        if not later or flows.find(id(out)) in carried_on:
            return bool(later)
        return any(m[0] < u[0] or set(m[1]) & set(u[1]) - set(defined[1]) for m in later for u in uses.get(id(out), ()))

    return {id(read) for read in reads if at_risk(read)}


def _mask_read(stmt: Eqn) -> bool:
    """`a[m]` with a boolean array `m`: a copy in NumPy, but under vmap, where `m` differs between examples, a
    selection kept whole (masks.py) whose elements are `a`'s own (or a view's): an update of `a` in place before
    the selection is used (`a[a > 0.5] *= e`, whose reverse sweep reads the old `a[m]`) would reach it."""
    return stmt.prim.name == "getitem" and any(
        isinstance(a, Var) and a.type.dtype == "bool" and a.type.shape not in ((), None) for a in stmt.args[1:])
