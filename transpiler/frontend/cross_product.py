"""`np.cross`: the components NumPy's own definition computes, as gathers, products and differences.

NumPy moves each operand's vector axis last, casts both to their common dtype and writes each component of the
result as one product minus another (`cp0 = a1 * b2 - a2 * b1`, ...), with the missing third component of a
2-vector taken as zero (a product dropped, a negation instead). Written here with the same products in the same
order, the result has NumPy's bits, and its derivatives, batching and C code come from those entries' rules.
"""
from __future__ import annotations

from ..ir.types import axis_hint
from .array_literals import array
from .call_args import Emitter, arg, arity, given, known_rank, static_int

_AXES = ("axisa", "axisb", "axisc", "axis")


def cross(lowering, node, builder, positional, keywords):
    """`np.cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None)` of 2- or 3-vectors along any axis."""

    arity(lowering, node, "np.cross", positional, keywords, 2, 6, _AXES)
    emit = Emitter(lowering, node, builder)
    a, b = (emit.atom(array(lowering, node, builder, [v], {}) if isinstance(v, tuple) else v)
            for v in positional[:2])
    axes = {}
    for position, name in enumerate(_AXES):
        value, value_node = arg(lowering, positional, keywords, position + 2, name, node)
        axes[name] = None if not given(value) else \
            static_int(lowering, value, value_node, f"`{name}`")
    if axes["axis"] is not None:  # NumPy: `axis` overrides the other three
        axes["axisa"] = axes["axisb"] = axes["axisc"] = axes["axis"]
    parts = []
    for atom, name in ((a, "axisa"), (b, "axisb")):
        if atom.type.dtype == "bool":
            raise emit.error("np.cross of booleans is an error in NumPy (it subtracts them)",
                             "cast first: np.cross(a.astype(np.float64), b)")
        rank = known_rank(emit, atom)
        axis = -1 if axes[name] is None else axes[name]
        if not -rank <= axis < rank:
            raise emit.error(f"`{name}` {axis} is out of range for an operand of rank {rank}", axis_hint(rank))
        axis %= rank
        size = atom.type.shape[axis]
        if size not in (2, 3):
            raise emit.error("np.cross needs vectors of length 2 or 3 known at build time (the length along "
                             f"`{name}` is {size})", 'annotate the vector axis with its length, e.g. "f64[n,3]"')
        before = (slice(None),) * axis
        parts.append([emit("getitem", atom, index=before + (k,)) for k in range(size)])
    (a0, a1, *a2), (b0, b1, *b2) = parts
    product = lambda x, y: emit("multiply", x, y)  # noqa: E731
    last = emit("subtract", product(a0, b1), product(a1, b0))  # cp2 = a0 * b1 - a1 * b0 in every case
    if not a2 and not b2:
        return last  # two 2-vectors: the scalar z-component
    if a2 and b2:
        first = emit("subtract", product(a1, b2[0]), product(a2[0], b1))
        second = emit("subtract", product(a2[0], b0), product(a0, b2[0]))
    elif b2:  # a is a 2-vector: a2 = 0
        first, second = product(a1, b2[0]), emit("negative", product(a0, b2[0]))
    else:  # b is a 2-vector: b2 = 0
        first, second = emit("negative", product(a2[0], b1)), product(a2[0], b0)
    rank = known_rank(emit, last) + 1
    axisc = -1 if axes["axisc"] is None else axes["axisc"]
    if not -rank <= axisc < rank:
        raise emit.error(f"`axisc` {axisc} is out of range for a result of rank {rank}", axis_hint(rank))
    return emit("stack", first, second, last, axis=axisc % rank)
