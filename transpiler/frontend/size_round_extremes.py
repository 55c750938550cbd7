"""`np.size`, `np.round` (and `np.around`), and the builtins `max`/`min` of one vector, as NumPy and Python run them.

* `np.size(a)` is `a.size` (the product of the dimensions, a Python int); `np.size(a, axis)` that axis's length.
* `np.round(a, decimals=0)` is what NumPy computes: `np.rint(a)` (halves to even) for `decimals=0`; for
  `decimals > 0`, `np.rint(a * 10**d) / 10**d`, and for `decimals < 0`, `np.rint(a / 10**-d) * 10**-d`, the same
  operations in the same order, so the same bits. An integer array with `decimals >= 0` is returned unchanged
  (a copy); with `decimals < 0` NumPy rounds in integer arithmetic, which is refused.
* `max(v)` / `min(v)` of a vector walk it as Python does: the first element is kept unless a later one compares
  greater (smaller), so a NaN is the result only when it comes first, later NaNs are passed over, and of equal
  values (`0.0` and `-0.0`) the first wins. That is the element at the first position of the largest value
  once NaNs are set aside (`np.argmax` of the vector with NaN replaced by -inf), unless the first element is
  NaN; an empty vector raises, as Python's does (an IndexError where Python's is a ValueError). The derivative flows to the
  chosen element, as autograd's does. An array of rank 2 or more is refused: Python compares its rows as arrays.
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const
from .call_args import Emitter, arg, arity, static
from .ufunc_handlers import bind_reduction


def size(lowering, node, builder, positional, keywords):
    """`np.size(a, axis=None)`."""
    arity(lowering, node, "np.size", positional, keywords, 1, 2, ("axis",))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    dims = emit.dims(atom)
    axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`") if axis_value is not None else None
    if axis is not None:
        if not isinstance(axis, int) or isinstance(axis, bool) or not -len(dims) <= axis < len(dims):
            raise emit.error(f"np.size's `axis` {axis!r} is not an axis of an array of rank {len(dims)}",
                             "an int in range(-ndim, ndim)")
        return dims[axis]
    total = const(1)
    for dim in dims:
        total = const(total.value * dim.value) if isinstance(total, Const) and isinstance(dim, Const) \
            else emit("multiply", total, dim)
    return total


def round_half_even(lowering, node, builder, positional, keywords, name: str = "np.round"):
    """`np.round(a, decimals=0)` / `np.around`."""
    arity(lowering, node, name, positional, keywords, 1, 2, ("decimals",))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    decimals_value, decimals_node = arg(lowering, positional, keywords, 1, "decimals", node, Const(0, None))
    decimals = static(lowering, decimals_value, decimals_node, "`decimals`")
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise emit.error(f"{name}'s `decimals` is an int known at build time", f"{name}(x, 2)")
    if atom.type.dtype in ("bool",) or not atom.type.is_float:
        if decimals >= 0:
            return emit("copy", atom) if atom.type.shape != () else atom
        raise emit.error(f"{name} of integers with decimals < 0 rounds in integer arithmetic, which is not "
                         "supported in kernels", f"{name}(x.astype(np.float64), {decimals})")
    if decimals == 0:
        return emit("rint", atom)
    factor = const(10.0 ** abs(decimals))
    if decimals > 0:
        return emit("divide", emit("rint", emit("multiply", atom, factor)), factor)
    return emit("multiply", emit("rint", emit("divide", atom, factor)), factor)


def around(lowering, node, builder, positional, keywords):
    return round_half_even(lowering, node, builder, positional, keywords, "np.around")


FUNCTIONS = {"numpy.size": size, "numpy.round": round_half_even, "numpy.around": around}


def extreme_of_vector(lowering, node, builder, atom, name: str):
    """The builtin `max(v)` or `min(v)` (`name`) of a vector `atom`; see the module docstring."""

    emit = Emitter(lowering, node, builder)
    if atom.type.rank != 1:
        raise emit.error(f"the builtin `{name}` of an array of rank {atom.type.rank} iterates over its rows "
                         "(Python compares them as arrays and raises on the truth value)",
                         f"np.{name}(x) for an array's elements, or {name}(x[0], x[1]) for numbers")
    values = atom
    if atom.type.is_float:
        filler = const(float("-inf") if name == "max" else float("inf"))
        values = emit("where", emit("isnan", atom), filler, atom)
    position = bind_reduction(lowering, node, builder, "argmax" if name == "max" else "argmin", values, [], {})
    chosen = _element(lowering, node, builder, atom, emit.atom(position))
    if not atom.type.is_float:
        return chosen
    first = _element(lowering, node, builder, atom, const(0))
    return lowering.choose(emit("isnan", first), ([], first), ([], chosen), builder, f"{name}(...)",
                           "largest" if name == "max" else "smallest")  # a NumPy scalar, as Python's


def _element(lowering, node, builder, atom, index):
    args, index_structure = lowering._index(atom, [index.value if isinstance(index, Const) else index])
    return lowering._bind(builder, node, "getitem", args, {"index": tuple(index_structure)})
