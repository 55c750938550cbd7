"""`np.delete(arr, obj, axis)` where the kept positions are known only at run time, as NumPy 2.4 writes it
(numpy/lib/_function_base_impl.py): a mask `keep` along the axis and `arr[..., keep]`, a copy whose length depends
on the data:

* `obj` a boolean array: `keep = ~obj`; NumPy's ValueError where its length is not the axis's (checked at run time
  where a length has a name), refused where it is not one-dimensional;
* `obj` integers (an int, a list, an array known at run time, or an axis whose length has a name): `keep` False at
  each position (`keep[obj,] = False`: negative positions from the end), NumPy's IndexError for one out of
  `-n .. n - 1`, checked at run time;
* anything else (floats) refused: NumPy raises IndexError.

The selection's derivative is the boolean index's (the kept elements' cotangents, zeros at the deleted ones).
"""
from __future__ import annotations

from .call_args import Emitter
from .order_statistics import subscript
from .running_sums import as_array


def deleted_by_mask(emit: Emitter, x, axis: int, obj):
    """`x` without the positions `obj` along `axis` (`emit`: np.delete's call)."""
    positions = as_array(emit.lowering, emit.node, emit.builder, obj)
    length = emit.dims(x)[axis]
    if positions.type.shape is None:
        raise emit.error("np.delete needs the rank of its positions", 'annotate them, e.g. i: "i64[k]"')
    if positions.type.dtype == "bool":
        if len(positions.type.shape) != 1:
            raise emit.error(f"np.delete of a boolean mask of rank {len(positions.type.shape)}: NumPy raises "
                             "ValueError (one boolean per position along the axis)", "a mask of shape (n,)")
        emit("check_assert", emit("equal", emit.dims(positions)[0], length),
             message="boolean array argument obj to delete must be one dimensional and match the axis length",
             error="ValueError")
        keep = emit("logical_not", positions)
    elif positions.type.dtype in ("i32", "i64"):
        flat = positions if len(positions.type.shape) == 1 else emit("reshape", positions, -1)
        inside = emit("logical_and", emit("greater_equal", flat, emit("negative", length)),
                      emit("less", flat, length))
        emit("check_assert", emit("all", inside), message="index out of bounds for the axis np.delete works along",
             error="IndexError")
        places = emit("mod", flat, emit("maximum", length, 1))
        hits = emit("equal", emit("reshape", emit("arange", length), -1, 1), emit("reshape", places, 1, -1))
        keep = emit("logical_not", emit("any", hits, axis=1))
    else:
        raise emit.error(f"np.delete's positions of {positions.type.dtype}: NumPy raises IndexError (only integers "
                         "and booleans index)", "positions as integers: np.delete(x, i.astype(np.int64))")
    return subscript(emit, x, [slice(None)] * axis + [keep])
