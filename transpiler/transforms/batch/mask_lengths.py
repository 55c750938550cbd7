"""The length of a selection by a boolean mask that differs between examples, and the check against it.

An in-place update that may grow (`s += y`, `b[m] += v`, with a length only run time knows: normalize checks it
there with `refine_shape`, as NumPy raises ValueError: non-broadcastable output operand) reads the length of
the update's target, `dim(target, axis)`, and checks the value against it. Under vmap, where the target is a
selection by a per-example mask (masks.py), that length is each example's number of selected elements, which no
array of the batch holds. It is kept as a `SelectionLength` (the mask that counts it), which only this check may
use: a value that is a selection by the same mask (the same atom, or `y > 0` computed twice) has that length in
every example, so the check holds by construction and is the value itself. Any other use of the length, or a
check of anything else against it, is a located error (the write through the mask would need the same anyway).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import SourceLoc, TranspileError
from ...ir import Eqn
from ...primitives.batching import example_rank, normalized
from ...primitives.symbolic import ops


@dataclass(frozen=True)
class SelectionLength:
    """The number of elements `mask` selects in each example (`len(x[mask])`), for `refine_shape` alone."""

    mask: object  # an atom: the batched mask
    loc: SourceLoc | None


class MaskLengths:
    """Mixed into `BatchedMasks`: relies on its `same_mask`, `sym`, `_bind`, `values`, `builder`."""

    def length_equation(self, eqn: Eqn, raw: list) -> bool:
        """Batch `dim` or `refine_shape` of a selection; False for any other equation. Raises where a
        `SelectionLength` is used otherwise."""
        from .masks import Selection

        name = eqn.prim.name
        if name == "dim" and isinstance(raw[0], Selection):
            self.values[id(eqn.outs[0])] = self._length(raw[0], eqn.params.get("axis", 0))
            return True
        if name == "refine_shape" and isinstance(raw[0], Selection):
            self.values[id(eqn.outs[0])] = self._refined(raw[0], raw[1:], eqn.loc)
            return True
        lengths = [a for a in raw if isinstance(a, SelectionLength)]
        if lengths:
            raise length_error(eqn.loc or lengths[0].loc)
        return False

    def _length(self, selection, axis: int):
        """`dim(x[mask], axis)`: the mask's count on the selected axis, the dense array's length on another."""
        rank = example_rank(self.sym(selection.dense), selection.batched) - selection.mask_rank + 1
        axis = normalized(axis, rank)
        if axis == selection.at:
            return SelectionLength(selection.mask, selection.loc)
        return self._dense_dim(selection, axis if axis < selection.at else axis + selection.mask_rank - 1)

    def _refined(self, selection, dims: list, loc: SourceLoc | None):
        """`refine_shape(x[mask], *dims)`: on the selected axis, the length of a selection by the same mask (else
        refused); the other axes checked on the dense array, as without a mask."""
        from .masks import Selection

        at = selection.at
        length = dims[at] if at < len(dims) else None
        others = dims[:at] + dims[at + 1:]
        if not isinstance(length, SelectionLength) or not self.same_mask(length.mask, selection.mask) or \
                any(isinstance(d, SelectionLength) for d in others):
            raise length_error(loc or selection.loc)
        if not others:
            return selection
        own = [self._dense_dim(selection, at + k) for k in range(selection.mask_rank)]
        dense = self._bind("refine_shape", [selection.dense] + dims[:at] + own + dims[at + 1:], {})
        return Selection(dense.atom, self.is_batched(dense.atom), selection.mask, at, selection.loc,
                         safe=selection.safe)

    def _dense_dim(self, selection, axis: int):
        """The length of one example's `axis` of the dense array (the same for every example)."""
        dense = self.sym(selection.dense)
        return ops.dim(dense, axis=axis + 1 if selection.batched else axis).atom


def length_error(loc: SourceLoc | None) -> TranspileError:
    from .masks import HINT, REFUSED

    return TranspileError(REFUSED, loc, "check the update against a selection by the same mask, or " + HINT)
