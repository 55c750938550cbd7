"""Which host values reach a kernel as strided views, so the kernel reads them through strides instead of the
runtime copying them to a contiguous array before every launch.

A kernel reads an input of its own full shape as contiguous (`x[i]`, the fast path) unless told otherwise; the
runtime copies any other layout first, so the choice never changes a number, only the work: for `ba`'s and
`ht`'s column views (`x[:, 0]` of a (p, 3) array, the transposed products of a batched sweep) that copy was a
whole extra pass over the data per launch. The values marked here are those the host makes with an equation
that returns a view whose layout is not C-contiguous in general: a basic `getitem` that is not a leading run of
integers and one step-1 slice followed by whole axes (`x[:, 0]`, `x[::2]`), a gather that does not index
the leading axis (`x[:, :, rows]`, which NumPy lays out transposed), `transpose`, `swapaxes`,
`broadcast_to`, `flip`, `diagonal`, a stacked matrix product whose result is transposed, and `np.einsum` (its
result keeps its operands' memory order, `order="K"`).

Of those, the column picks (`column_picks`: `ct[:, :, 1]`, `cam[:, 6]`, an integer on the last axis, whose step
along it is never 1) are read by a flat kernel's row walk through that step (see operands.py's `_picked`)
instead of keeping the whole kernel off the walk.
"""
from __future__ import annotations

from ...ir import Eqn, Function, equations
from ...primitives.indexing.items import Ref, expand_ellipsis

VIEW_PRIMS = {"transpose", "swapaxes", "broadcast_to", "flip", "diagonal", "einsum"}


def strided_values(fn: Function) -> set[int]:
    """The ids of the host function's values (any block) that are views with a layout a kernel should walk."""
    return {id(eqn.out) for eqn in equations(fn.body) if _strided(eqn)}


def column_picks(fn: Function) -> set[int]:
    """The ids of the host function's values that pick one element of the last axis of an array of rank 2 or
    more with a basic index (`x[:, 0]`, `x[..., k]`): views whose last-axis stride is the source's row length."""
    picks = set()
    for eqn in equations(fn.body):
        if eqn.prim.name != "getitem" or any(a.type.shape != () for a in eqn.args[1:]):
            continue
        rank = len(eqn.args[0].type.shape)
        if rank < 2 or len(eqn.out.type.shape) < 1:
            continue
        items = [item for item in expand_ellipsis(tuple(eqn.params["index"]), rank) if item is not None]
        if len(items) == rank and isinstance(items[-1], (int, Ref)):
            picks.add(id(eqn.out))
    return picks


def _strided(eqn: Eqn) -> bool:
    name = eqn.prim.name
    if name in VIEW_PRIMS:
        return True
    if name == "stacked_matmul":
        plan = eqn.params["plan"]
        return plan.swapped is not None or plan.out_axes != tuple(range(len(plan.out_axes)))
    if name == "getitem":
        index = [item for item in eqn.params["index"] if item is not None]
        gathers = {k for k, a in enumerate(eqn.args) if k and a.type.shape != ()}
        if gathers:  # NumPy lays a gather out C-contiguous only when it indexes the leading axes
            return not (index and isinstance(index[0], Ref) and index[0].index in gathers)
        return not _contiguous_index(index)
    return False


def _contiguous_index(items: list) -> bool:
    """Does `x[items]` (no inserted axes) of a C-contiguous `x` stay C-contiguous? Integers first, then at most
    one slice of step 1, then whole axes."""
    position = 0
    while position < len(items) and isinstance(items[position], (int, Ref)):
        position += 1
    rest = items[position:]
    if rest and isinstance(rest[0], slice) and rest[0].step in (None, 1):
        rest = rest[1:]
    return all(item is Ellipsis or item == slice(None) for item in rest)
