"""Repeating a value's element work at an offset (rewrite.py's alignment): the value an update puts at element i
is its own element i - start, computed again there from what its computation reads, or read at that offset.

The repeated computation follows the block's elementwise equations, step-1 slices (which only move the offset)
and earlier stencil equations (whose windows move with it); it is kept when it moves no more bytes than loading
the value (remat.py's rule: the arrays it reads that the block's element work does not read already, against the
value's item size), has at most `REPEAT_BUDGET` equations, crosses no in-place update of an array it reads
(an adjoint's accumulation `+=` excepted: the reverse sweep owns that array) and sends no math-library result into
a comparison or a rounding (remat.py's `decides_exactly`). Otherwise the value is read at the offset. On the
CPU target (`split`), each value of the repetition is weighed as it is repeated (cost.py): one whose repeated
equations at a nonzero offset cost more than storing it (a division, a square root, a math call) is read at the
offset instead, from the kernel that stores it, and the rest of the repetition reads it there.

`REPEAT_BUDGET` is larger than remat.py's `MAX_COPY` (24): a value read at an offset that is not repeated must be
stored by one kernel and read back by the next (the source of a shifted load is never computed in the kernel that
reads it), so a refusal costs a kernel, a store and two loads per element, where remat.py's refusal costs one
load. GradBench ode's reverse RK4 step needs 29 equations to repeat its last adjoint one element on: at 24 it was
two kernels per step (the second only adding the stored value back at the offset, 32 bytes per element), at 32
one: at n = 1e5 (one thread, CPU time, both plans in one process) 1-11 % faster at s = 10 and 5-8 % at s = 100, where
the bytes go to memory; at s = 1, where they stay in the cache, within the noise (-6 to +3 %).
"""
from __future__ import annotations

from ....ir import Const, Eqn, Var, equations
from ....ir.types import TensorType
from ....primitives.registry import lookup
from ..region import CREATION, fits, is_element_eqn
from ..remat import ITEM_SIZE, decides_exactly
from ....ir.dims import dim_sum
from .cost import SPLIT_BYTES, work_bytes
from .ops import SHIFT_UPDATE, SHIFTED, is_slice_view, negated, view_windows

REPEAT_BUDGET = 32  # equations a repeated computation may hold (see the module's note)


class TooLarge(Exception):
    """A repeated computation longer than REPEAT_BUDGET equations."""


class Unmodelled(Exception):
    """A value the rewrite cannot read at an offset: the statement keeps its plan."""


class Aligner:
    """Builds a value's elements at an offset over the index space `space`, inside `windows` (per axis of `space`:
    (start, count from the end) of the elements where the result is used). `block` is rewrite.py's view of the
    statements: `defs` (value -> (position, equation)), `stmts`, `read` (arrays its element work reads) and
    `names` (fresh names)."""

    def __init__(self, block, space: tuple, windows: tuple, position: int):
        self.block, self.space, self.windows, self.position = block, space, windows, position
        self.eqns: list[Eqn] = []
        self.memo: dict = {}
        self.first: int | None = None  # the earliest statement a repeated computation repeats

    def align(self, atom, offsets: tuple):
        """An atom whose element i (of `space`) is `atom`'s element i + offsets (inside the windows)."""
        atom, offsets, as_is = self._source(atom, offsets)
        if as_is:
            return atom
        key = (id(atom), offsets)
        if key not in self.memo:
            self.memo[key] = self._repeat(atom, offsets) or self._load(atom, offsets)
        return self.memo[key]

    def _source(self, atom, offsets: tuple) -> tuple:
        """(atom, offsets, as_is): the value read at `offsets` seen through the views it is taken of, and whether it
        needs no aligned copy (`_as_is`, before or after the views), as `align` and `_clone` both ask first."""
        if self._as_is(atom, offsets):
            return atom, offsets, True
        atom, offsets = self._through_views(atom, self._offsets(atom, offsets))
        return atom, offsets, self._as_is(atom, offsets)

    def _offsets(self, atom: Var, offsets: tuple) -> tuple:
        return tuple(0 if d == 1 else o for d, o in zip(atom.type.shape, offsets))

    def _as_is(self, atom, offsets: tuple) -> bool:
        """A scalar, a value already read at the element itself over `space`, or a fill over `space` (the same
        at every element)."""
        if not isinstance(atom, Var) or not atom.type.shape:
            if isinstance(atom, Const) and atom.type.shape and not fits(atom.type, self.space):
                raise Unmodelled  # a module-level array read at an offset: kept as it is
            return True
        shape = atom.type.shape
        pad = len(self.space) - len(shape)
        over_space = fits(atom.type, self.space) and all(d == 1 or d == self.space[pad + a] for a, d in enumerate(shape))
        return over_space and (self._filled(atom) or not any(self._offsets(atom, offsets)))

    def _filled(self, atom: Var) -> bool:
        """A fill (`np.zeros`, ...) made before the use: `_as_is` reads it as the same value at every element."""
        found = self.block.defs.get(id(atom))
        return found is not None and found[0] < self.position and found[1].prim.name in CREATION

    def _producer(self, atom: Var) -> Eqn | None:
        """The element equation of this block, before the use, that computes `atom` (None: it is read)."""
        found = self.block.defs.get(id(atom))
        if found is None or found[0] >= self.position:
            return None
        eqn = found[1]
        if eqn.prim in (SHIFT_UPDATE, SHIFTED) or is_element_eqn(eqn) and eqn.prim.name not in CREATION:
            return eqn
        return None

    def _shape(self, shape: tuple) -> tuple:
        pad = len(self.space) - len(shape)
        return tuple(1 if d == 1 else self.space[pad + a] for a, d in enumerate(shape))

    def _through_views(self, atom: Var, offsets: tuple) -> tuple:
        """The array a step-1 slice views and the offset into it (the view's element j is its j + start). A view
        of length 1 along an axis where its array is longer stays the value read: it may be broadcast along that
        axis (`np.roll`'s wrapped column `p[:, :1]` read at every column of a window), which reads its one
        element everywhere, where its array read at `i + start` would walk along the axis."""
        found = self.block.defs.get(id(atom))
        while found is not None and found[0] < self.position and is_slice_view(found[1]) and \
                isinstance(found[1].args[0], Var) and \
                not any(v == 1 and b != 1 for v, b in zip(atom.type.shape, found[1].args[0].type.shape)):
            # (a module-level array's view stays the value read)
            eqn = found[1]
            base = eqn.args[0]
            starts = [start for start, _ in view_windows(eqn)]
            offsets = tuple(o + s if d != 1 else 0 for o, s, d in zip(offsets, starts, base.type.shape))
            atom, found = base, self.block.defs.get(id(base))
        return atom, offsets

    def _load(self, atom: Var, offsets: tuple):
        """`atom` read at the offset (no copy, no new bytes)."""
        pad = len(self.space) - len(atom.type.shape)
        windows = tuple(self.windows[pad + a] for a in range(len(offsets)))
        out = self.block.names.var(atom.name, TensorType(atom.type.dtype, self._shape(atom.type.shape)))
        self.eqns.append(Eqn(SHIFTED, (atom,), {"offsets": offsets, "windows": windows, "type": out.type},
                             (out,)))
        return out

    def _repeat(self, atom: Var, offsets: tuple):
        """The value computed again at the offset from what its computation reads, when that moves no more bytes
        than loading it (see the module's rule); None otherwise."""
        if self._producer(atom) is None:
            return None
        trial = Aligner(self.block, self.space, self.windows, self.position)
        trial.memo = dict(self.memo)
        try:
            result = trial._clone(atom, offsets, budget=[REPEAT_BUDGET])
        except TooLarge:
            return None
        loaded = {id(e.args[0]) for e in trial.eqns if e.prim is SHIFTED}
        known = self.block.read | {id(e.args[0]) for e in self.eqns if e.prim is SHIFTED}
        sources = {id(e.args[0]): e.args[0] for e in trial.eqns if e.prim is SHIFTED}
        added = sum(ITEM_SIZE.get(sources[k].type.dtype, 8) for k in loaded - known)
        if added > ITEM_SIZE.get(atom.type.dtype, 8):
            return None
        copies = [e for e in trial.eqns if e.prim is not SHIFTED]
        # every array the repetition reads: at an offset, or as it is (`sin(v)` of a slice `v = x[1:]` reads `x`,
        # which an update in place between may have changed), fills aside (the same at every element)
        made = {id(o) for e in trial.eqns for o in e.outs}
        reads = {id(a): a for e in trial.eqns for a in e.args if isinstance(a, Var) and a.type.shape and
                 id(a) not in made and not self._filled(a)}
        if decides_exactly(copies, []) or not self._unchanged(trial, reads.values()):
            return None
        self.eqns += trial.eqns
        self.memo = trial.memo
        return result

    def _clone(self, atom, offsets: tuple, budget: list):
        atom, offsets, as_is = self._source(atom, offsets)
        if as_is:
            return atom
        key = (id(atom), offsets)
        if key in self.memo:
            return self.memo[key]
        eqn = self._producer(atom)
        if eqn is None:
            self.memo[key] = self._load(atom, offsets)
            return self.memo[key]
        before = (len(self.eqns), dict(self.memo), budget[0], self.first)
        out = self._clone_eqn(atom, eqn, offsets, budget)
        repeated = [e for e in self.eqns[before[0]:] if e.prim is not SHIFTED]
        if self.block.names.split and any(offsets) and sum(work_bytes(e) for e in repeated) > SPLIT_BYTES:
            # dearer than storing it once (cost.py): read it back at the offset from the kernel that stores it
            del self.eqns[before[0]:]
            self.memo, budget[0], self.first = before[1], before[2], before[3]
            out = self.memo[key] = self._load(atom, offsets)
            self.block.names.splits.append(self.space)
        return out

    def _clone_eqn(self, atom: Var, eqn: Eqn, offsets: tuple, budget: list):
        """`atom`'s producer `eqn` computed again at the offset (after its operands)."""
        key = (id(atom), offsets)
        budget[0] -= 1
        if budget[0] < 0:
            raise TooLarge
        position = self.block.defs[id(atom)][0]
        self.first = position if self.first is None else min(self.first, position)
        out_shape = atom.type.shape
        out = self.block.names.var(atom.name, TensorType(atom.type.dtype, self._shape(out_shape)))
        if eqn.prim is SHIFTED:  # a load at an offset, moved by this one: the window moves with it
            moved = tuple(o + p for o, p in zip(eqn.params["offsets"], offsets))
            windows = self._moved(eqn.params["windows"], offsets, out_shape)
            new = Eqn(SHIFTED, eqn.args, {**eqn.params, "offsets": moved, "windows": windows, "type": out.type},
                      (out,), loc=eqn.loc)
        else:
            args = []
            for k, arg in enumerate(eqn.args):
                if not isinstance(arg, Var) or not arg.type.shape:
                    args.append(arg)
                    continue
                lead = len(out_shape) - len(arg.type.shape)
                args.append(self._clone(arg, offsets[lead:], budget))
            params = eqn.params
            if eqn.prim is SHIFT_UPDATE:
                params = {**params, "windows": self._moved(params["windows"], offsets, out_shape)}
            prim = lookup("add") if eqn.prim.name == "iadd" else eqn.prim
            new = Eqn(prim, tuple(args), params, (out,), loc=eqn.loc)
        self.eqns.append(new)
        self.memo[key] = out
        return out

    def _moved(self, windows: tuple, offsets: tuple, shape: tuple) -> tuple:
        """The windows of an equation over `shape`, for its element i + offsets computed at element i of `space`:
        the start moves back by the offset; the count from the end is counted from the end of `space`, which
        differs from `shape`'s where the value is repeated over a smaller or larger space (its rows 4:6 for the
        3 rows of another value: an element of a row below 6 - end is one of a row below 3 - (end + 4 - 3))."""
        pad = len(self.space) - len(shape)
        moved = []
        for a, ((lo, hi), p) in enumerate(zip(windows, offsets)):
            d = shape[a] if a < len(shape) else 1
            extra = 0 if d == 1 else dim_sum([d, negated(self.space[pad + a])])
            if not isinstance(extra, int):
                raise TooLarge  # (sizes the compiler cannot relate: the value is read, not repeated)
            moved.append((lo - p, hi + p - extra))
        return tuple(moved)

    def _unchanged(self, trial: "Aligner", sources) -> bool:
        """No in-place update between the repeated computation's start and here writes an array it reads: the
        updated array is none of those it reads, nor a view of one, and is made in this block (a fresh array) or
        is an adjoint's accumulator."""
        first = self.position if trial.first is None else trial.first
        roots = {id(_root(self.block, s)) for s in sources}
        for stmt in self.block.stmts[first:self.position]:
            for eqn in _in_place(stmt):
                target = _root(self.block, eqn.args[0])
                fresh = self.block.defs.get(id(target))
                made_here = fresh is not None and (is_element_eqn(fresh[1]) or fresh[1].prim.name in CREATION)
                # an accumulation (`iadd`, the adjoints' `+=`) writes an array the reverse sweep owns
                if id(target) in roots or not (made_here or eqn.prim.name == "iadd"):
                    return False
        return True


def _root(block, atom):
    """The array a value views (through views and in-place updates defined in the block: the registry's
    `shares_first`)."""
    while isinstance(atom, Var):
        found = block.defs.get(id(atom))
        if found is None:
            return atom
        eqn = found[1]
        if eqn.args and eqn.prim.shares_first(eqn.args, eqn.params):
            atom = eqn.args[0]
        else:
            return atom
    return atom


def _in_place(stmt) -> list[Eqn]:
    return [e for e in equations([stmt]) if e.prim.extra.get("in_place") and e.prim.family != "tape"]
