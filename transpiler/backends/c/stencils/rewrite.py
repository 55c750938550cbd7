"""Stencils: step-1 slices and their adjoints as element work of one fused kernel.

NumPy code shifts arrays with slices: `x[1:] - x[:-1] ** 2` reads two views of `x`, and its gradient writes the
cotangents back through slices of a zero array (`dx = zeros(n); dx[1:] = a; dx[:-1] += b`) or a concatenation
(`np.concatenate((np.ones(1), y[:-1]))`). Left as host code, each of those writes is one more pass over memory
between kernels. This pass (run on the host function before fusion) rewrites them as element work over the
written array's index space S:

* an update chain (an array the block makes, `acc = zeros(S)` or element work, then `acc[s] = v` / `acc[s] += v`
  through step-1 slices `s` with static starts and stops that are static, counted from the end, or a run-time size
  the compiler knows) becomes `shift_update` equations (ops.py): element `i`
  keeps `acc[i]` outside the slice's window and takes `v` (or `acc[i] + v`) inside it, so the result is NumPy's
  element for element, whatever the windows overlap (each element folds the updates in program order);
* a concatenation along one axis of pieces with static extents but one becomes `full(S, fill)` and one such
  update per piece (its window is the piece's place); S's sizes are read from arrays the block does not compute
  (the same slices taken of them: NumPy's clamping), so the launch need not wait for the block's element work;
* the value `v` an update reads at `i - start` is *aligned* (align.py): its element computation is
  repeated at that offset over S when that moves no more bytes than loading `v`, and otherwise `v` itself is read
  at the offset.
  Either way the reads at an offset are `shifted` loads: `src[i + offset]` inside a guard window (0 outside, no
  memory touched), so a boundary element reads nothing beyond the array, and an empty slice (n = 1) reads nothing.

Only what is modelled exactly changes: no index arrays, run-time bounds, negative or non-unit steps; an
intermediate state of the chain that anything else reads (a view of it may be written through) keeps the chain
as it was; a repeated computation may not cross an in-place update of an array it could read, and a value
computed through a math-library function (remat.py's rule) never reaches a comparison or a rounding. A shifted
load's source is read at other elements than the kernel's own, so fusion never puts it in the kernel that
computes it (it is stored by an earlier one). c_text.py writes the C text.
"""
from __future__ import annotations

import dataclasses

from ....analysis.liveness import eliminate_dead_code
from ....ir import Const, Eqn, Function, If, Loop, Var, all_defined, result_atoms, statement_uses
from ....ir.dims import dim_sum
from ....ir.types import TensorType, is_unknown
from ....primitives.indexing.items import expand_ellipsis
from ....primitives.registry import lookup
from ..region import CREATION, is_element_eqn
from .align import Aligner, Unmodelled
from ..remat import decides_exactly
from .ops import SHIFT_UPDATE, SHIFTED, is_slice_view, negated, slice_window, view_windows
from ....ir.verify import verified


@verified("rewrite_stencils")
def rewrite_stencils(fn: Function, split: bool = False, splits: list | None = None) -> Function:
    """The host function with update chains through step-1 slices and concatenations as element work. `split`
    (the CPU target): a value whose repetition at an offset costs more than storing it (cost.py) is stored by
    one kernel and read back at the offset by the next; `splits`, when given, receives the index space of each
    value so stored (plans.py weighs them)."""
    names = _Names({v.name for v in [*fn.params, *all_defined(fn.body)]}, split)
    body = _block(fn.body, [a for a in result_atoms(fn.result) if isinstance(a, Var)], names)
    if splits is not None:
        splits += names.splits
    if body is fn.body:
        return fn
    return eliminate_dead_code(dataclasses.replace(fn, body=body))


class _Names:
    """New values get names no other value of the function has (the host module renders them by name)."""

    def __init__(self, taken: set[str], split: bool = False):
        self.taken = taken
        self.split = split  # (rewrite_stencils' flag, which every block's rewrite reads here)
        self.splits: list[tuple] = []  # the index spaces of the values stored for reads at an offset

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
        while found is not None and is_slice_view(found[1]):
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
                    update.params.get("lanes") or \
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
            except Unmodelled:  # this update stays NumPy's, in place on the chain's array
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
        windows = tuple(slice_window(item, dim) for item, dim in zip(items, space))
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
            except Unmodelled:
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
        """The length of `atom` along `axis`, read from an array defined outside the block when one gives it:
        through elementwise equations of this block (an operand of the same length) and the slices `atom` views,
        taken again of that array (`y[:-1].shape[0]`: NumPy's own clamping); else `atom`'s own."""
        views = []
        source = atom
        while True:
            found = self.defs.get(id(source))
            if found is None:
                break
            eqn = found[1]
            if view_windows(eqn) is not None and isinstance(eqn.args[0], Var):
                views.append(eqn)
                source = eqn.args[0]
                continue
            dim = source.type.shape[axis]
            rank = len(source.type.shape)
            same = [a for a in eqn.args if is_element_eqn(eqn) and isinstance(a, Var) and a.type.shape and
                    len(a.type.shape) == rank and a.type.shape[axis] == dim]
            if not same:
                return self._scalar("dim", (atom,), prefix, at, axis=axis)
            source = same[0]
        for view in reversed(views):  # the same slices, of the array outside the block
            out = self.names.var(view.out.name, view.out.type)
            prefix.append(Eqn(view.prim, (source, *view.args[1:]), view.params, (out,), loc=at.loc))
            source = out
        return self._scalar("dim", (source,), prefix, at, axis=axis)

    def _scalar(self, name: str, args: tuple, prefix: list, at: Eqn, **params) -> Var:
        out = self.names.var("size", TensorType("i64", ()))
        prefix.append(Eqn(lookup(name), args, params, (out,), loc=at.loc))
        return out

    # -- placing a value in a window -------------------------------------------------------------------------------
    def _place(self, acc, value, windows: tuple, space: tuple, op: str, target: Var, at: Eqn, position: int) -> list:
        """`target = acc` with `value` written (or added) in the window: the value aligned to the window's start
        (Unmodelled where that cannot be done exactly)."""
        if isinstance(value, Var) and value.type.shape:
            shape = self.extents(value)
            pad = len(space) - len(shape)
            for a, d in enumerate(shape):
                start, end = windows[pad + a]
                extent = dim_sum([space[pad + a], -start - end])
                if d != 1 and d != extent and not (isinstance(extent, int) and extent <= 0 and d == 0):
                    raise Unmodelled  # a size the compiler cannot relate to the window
        aligner = Aligner(self, space, windows, position)
        offsets = tuple(-start for start, _ in windows)
        aligned = aligner.align(value, offsets[len(space) - _rank(value):])
        eqn = Eqn(SHIFT_UPDATE, (acc, aligned), {"windows": windows, "op": op}, (target,), loc=at.loc, note=at.note)
        repeated = [e for e in aligner.eqns if e.prim is not SHIFTED]
        if repeated and decides_exactly(repeated + [eqn], self.stmts[position + 1:]):
            raise Unmodelled  # a math-library result computed again would decide something exactly later on
        return aligner.eqns + [eqn]


def _place_of(lengths: list, k: int, total) -> tuple[int, int] | None:
    """Where piece k of a concatenation lies along its axis, as (start, count from the end), when both are static
    (the pieces before it, or after it, have static lengths)."""
    before, after = lengths[:k], lengths[k + 1:]
    if all(isinstance(d, int) for d in before):
        start = sum(before)
        end = sum(after) if all(isinstance(d, int) for d in after) else \
            dim_sum([total, -start, negated(lengths[k])])
    elif all(isinstance(d, int) for d in after):
        end = sum(after)
        start = dim_sum([total, -end, negated(lengths[k])])
    else:
        return None
    return (start, end) if isinstance(start, int) and isinstance(end, int) else None


def _i64(value: int) -> Const:
    return Const(value, TensorType("i64", ()))


def _rank(atom) -> int:
    return len(atom.type.shape) if atom.type.shape else 0
