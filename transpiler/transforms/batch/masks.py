"""Batching reads and writes through a boolean mask that differs between examples (`x[mask]`, `x[:, m] = v`).

Each example selects its own number of elements, so the selection itself cannot be an array of the batch. It is
kept *dense* instead, as JAX users write it: a masked read is the array it reads from (`dense`), with the mask
marking the elements selected (their axes start at `at`). What the program does with the selection then maps onto
the dense array, where every shape is the same for all examples:

* elementwise arithmetic with numbers per example, or with selections by the same mask, stays a selection;
* `np.sum` over the selected axis is `np.sum(np.where(mask, dense, 0))` (an empty selection sums to 0, as NumPy);
* a write through the mask, `x[m] = v` or `x[m] += v`, is `x[...] = np.where(mask, v, x[...])` (v a number per
  example, or a selection by the same mask);
* a cotangent summed or broadcast to the selection's shape (reverse mode) is the selection itself.

Anything else that would need the selection's own shape (returning it, `np.max` of it, an index array besides the
mask) is a located error at the read. Elementwise arithmetic runs on *safe inputs*: the elements not selected get
the value of the first selected one in their row (for a mask of several axes, the first in C order over them,
whose lengths must then be known at build time), and a row that selects nothing gets the first selected element
of the first row that selects something, with that row's numbers per example, so no element computes anything
an example unbatched would not (no NaN, no warning). Where no row selects anything (all False, an empty mask
axis, no examples) nothing is read of the arithmetic, which then runs on the arrays as they are under
`np.errstate(all="ignore")`: one `if np.any(mask)` holds a run of such operations (`_guarded`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import SourceLoc, TranspileError
from ...ir import Const, Eqn, If, Var
from ...ir.source import merge_errstate
from ...primitives.batching import example_rank
from ...primitives.indexing import Ref, index_refs
from ...primitives.registry import lookup
from ...primitives.symbolic import Sym, ops, reduced_axes
from .mask_lengths import MaskLengths
from .safe_inputs import SafeInputs
from .positions import as_mask_index

REFUSED = ("a boolean mask that differs between examples selects a different number of elements in each, and "
           "this use needs the selection's shape")
HINT = ("reduce the selection with np.sum, or write through the mask (x[m] = v); else use np.where(m, x, 0), "
        "which keeps every example's shape")


@dataclass(frozen=True)
class Selection:
    """`dense` restricted to the elements `mask` selects; the mask's axes start at axis `at` of one example of
    `dense` (the selection's own axis there)."""

    dense: object  # an atom of the batched program (batched where `batched`)
    batched: bool
    mask: object  # an atom: the batched mask
    at: int
    loc: SourceLoc | None
    safe: bool = False  # unselected elements hold a selected one's value (for arithmetic)

    @property
    def mask_rank(self) -> int:
        return self.mask.type.rank - 1


class BatchedMasks(MaskLengths, SafeInputs):
    """Mixed into `batch._Batching`: relies on its `values`, `ctx`, `builder`, `sym`, `is_batched`, `set`."""

    def selection_error(self, selection: Selection) -> TranspileError:
        return TranspileError(REFUSED, selection.loc, HINT)

    def masked_equation(self, eqn: Eqn, raw: list) -> bool:
        """Batch `eqn` if it reads or writes through a per-example mask or uses a selection; False otherwise."""
        if self.length_equation(eqn, raw):
            return True
        name = eqn.prim.name
        indexes = name in ("getitem", "setitem", "index_add", "add_at")
        through_mask = as_mask_index(self, eqn, raw) if indexes else None  # x[np.nonzero(m)]: x[m]
        if through_mask is not None:
            eqn, raw = through_mask
        selections = [a for a in raw if isinstance(a, Selection)]
        if not selections and not (indexes and self._mask_position(eqn, raw) is not None):
            return False
        self.builder.loc = eqn.loc
        if name == "getitem" and not selections:
            self.values[id(eqn.outs[0])] = self._read(eqn, raw)
            return True
        if name in ("setitem", "index_add", "add_at") and not isinstance(raw[0], Selection) and \
                not any(isinstance(a, Selection) for a in raw[2:]):
            new = self._write(eqn, raw, accumulate=name != "setitem")
            self.set(eqn.outs[0], new, True)
            return True
        if eqn.prim.family == "elementwise" and eqn.prim.batch is not None and not eqn.prim.extra.get("in_place"):
            result = self._elementwise(eqn, raw, selections)
        elif name == "sum" and len(raw) == 1:
            self.set(eqn.outs[0], self._sum(selections[0], **eqn.params), True)
            return True
        elif name in ("unbroadcast", "sum_to") and isinstance(raw[1], Selection) and isinstance(raw[0], Selection) \
                and self.same_mask(raw[0].mask, raw[1].mask) and raw[0].at == raw[1].at:
            result = raw[0]  # a cotangent summed to the selection's own shape: itself
        elif name == "broadcast_like" and isinstance(raw[1], Selection) and not isinstance(raw[0], Selection):
            result = self._broadcast(raw[0], raw[1])
        else:
            raise self.selection_error(selections[0])
        self.values[id(eqn.outs[0])] = result
        return True

    def same_mask(self, a, b, depth: int = 8) -> bool:
        """Do masks `a` and `b` (atoms of the batched program) hold the same elements? The same atom, or two
        computations of one expression (`y > 0` written twice: the same operation, parameters and operands, an
        operand compared the same way in turn). An array updated in place is a new atom, so two readings of it
        before and after the update differ."""
        if a is b:
            return True
        if isinstance(a, Const) and isinstance(b, Const):
            return isinstance(a.value, (bool, int, float)) and type(a.value) is type(b.value) and \
                a.value == b.value and a.type == b.type
        first, second = self.builder.definition(a), self.builder.definition(b)
        if depth == 0 or first is None or second is None or first.prim is not second.prim or \
                first.prim.family == "effect" or first.prim.extra.get("in_place") or len(first.outs) != 1 or \
                len(first.args) != len(second.args) or a.type != b.type or not _same_params(first, second):
            return False
        return all(self.same_mask(x, y, depth - 1) for x, y in zip(first.args, second.args))

    # -- reads and writes ---------------------------------------------------------------------------------------
    def _mask_position(self, eqn: Eqn, raw: list) -> int | None:
        """The index position of a batched boolean mask among the equation's index items, if there is one."""
        first = 1 if eqn.prim.name == "getitem" else 2
        for position, item in enumerate(eqn.params.get("index", ())):
            if isinstance(item, Ref) and item.index >= first:
                arg = raw[item.index]
                if not isinstance(arg, Selection) and arg.type.dtype == "bool" and arg.type.shape != () and \
                        self.is_batched(arg):
                    return position
        return None

    def _dense_index(self, eqn: Eqn, raw: list, first: int):
        """The index with the mask replaced by full slices (a basic index: a view of the region the mask
        selects from), its arguments, the mask and where the mask's axes start in the region."""
        index = eqn.params["index"]
        position = self._mask_position(eqn, raw)
        mask = raw[index[position].index]
        rank = mask.type.rank - 1
        for k, item in enumerate(index):
            if item is None or item is Ellipsis:
                raise TranspileError(REFUSED, eqn.loc, "index a batched mask with slices and integers only")
            if k != position and isinstance(item, Ref) and (raw[item.index].type.shape != ()
                                                             or self.is_batched(raw[item.index])):
                raise TranspileError("a boolean mask that differs between examples cannot be combined with another "
                                     "index array or with an index that differs between examples", eqn.loc, HINT)
        integers = [k for k, item in enumerate(index) if not isinstance(item, slice) and k != position]
        block = sorted(integers + [position])
        if block != list(range(block[0], block[-1] + 1)):  # NumPy would move the selection's axis to the front
            raise TranspileError(REFUSED, eqn.loc, "put the integer indices next to the mask, or slice first")
        at = sum(1 for item in index[:position] if isinstance(item, slice))
        refs = [k for k in sorted({item.index for item in index_refs(index)}) if k != index[position].index]
        renumber = {old: first + n for n, old in enumerate(refs)}
        dense_index = tuple(_renumbered(item, renumber) for item in index[:position]) + (slice(None),) * rank + \
            tuple(_renumbered(item, renumber) for item in index[position + 1:])
        return dense_index, [raw[k] for k in refs], mask, at

    def _read(self, eqn: Eqn, raw: list) -> Selection:
        """`x[..., mask, ...]`: the region the mask selects from, kept whole, with the mask."""
        dense_index, refs, mask, at = self._dense_index(eqn, raw, 1)
        x = raw[0]
        if all(item == slice(None) for item in dense_index):  # `x[m]` with a mask over all of x's axes: x
            dense = self.sym(x)
        else:
            dense = self._bind("getitem", [x] + refs, {"index": dense_index})
        if id(eqn) in self.copied_reads:  # (updated in place before it is used: NumPy's copy, copies.py)
            dense = self._bind("copy", [dense], {})
        return Selection(dense.atom, self.is_batched(dense.atom), mask, at, eqn.loc)

    def _write(self, eqn: Eqn, raw: list, accumulate: bool):
        """`x[..., mask, ...] = v`: the region written back with `np.where(mask, v, region)` (`+= v`, with
        `accumulate`: `np.where(mask, region + v, region)`; a mask selects each element once)."""
        dense_index, refs, mask, at = self._dense_index(eqn, raw, 2)
        x, value = raw[0], raw[1]
        if all(item == slice(None) for item in dense_index):
            region = self.sym(x)
        else:
            region = self._bind("getitem", [x] + refs, {"index": _shifted(dense_index, -1)})
        selection = Selection(region.atom, self.is_batched(region.atom), mask, at, eqn.loc)
        if isinstance(value, Selection):
            if not self.same_mask(value.mask, mask) or value.at != at:
                raise TranspileError(REFUSED, eqn.loc, "write a selection by the same mask, or a number")
            written = Sym(self.builder, value.dense)
        else:
            if example_rank(self.sym(value), self.is_batched(value)) != 0:
                raise TranspileError("writing an array through a boolean mask that differs between examples needs "
                                     "the selection's shape", eqn.loc, "write a number, or x[m] = y[m]")
            written = self._aligned(value, region)
        if accumulate:  # the sum on safe inputs: `x + v` of an element not selected may warn where Python does not
            written = Sym(self.builder, self._guarded(lookup("add"), {}, [selection, value], selection, eqn.loc).dense)
            self.builder.loc = eqn.loc
        chosen = self._select_where(selection, written, self.sym(region.atom))
        return self._bind("setitem", [x, chosen.atom] + refs, {"index": dense_index}).atom

    # -- what a selection takes part in ---------------------------------------------------------------------------
    def _elementwise(self, eqn: Eqn, raw: list, selections: list[Selection]) -> Selection:
        first = selections[0]
        if any(not self.same_mask(s.mask, first.mask) or s.at != first.at for s in selections):
            raise self.selection_error(first)
        for arg in raw:
            if not isinstance(arg, Selection) and example_rank(self.sym(arg), self.is_batched(arg)) != 0:
                raise self.selection_error(first)
        return self._guarded(eqn.prim, eqn.params, raw, first, eqn.loc)

    def _guarded(self, prim, params: dict, raw: list, first: Selection, loc: SourceLoc | None) -> Selection:
        """`prim` applied elementwise to selections by one mask and numbers per example, run on safe inputs
        where some example selects something, and on the dense arrays as they are (under `np.errstate(
        all="ignore")`) where none does: no example computes anything then, and none of the results is read.
        Consecutive operations on selections by one mask share one `if` (and its donor rows)."""
        rank = max(example_rank(self.sym(a.dense), a.batched) for a in raw if isinstance(a, Selection))
        builder = self.builder
        builder.loc = loc
        last = builder.eqns[-1] if builder.eqns else None
        guard = self.guards.get(id(last)) if isinstance(last, If) else None
        if guard is None or guard.stmt is not last or not self.same_mask(guard.mask, first.mask):
            some = builder.bind("any", [first.mask], name="some")
            last = If(some, [], [], (), (), (), loc)
            guard = _Guard(last, first.mask)
            builder.emit(last)
            self.guards[id(last)] = guard
        inner = dict(zip(map(id, last.outs), zip(last.then_results, last.else_results)))
        with builder.into(last.then_body):
            needs_rows = any(not a.safe if isinstance(a, Selection) else self.is_batched(a) for a in raw)
            if needs_rows and guard.rows is None:
                guard.rows = self._rows(first.mask)
            safe = self._apply(prim, params, raw, rank, guard.rows if needs_rows else None,
                               {k: v[0] for k, v in inner.items()})
        with builder.into(last.else_body):
            builder.loc = _quiet(loc)
            dense = self._apply(prim, params, raw, rank, None, {k: v[1] for k, v in inner.items()})
            builder.loc = loc
        out = Var(builder.scope.fresh("picked"), safe.atom.type)
        last.outs += (out,)
        last.then_results += (safe.atom,)
        last.else_results += (dense.atom,)
        self.batched.add(id(out))
        return Selection(out, True, first.mask, first.at, first.loc, safe=True)

    def _apply(self, prim, params: dict, raw: list, rank: int, rows: Sym | None, inner: dict) -> Sym:
        """One call of `prim`'s batching rule: selections made safe (`rows`: each example's donor row) and
        numbers per example taken from the donor rows; with `rows` None (none of them needs it, or the part of
        `_guarded` no example runs), the selections' dense arrays (every one batched, so that both parts give
        one type) and the numbers as they are. `inner`: the values of the `if` this joins, as its part holds them."""
        args, flags = [], []
        for arg in raw:
            if isinstance(arg, Selection):
                if arg.safe:
                    dense = inner.get(id(arg.dense), arg.dense)
                elif rows is not None:
                    dense = self._safe(arg, rows).dense
                else:
                    dense = arg.dense if arg.batched else self.ctx.lift(self.sym(arg.dense)).atom
                args.append(Sym(self.builder, dense))
                flags.append(True)
            elif self.is_batched(arg):
                value = self.sym(arg)
                if rows is not None:
                    value = ops.getitem(value, rows, index=(Ref(1),))
                args.append(self.ctx.align(value, rank))
                flags.append(True)
            else:
                args.append(self.sym(arg))
                flags.append(False)
        result = prim.batch(self.ctx, prim, args, flags, **params)
        result = result[0] if isinstance(result, tuple) else result
        self.batched.add(id(result.atom))
        return result

    def _sum(self, selection: Selection, axis=None, keepdims=False, **extra):
        """`np.sum` of a selection over its selected axis (and others): the unselected elements count 0."""
        rank = example_rank(self.sym(selection.dense), selection.batched) - selection.mask_rank + 1
        axes = reduced_axes(rank, axis)
        at, k = selection.at, selection.mask_rank
        if at not in axes or (keepdims and k > 1) or extra:
            raise self.selection_error(selection)
        dense_axes = []
        for a in axes:
            dense_axes += list(range(at, at + k)) if a == at else [a if a < at else a + k - 1]
        zeroed = self._select_where(selection, Sym(self.builder, selection.dense), 0)
        params = {"axis": tuple(dense_axes)}  # axes of one example (the rule moves them past the batch)
        if keepdims:
            params["keepdims"] = True
        return self._bind("sum", [zeroed], params).atom

    def _broadcast(self, value, like: Selection) -> Selection:
        dense = lookup("broadcast_like").batch(self.ctx, lookup("broadcast_like"),
                                               [self.sym(value), Sym(self.builder, like.dense)],
                                               [self.is_batched(value), like.batched])
        self.batched.add(id(dense.atom))
        # (not safe: an example that selects nothing holds its own value, which `_safe` trades for a donor's)
        return Selection(dense.atom, True, like.mask, like.at, like.loc)

    # -- helpers -------------------------------------------------------------------------------------------------
    def _select_where(self, selection: Selection, chosen: Sym, other) -> Sym:
        result = ops.where(self._mask_aligned(selection), chosen, other)
        self.batched.add(id(result.atom))
        return result

    def _mask_aligned(self, selection: Selection) -> Sym:
        """The mask with unit axes around its own, so that it lines up with each example of `dense`."""
        dense_rank = example_rank(self.sym(selection.dense), selection.batched)
        after = dense_rank - selection.at - selection.mask_rank
        if not selection.at and not after:
            return Sym(self.builder, selection.mask)
        index = (slice(None),) + (None,) * selection.at + (slice(None),) * selection.mask_rank + (None,) * after
        return ops.getitem(Sym(self.builder, selection.mask), index=index)

    def _aligned(self, value, region: Sym) -> Sym:
        """A number per example, lined up with each example of `region`."""
        rank = example_rank(region, self.is_batched(region.atom))
        return self.ctx.align(self.sym(value), rank) if self.is_batched(value) else self.sym(value)

    def _bind(self, name: str, args: list, params: dict) -> Sym:
        """One equation of the batched program, through the primitive's batching rule where an argument is
        batched."""
        prim = lookup(name)
        args = [a.atom if isinstance(a, Sym) else a for a in args]
        flags = [self.is_batched(a) for a in args]
        syms = [self.sym(a) for a in args]
        if not any(flags):
            return Sym(self.builder, self.builder.bind(name, [s.atom for s in syms], params))
        result = prim.batch(self.ctx, prim, syms, flags, **params)
        result = result[0] if isinstance(result, tuple) else result
        self.batched.add(id(result.atom))
        return result


@dataclass
class _Guard:
    """An `if` of `_guarded`: the mask whose selections it computes on, and its donor rows once computed."""

    stmt: If
    mask: object
    rows: Sym | None = None


def _quiet(loc: SourceLoc | None) -> SourceLoc | None:
    """`loc` under `np.errstate(all="ignore")`: the code of `_guarded`'s part that no example runs."""
    if loc is None:
        return None
    return replace(loc, errstate=merge_errstate(loc.errstate, {"all": "ignore"}))


def _same_params(first: Eqn, second: Eqn) -> bool:
    try:
        return bool(first.params == second.params)
    except (TypeError, ValueError):  # (a parameter NumPy compares element by element)
        return False


def _renumbered(item, renumber: dict):
    if isinstance(item, Ref):
        return Ref(renumber[item.index])
    if isinstance(item, slice):
        return slice(*[Ref(renumber[b.index]) if isinstance(b, Ref) else b for b in (item.start, item.stop, item.step)])
    return item


def _shifted(index: tuple, offset: int) -> tuple:
    from ...primitives.indexing import shift_refs

    return shift_refs(index, offset)
