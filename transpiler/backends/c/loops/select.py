"""Which runs of host statements become one C call each (see kernel.py), and what the C side needs to know.

A run is a maximal sequence of statements of one block (a function's body, or the body of a branch or loop left on
the host) that the C side runs with the host module's exact meaning (eligible.py; a loop or branch is taken
whole); it is compiled when it is worth a call (`_worth_a_call`). A loop alone is a loop kernel. A tape is a C
stack only when every push and pop of it in the function is inside C calls (the host module's lists hold the C
segments between them); a run touching a tape that the host also touches is cut down to its loops, and the
choice is made again. A tape made in the run, with every push and pop in it, is the call's own.

Memory: a new array made in a loop of the run (a region's output, a copy, a fill) may reuse its memory each step
when nothing made from it (views of it, slots it is moved into) can outlive the step of its innermost loop that
made it (it is never pushed on a tape and never reaches a loop slot of a loop around it); when it outlives the step
only as the new value of its own loop's slots (`y = rk4_step(y)`), two memories taken in turn suffice; otherwise
(pushed on a tape) each step's array has memory of its own, as in the host module. Where that memory comes from:
the call's result block for an array the host code after the run may keep (it reaches the run's results), the
thread's scratch block for one that dies with the call, the arena otherwise (see the loop prelude).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ....ir import (Const, Eqn, Function, If, Loop, Var, blocks, own_operands, result_atoms, statement_defs,
                    statement_uses)
from ..fused_kernel import is_module_array, module_arrays
from ..launch_spec import EmittedKernel
from ..region import tape_eqns
from .eligible import WRITES, added_tables, makes_array, shares_memory, stmt_ok


@dataclass
class BlockPlan:
    """A run of host statements chosen for one C call (a loop kernel, or a straight-line run that may hold loops):
    what it reads from outside (`inputs`, in order), what it leaves for the host code after it (`outs`), the type
    of every name it binds or reads, where each new array's memory comes from, and the inputs it may write."""

    stmts: list
    outs: list
    inputs: list
    # name -> ("array", dtype, rank) | ("scalar", dtype) | ("tape",)
    names: dict[str, tuple] = field(default_factory=dict)
    memory: dict[tuple, str] = field(default_factory=dict)  # (equation id, name) of a new array -> see `_memory`
    written: set[str] = field(default_factory=set)  # input names the run may write through
    placement: dict[tuple, str] = field(default_factory=dict)  # (equation id, name) -> "result" | "scratch"

    @property
    def loop(self) -> Loop | None:
        """The loop, when the run is one loop alone (a loop kernel)."""
        return self.stmts[0] if len(self.stmts) == 1 and isinstance(self.stmts[0], Loop) else None


def plan_blocks(fn: Function, regions: dict[str, EmittedKernel]) -> list[BlockPlan]:
    """The runs of `fn`'s host code that become one C call each, in program order (see `_runs` for which). A run
    whose plan fails, or that shares a tape with host code, is cut down to its loops alone (a loop whose plan
    fails is left to the host) and the choice made again."""
    banned: set[int] = set()  # statements left to the host
    alone: set[int] = set()  # loops that are a run of their own (a loop kernel)
    while True:
        runs = list(_runs(fn.body, regions, banned, alone))
        outs = {id(run[0]): _outs(fn, run) for run in runs}
        # a tape the run makes must stay in it: every push and pop in the run (it becomes a C stack of the call)
        leaving = {id(s) for run in runs for s in run if isinstance(s, Eqn) and s.prim.name == "tape_new" and
                   any(o is s.out for o in outs[id(run[0])])}
        if leaving:
            banned |= leaving
            continue
        plans = {id(run[0]): _plan(run, outs[id(run[0])], regions) for run in runs}
        inside = {id(e) for run in runs for e in tape_eqns(run)}
        outside_tapes = {e.args[0].name for e in tape_eqns(fn.body) if id(e) not in inside}
        bad = [run for run in runs if plans[id(run[0])] is None or
               {e.args[0].name for e in tape_eqns(run)} & outside_tapes]
        if not bad:
            return [plans[id(run[0])] for run in runs]
        for run in bad:  # (each round bans a statement or sets a loop alone: the search ends)
            if len(run) == 1:
                banned.add(id(run[0]))
            else:
                banned |= {id(s) for s in run if not isinstance(s, Loop)}
                alone |= {id(s) for s in run if isinstance(s, Loop)}


def _runs(block: list, regions: dict, banned: set[int], alone: set[int]):
    """Maximal runs of statements the C side can run (loops and branches taken whole) that are worth a C call of
    their own; a loop or branch that cannot run in C is searched inside."""
    run: list = []
    for stmt in block:
        ok = id(stmt) not in banned and stmt_ok(stmt, regions) and not _leaves_none(stmt)
        if ok and id(stmt) not in alone:
            run.append(stmt)
            continue
        if _worth_a_call(run):
            yield run
        run = []
        if ok:
            yield [stmt]
        elif isinstance(stmt, (Loop, If)):
            for inner in blocks(stmt):
                yield from _runs(inner, regions, banned, alone)
    if _worth_a_call(run):
        yield run


# a C call of a run costs more Python than a region launch (packing its inputs and results, ctypes): a run is
# worth one when it holds a loop (a launch per step on the host) or replaces two launches or matrix products at
# least (a launch with a few NumPy operations on short arrays around it, det's reverse step, cost less as they were)
def _worth_a_call(run: list) -> bool:
    if any(isinstance(stmt, Loop) for stmt in run):
        return True
    return sum(1 for e in _all_eqns(run) if e.prim.name in ("launch", "host_matmul", "stacked_matmul", "masked_matmul",
                                                        "masked_sum")) >= 2


def _leaves_none(stmt) -> bool:
    """A branch that leaves a value undefined (None) on one path: the host reads None there, C would not."""
    return isinstance(stmt, If) and any(isinstance(a, Const) and a.value is None
                                        for a in (*stmt.then_results, *stmt.else_results))


def _outs(fn: Function, run: list) -> list:
    """The values the run binds at its top level that anything outside it reads (the function's result too)."""
    skipped = {id(s) for s in run}
    read: set[int] = {id(a) for a in result_atoms(fn.result)}

    def visit(block):
        for stmt in block:
            if id(stmt) in skipped:
                continue
            if isinstance(stmt, Eqn):
                read.update(id(a) for a in stmt.args)
                continue
            read.update(id(a) for a in own_operands(stmt))
            for inner in blocks(stmt):
                visit(inner)

    visit(fn.body)
    return [v for stmt in run for v in _binds(stmt) if id(v) in read]


def _binds(stmt) -> list:
    """The values a statement of a run leaves bound after it: its results, and a loop's carried slots, which hold
    the last step's values after the loop (a reverse sweep reads them: `dacc = np.zeros(acc_1.shape)`)."""
    bound = statement_defs(stmt)
    return bound + [v for v in stmt.carried if all(v is not b for b in bound)] if isinstance(stmt, Loop) else bound


# -- the plan of one run -----------------------------------------------------------------------------------------
def _plan(stmts: list, outs: list, regions: dict) -> BlockPlan | None:
    names: dict[str, tuple] = {}

    def note(atom) -> bool:
        if isinstance(atom, Const) and not is_module_array(atom):
            return True
        name = atom.value.name if is_module_array(atom) else atom.name
        t = atom.type
        kind = ("tape",) if t.dtype == "tape" else ("scalar", t.dtype) if t.shape == () else \
            ("array", t.dtype, len(t.shape))
        return names.setdefault(name, kind) == kind

    ok = all(note(a) for a in _all_atoms(stmts))
    tapes: dict[str, set] = {}
    for eqn in _all_eqns(stmts):
        if eqn.prim.name in ("push", "pop"):
            value = eqn.args[1] if eqn.prim.name == "push" else eqn.out
            tapes.setdefault(eqn.args[0].name, set()).add((value.type.dtype, len(value.type.shape)))
    if not ok or any(len(kinds) > 1 for kinds in tapes.values()):
        return None  # a name bound to values of different kinds, or a tape holding different kinds
    inputs, seen, defined = [], set(), set()
    free = []
    for stmt in stmts:
        free += [a for a in statement_uses(stmt) if not (isinstance(a, Var) and id(a) in defined)]
        defined.update(id(v) for v in _binds(stmt))
    for atom in [*free, *module_arrays(stmts)]:  # (module-level arrays: constants holding a Var)
        if isinstance(atom, Const) and not is_module_array(atom):
            continue
        name = atom.value.name if is_module_array(atom) else atom.name
        if name not in seen:
            seen.add(name)
            inputs.append(atom)
    plan = BlockPlan(stmts, outs, inputs, names)
    names_flow = _flows(stmts, _name, regions)
    values_flow = _flows(stmts, lambda atom: id(atom) if isinstance(atom, Var) else None, regions)
    pushed = {id(e.args[1]) for e in _all_eqns(stmts) if e.prim.name == "push"}
    local = {e.out.name for e in _all_eqns(stmts) if e.prim.name == "tape_new"}  # tapes that die with the call
    for eqn in _all_eqns(stmts):  # what a local tape's pops give back is what was pushed on it
        if eqn.prim.name == "push" and eqn.args[0].name in local:
            values_flow.setdefault(id(eqn.args[1]), set()).update(
                id(e.out) for e in _all_eqns(stmts) if e.prim.name == "pop" and e.args[0].name == eqn.args[0].name)
    kept = {id(e.args[1]) for e in _all_eqns(stmts) if e.prim.name == "push" and e.args[0].name not in local}
    left = {id(v) for v in outs}
    for eqn, out, enclosing, top in _fresh_sites(stmts, (), True):
        closure = _closure({id(out)}, values_flow)
        plan.memory[(id(eqn), out.name)] = _memory(out, enclosing, top, closure, pushed)
        if closure & left:  # (the host code after the run may keep it: the call's result block)
            plan.placement[(id(eqn), out.name)] = "result"
        elif not closure & kept:  # nothing made from it outlives the call: the thread's scratch memory
            plan.placement[(id(eqn), out.name)] = "scratch"
    targets = {e.args[0].name for e in _all_eqns(stmts) if e.prim.name in WRITES} | \
        {_name(t) for e in _all_eqns(stmts) for t, _ in added_tables(e, regions)}
    broadcasts = {e.out.name for e in _all_eqns(stmts) if e.prim.name == "broadcast_to"}
    if _closure(broadcasts, names_flow) & targets:
        return None  # NumPy refuses to write through a broadcast (a read-only view); keep the host's error
    popped = {e.out.name for e in _all_eqns(stmts) if e.prim.name == "pop" and e.out.type.shape != ()}
    popped_closure = _closure(popped, names_flow)
    for atom in inputs:
        name = atom.value.name if is_module_array(atom) else atom.name
        if names[name][0] == "array" and (_closure({name}, names_flow) & targets or popped_closure & targets):
            plan.written.add(name)
    return plan


def _all_atoms(block: list):
    for stmt in block:
        if isinstance(stmt, Eqn):
            yield from stmt.args
            yield from stmt.outs
        elif isinstance(stmt, If):
            yield from (stmt.cond, *stmt.outs)
            yield from (a for a in (*stmt.then_results, *stmt.else_results) if not (isinstance(a, Const) and
                                                                                      a.value is None))
            yield from _all_atoms(stmt.then_body + stmt.else_body)
        else:
            yield from (*stmt.bounds, *stmt.carried, *stmt.inits, *stmt.carried_out, *stmt.outs)
            yield from (a for a in (stmt.index, stmt.cond) if a is not None)
            yield from _all_atoms(stmt.cond_body + stmt.body)


def _all_eqns(block: list):
    for stmt in block:
        if isinstance(stmt, Eqn):
            yield stmt
        else:
            for inner in blocks(stmt):
                yield from _all_eqns(inner)


def _name(atom) -> str | None:
    if is_module_array(atom):
        return atom.value.name
    return atom.name if isinstance(atom, Var) else None


def _flows(stmts: list, key, regions: dict) -> dict:
    """key(value) -> the keys of the values that may come to hold (a view of) the same memory; `key` names a
    value by its host name (what the host module binds) or by identity (one value of the IR)."""
    edges: dict = {}

    def add(source, target):
        s, t = key(source), key(target)
        if s is not None and t is not None and s != t:
            edges.setdefault(s, set()).add(t)

    def visit(block):
        for stmt in block:
            if isinstance(stmt, Eqn):
                if shares_memory(stmt):
                    add(stmt.args[0], stmt.out)
                for table, out in added_tables(stmt, regions):
                    add(table, out)
            elif isinstance(stmt, If):
                for out, a, b in zip(stmt.outs, stmt.then_results, stmt.else_results):
                    add(a, out)
                    add(b, out)
                visit(stmt.then_body)
                visit(stmt.else_body)
            else:
                slot_moves(stmt)
                visit(stmt.cond_body + stmt.body)

    def slot_moves(inner: Loop):
        for slot, init, new, out in zip(inner.carried, inner.inits, inner.carried_out, inner.outs):
            add(init, slot)
            add(new, slot)
            add(slot, out)
            add(new, out)

    visit(stmts)
    return edges


def _memory(out: Var, enclosing: tuple, top: bool, closure: set, pushed: set) -> str:
    """Where a new array lives: "reuse" (the same memory each step: nothing made from it outlives the step of
    its innermost loop), "ring" (two memories taken in turn: it outlives that step only as the value its own loop
    slots take at the step's end, so the one of two steps ago is dead), or "fresh" (memory of its own: it is
    pushed on a tape, or reaches a slot of an outer loop)."""
    if closure & pushed:
        return "fresh"
    slots = {id(c) for loop in enclosing for c in loop.carried}
    reached = closure & slots
    if not reached:
        return "reuse"
    inner = enclosing[-1]
    own = {id(c) for c, new in zip(inner.carried, inner.carried_out) if new is out}
    return "ring" if top and reached <= own else "fresh"


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(start), list(start)
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _fresh_sites(block: list, enclosing: tuple, top: bool):
    """Equations that make a new array, with the loops around them (innermost last), and whether the equation is
    a statement of its innermost loop's body itself (not inside an `if`)."""
    for stmt in block:
        if isinstance(stmt, Eqn):
            if makes_array(stmt):
                yield from ((stmt, out, enclosing, top) for out in stmt.outs if out.type.shape != ())
        elif isinstance(stmt, If):
            yield from _fresh_sites(stmt.then_body + stmt.else_body, enclosing, False)
        else:
            yield from _fresh_sites(stmt.cond_body + stmt.body, enclosing + (stmt,), True)
