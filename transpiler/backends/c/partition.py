"""The partitioner behind `fuse` (fusion.py): one pass over a block cutting it into regions (see fusion.py's
docstring for what a region holds) by the rules statement_rules.py gives for each statement, and each region's
launch.
"""
from __future__ import annotations

import dataclasses

from ...analysis.dead_reads import raises_when_empty
from ...ir import Eqn, If, Loop, Var, equations, free_values, statement_uses
from . import gather
from .fused_kernel import LAUNCH, Kernel, module_arrays
from .region import (CREATION, REDUCTIONS, Region, drop_dead, fits, is_check, is_element_eqn, is_tape, offset_read,
                     tape_eqns, with_checks)
from .remat import rematerialize
from .statement_rules import (hoistable, in_kernel, is_fill, joins, natural_shape, needed_fills, pure_eqn, reduced,
                              region_axes, stores_gathers_alone)

SIBLING_WINDOW = 256  # statements searched, after a region ends, for sibling reductions that may join it


def _fills_once(stmts: list) -> list:
    """The host statements without a fill made a second time: remat.py gives a later region a fill an earlier one
    made (`one = np.ones((1,))` of a concatenation, again for its tangent's zeros), and where both regions are
    host fills it would stand twice, one object at two places of the body (loops/kernel.py replaces statements by
    identity: the second place dropped the call of a run holding the first)."""
    seen: set[int] = set()
    kept = []
    for stmt in stmts:
        if is_fill(stmt) and id(stmt) in seen:
            continue
        seen.add(id(stmt))
        kept.append(stmt)
    return kept


class Partitioner:
    """Cuts blocks into regions and launches, collecting the kernels (one `fuse` attempt; `banned`: ids of loops
    and branches that must stay host code)."""

    def __init__(self, name: str, banned: set[int], host_fills: bool, call_bytes: int = 0,
                 taken: set[str] = frozenset()):
        self.name = name
        self.taken = set(taken)  # the function's value names: a stored value renamed takes none of them
        self.banned = banned
        self.host_fills = host_fills
        self.call_bytes = call_bytes  # remat.py's cost of a repeated math-library call
        self.kernels: list[Kernel] = []
        self.unlaunched: list[Kernel] = []  # regions that store nothing: their tape pushes still count (see `fuse`)
        self.accumulators: set[int] = set()
        self.loop_seeds: dict[int, tuple] = {}  # loop -> its carried accumulators
        self.checked: set = set()  # indices checked against an array since the last in-place update (see gather.py)

    def block(self, stmts: list, tail: list, seeds: tuple = ()) -> list:
        """`seeds`: a loop body's carried accumulators (see gather.accumulators)."""
        self.checked = set()  # (a loop body runs again, a branch may not run)
        tape_news = [s for s in stmts if isinstance(s, Eqn) and s.prim.name == "tape_new"]
        stmts = [s for s in stmts if not (isinstance(s, Eqn) and s.prim.name == "tape_new")]
        items = self._cut(stmts, tail, seeds)
        rematerialize(items, tail, self.call_bytes)
        # a region's launch stores the values it defines that a later item (or the tail) reads
        later: dict[int, set[int]] = {}
        reads = {id(a) for a in tail if isinstance(a, Var)}
        # (and an np.max nobody reads where it may raise: stored, so that it is computed; analysis/dead_reads.py)
        reads |= {id(o) for s in stmts if isinstance(s, Eqn) and raises_when_empty(s) for o in s.outs}
        for k in range(len(items) - 1, -1, -1):
            item = items[k]
            if isinstance(item, Region):
                later[k] = set(reads)
            reads |= {id(v) for v in free_values([*item.hoisted, *item.body] if isinstance(item, Region) else [item])}
        out: list = []
        for k, item in enumerate(items):
            if isinstance(item, Region) and self.host_fills and \
                    all(isinstance(s, Eqn) and s.prim.name in CREATION for s in item.stmts):
                # nothing to fuse: NumPy's fill is as fast as a kernel's and cheaper than a launch (`np.ones(1)`),
                # and its zeros come from calloc (pages the OS zeroes when first written, where a kernel would
                # write every zero itself: one more pass over the array)
                # (with the fills it recomputes: remat.py may give it an earlier region's fill to make again)
                out += item.hoisted + with_checks(needed_fills(item.body, later[k]), item.checks, _ids(item.copies))
            elif isinstance(item, Region) and stores_gathers_alone(item, later[k]):
                # NumPy's own indexing: no launch and no check (but the region's own host checks)
                out += item.hoisted + with_checks([s for s in item.stmts if any(id(o) in later[k] for o in s.outs)],
                                                  item.checks)
            elif isinstance(item, Region):
                out += item.hoisted + self._launch(item, later[k], tape_news)
            else:
                out.append(self._host(item))
                if not pure_eqn(item):  # an index array may have changed, or a branch skipped the checks
                    self.checked = set()
        used = {e.args[0].name for k in self.kernels for e in tape_eqns(k.body)}
        return [s for s in tape_news if s.out.name not in used] + _fills_once(out)

    def _cut(self, stmts: list, tail: list, seeds: tuple = ()) -> list:
        """The block as host statements and `Region`s, in order. When a statement ends a region, the statements
        after it that could still join (sibling reductions over the same index space, reading nothing the
        statements skipped over define) are pulled into it: one pass over the data instead of two."""
        queue = list(stmts)
        # arrays of zeros that only one np.add.at reads: the scatter-adds that may join a kernel add into these
        self.accumulators, loop_seeds = gather.accumulators(stmts, tail, seeds)
        self.loop_seeds.update(loop_seeds)  # (kept for `_host`, which reaches those loops after nested blocks' cuts)
        items: list = []
        region: Region | None = None
        pending: list = []  # hoistable statements after the region's last one: hoisted only if another joins
        pending_start = 0  # where the first of them is in the queue
        side: Region | None = None  # element work of a smaller index space, launched before the region
        k = 0
        while k < len(queue):
            stmt = queue[k]
            if region is not None:
                defined = {id(v) for s in region.stmts for v in _defs(s)}
                reads_region = any(id(a) in defined for a in statement_uses(stmt))
                joins = self._can_join(stmt, region.stmts, region.shape)
                moved = None if joins or reads_region else self._beside(stmt, region, pending, side)
                if moved is not None:
                    side = side or Region([], natural_shape(stmt))
                    side.stmts.append(stmt)
                    side.hoisted += moved
                    pending = [s for s in pending if all(s is not m for m in moved)]
                    k += 1
                    continue
                # (a host index check waits too: made by the launch in its place among the gathers' checks)
                if not reads_region and (hoistable(stmt) and not (gather.is_gather(stmt) and joins) or
                                         is_fill(stmt) and id(stmt.out) in self.accumulators or is_check(stmt)):
                    pending_start = k if not pending else pending_start
                    pending.append(stmt)
                    k += 1
                    continue
                if joins:
                    done = _ids(region.stmts)
                    region.checks += [(done, s) for s in pending if is_check(s)]
                    region.hoisted += [s for s in pending if not is_check(s)]
                    region.stmts.append(stmt)
                    pending = []
                    k += 1
                    continue
                # the pending statements keep their place after the launch: the cut goes on from the first of them,
                # without the statements the side region took meanwhile (those are cut already)
                if pending:
                    taken = {id(s) for s in side.stmts + side.hoisted} if side is not None else set()
                    queue = queue[:pending_start] + [s for s in queue[pending_start:] if id(s) not in taken]
                    k = pending_start
                pending = []
                pulled = self._siblings(region, queue, k, tail)
                region.stmts += [queue[j] for j in sorted(pulled)]
                queue = [s for j, s in enumerate(queue) if j not in pulled]
                items += [side, region] if side is not None else [region]
                region = side = None
                continue
            natural = natural_shape(stmt)
            if natural is not None and in_kernel(stmt, natural, True, self.banned) and \
                    gather.tables_outside(stmt, []):
                region = Region([stmt], natural)
            else:
                items.append(stmt)
            k += 1
        if region is not None:
            items += ([side] if side is not None else []) + [region, *pending]
        return items

    def _beside(self, stmt, region: Region, pending: list, side: Region | None) -> list | None:
        """May `stmt` go to the side region, launched just before `region`? Element work over a smaller index
        space that the region broadcasts (the derivative of `sqrt(x)` needs `2.0 * sqrt(x)`, a per-example
        value, in the middle of the batched reverse sweep): computed in the region's own launch it would be a
        value of another shape, and as a kernel of its own in place it would cut the region in two. It must
        read nothing the region or its hoisted work make (they run after the side region); what it reads of the
        statements waiting to be hoisted (pure host work such as the column view `us[:, 0]` of
        `1.0 - us[:, 0] - us[:, 1]`) moves with it, before the side region. None where it may not go, else the
        waiting statements that move."""
        if not isinstance(stmt, Eqn) or not is_element_eqn(stmt) or len(stmt.outs) != 1:
            return None
        shape = natural_shape(stmt)
        if shape is None or shape == region.shape or len(shape) >= len(region.shape) or \
                not fits(stmt.out.type, region.shape) or not in_kernel(stmt, shape, True, self.banned):
            return None
        if side is not None and (side.shape != shape or not self._can_join(stmt, side.stmts, shape)):
            return None
        if any(id(a) in {id(v) for s in region.hoisted for v in _defs(s)} for a in stmt.args):
            return None
        # the waiting statements it reads, and those they read in turn (all must be pure host work, reading nothing
        # the side region makes: they run before it)
        made = {id(v): s for s in pending for v in _defs(s)}
        side_made = {id(v) for s in side.stmts for v in _defs(s)} if side is not None else set()
        needed, wanted = set(), [a for a in stmt.args if id(a) in made]
        while wanted:
            source = made[id(wanted.pop())]
            if id(source) in needed:
                continue
            if not hoistable(source) or any(id(a) in side_made for a in statement_uses(source)):
                return None
            needed.add(id(source))
            wanted += [a for a in statement_uses(source) if id(a) in made]
        return [s for s in pending if id(s) in needed]

    def _can_join(self, stmt, region: list, shape: tuple) -> bool:
        uses = stmt.args[1:] if gather.is_scatter(stmt) else statement_uses(stmt)  # (adds on into a scatter's array)
        return in_kernel(stmt, shape, True, self.banned) and joins(stmt, region, shape) and \
            not any(id(a) in reduced(region) for a in uses) and \
            gather.tables_outside(stmt, region) and \
            (not gather.is_scatter(stmt) or id(stmt.args[0]) in self.accumulators) and \
            not (isinstance(stmt, Eqn) and offset_read(stmt) and
                 any(stmt.args[0] is v for s in region for v in _defs(s)))

    def _siblings(self, region: Region, queue: list, start: int, tail: list) -> set[int]:
        """Positions (from `start`) of the reductions that may join the closing region, with the equations
        feeding them, and of the element work that the region computes for free: they read only values ready at
        its launch. The search stops at the first statement that may not move (a loop, a branch, an in-place
        update, a tape operation, an effect)."""
        skipped: set[int] = set()
        pulled: list[int] = []
        for j in range(start, min(len(queue), start + SIBLING_WINDOW)):
            stmt = queue[j]
            if not pure_eqn(stmt):
                break
            joined = region.stmts + [queue[p] for p in pulled]
            if any(id(a) in skipped for a in stmt.args) or not self._can_join(stmt, joined, region.shape):
                skipped.update(id(o) for o in stmt.outs)
                continue
            pulled.append(j)
        free = _free_element_work(region, [queue[j] for j in pulled], _host_reads(queue[start:], tail))
        kept, needed = [], set()
        for j in reversed(pulled):  # elementwise work joins only for a pulled reduction or when stored anyway
            stmt = queue[j]
            if stmt.prim.name in REDUCTIONS or id(stmt) in free or any(id(o) in needed for o in stmt.outs):
                kept.append(j)
                needed.update(id(a) for a in stmt.args)
        return set(kept)

    def _host(self, stmt):
        if isinstance(stmt, If):
            return dataclasses.replace(stmt, then_body=self.block(stmt.then_body, list(stmt.then_results)),
                                       else_body=self.block(stmt.else_body, list(stmt.else_results)))
        if isinstance(stmt, Loop):
            seeds = self.loop_seeds.get(id(stmt), ())
            return dataclasses.replace(stmt, cond_body=self.block(stmt.cond_body, [stmt.cond] if stmt.cond else []),
                                       body=self.block(stmt.body, list(stmt.carried_out), seeds))
        return stmt

    def _launch(self, region: Region, later: set[int], tape_news: list) -> list:
        # a gather broadcast into the index space that later code reads is not the kernel's to store, and one not
        # worth loading in the kernel (see gather.py) neither: NumPy's indexing before the launch makes it (its
        # tables come from before the region), the kernel reads it
        stored = [s for s in region.stmts if gather.is_gather(s) and (
            id(s.out) in later and s.out.type.shape != region.shape or not gather.worth_loading(s, region.body))]
        if stored:
            region.stmts = [s for s in region.stmts if all(s is not g for g in stored)]
            return stored + self._launch(region, later, tape_news)
        outputs = [v for s in region.stmts for v in _defs(s) if id(v) in later and not is_tape(v)]
        if not outputs:
            if tape_eqns(region.stmts):
                self.unlaunched.append(Kernel(f"{self.name}_unlaunched{len(self.unlaunched)}", region.shape,
                                              region.body, [], []))
            return [check for _, check in region.checks]
        _distinct_names(outputs, self.taken)
        stored = {id(v) for v in outputs}
        region.stmts = drop_dead(region.stmts, stored)
        region.copies = drop_dead(region.copies, {id(v) for v in free_values(region.stmts)} | stored)
        tapes = {e.args[0].name for e in tape_eqns(region.stmts)}
        values = free_values(region.body) + [v for s in region.body for v in _defs(s)]
        if not tapes and not module_arrays(region.body) and all(v.type.shape == () for v in values):
            # rank-0 work left alone, reading no array (the element work it joined was dead or is recomputed where
            # it is read): no input would give the launch its index space; the host computes one value without one
            return with_checks([self._host(s) for s in region.body], region.checks, _ids(region.copies))
        body = [s for s in tape_news if s.out.name in tapes] + region.body
        inputs = [v for v in free_values(body) if not is_tape(v)] + module_arrays(body)
        axes = region_axes(region.stmts)
        shape = region.shape
        kernel = Kernel(f"{self.name}_k{len(self.kernels)}", shape, body, inputs, outputs,
                        {t: [e for e in tape_eqns(region.stmts) if e.prim.name == "push" and e.args[0].name == t]
                         for t in sorted(tapes)}, None if axes in (None, tuple(range(len(shape)))) else axes)
        self.kernels.append(kernel)
        first = region.stmts[0]
        # NumPy's IndexError before the kernel reads through one (and the region's host checks in their places)
        checks = gather.index_checks(body, self.checked, region.checks, _ids(body[:len(body) - len(region.stmts)]))
        raises = {"raises_empty": True} if any(isinstance(s, Eqn) and raises_when_empty(s) for s in body) else {}
        launch = Eqn(LAUNCH, tuple(inputs), {"kernel": kernel.name, "outs": [v.name for v in outputs], **raises},
                     tuple(outputs), loc=first.loc, note=None if checks else first.note)
        if checks:
            checks[0].note = first.note
        return checks + [launch]


def _distinct_names(outputs: list, taken: set[str]) -> None:
    """Values a kernel stores under one name (an array and its update in place, `mask = np.zeros(...);
    mask[10:30, 10:30] = 1.0`, both read later: the NumPy module's one array, here two results): the host would
    bind both to that name, and a later read of the first would see the second (a stencil's repetition of the
    update reads the zeros: tests/test_c_shadowed_value.py). The earlier ones take names of their own."""
    last: set[str] = set()
    for var in reversed(outputs):
        if var.name in last:
            number = 0
            while f"{var.name}_{number}" in taken:
                number += 1
            var.name = f"{var.name}_{number}"
            taken.add(var.name)
        last.add(var.name)


def _host_reads(stmts: list, tail: list) -> set[int]:
    """Values that host code reads (a matrix product, a shape operation, the block's results): a kernel stores
    them whichever kernel computes them."""
    reads = {id(a) for a in tail if isinstance(a, Var)}
    for stmt in stmts:
        if isinstance(stmt, Eqn) and natural_shape(stmt) is None:
            reads.update(id(a) for a in stmt.args if isinstance(a, Var))
    return reads


def _free_element_work(region: Region, pulled: list, host_reads: set[int]) -> set[int]:
    """The pulled element equations a closing columns or flat region computes at no extra load: each operand is
    made or read by the region already (or by such equations), or is broadcast (a smaller shape), and host code
    reads the result, so a kernel of its own would store it after loading those operands again
    (`np.sum(mask * t, axis=0)` then `mask * t * -2.0` for a matrix product: kmeans' reverse sweep). Rows
    kernels are left out: an element result keeps a rows kernel of run-time length off its short-row walk."""
    axes = region_axes(region.stmts)
    full = tuple(range(len(region.shape)))
    if axes is not None and axes != full and len(region.shape) - 1 in axes:
        return set()
    cheap = {id(v) for s in region.stmts for v in _defs(s)} | \
        {id(a) for s in region.stmts for a in statement_uses(s) if isinstance(a, Var)}
    free: set[int] = set()
    for stmt in pulled:
        if not is_element_eqn(stmt) or stmt.out.type.shape != region.shape or not all(
                id(a) in cheap or a.type.shape != region.shape for a in stmt.args if isinstance(a, Var)):
            continue
        cheap.update(id(o) for o in stmt.outs)
        if any(id(o) in host_reads for o in stmt.outs):
            free.add(id(stmt))
    return free


def _ids(stmts: list) -> frozenset[int]:
    """The ids of the statements and of every equation nested in them."""
    return frozenset(id(s) for s in stmts) | frozenset(id(e) for e in equations(stmts))


def _defs(stmt) -> list[Var]:
    return list(stmt.outs)


