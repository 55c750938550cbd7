"""Stencils: step-1 slices and their adjoints as element work of one fused kernel.

NumPy code shifts arrays with slices: `x[1:] - x[:-1] ** 2` reads two views of `x`, and its gradient writes the
cotangents back through slices of a zero array (`dx = zeros(n); dx[1:] = a; dx[:-1] += b`) or a concatenation
(`np.concatenate((np.ones(1), y[:-1]))`). Left as host code, each of those writes is one more pass over memory
between kernels. This pass (run on the host function before fusion) rewrites them as element work over the
written array's index space S:

* an update chain `acc = zeros(S)`, then `acc[s] = v` / `acc[s] += v` through step-1 slices `s` (static starts,
  stops that are static or counted from the end, or static sizes) becomes `shift_update` equations: element `i`
  keeps `acc[i]` outside the slice's window and takes `v` (or `acc[i] + v`) inside it, so the result is NumPy's
  element for element, whatever the windows overlap (each element folds the updates in program order);
* a concatenation along one axis of pieces with static extents but one becomes `full(S, fill)` and one such
  update per piece (its window is the piece's place);
* the value `v` an update reads at `i - start` is *aligned*: its element computation (the producing block's
  element equations, through step-1 slices `x[1:]` that only move the offset) is repeated at that offset over S
  when that moves no more bytes than loading `v` (the rule of remat.py: the arrays it reads that this block's
  element work does not read already, against `v`'s item size), and otherwise `v` itself is read at the offset.
  Either way the reads at an offset are `shifted` loads: `src[i + offset]` inside a guard window (0 outside, no
  memory touched), so a boundary element reads nothing beyond the array, and an empty slice (n = 1) reads nothing.

Only what is modelled exactly changes: no index arrays, run-time bounds, negative or non-unit steps; an
intermediate state of the chain that anything else reads (a view of it may be written through) keeps the chain
as it was; a repeated computation may not cross an in-place update of an array it could read, and a value
computed through a math-library function (remat.py's rule) never reaches a comparison or a rounding. A shifted
load's source is read at other elements than the kernel's own, so fusion never puts it in the kernel that
computes it (it is stored by an earlier one).
"""
from __future__ import annotations

import dataclasses
import re

from ...analysis.liveness import eliminate_dead_code
from ...ir import Const, Eqn, Function, If, Loop, Var, all_defined, equations, result_atoms, statement_uses
from ...ir.dims import dim_sum, poly_of, render, scale
from ...ir.types import TensorType, is_unknown
from ...primitives.indexing.items import Ref, expand_ellipsis
from ...primitives.registry import Primitive, lookup
from .c_syntax import C_TYPES
from .region import CREATION, fits, is_element_eqn
from .remat import ITEM_SIZE, MAX_COPY, _decides_exactly



def _kernel_only(args, params):
    """Fusion puts every stencil equation in a kernel (see fusion.py); none is ever host code."""
    raise AssertionError("a stencil equation reached the host module")


SHIFTED = Primitive(name="shifted", family="elementwise", cuda="{0}", temp_name="at", render=_kernel_only,
                    infer=lambda types, params: params["type"], extra={"offset_read": True})
SHIFT_UPDATE = Primitive(name="shift_update", family="elementwise", cuda="{0}", temp_name="acc",
                         render=_kernel_only, infer=lambda types, params: types[0].with_shape(types[0].shape))
STENCIL_PRIMS = {"shifted", "shift_update"}
_WINDOW = re.compile(r"LIFTED_WINDOW\([^()]*\)")


def rewrite_stencils(fn: Function) -> Function:
    """The host function with update chains through step-1 slices and concatenations as element work."""
    names = _Names({v.name for v in [*fn.params, *all_defined(fn.body)]})
    body = _block(fn.body, [a for a in result_atoms(fn.result) if isinstance(a, Var)], names)
    if body is fn.body:
        return fn
    return eliminate_dead_code(dataclasses.replace(fn, body=body))


class _Names:
    """New values get names no other value of the function has (the host module renders them by name)."""

    def __init__(self, taken: set[str]):
        self.taken = taken

    def var(self, hint: str, type_: TensorType) -> Var:
        name, k = hint, 1
        while name in self.taken:
            name, k = f"{hint}_{k}", k + 1
        self.taken.add(name)
        return Var(name, type_, temporary=True)


def _block(stmts: list, tail: list, names: _Names) -> list:
    changed = False
    nested = []
    for stmt in stmts:
        new = _nested(stmt, names)
        changed |= new is not stmt
        nested.append(new)
    out = _Block(nested, tail, names).rewrite()
    return out if out is not None else nested if changed else stmts


def _nested(stmt, names: _Names):
    if isinstance(stmt, If):
        then_body = _block(stmt.then_body, list(stmt.then_results), names)
        else_body = _block(stmt.else_body, list(stmt.else_results), names)
        if then_body is stmt.then_body and else_body is stmt.else_body:
            return stmt
        return dataclasses.replace(stmt, then_body=then_body, else_body=else_body)
    if isinstance(stmt, Loop):
        cond_body = _block(stmt.cond_body, [stmt.cond] if isinstance(stmt.cond, Var) else [], names)
        body = _block(stmt.body, list(stmt.carried_out), names)
        if cond_body is stmt.cond_body and body is stmt.body:
            return stmt
        return dataclasses.replace(stmt, cond_body=cond_body, body=body)
    return stmt


def _window(item, dim) -> tuple[int, int] | None:
    """A step-1 slice of an axis of size `dim` as (start, count from the end): its elements are
    start <= i < dim - end, as NumPy clamps them; None where the bounds are not of that form."""
    if not isinstance(item, slice) or item.step not in (None, 1):
        return None
    start, stop = item.start, item.stop
    if not all(b is None or type(b) is int for b in (start, stop)):
        return None
    if isinstance(dim, int):
        first, last, _ = item.indices(dim)
        return first, dim - max(last, first)
    if (start or 0) < 0 or (stop is not None and stop >= 0):
        return None
    return start or 0, -(stop or 0)


class _Block:
    """One block's rewrite: its statements, the values read after it, and what its element work reads."""

    def __init__(self, stmts: list, tail: list, names: _Names):
        self.stmts, self.names = stmts, names
        self.defs: dict[int, tuple[int, Eqn]] = {}
        self.readers: dict[int, int] = {}
        for position, stmt in enumerate(stmts):
            for atom in statement_uses(stmt):
                if isinstance(atom, Var):
                    self.readers[id(atom)] = self.readers.get(id(atom), 0) + 1
            if isinstance(stmt, Eqn):
                for out in stmt.outs:
                    self.defs[id(out)] = (position, stmt)
        for atom in tail:
            self.readers[id(atom)] = self.readers.get(id(atom), 0) + 1
        # arrays the block's element work reads anyway: reading them at an offset too costs nothing more
        self.read = {id(self.viewed(a)) for s in stmts if isinstance(s, Eqn) and is_element_eqn(s) for a in s.args
                     if isinstance(a, Var)}
        self.replaced: dict[int, list] = {}  # statement position -> its replacement

    def extents(self, atom: Var) -> tuple:
        """The value's shape, with the sizes its type leaves unknown worked out through the slices it views."""
        found = self.defs.get(id(atom))
        shape = atom.type.shape
        if found is None or not any(is_unknown(d) for d in shape):
            return shape
        windows = view_windows(found[1])
        if windows is None:
            return shape
        base = self.extents(found[1].args[0])
        return tuple(dim_sum([d, -start - end]) if not is_unknown(d) else d for d, (start, end) in zip(base, windows))

    def viewed(self, atom: Var) -> Var:
        """The array a value is a step-1 slice of (itself when it is none)."""
        found = self.defs.get(id(atom))
        while found is not None and _is_slice_view(found[1]):
            atom = found[1].args[0]
            found = self.defs.get(id(atom))
        return atom

    def rewrite(self) -> list | None:
        for position, stmt in enumerate(self.stmts):
            if not isinstance(stmt, Eqn):
                continue
            if stmt.prim.name in CREATION or is_element_eqn(stmt):  # a fresh array: may start a chain
                self._chain(position, stmt)
            elif stmt.prim.name == "concatenate":
                self._concatenate(position, stmt)
        if not self.replaced:
            return None
        out = []
        for position, stmt in enumerate(self.stmts):
            out += self.replaced.get(position, [stmt])
        return out

    # -- update chains ---------------------------------------------------------------------------------------
    def _chain(self, position: int, start: Eqn) -> None:
        acc, space = start.out, start.out.type.shape
        if not space or any(is_unknown(d) for d in space):
            return
        updates = []
        while self.readers.get(id(acc)) == 1:
            found = self._next_reader(acc, position)
            if found is None:
                break
            position, update = found
            if update.prim.name not in ("setitem", "index_add") or update.args[0] is not acc or \
                    len(update.args) != 2 or update.out is acc or self._windows(update.params["index"], space) is None:
                break
            updates.append((position, update))
            acc = update.out
        for position, update in updates:
            windows = self._windows(update.params["index"], space)
            op = "set" if update.prim.name == "setitem" else "add"
            value = update.args[1]
            try:
                self._replace(position, self._place(update.args[0], value, windows, space, op, update.out, update,
                                                    position))
            except _Unmodelled:  # this update stays NumPy's, in place on the chain's array
                continue

    def _next_reader(self, value: Var, after: int):
        for position in range(after + 1, len(self.stmts)):
            stmt = self.stmts[position]
            if any(a is value for a in statement_uses(stmt)):
                return (position, stmt) if isinstance(stmt, Eqn) else None
        return None

    @staticmethod
    def _windows(index: tuple, space: tuple) -> tuple | None:
        try:
            items = expand_ellipsis(index, len(space))
        except Exception:
            return None
        if len(items) != len(space):
            return None
        windows = tuple(_window(item, dim) for item, dim in zip(items, space))
        return None if any(w is None for w in windows) else windows

    # -- concatenations ----------------------------------------------------------------------------------------
    def _concatenate(self, position: int, eqn: Eqn) -> None:
        out = eqn.out
        space = out.type.shape
        if not space or any(is_unknown(d) for d in space) or any(not isinstance(p, Var) for p in eqn.args):
            return
        axis = eqn.params.get("axis", 0) % len(space)
        pieces = list(eqn.args)
        if any(p.type.shape is None or len(p.type.shape) != len(space) or
               any(d != s for k, (d, s) in enumerate(zip(p.type.shape, space)) if k != axis) for p in pieces):
            return
        lengths = [p.type.shape[axis] for p in pieces]
        fills = [self._fill(p) for p in pieces]
        base = next((f for f in fills if f is not None), Const(0, TensorType("i64", (), weak=True)))
        if out.type.is_float and not isinstance(base.value, float):  # np.full's dtype from the fill, as NumPy
            base = Const(float(base.value), TensorType("f64", (), weak=True))
        places = [None if fill is not None and fill.value == base.value else _place_of(lengths, k, space[axis])
                  for k, fill in enumerate(fills)]
        if any(place is None for place, fill in zip(places, fills) if fill is None or fill.value != base.value):
            return
        prefix, dims = self._dims(pieces, space, axis, eqn)
        if dims is None:
            return
        full = self.names.var(out.name, out.type)
        stmts = prefix + [Eqn(lookup("full"), (*dims, base), {"dtype": out.type.dtype}, (full,), loc=eqn.loc,
                              note=eqn.note)]
        acc = full
        for k, (piece, fill, place) in enumerate(zip(pieces, fills, places)):
            if place is None:  # the base fill
                continue
            start, end = place
            windows = tuple((start, end) if a == axis else (0, 0) for a in range(len(space)))
            target = out if k == len(pieces) - 1 else self.names.var(out.name, out.type)
            value = fill if fill is not None else piece
            try:
                stmts += self._place(acc, value, windows, space, "set", target, eqn, position)
            except _Unmodelled:
                return
            acc = target
        if acc is not out:  # the last piece was the base fill: rename the last step
            stmts[-1] = dataclasses.replace(stmts[-1], outs=(out,))
        self._replace(position, stmts)

    def _replace(self, position: int, stmts: list) -> None:
        """Put `stmts` in the place of statement `position`; later stencils may repeat their element work."""
        self.replaced[position] = stmts
        for stmt in stmts:
            for out in stmt.outs:
                self.defs[id(out)] = (position, stmt)

    def _fill(self, piece: Var):
        """The constant a piece is filled with (`np.ones(1)`), or None."""
        found = self.defs.get(id(piece))
        if found is None:
            return None
        eqn = found[1]
        if eqn.prim.name in ("zeros", "ones"):
            return Const(int(eqn.prim.name == "ones"), TensorType("i64", (), weak=True))
        if eqn.prim.name == "full" and isinstance(eqn.args[-1], Const):
            return eqn.args[-1]
        return None

    def _dims(self, pieces: list, space: tuple, axis: int, at: Eqn):
        """Host equations giving each dim of `space` as an atom: the pieces' lengths (added along the axis), each
        read from an array the block does not compute when one gives it (so that the launch need not wait for
        this block's element work), else from the piece."""
        prefix: list = []
        dims = []
        for a, size in enumerate(space):
            if isinstance(size, int):
                dims.append(_i64(size))
                continue
            parts = pieces if a == axis else [next((p for p in pieces if self._fill(p) is None), pieces[0])]
            static = sum(p.type.shape[a] for p in parts if isinstance(p.type.shape[a], int))
            total = _i64(static) if static or all(isinstance(p.type.shape[a], int) for p in parts) else None
            for piece in parts:
                if isinstance(piece.type.shape[a], int):
                    continue
                part = self._length(piece, a, prefix, at)
                total = part if total is None else self._scalar("add", (total, part), prefix, at)
            dims.append(total)
        return prefix, dims

    def _length(self, atom: Var, axis: int, prefix: list, at: Eqn):
        """The length of `atom` along `axis`: through the slices it views (each `max(0, length - start - end)`,
        NumPy's clamping) and elementwise equations of this block (an operand of the same length) to an array
        defined outside it; else `atom`'s own."""
        windows = []
        source, position = atom, axis
        while True:
            found = self.defs.get(id(source))
            if found is None:
                break
            eqn = found[1]
            view = view_windows(eqn)
            if view is not None and isinstance(eqn.args[0], Var):
                windows.append(view[position])
                source = eqn.args[0]
                continue
            dim = source.type.shape[position]
            rank = len(source.type.shape)
            same = [a for a in eqn.args if is_element_eqn(eqn) and isinstance(a, Var) and a.type.shape and
                    len(a.type.shape) == rank and a.type.shape[position] == dim]
            if not same:
                return self._scalar("dim", (atom,), prefix, at, axis=axis)
            source = same[0]
        length = self._scalar("dim", (source,), prefix, at, axis=position)
        for start, end in reversed(windows):
            if start + end:
                cut = self._scalar("subtract", (length, _i64(start + end)), prefix, at)
                length = self._scalar("maximum", (cut, _i64(0)), prefix, at)
        return length

    def _scalar(self, name: str, args: tuple, prefix: list, at: Eqn, **params) -> Var:
        out = self.names.var("size", TensorType("i64", ()))
        prefix.append(Eqn(lookup(name), args, params, (out,), loc=at.loc))
        return out

    # -- placing a value in a window -------------------------------------------------------------------------------
    def _place(self, acc, value, windows: tuple, space: tuple, op: str, target: Var, at: Eqn, position: int) -> list:
        """`target = acc` with `value` written (or added) in the window: the value aligned to the window's start
        (_Unmodelled where that cannot be done exactly)."""
        if isinstance(value, Var) and value.type.shape:
            shape = self.extents(value)
            pad = len(space) - len(shape)
            for a, d in enumerate(shape):
                start, end = windows[pad + a]
                extent = dim_sum([space[pad + a], -start - end])
                if d != 1 and d != extent and not (isinstance(extent, int) and extent <= 0 and d == 0):
                    raise _Unmodelled  # a size the compiler cannot relate to the window
        aligner = _Aligner(self, space, windows, position)
        offsets = tuple(-start for start, _ in windows)
        aligned = aligner.align(value, offsets[len(space) - _rank(value):])
        eqn = Eqn(SHIFT_UPDATE, (acc, aligned), {"windows": windows, "op": op}, (target,), loc=at.loc, note=at.note)
        return aligner.eqns + [eqn]


def _place_of(lengths: list, k: int, total) -> tuple[int, int] | None:
    """Where piece k of a concatenation lies along its axis, as (start, count from the end), when both are static
    (the pieces before it, or after it, have static lengths)."""
    before, after = lengths[:k], lengths[k + 1:]
    if all(isinstance(d, int) for d in before):
        start = sum(before)
        end = sum(after) if all(isinstance(d, int) for d in after) else \
            dim_sum([total, -start, _negated(lengths[k])])
    elif all(isinstance(d, int) for d in after):
        end = sum(after)
        start = dim_sum([total, -end, _negated(lengths[k])])
    else:
        return None
    return (start, end) if isinstance(start, int) and isinstance(end, int) else None


def _negated(dim):
    """`-dim` as a dimension (for sums of sizes)."""
    poly = poly_of(dim)
    return None if poly is None else render(scale(poly, -1))


def _i64(value: int) -> Const:
    return Const(value, TensorType("i64", ()))


def _rank(atom) -> int:
    return len(atom.type.shape) if atom.type.shape else 0


class _Aligner:
    """Builds a value's elements at an offset over the index space `space`, inside `windows` (per axis of `space`:
    (start, count from the end) of the elements where the result is used)."""

    def __init__(self, block: _Block, space: tuple, windows: tuple, position: int):
        self.block, self.space, self.windows, self.position = block, space, windows, position
        self.eqns: list[Eqn] = []
        self.memo: dict = {}
        self.first: int | None = None  # the earliest statement a repeated computation repeats

    def align(self, atom, offsets: tuple):
        """An atom whose element i (of `space`) is `atom`'s element i + offsets (inside the windows)."""
        if self._as_is(atom, offsets):
            return atom
        atom, offsets = self._through_views(atom, self._offsets(atom, offsets))
        if self._as_is(atom, offsets):
            return atom
        key = (id(atom), offsets)
        if key not in self.memo:
            self.memo[key] = self._repeat(atom, offsets) or self._load(atom, offsets)
        return self.memo[key]

    def _offsets(self, atom: Var, offsets: tuple) -> tuple:
        return tuple(0 if d == 1 else o for d, o in zip(atom.type.shape, offsets))

    def _as_is(self, atom, offsets: tuple) -> bool:
        """A scalar, a value already read at the element itself over `space`, or a fill over `space` (the same
        at every element)."""
        if not isinstance(atom, Var) or not atom.type.shape:
            if isinstance(atom, Const) and atom.type.shape and not fits(atom.type, self.space):
                raise _Unmodelled  # a module-level array read at an offset: kept as it is
            return True
        shape = atom.type.shape
        pad = len(self.space) - len(shape)
        over_space = fits(atom.type, self.space) and all(d == 1 or d == self.space[pad + a] for a, d in enumerate(shape))
        found = self.block.defs.get(id(atom))
        filled = found is not None and found[0] < self.position and found[1].prim.name in CREATION
        return over_space and (filled or not any(self._offsets(atom, offsets)))

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
        """The array a step-1 slice views and the offset into it (the view's element j is its j + start)."""
        found = self.block.defs.get(id(atom))
        while found is not None and found[0] < self.position and _is_slice_view(found[1]) and \
                isinstance(found[1].args[0], Var):  # (a module-level array's view stays the value read)
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
        trial = _Aligner(self.block, self.space, self.windows, self.position)
        trial.memo = dict(self.memo)
        try:
            result = trial._clone(atom, offsets, budget=[MAX_COPY])
        except _TooLarge:
            return None
        loaded = {id(e.args[0]) for e in trial.eqns if e.prim is SHIFTED}
        known = self.block.read | {id(e.args[0]) for e in self.eqns if e.prim is SHIFTED}
        sources = {id(e.args[0]): e.args[0] for e in trial.eqns if e.prim is SHIFTED}
        added = sum(ITEM_SIZE.get(sources[k].type.dtype, 8) for k in loaded - known)
        if added > ITEM_SIZE.get(atom.type.dtype, 8):
            return None
        copies = [e for e in trial.eqns if e.prim is not SHIFTED]
        if _decides_exactly(copies, []) or not self._unchanged(trial, sources.values()):
            return None
        self.eqns += trial.eqns
        self.memo = trial.memo
        return result

    def _clone(self, atom, offsets: tuple, budget: list):
        if self._as_is(atom, offsets):
            return atom
        atom, offsets = self._through_views(atom, self._offsets(atom, offsets))
        if self._as_is(atom, offsets):
            return atom
        key = (id(atom), offsets)
        if key in self.memo:
            return self.memo[key]
        eqn = self._producer(atom)
        if eqn is None:
            self.memo[key] = self._load(atom, offsets)
            return self.memo[key]
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooLarge
        position = self.block.defs[id(atom)][0]
        self.first = position if self.first is None else min(self.first, position)
        out_shape = atom.type.shape
        out = self.block.names.var(atom.name, TensorType(atom.type.dtype, self._shape(out_shape)))
        if eqn.prim is SHIFTED:  # a load at an offset, moved by this one: the window moves with it
            moved = tuple(o + p for o, p in zip(eqn.params["offsets"], offsets))
            windows = tuple((lo - p, hi + p) for (lo, hi), p in zip(eqn.params["windows"], offsets))
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
                params = {**params, "windows": tuple((lo - p, hi + p) for (lo, hi), p in
                                                     zip(params["windows"], offsets))}
            prim = lookup("add") if eqn.prim.name == "iadd" else eqn.prim
            new = Eqn(prim, tuple(args), params, (out,), loc=eqn.loc)
        self.eqns.append(new)
        self.memo[key] = out
        return out

    def _unchanged(self, trial: "_Aligner", sources) -> bool:
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


class _TooLarge(Exception):
    """A repeated computation longer than remat.py's MAX_COPY equations."""


class _Unmodelled(Exception):
    """A value the rewrite cannot read at an offset: the statement keeps its plan."""


def view_windows(eqn: Eqn) -> tuple | None:
    """For `x[a:b, ...]` (step-1 slices only): per axis of x, the window (start, count from the end) the view
    selects, its element j being x's j + start; None for any other equation. A stop given at run time counts
    when the compiler knows its value as a size (`x[1:n]` with `n` x's length is `x[1:]`)."""
    if eqn.prim.name != "getitem" or eqn.params.get("lanes") or \
            any(not isinstance(a, Var) or a.type.shape != () for a in eqn.args[1:]):
        return None
    base = eqn.args[0]
    if base.type.shape is None or eqn.out.type.shape is None or len(base.type.shape) != len(eqn.out.type.shape):
        return None
    try:
        items = expand_ellipsis(eqn.params["index"], len(base.type.shape))
    except Exception:
        return None
    windows = []
    for item, dim in zip(items, base.type.shape):
        if isinstance(item, slice) and isinstance(item.stop, Ref):
            size = eqn.args[item.stop.index].type.value
            past = None if size is None or is_unknown(size) or is_unknown(dim) else dim_sum([size, _negated(dim)])
            if not isinstance(past, int) or past > 0:
                return None
            item = slice(item.start, past or None, item.step)
        windows.append(_window(item, dim))
    return None if any(w is None for w in windows) else tuple(windows)


def _is_slice_view(eqn: Eqn) -> bool:
    return view_windows(eqn) is not None


def _root(block: _Block, atom):
    """The array a value views (through basic slices and other views defined in the block)."""
    views = {"getitem", "reshape", "transpose", "swapaxes", "expand_dims", "squeeze", "broadcast_to",
             "stop_gradient"}
    while isinstance(atom, Var):
        found = block.defs.get(id(atom))
        if found is None:
            return atom
        eqn = found[1]
        if eqn.prim.name in views and not any(isinstance(a, Var) and a.type.shape for a in eqn.args[1:]) or \
                eqn.prim.extra.get("in_place"):
            atom = eqn.args[0]
        else:
            return atom
    return atom


def _in_place(stmt) -> list[Eqn]:
    return [e for e in equations([stmt]) if e.prim.extra.get("in_place") and e.prim.family != "tape"]


# -- C text ------------------------------------------------------------------------------------------------------
def _terms(windows: tuple, axes: list[str], dims: list[str]) -> list[str]:
    terms = []
    for (start, end), i, d in zip(windows, axes, dims):
        if start > 0:
            terms.append(f"{i} >= {start}")
        if end > 0:
            terms.append(f"{i} < {d} - {end}")
    return terms


def guard_text(windows: tuple, axes: list[str], dims: list[str]) -> str:
    """The C condition that element (axes) lies in the windows ("" where every element does), marked so that
    `inside_copy` can leave it out."""
    terms = _terms(windows, axes, dims)
    return f"LIFTED_WINDOW({' && '.join(terms)})" if terms else ""


def inside_copy(lines: list[str]) -> list[str] | None:
    """The lane block with every window test true (for a chunk inside all windows); None where it has none."""
    if not any("LIFTED_WINDOW(" in line for line in lines):
        return None
    return [_WINDOW.sub("true", line) for line in lines]


def chunk_inside(kernel_windows: list[tuple], rank: int) -> list[str]:
    """Lines computing `lifted_inside`: whether the CPU chunk of LIFTED_LANE_COUNT elements from `i_base` (a flat
    index space of `rank` axes d0, d1, ...) lies inside every window (a sound test: false is always right). The
    chunk must not cross the last axis's rows; then every other coordinate is the chunk's first one's."""
    if rank == 1:
        first = ["i_base"]
    else:
        first = [f"lifted_c{k}" for k in range(rank)]
    terms = set()
    for windows in kernel_windows:
        pad = rank - len(windows)
        for a, (start, end) in enumerate(windows):
            k = pad + a
            if start > 0:
                terms.add(f"{first[k]} >= {start}")
            if end > 0:
                span = " + LIFTED_LANE_COUNT <=" if k == rank - 1 else " <"
                terms.add(f"{first[k]}{span} d{k} - {end}")
    if not terms:
        return []
    if rank > 1:
        terms.add(f"lifted_c{rank - 1} + LIFTED_LANE_COUNT <= d{rank - 1}")
    test = " && ".join(sorted(terms))
    lines = ["#ifdef __CUDACC__", "const bool lifted_inside = false;", "#else"]
    if rank > 1:
        lines.append("int64_t lifted_rest = i_base;")
        lines += [f"const int64_t lifted_c{k} = lifted_unravel_step(lifted_rest, d{k});" for k in range(rank - 1, 0, -1)]
        lines.append("const int64_t lifted_c0 = lifted_rest;")
    return lines + [f"const bool lifted_inside = {test};", "#endif"]


def kernel_windows(body: list) -> list[tuple]:
    """The windows of a kernel's stencil equations."""
    return [e.params["windows"] for e in equations(body) if e.prim.name in STENCIL_PRIMS]


def shifted_text(eqn: Eqn, pointer: str, strides: list[str], axes: list[str], dims: list[str]) -> str:
    """A load at an offset, inside its windows (0 outside them, where nothing is read)."""
    offsets = eqn.params["offsets"]
    address = " + ".join(f"({i} + {o}) * {s}" if o else f"{i} * {s}" for i, o, s in zip(axes, offsets, strides))
    load = f"{pointer}[{address or 0}]"
    guard = guard_text(eqn.params["windows"], axes, dims)
    return f"(({guard}) ? {load} : ({C_TYPES[eqn.out.type.dtype]})0)" if guard else load


def update_text(eqn: Eqn, acc: str, value: str, axes: list[str], dims: list[str]) -> str:
    ctype = C_TYPES[eqn.out.type.dtype]
    new = f"({ctype})({value})" if eqn.params["op"] == "set" else f"({ctype})({acc} + {value})"
    guard = guard_text(eqn.params["windows"], axes, dims)
    return f"(({guard}) ? {new} : {acc})" if guard else new


def shifted_pattern(shape: tuple, space: tuple) -> tuple:
    """launch_spec.pattern for a source read at offsets: an axis whose size differs from the space's is "shift"
    (the kernel's windows keep its reads inside it; it gives the space no size)."""
    pad = len(space) - len(shape)
    return tuple(None if k < pad else "S" if shape[k - pad] == space[k] else 1 if shape[k - pad] == 1 else "shift"
                 for k in range(len(space)))
