"""Liveness: where each value is used for the last time, so generated code can `del` it right there.

Deletion works on names over one block at a time (in-place updates and loop slots reuse names, so names,
not values, are what stay alive); a block only deletes names it defines, so values from outside a branch or
loop body survive it, and a name bound before a branch or loop body that the body rebinds is deleted there only
where the body binds it again (the backend's `_keep_bound_outside`): the path that skips the body still holds
it. Dead-code elimination removes equations whose results nobody reads; an indexed read that may be out of range
leaves its index checks behind (analysis/dead_reads.py), since Python raises there.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

from ..ir import Const, Eqn, Function, If, Loop, Var, const, result_atoms
from .dead_reads import (WRITES, access_key, at_hand, dead_read_checks, drop_repeated_checks, empty_checks, in_range,
                         loop_range, raises_when_empty)
from .invariant_checks import hoist_invariant_checks
from .python_raises import python_may_raise
from ..ir.verify import verified


@verified("eliminate_dead_code")
def eliminate_dead_code(fn: Function) -> Function:
    """Drop statements none of whose results reach a function result (all primitives are pure, and in-place
    updates are kept exactly while the value they update is)."""
    needed = {id(a) for a in result_atoms(fn.result) if isinstance(a, Var)}
    params = {id(p): p for p in fn.params}
    body = _prune(fn.body, needed, params, raising=_PythonNumbers(params, _definitions(fn.body)))
    return dataclasses.replace(fn, body=body)


def _prune(block: list, needed: set[int], params: dict | None = None, ranges: frozenset = frozenset(),
           raising: "_PythonNumbers | None" = None) -> list:
    params = {} if params is None else params
    kept: list = []
    front: list = []
    dropped_note = None
    written: set = set()  # the writes `x[index] = v` kept after this statement: NumPy's IndexError comes there
    for stmt in reversed(block):
        dead_read = isinstance(stmt, Eqn) and stmt.prim.name == "getitem" and \
            not any(id(o) in needed for o in stmt.outs)  # (the region read that an indexed write binds first)
        covered = isinstance(stmt, Eqn) and bool(kept) and not any(id(o) in needed for o in stmt.outs) and \
            _raises_next(stmt, kept[-1])
        new = None if dead_read and access_key(stmt) in written or covered else \
            _prune_statement(stmt, needed, params, ranges, raising)
        if isinstance(new, Eqn) and new.prim.name in WRITES:
            written.add(access_key(new))
        if isinstance(new, Loop):  # checks it would repeat every trip go before it, guarded by its trip count
            before, new = hoist_invariant_checks(new)
            if before:
                # (what they read from outside: not the guard's test, made anew at each call, so that a loop
                # around this one, pruned until `needed` stops growing, stops)
                needed.update(_uses(a for s in before if isinstance(s, Eqn) for a in s.args))
                needed.update(_uses(a for s in before if isinstance(s, If) for c in s.then_body for a in c.args))
                if new.body or new.cond_body or new.outs:
                    kept.append(new)
                kept.extend(reversed(before))
                continue
        if isinstance(new, list):  # a dropped gather's index checks: those of parameters go first in the block,
            for check in reversed(new):  # as the C backend's own checks go before a launch (kernels stay fused)
                at_hand = check.prim.name == "check_index" and \
                    all(isinstance(a, Const) or id(a) in params for a in check.args)  # (an empty-axis check
                # stays where its reduction was: a read before it, `np.min(x[i])`, raises its IndexError first)
                (front if at_hand else kept).append(check)
            continue
        if new is None:
            if stmt.note and kept and not kept[-1].note:  # the block comment moves to the next statement
                kept[-1] = dataclasses.replace(kept[-1], note=stmt.note)  # (statements may be shared)
            else:
                dropped_note = stmt.note or dropped_note
            continue
        kept.append(new)
    kept.reverse()
    kept = drop_repeated_checks(front[::-1] + kept)
    if dropped_note and kept and not any(s.note for s in kept):
        kept[0].note = kept[0].note or dropped_note
    return kept


_ORDERINGS = frozenset({"less", "less_equal", "greater", "greater_equal"})


@dataclasses.dataclass
class _PythonNumbers:
    """What tells a value that may be a Python number at run time: a literal, a weak value, a scalar parameter (the
    caller may pass a Python float for `"f64[]"`), or Python's operator on such values."""
    params: dict
    definitions: dict  # id of a value -> the equation that defines it
    known: dict = dataclasses.field(default_factory=dict)  # id of a value -> its answer (a value feeds many)

    def maybe_python(self, atom, depth: int = 0) -> bool:
        if isinstance(atom, Const) or getattr(atom.type, "weak", False) or id(atom) in self.params:
            return True
        if id(atom) not in self.known:
            found = self.definitions.get(id(atom))
            if isinstance(found, tuple):  # a merge (a branch's or a loop's value): a Python number on some path
                self.known[id(atom)] = True  # (a loop slot reaches itself: assumed so until its sources say)
                self.known[id(atom)] = depth < 50 and any(self.maybe_python(a, depth + 1) for a in found)
            else:
                self.known[id(atom)] = found is not None and depth < 50 and \
                    found.prim.python_result(found.params) == "kept" and \
                    all(self.maybe_python(a, depth + 1) for a in found.args)
        return self.known[id(atom)]

    def may_raise(self, stmt: Eqn) -> bool:
        """A scalar `/ // % **` or shift as Python's operator (not the NumPy function the source spelled) of values
        that may be Python numbers: kept where nobody reads its value, since Python raises there all the same (on
        NumPy scalars it computes inf or nan; keeping it costs one operation), in a loop body too (where it keeps
        the loop: the C target's loop kernels raise Python's errors as the NumPy module does). Not where the
        divisor is a nonzero constant, nor an int's power by a constant that is not negative."""
        if stmt.prim.name in _ORDERINGS and not (stmt.params or {}).get("spelled"):
            return any(self.maybe_complex(a) for a in stmt.args)
        return python_may_raise(stmt) and all(self.maybe_python(a) for a in stmt.args)

    def maybe_complex(self, atom, depth: int = 0) -> bool:
        """A value Python may compute as a complex number: its `**` of a Python number that may be negative by an
        exponent not known integral (`b ** (1 / 3)` at b = -0.4), or Python's arithmetic on one. Ordering it
        raises TypeError (`a > b ** 0.5`), so such a comparison stays though nobody reads it."""
        eqn = self.definitions.get(id(atom))
        if not isinstance(eqn, Eqn) or depth > 20 or eqn.prim.python_result(eqn.params) != "kept" or \
                not all(self.maybe_python(a) for a in eqn.args):
            return False
        if eqn.prim.name == "power" and len(eqn.args) == 2:
            exponent = eqn.args[1]
            return not (isinstance(exponent, Const) and float(exponent.value).is_integer()) and \
                not (isinstance(eqn.args[0], Const) and eqn.args[0].value >= 0)
        return any(self.maybe_complex(a, depth + 1) for a in eqn.args)


def _runs_no_trip(loop: Loop) -> bool:
    """A `for` over a range of literal bounds that holds no number (`range(0)`, `range(5, 0)`)."""
    return loop.kind == "for" and bool(loop.bounds) and len(loop.bounds) <= 3 and \
        all(isinstance(b, Const) and isinstance(b.value, int) and not isinstance(b.value, bool) for b in loop.bounds) \
        and (len(loop.bounds) < 3 or loop.bounds[2].value != 0) and len(range(*[b.value for b in loop.bounds])) == 0


_DIVISIONS = frozenset({"divide", "floor_divide", "mod"})


def _raises_next(dead: Eqn, after) -> bool:
    """Whether the statement right after a division nobody reads is Python's division of a number by the same
    divisor (a gradient's `dloss = 1.0 / n` after the primal's `loss / n`): it raises ZeroDivisionError wherever the
    dropped one would have, with nothing run between them."""
    return dead.prim.name in _DIVISIONS and isinstance(after, Eqn) and after.prim.name in _DIVISIONS and \
        len(dead.args) == len(after.args) == 2 and after.args[1] is dead.args[1] and python_may_raise(after) and \
        isinstance(after.args[0], Const) and isinstance(after.args[0].value, (int, float)) and \
        not (dead.params or {}).get("spelled")


def _definitions(block: list, found: dict | None = None) -> dict:
    """id of each value that `block` defines -> the equation defining it, or for a branch's or a loop's merged
    value (a slot, a result, a range's index) the tuple of values it may hold (loop bodies included)."""
    found = {} if found is None else found
    for stmt in block:
        if isinstance(stmt, Eqn):
            found.update({id(o): stmt for o in stmt.outs})
        elif isinstance(stmt, If):
            _definitions(stmt.then_body, found)
            _definitions(stmt.else_body, found)
            found.update({id(o): (t, e) for o, t, e in zip(stmt.outs, stmt.then_results, stmt.else_results)})
        elif isinstance(stmt, Loop):
            _definitions(stmt.cond_body, found)
            _definitions(stmt.body, found)
            for slot, init, out, after in zip(stmt.carried, stmt.inits, stmt.carried_out, stmt.outs):
                found[id(slot)] = found[id(after)] = (init, out)
            if stmt.index is not None:  # (a range's index is a Python int)
                found[id(stmt.index)] = (const(0),)
    return found


def _uses(atoms) -> set[int]:
    return {id(a) for a in atoms if isinstance(a, Var)}


def _prune_statement(stmt, needed: set[int], params: dict, ranges: frozenset, raising=None):
    if isinstance(stmt, Eqn):
        in_place = stmt.prim.extra.get("in_place", False)
        checks = stmt.prim.extra.get("check", False)  # a run-time check (vmap's batch sizes) stays
        if any(id(o) in needed for o in stmt.outs) or (in_place and id(stmt.args[0]) in needed) or checks or \
                (raising is not None and raising.may_raise(stmt)):  # (Python's `b / 0.0` raises, used or not)
            needed.update(_uses(stmt.args))
            return stmt
        if raises_when_empty(stmt):  # (np.max of an empty array raises, used or not: its size is checked instead)
            left = empty_checks(stmt)
            if left is None:
                needed.update(_uses(stmt.args))
                return stmt
            if left and id(stmt.args[0]) not in needed and id(stmt.args[0]) not in params:
                left, _ = at_hand(left, params.values())
            needed.update(_uses(a for check in left for a in check.args))
            return left or None
        # (Python's IndexError from a read or write nobody uses: checked against its array where that is at hand, a
        # parameter or needed later, else against a parameter's same size; dead_reads.at_hand)
        left = dead_read_checks(stmt) if stmt.prim.name in ("getitem",) + WRITES and stmt.args else []
        if left is None:
            needed.update(_uses(stmt.args))
            return stmt
        left = left and [check for check in left if not in_range(check, ranges)]
        if left and not (id(stmt.args[0]) in needed or id(stmt.args[0]) in params):
            left, _ = at_hand(left, params.values())
        if left:
            needed.update(_uses(a for check in left for a in check.args))
            return left
        return None
    if isinstance(stmt, If):
        keep = [i for i, out in enumerate(stmt.outs) if id(out) in needed]
        then_results = tuple(stmt.then_results[i] for i in keep)
        else_results = tuple(stmt.else_results[i] for i in keep)
        then_needed, else_needed = set(needed) | _uses(then_results), set(needed) | _uses(else_results)
        then_body = _prune(stmt.then_body, then_needed, params, ranges, raising)
        else_body = _prune(stmt.else_body, else_needed, params, ranges, raising)
        if not keep and not then_body and not else_body:
            return None
        needed.update(then_needed | else_needed)
        needed.add(id(stmt.cond))
        return dataclasses.replace(stmt, then_body=then_body, else_body=else_body, then_results=then_results,
                                   else_results=else_results, outs=tuple(stmt.outs[i] for i in keep))
    # a loop: a slot is live when its value after the loop is, or the body or the test reads it (then its
    # value at the end of each iteration is needed too); the rest go, until nothing changes
    slots = range(len(stmt.carried))
    live = {i for i in slots if id(stmt.outs[i]) in needed}
    if _runs_no_trip(stmt):  # (`for v in range(0)`: nothing in its body raises, since nothing in it runs)
        raising = None
    while True:
        inner = set(needed) | _uses(stmt.carried_out[i] for i in live) | {id(stmt.carried[i]) for i in live}
        inner |= _uses([stmt.cond] if stmt.cond is not None else [])
        while True:
            size = len(inner)
            body = _prune(stmt.body, inner, params, ranges | loop_range(stmt), raising)
            # (what the test reads is needed too: `while i < n`)
            cond_body = _prune(stmt.cond_body, inner, params, ranges, raising)
            if len(inner) == size:
                break
        grown = live | {i for i in slots if id(stmt.carried[i]) in inner}
        if grown == live:
            break
        live = grown
    if not live and not body and not cond_body:
        return None
    keep = sorted(live)
    needed.update(inner)
    needed.update(_uses(stmt.inits[i] for i in keep) | _uses(stmt.bounds)
                  | _uses([stmt.cond] if stmt.cond is not None else []))
    pick = lambda values: tuple(values[i] for i in keep)  # noqa: E731
    return dataclasses.replace(stmt, body=body, cond_body=cond_body, carried=pick(stmt.carried),
                               inits=pick(stmt.inits), carried_out=pick(stmt.carried_out), outs=pick(stmt.outs))


def last_uses(statements: Sequence[tuple[Iterable[str], Iterable[str]]], keep: set[str],
              deletable: set[str] | None = None) -> list[list[str]]:
    """For each (defined, used) statement, the names that die right after it, in first-use order.

    A name dies after its last use, or right after its definition when it is never used; names in `keep`
    never die, and when `deletable` is given only those names may be deleted.
    """
    deaths: list[list[str]] = [[] for _ in statements]
    live: set[str] = set(keep)
    for index in range(len(statements) - 1, -1, -1):
        defined, used = (list(dict.fromkeys(names)) for names in statements[index])
        dying = [n for n in used if n not in live] + [d for d in defined if d not in live and d not in used]
        deaths[index] = [n for n in dying if deletable is None or n in deletable]
        live = (live - set(defined)) | set(used)
    return deaths
