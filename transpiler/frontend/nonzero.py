"""`np.nonzero`, `np.flatnonzero`, `np.argwhere`, `np.where(c)` of one argument and `x.nonzero()`, written with the
boolean-mask selection Lifted already has (a length known only at run time), so no new derivative, batching or C
code: they are integer valued, and gradients flow through what they index.

* `np.flatnonzero(a)`: `np.arange(a.size)[np.ravel(a) != 0]` (int64, as NumPy's intp), numpy/_core/numeric.py.
* `np.nonzero(a)` of a k-d `a` (k >= 1): the k index arrays of its nonzero elements in C order, each axis' index
  grid (`np.arange(n_j)` broadcast to a's shape) selected by `a != 0`. NumPy 2.x raises ValueError for a 0-d `a`
  (every call would): refused at build time. NaN is nonzero, -0.0 is zero, as `a != 0` says.
* `np.argwhere(a)`: `np.transpose(np.nonzero(a))`, shape (count, k); of a 0-d `a`, NumPy's `argwhere(atleast_1d(a))
  [:, :0]`, shape (count, 0).
* `np.where(c)` of one argument is `np.nonzero(c)` (NumPy's documentation says so).
"""
from __future__ import annotations

from ..primitives.indexing import Ref
from .call_args import Emitter, arity, known_rank, ravel
from .running_sums import as_array


def _mask(emit: Emitter, a):
    """`a != 0`: the elements NumPy's nonzero counts (a boolean array is its own mask)."""
    return a if a.type.dtype == "bool" else emit("not_equal", a, 0)


def flat_positions(emit: Emitter, a):
    """The flat (C-order) positions of the nonzero elements of `a`, as `np.flatnonzero(a)`."""
    flat = ravel(emit, a) if a.type.rank != 1 else a
    return emit("getitem", emit("arange", emit.dims(flat)[0]), _mask(emit, flat), index=(Ref(1),))


def positions(emit: Emitter, a) -> tuple:
    """The tuple `np.nonzero(a)` returns, for an array `a` of rank 1 or more."""
    rank = known_rank(emit, a)
    if rank == 0:
        raise emit.error("np.nonzero of a 0-d array: NumPy 2.x raises ValueError (calling nonzero on 0d arrays is "
                         "not allowed)", "np.nonzero(np.atleast_1d(x)), or np.flatnonzero(x)")
    if rank == 1:
        return (flat_positions(emit, a),)
    dims = emit.dims(a)
    mask = _mask(emit, a)
    grids = []
    for axis in range(rank):
        line = emit("reshape", emit("arange", dims[axis]), *[-1 if j == axis else 1 for j in range(rank)])
        grids.append(emit("getitem", emit("broadcast_to", line, *dims), mask, index=(Ref(1),)))
    return tuple(grids)


def nonzero(lowering, node, builder, positional, keywords):
    """`np.nonzero(a)`: a tuple of one index array per axis of `a`."""
    arity(lowering, node, "np.nonzero", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    return positions(emit, as_array(lowering, node, builder, positional[0]))


def method_nonzero(lowering, node, builder, atom, positional, keywords):
    """`a.nonzero()`."""
    arity(lowering, node, ".nonzero()", positional, keywords, 0, 0)
    emit = Emitter(lowering, node, builder)
    if atom.type.weak:
        raise emit.error("a Python number has no `.nonzero()`", "np.flatnonzero(x)")
    return positions(emit, atom)


def flatnonzero(lowering, node, builder, positional, keywords):
    """`np.flatnonzero(a)`: the flat positions of a's nonzero elements."""
    arity(lowering, node, "np.flatnonzero", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    a = as_array(lowering, node, builder, positional[0])
    known_rank(emit, a)
    return flat_positions(emit, a)


def argwhere(lowering, node, builder, positional, keywords):
    """`np.argwhere(a)`: one row of positions per nonzero element."""
    arity(lowering, node, "np.argwhere", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    a = as_array(lowering, node, builder, positional[0])
    if known_rank(emit, a) == 0:
        column = emit("reshape", flat_positions(emit, a), -1, 1)
        return emit("getitem", column, index=(slice(None), slice(None, 0)))
    return emit("stack", *positions(emit, a), axis=1)


def where(old):
    """`np.where(condition)` of one argument is `np.nonzero(condition)`; three arguments select (`old`)."""
    def handle(lowering, node, builder, positional, keywords):
        if len(positional) == 1 and not keywords:
            return positions(Emitter(lowering, node, builder), as_array(lowering, node, builder, positional[0]))
        return old(lowering, node, builder, positional, keywords)

    return handle


FUNCTIONS = {"numpy.nonzero": nonzero, "numpy.flatnonzero": flatnonzero, "numpy.argwhere": argwhere}


def extend_functions(functions: dict) -> None:
    """Add these to numpy_api's table; `np.where` of one argument wraps the existing handler."""
    functions.update(FUNCTIONS)
    functions["numpy.where"] = where(functions["numpy.where"])


def extend_methods(methods: dict) -> None:
    """Add `.nonzero()` to array_methods' table."""
    methods["nonzero"] = method_nonzero
