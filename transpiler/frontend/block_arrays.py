"""`np.block(arrays)`: nested lists of arrays joined as NumPy 2.4's `_block_concatenate` joins them
(numpy/_core/shape_base.py): every array given leading axes of length 1 up to the result's rank (the deepest nesting
or the highest rank, `np.array(a, ndmin=...)`), the innermost lists joined along the last axis, the next ones along
the axis before it. The result is a new array (NumPy copies even a lone array). Lists nested to different depths,
or holding Python numbers, are refused, located (NumPy raises ValueError for the first).
"""
from __future__ import annotations

from .call_args import Emitter, arity, known_rank


def _depth(lowering, node, value) -> int:
    if not isinstance(value, tuple):
        return 0
    if not value:
        raise lowering.error(node, "np.block of an empty list (NumPy raises ValueError)", "give each list arrays")
    depths = {_depth(lowering, node, item) for item in value}
    if len(depths) != 1:
        raise lowering.error(node, "np.block's lists are nested to different depths (NumPy raises ValueError)",
                             "nest every array at the same depth: np.block([[a, b], [c, d]])")
    return depths.pop() + 1


def _leaves(value):
    return [leaf for item in value for leaf in _leaves(item)] if isinstance(value, tuple) else [value]


def block(lowering, node, builder, positional, keywords):
    """`np.block(arrays)`."""
    arity(lowering, node, "np.block", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    value = positional[0]
    depth = _depth(lowering, node, value)
    atoms = {id(leaf): emit.atom(leaf) for leaf in _leaves(value)}
    for atom in atoms.values():
        if atom.type.weak and atom.type.shape == ():
            raise emit.error("np.block of a Python number is not supported in kernels",
                             "make it an array of the dtype you want first (np.full(1, v) or a[None] of one)")
    rank = max([depth] + [known_rank(emit, a) for a in atoms.values()])

    def joined(item, level: int):
        if not isinstance(item, tuple):
            atom = atoms[id(item)]
            missing = rank - atom.type.rank
            return emit("expand_dims", atom, axis=tuple(range(missing))) if missing else atom
        parts = [joined(part, level + 1) for part in item]
        return emit("concatenate", *parts, axis=level - depth)

    result = joined(value, 0)
    return emit("copy", result) if depth == 0 or len(_leaves(value)) == 1 else result
