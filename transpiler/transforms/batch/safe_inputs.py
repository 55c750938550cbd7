"""Safe inputs for arithmetic on a selection by a per-example mask (masks.py): each unselected element takes the
first selected one of its row, and a row that selects nothing takes the row of the first example that selects
something (`_rows`), so that the batch computes nothing the examples would not compute one by one."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ...errors import TranspileError
from ...primitives.indexing import Ref
from ...primitives.symbolic import Sym, ops

if TYPE_CHECKING:
    from .masks import Selection


class SafeInputs:
    """Mixed into `BatchedMasks`: relies on its `ctx`, `builder`, `batched`, `_select_where`."""

    def _rows(self, mask) -> Sym:
        """For each example, the row whose selected elements its safe inputs take: its own where it selects
        something, else the first example's that does (only read where some example does: `_guarded`). An
        example that selects nothing computes nothing unbatched, so any values would do but for the warnings
        of NumPy (`np.sqrt(-1.0)`, `1.0 / 0.0`): those of an example that runs the same code give none it
        would not give itself."""
        mask = Sym(self.builder, mask)
        axes = tuple(range(1, mask.atom.type.rank))
        selects = ops.any(mask, axis=axes) if axes else mask
        donor = ops.argmax(selects)
        return ops.where(selects, ops.arange(self.ctx.size), donor)

    def _safe(self, selection: "Selection", rows: Sym) -> "Selection":
        """The selection with each unselected element replaced by the first selected one of its row in `rows`
        (`_rows`); read only where some example selects something, so the mask's axes are not empty."""
        if selection.safe:
            return selection
        dense = Sym(self.builder, selection.dense)
        if not selection.batched:
            dense = self.ctx.lift(dense)
        if selection.mask_rank > 1:
            return self._safe_flattened(selection, dense, rows)
        at = selection.at
        first = ops.getitem(ops.argmax(Sym(self.builder, selection.mask), axis=1), rows, index=(Ref(1),))
        picked = ops.getitem(dense, rows, first, index=(Ref(1),) + (slice(None),) * at + (Ref(2),))
        picked = ops.getitem(picked, index=(slice(None),) * (1 + at) + (None,))
        safe = self._select_where(selection, dense, picked)
        return replace(selection, dense=safe.atom, batched=True, safe=True)

    def _safe_flattened(self, selection: "Selection", dense: Sym, rows: Sym) -> "Selection":
        """`_safe` of a selection by a mask of several axes (LeakyReLU's `z[z < 0] * alpha` on a matrix): the mask's
        axes flattened into one (the first selected element in C order stands in), then the shape restored. The
        example's axes must be known at build time."""
        at, rank = selection.at, selection.mask_rank
        shape = dense.atom.type.shape
        example = tuple(shape[1:]) if shape is not None else ()
        if shape is None or not all(isinstance(d, int) for d in example):
            raise TranspileError("arithmetic on a selection by a multi-dimensional mask that differs between "
                                 "examples needs the example's shape known at build time", selection.loc,
                                 'annotate the lengths ("f64[4, 3]"), or ' + _hint())
        size = 1
        for d in example[at:at + rank]:
            size *= d
        flat = (-1,) + example[:at] + (size,) + example[at + rank:]
        flat_dense = ops.reshape(dense, *flat)
        flat_mask = ops.reshape(Sym(self.builder, selection.mask), -1, size)
        self.batched.update((id(flat_dense.atom), id(flat_mask.atom)))
        flattened = replace(selection, dense=flat_dense.atom, batched=True, mask=flat_mask.atom, safe=False)
        safe = self._safe(flattened, rows)
        restored = ops.reshape_like(Sym(self.builder, safe.dense), dense)
        self.batched.add(id(restored.atom))
        return replace(selection, dense=restored.atom, batched=True, safe=True)


def _hint() -> str:
    from .masks import HINT

    return HINT
