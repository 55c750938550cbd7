"""Out-of-place rewriting of in-place updates, so a generated function can be differentiated again.

Reverse mode reads values long after they were computed; an in-place update (`dx += g`, `dx[1:] = g`) would
have overwritten the old value by then. Before a transform takes a *generated* function as its input, every
update whose old value anything else could still read becomes out of place: `dx += g` becomes
`dx_1 = dx + g`, and `a[i] = v` on a shared array updates a copy. Updates of an array nothing else refers to
(fresh zeros, a copy) stay in place: no one can observe the difference.
"""
from __future__ import annotations

import dataclasses
from collections import Counter

from ..builder import NameScope
from ..ir import Atom, Eqn, Function, If, Loop, Var, all_defined, result_atoms
from ..primitives.registry import lookup
from ..ir.verify import verified

# the arrays these make belong to their single user alone
_FRESH = ("zeros", "zeros_like", "ones", "ones_like", "full", "copy")
# in-place arithmetic and its out-of-place form
_OUT_OF_PLACE = {"iadd": "add", "isub": "subtract"}


@verified("functionalize")
def functionalize(fn: Function) -> Function:
    """`fn` with in-place updates of shared values made out of place (`fn` itself is not modified)."""
    if not any(isinstance(s, Eqn) and _updates(s) for s in _all_statements(fn.body)):
        return fn
    uses: Counter = Counter()
    _count_uses(fn.body, uses)
    uses.update(id(a) for a in result_atoms(fn.result) if isinstance(a, Var))
    rewriter = _Rewriter(NameScope([p.name for p in fn.params] + [v.name for v in all_defined(fn.body)]), uses)
    body = rewriter.block(fn.body)
    return dataclasses.replace(fn, body=body, result=_map_result(fn.result, rewriter.mapping))


def _updates(eqn: Eqn) -> bool:
    return bool(eqn.prim.extra.get("in_place")) and eqn.prim.family != "tape"


class _Rewriter:
    def __init__(self, scope: NameScope, uses: Counter):
        self.scope = scope
        self.uses = uses
        self.mapping: dict[int, Atom] = {}
        self.exclusive: set[int] = set()  # values whose array nothing else reads

    def atoms(self, values) -> tuple:
        return tuple(self.mapping.get(id(a), a) for a in values)

    def block(self, block: list) -> list:
        out = []
        for stmt in block:
            if isinstance(stmt, Eqn):
                out.extend(self.equation(stmt))
            elif isinstance(stmt, If):
                then_body, else_body = self.block(stmt.then_body), self.block(stmt.else_body)
                # a branch's own value kept after the `if` is its output too: it follows the value's new name
                out.append(dataclasses.replace(
                    stmt, cond=self.mapping.get(id(stmt.cond), stmt.cond), then_body=then_body, else_body=else_body,
                    outs=self.atoms(stmt.outs), then_results=self.atoms(stmt.then_results),
                    else_results=self.atoms(stmt.else_results)))
            else:
                out.append(dataclasses.replace(
                    stmt, bounds=self.atoms(stmt.bounds), inits=self.atoms(stmt.inits),
                    cond_body=self.block(stmt.cond_body),
                    cond=self.mapping.get(id(stmt.cond), stmt.cond) if stmt.cond is not None else None,
                    body=self.block(stmt.body), carried_out=self.atoms(stmt.carried_out)))
        return out

    def equation(self, eqn: Eqn) -> list[Eqn]:
        args = self.atoms(eqn.args)
        if not _updates(eqn):
            if eqn.prim.name in _FRESH and self.uses[id(eqn.outs[0])] == 1:
                self.exclusive.add(id(eqn.outs[0]))
            return [eqn if args == eqn.args else dataclasses.replace(eqn, args=args)]
        target = eqn.args[0]
        if id(target) in self.exclusive and self.uses[id(target)] == 1:
            if self.uses[id(eqn.outs[0])] <= 1:
                self.exclusive.add(id(eqn.outs[0]))  # a chain of updates of the same fresh array
            return [eqn if args == eqn.args else dataclasses.replace(eqn, args=args)]
        old = eqn.outs[0]
        if eqn.prim.name in _OUT_OF_PLACE:  # `x += g` -> `x_1 = x + g`
            new = Var(self.scope.fresh(old.name), old.type, old.temporary)
            self.mapping[id(old)] = new
            return [Eqn(lookup(_OUT_OF_PLACE[eqn.prim.name]), args, {}, (new,), eqn.loc, eqn.note)]
        # `x[i] = v` on a shared array -> update a copy of it
        copy = Var(self.scope.fresh(old.name), args[0].type, old.temporary)
        new = Var(copy.name, old.type, old.temporary)
        self.mapping[id(old)] = new
        return [Eqn(lookup("copy"), (args[0],), {}, (copy,), eqn.loc, eqn.note),
                Eqn(eqn.prim, (copy,) + args[1:], dict(eqn.params), (new,), eqn.loc)]


def _all_statements(block: list):
    for stmt in block:
        yield stmt
        if isinstance(stmt, If):
            yield from _all_statements(stmt.then_body)
            yield from _all_statements(stmt.else_body)
        elif isinstance(stmt, Loop):
            yield from _all_statements(stmt.cond_body)
            yield from _all_statements(stmt.body)


def _count_uses(block: list, uses: Counter) -> None:
    for stmt in block:
        if isinstance(stmt, Eqn):
            uses.update(id(a) for a in stmt.args if isinstance(a, Var))
        elif isinstance(stmt, If):
            uses.update(id(a) for a in (stmt.cond, *stmt.then_results, *stmt.else_results) if isinstance(a, Var))
            _count_uses(stmt.then_body, uses)
            _count_uses(stmt.else_body, uses)
        else:
            operands = (*stmt.bounds, *stmt.inits, *stmt.carried_out) + ((stmt.cond,) if stmt.cond is not None else ())
            uses.update(id(a) for a in operands if isinstance(a, Var))
            _count_uses(stmt.cond_body, uses)
            _count_uses(stmt.body, uses)


def _map_result(result, mapping):
    if isinstance(result, tuple):
        return tuple(_map_result(r, mapping) for r in result)
    return mapping.get(id(result), result)
