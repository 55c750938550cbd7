"""`np.add.reduceat(a, indices, axis=0)` and the same of `multiply`, `maximum` and `minimum` (rougier's exercise 87,
benchmarks/numpy_100), with the indices known at build time.

NumPy's rule, per index i: where `indices[i] < indices[i + 1]`, the reduction of `a[indices[i]:indices[i + 1]]`
along the axis; where `indices[i] >= indices[i + 1]`, the element `a[indices[i]]` itself; the last, the reduction
of `a[indices[-1]:]`. An index outside `[0, len)` raises IndexError (a negative one too). Each piece is the
reduction np.sum, np.prod, np.max or np.min of a slice (one element's reduction is that element, in the dtype
NumPy's reduceat gives: np.sum's, int64 for small integers and booleans), joined along the axis, so values,
derivatives, batching and the C target are those of slices, reductions and concatenate.

Floating-point sums and products depend on the order. NumPy's reduceat runs its inner loop along the axis from a
piece's first element: a product left to right (the last of np.cumprod's running products), a sum as the first
element plus the pairwise sum of the rest (np.sum of the rest moved to a C-contiguous last axis). Both checked
bit for bit against NumPy 2.4's reduceat on float64 and float32 arrays of ranks 1 to 3, every axis, drawn indices
(40 draws per shape: /tmp/strides-* scratch runs, see docs/corpora.md).
"""
from __future__ import annotations

import numpy as np

from ..ir import Const, Var
from ..values import ListValue
from .call_args import Emitter, arg, arity, given, known_rank, static_axis

REDUCED_AT = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}


def _static_indices(emit: Emitter, value, atom) -> list | None:
    """The indices where they are known at build time: numbers, `np.array([...])`, `np.arange` of numbers."""
    if isinstance(value, Const) and isinstance(value.value, int):
        return [value.value]
    if isinstance(value, (tuple, ListValue)):
        items = value.items if isinstance(value, ListValue) else value
        return [i.value for i in items] if all(isinstance(i, Const) for i in items) else None
    made = emit.builder.definition(atom) if isinstance(atom, Var) else None
    if made is None:
        return None
    if made.prim.name == "array" and isinstance(made.params.get("value"), tuple):
        return list(np.ravel(made.params["value"]))
    if made.prim.name == "arange" and all(isinstance(a, Const) for a in made.args):
        return np.arange(*[a.value for a in made.args]).tolist()
    return None


def _in_numpys_order(emit: Emitter, ufunc: str, part, axis: int, rank: int):
    """A floating-point piece reduced as NumPy's reduceat does it, whatever the layout: the product left to right
    (the last of the running products); the sum as the first element plus np.sum of the rest laid out along a
    C-contiguous last axis (NumPy's pairwise sum over the axis)."""
    if ufunc == "multiply":
        running = emit("cumprod", part, axis=axis)
        return emit("getitem", running, index=(slice(None),) * axis + (slice(-1, None),))
    first = emit("getitem", part, index=(slice(None),) * axis + (slice(0, 1),))
    rest = emit("getitem", part, index=(slice(None),) * axis + (slice(1, None),))
    if axis != rank - 1:
        rest = emit("transpose", rest, axes=tuple(a for a in range(rank) if a != axis) + (axis,))
    total = emit("sum", emit("copy", rest), axis=-1)
    return emit("add", first, emit("expand_dims", total, axis=axis))


def reduceat(ufunc: str):
    """`np.<ufunc>.reduceat(a, indices, axis=0, dtype=None, out=None)`."""
    name = f"np.{ufunc}.reduceat"
    prim = REDUCED_AT[ufunc]

    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 3, ("indices", "axis", "dtype", "out"))
        for key in ("dtype", "out"):
            if key in keywords and given(keywords[key][0]):
                raise lowering.error(keywords[key][1], f"`{name}`'s `{key}=` is not supported in kernels",
                                     f"{name}(a.astype(...), indices)" if key == "dtype" else f"r = {name}(...)")
        emit = Emitter(lowering, node, builder)
        x = emit.atom(positional[0])
        rank = known_rank(emit, x)
        if rank == 0:
            raise lowering.error(node, f"`{name}` of a number (NumPy raises TypeError: cannot reduceat a scalar)",
                                 "pass an array")
        axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node, Const(0, None))
        axis = static_axis(lowering, axis_value, axis_node, allow_none=False)
        if not -rank <= axis < rank:
            raise lowering.error(axis_node, f"`{name}`'s axis {axis} is out of range for an array of rank {rank} "
                                 "(NumPy raises AxisError)", "an axis of the array")
        axis %= rank
        index_value, index_node = arg(lowering, positional, keywords, 1, "indices", node)
        if index_value is None:
            raise lowering.error(node, f"`{name}` takes the indices (NumPy raises TypeError without them)",
                                 f"{name}(a, [0, 4, 8])")
        index_atom = index_value if isinstance(index_value, Var) else None
        indices = _static_indices(emit, index_value, index_atom)
        if indices is None or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in indices):
            raise lowering.error(index_node, f"`{name}`'s indices must be integers known at build time (the "
                                 "result's length and each piece's extent depend on them)",
                                 f"{name}(a, [0, 4, 8]) or {name}(a, np.arange(0, 16, 4))")
        length = x.type.shape[axis]
        if not isinstance(length, int):
            raise lowering.error(node, f"`{name}` along an axis whose length is not known at build time (NumPy "
                                 "checks each index against it)", 'annotate the sizes, e.g. a: "f64[16,16]"')
        for i in indices:
            if not 0 <= i < length:
                raise lowering.error(index_node, f"`{name}`'s index {int(i)} is out of bounds [0, {length}) (NumPy "
                                     "raises IndexError)", "indices from 0 to the axis's length - 1")
        if not indices:
            raise lowering.error(index_node, f"`{name}` with no indices (an empty result) is not supported in "
                                 "kernels", "give at least one index")
        ordered = ufunc in ("add", "multiply") and x.type.dtype in ("f32", "f64")
        along = lambda a, b: emit("getitem", x, index=(slice(None),) * axis + (slice(a, b),))  # noqa: E731
        pieces = []
        for k, start in enumerate(indices):
            start = int(start)
            stop = int(indices[k + 1]) if k + 1 < len(indices) else length
            if stop <= start + 1:  # `indices[i] >= indices[i + 1]` (or one element): the element itself
                pieces.append(emit(prim, along(start, start + 1), axis=axis, keepdims=True))
            elif ordered:
                pieces.append(_in_numpys_order(emit, ufunc, along(start, stop), axis, rank))
            else:
                pieces.append(emit(prim, along(start, stop), axis=axis, keepdims=True))
        return pieces[0] if len(pieces) == 1 else emit("concatenate", *pieces, axis=axis)

    return handle


def extend_functions(functions: dict) -> None:
    """Add these to numpy_api's table."""
    for ufunc in REDUCED_AT:
        functions[f"numpy.{ufunc}.reduceat"] = reduceat(ufunc)
