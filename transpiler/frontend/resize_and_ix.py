"""`np.resize` and `np.ix_`, written as NumPy 2.x writes them (numpy/_core/fromnumeric.py, numpy/lib/_index_tricks_impl.py),
so the NumPy backend gives NumPy's bits and the derivatives, batching and the C target come from the parts:

* `np.resize(a, new_shape)`: `a` flattened, repeated (`np.concatenate((a,) * repeats)`, a copy) and cut to the new
  size, then reshaped; zeros of a's dtype where either size is 0. Both sizes must be known at build time.
* `np.ix_(*args)`: each 1-D array reshaped to run along its own axis (`(1,) * k + (n,) + (1,) * (nd - k - 1)`): views
  of the arguments, as NumPy's. A boolean argument is `new.nonzero()[0]` (nonzero.py), as NumPy's, a length known
  only at run time.
"""
from __future__ import annotations

import math

from ..ir import Const, Var
from .call_args import Emitter, arity, known_rank, ravel, static
from .nonzero import positions
from .running_sums import as_array


def resize(lowering, node, builder, positional, keywords):
    """`np.resize(a, new_shape)`: a's elements in order, repeated as often as the new size needs."""
    arity(lowering, node, "np.resize", positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    new_shape = static(lowering, positional[1], node, "np.resize's new shape")
    new_shape = new_shape if isinstance(new_shape, tuple) else (new_shape,)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in new_shape):
        raise emit.error("np.resize's new shape is an int or a tuple of ints known at build time",
                         "np.resize(x, (2, 3))")
    if any(n < 0 for n in new_shape):
        raise emit.error(f"np.resize to the shape {new_shape}: NumPy raises ValueError for a negative length",
                         "lengths of 0 or more")
    known_rank(emit, x)
    if not all(isinstance(n, int) for n in x.type.shape):
        raise emit.error("np.resize needs its argument's size at build time (it repeats the elements that often)",
                         'annotate it with sizes, e.g. x: "f64[3,4]"')
    size, new_size = math.prod(x.type.shape), math.prod(new_shape)
    if size == 0 or new_size == 0:
        return emit("full", *new_shape, _zero(x.type.dtype), dtype=x.type.dtype)
    flat = ravel(emit, x)
    repeats = -(-new_size // size)
    repeated = emit("concatenate", *[flat] * repeats, axis=0) if repeats > 1 else emit("copy", flat)
    cut = repeated if repeats * size == new_size else emit("getitem", repeated, index=(slice(0, new_size),))
    if new_shape == (new_size,):
        return cut
    return emit("reshape", cut, *new_shape)


def _zero(dtype: str):
    from ..builder import const

    return const(False if dtype == "bool" else 0 if dtype in ("i32", "i64") else 0.0)


def ix_(lowering, node, builder, positional, keywords):
    """`np.ix_(*args)`: a tuple of the arguments reshaped to an open grid, each along its own axis."""
    arity(lowering, node, "np.ix_", positional, keywords, 0, 32)
    emit = Emitter(lowering, node, builder)
    grids = []
    for k, value in enumerate(positional):
        new = as_array(lowering, node, builder, value)
        if not isinstance(value, Var) and not isinstance(value, Const) and new.type.shape is not None \
                and 0 in new.type.shape:  # an empty list: NumPy's positions (intp), not its default float
            new = emit("astype", new, dtype="i64")
        if known_rank(emit, new) != 1:
            raise emit.error(f"np.ix_ of an array of rank {new.type.rank}: NumPy raises ValueError (each index is "
                             "1-dimensional)", "pass 1-D arrays of positions")
        if new.type.dtype == "bool":
            new = positions(emit, new)[0]
        shape = [1] * len(positional)
        shape[k] = emit.dims(new)[0]
        grids.append(emit("reshape", new, *shape))
    return tuple(grids)


FUNCTIONS = {"numpy.resize": resize, "numpy.ix_": ix_}
