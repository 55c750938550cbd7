"""vmap of an array indexed by the positions of a per-example mask (`x[np.flatnonzero(m)]`, `x[np.nonzero(m)]`,
`x[np.where(m)[0]]`, and the `np.add.at` of their adjoint): frontend/nonzero.py writes those positions as selections
of `np.arange` grids by the mask, so under vmap they are `Selection`s (masks.py) of an unbatched grid. Indexing an
array whose leading axes have the mask's shape (known equal at build time) with the k grids of a k-axis mask, in
order, reads (or writes) exactly the elements `x[m]` does, in the same order: the equation becomes one through
`x[m]`, which masks.py batches. Anything else stays refused at the read, as before."""
from __future__ import annotations

from dataclasses import replace

from ...ir import Const, Eqn
from ...ir.types import is_unknown
from ...primitives.batching import example_type
from ...primitives.indexing import Ref


def _const(atom, value: int) -> bool:
    return isinstance(atom, Const) and type(atom.value) is int and atom.value == value


def _is_arange(builder, atom) -> bool:
    """`np.arange(n)`: from 0 by 1, NumPy's default int64."""
    eqn = builder.definition(atom)
    return eqn is not None and eqn.prim.name == "arange" and len(eqn.args) == 1 and not eqn.params


def grid_axis(builder, atom, rank: int) -> int | None:
    """The axis `j` whose positions `atom` holds: `np.arange(n)` (rank 1), or `np.broadcast_to(np.reshape(
    np.arange(n_j), shape), dims)` with -1 at `j` and 1 elsewhere in `shape` (rank k, nonzero.py's grids)."""
    if rank == 1:
        return 0 if _is_arange(builder, atom) else None
    spread = builder.definition(atom)
    if spread is None or spread.prim.name != "broadcast_to":
        return None
    line = builder.definition(spread.args[0])
    if line is None or line.prim.name != "reshape" or len(line.args) != rank + 1 or line.params:
        return None
    shape = line.args[1:]
    axes = [j for j, d in enumerate(shape) if _const(d, -1)]
    if len(axes) != 1 or not all(_const(d, 1) for j, d in enumerate(shape) if j != axes[0]):
        return None
    return axes[0] if _is_arange(builder, line.args[0]) else None


def as_mask_index(batching, eqn: Eqn, raw: list):
    """`x[p_0, ..., p_{k-1}]` (a read, or a write `x[...] = v`, `+= v`, `np.add.at`) with `p_j` the axis-j
    positions of one per-example k-axis mask: the same equation through `x[mask]`, with its arguments, as
    `(eqn, raw)`; None where the index is anything else. The positions are distinct, so a write through them
    (accumulating or not) writes each element once, as a write through the mask does."""
    from .masks import Selection  # (masks.py imports this module)

    first = 1 if eqn.prim.name == "getitem" else 2
    index, x = eqn.params.get("index", ()), raw[0]
    k = len(index)
    if isinstance(x, Selection) or not k or index != tuple(Ref(first + j) for j in range(k)) or \
            len(raw) != first + k:
        return None
    picks = raw[first:]
    if not all(isinstance(p, Selection) for p in picks):
        return None
    mask = picks[0]
    if mask.mask_rank != k or any(p.at != 0 or p.batched or not batching.same_mask(p.mask, mask.mask)
                                  for p in picks):
        return None
    if any(grid_axis(batching.builder, p.dense, k) != j for j, p in enumerate(picks)):
        return None
    grid = mask.dense.type.shape
    shape = (example_type(x.type) if batching.is_batched(x) else x.type).shape
    if grid is None or shape is None or len(shape) < k or tuple(shape[:k]) != tuple(grid) or \
            any(not isinstance(d, int) and is_unknown(d) for d in grid):
        return None  # (x's axes may differ from the mask's: NumPy gathers where x[mask] would raise)
    params = {**eqn.params, "index": (Ref(first),)}
    return replace(eqn, args=eqn.args[:first + 1], params=params), list(raw[:first]) + [mask.mask]
