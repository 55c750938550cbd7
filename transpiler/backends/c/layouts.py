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


def stepped_values(fn: Function) -> set[int]:
    """The ids of the host function's views whose last axis steps over more than one element: a basic `getitem`
    that keeps an axis and then fixes the ones after it (`corners[:, 0]` of an (n, 3) array steps 3), or slices its
    last axis with a step (`x[..., ::2]`). A flat kernel's row walk reads such an operand with its run-time step
    instead of refusing the walk for it (operands.py's `_unit_strides`): the walk's launch would find a step other
    than 1 and unravel every lane's index. A basic `getitem` of such a view that keeps its last axis as it is
    (`v[:, None, :]`) is one too. Only a matter of speed: a wrong guess reads the same elements."""
    stepped: set[int] = set()
    for eqn in equations(fn.body):
        if eqn.prim.name != "getitem" or any(k and a.type.shape != () for k, a in enumerate(eqn.args)):
            continue  # (a gather makes a new array)
        items = [item for item in expand_ellipsis(tuple(eqn.params["index"]), len(eqn.args[0].type.shape))
                 if item is not None]
        if len(items) < len(eqn.args[0].type.shape):  # the last axis kept whole
            last = "kept"
        else:
            kept = [k for k, item in enumerate(items) if isinstance(item, slice)]
            last = None if not kept else "steps" if kept[-1] < len(items) - 1 or items[-1].step not in (None, 1) \
                else "kept"
        if last == "steps" or last == "kept" and id(eqn.args[0]) in stepped:
            stepped.add(id(eqn.out))
    return stepped


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
