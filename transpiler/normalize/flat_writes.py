"""`a.flat[k] = v` and `a.flat[i:j:s] = v`: NumPy's flat iterator written at an index known at build time, lowered
as the update np.put makes (array_writes.py `put_flat`), through the write machinery: every name and view of `a`
sees it, reverse mode copies what its sweep reads, the C target writes where NumPy writes.

NumPy's `flatiter.__setitem__` reads the values flat and cycles them over the positions it writes, in order (a
shorter value repeats, a longer one is cut; an empty slice writes nothing), and casts them to `a`'s dtype as np.put
does (a Python float into an integer array, which NumPy may reject with ValueError, refused as np.put refuses it).
The positions of a slice are `range(a.size)[i:j:s]`, so `a`'s shape is needed at build time; an integer index
(negative counts from the end) out of range is NumPy's IndexError, refused at build time. Integer index arrays
are np.put's (a literal list; of a vector, indices known at run time too); masks and float indices are refused,
located.
"""
from __future__ import annotations

import math

import libcst as cst

from ..builder import const
from ..frontend.call_args import Emitter, static
from ..ir import Const, Var
from .array_writes import put_flat
from .functions import frozen

HINT = "np.put(a, ind, v) writes at flat positions known at run time"


def store_flat(lowering, target: cst.Subscript, value, builder, env) -> None:
    """`a.flat[index] = value` (`value` already lowered), `a` a name holding an array of known shape."""
    holder = target.value.value
    if not isinstance(holder, cst.Name) or not isinstance(env.get(holder.value), Var):
        raise lowering.error(target, "writes through `.flat` need the array held by a name here",
                             "name the array first: m = ...; m.flat[k] = v")
    a = env[holder.value]
    shape = a.type.shape
    if shape is None or shape == () or not all(isinstance(n, int) and not isinstance(n, bool) for n in shape):
        raise lowering.error(target, "writes through `.flat` need an array of rank 1 or more whose shape is known at "
                             "build time", 'annotate its sizes, e.g. a: "f64[3,4]"')
    if len(target.slice) != 1:
        raise lowering.error(target, "`.flat` takes one index (NumPy raises IndexError for more)", "a.flat[k] = v")
    index = target.slice[0].slice
    size = math.prod(shape)
    emit = Emitter(lowering, target, builder)
    if isinstance(index, cst.Slice):
        bounds = [None if part is None else static(lowering, lowering.expr(part, builder, env), part,
                                                   "a `.flat` slice's bound") for part in
                  (index.lower, index.upper, index.step)]
        if not all(b is None or isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            raise lowering.error(index, "a `.flat` slice's bounds are integers known at build time", HINT)
        if bounds[2] == 0:
            raise lowering.error(index, "slice step cannot be zero (NumPy raises ValueError)", "a step of 1 or more")
        positions = tuple(const(k) for k in range(size)[slice(*bounds)])
        if not positions:
            return  # (NumPy writes nothing)
    else:  # an int, or integer indices as np.put takes them (a literal list; of a vector, known at run time)
        positions = frozen(lowering.expr(index.value, builder, env), lowering, index.value)
        k = positions.value if isinstance(positions, Const) else None
        if isinstance(k, bool) or isinstance(k, float):
            raise lowering.error(index.value, "writes through `.flat` take integer indices or a slice", HINT)
        if isinstance(k, int) and not -size <= k < size:
            raise lowering.error(index.value, f"index {k} is out of bounds for size {size} (NumPy raises "
                                 "IndexError)", "an index within the array")
        if isinstance(k, int):
            positions = const(k % size)
    put_flat(lowering, emit, holder, positions, index, frozen(value, lowering, target), target, "raise", env,
             name="a `.flat` write")
