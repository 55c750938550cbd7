"""The stencil equations the C backend's stencil pass (rewrite.py) writes, and what a step-1 slice selects.

`shifted(src)` is `src[i + offsets]` inside its windows (0 outside them, where nothing is read); `shift_update(acc,
value)` is `value` (or `acc + value`) inside its windows and `acc` outside. A window, per axis, is (start, count
from the end): the elements start <= i < d - end of an axis of size d. Both live only in kernels (c_text.py
writes their C text); fusion never puts a `shifted` in the kernel that computes its source.
"""
from __future__ import annotations

from ....ir import Eqn, Var
from ....ir.dims import dim_sum, poly_of, render, scale
from ....ir.types import is_unknown
from ....primitives.indexing.items import Ref, expand_ellipsis
from ....primitives.registry import Primitive


def _kernel_only(args, params):
    """Fusion puts every stencil equation in a kernel (see fusion.py); none is ever host code."""
    raise AssertionError("a stencil equation reached the host module")


SHIFTED = Primitive(name="shifted", family="elementwise", cuda="{0}", temp_name="at", render=_kernel_only,
                    infer=lambda types, params: params["type"], extra={"offset_read": True})
SHIFT_UPDATE = Primitive(name="shift_update", family="elementwise", cuda="{0}", temp_name="acc",
                         render=_kernel_only, infer=lambda types, params: types[0].with_shape(types[0].shape))
STENCIL_PRIMS = {"shifted", "shift_update"}


def slice_window(item, dim) -> tuple[int, int] | None:
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
            past = None if size is None or is_unknown(size) or is_unknown(dim) else dim_sum([size, negated(dim)])
            if not isinstance(past, int) or past > 0:
                return None
            item = slice(item.start, past or None, item.step)
        windows.append(slice_window(item, dim))
    return None if any(w is None for w in windows) else tuple(windows)


def is_slice_view(eqn: Eqn) -> bool:
    return view_windows(eqn) is not None




def negated(dim):
    """`-dim` as a dimension (for sums of sizes)."""
    poly = poly_of(dim)
    return None if poly is None else render(scale(poly, -1))
