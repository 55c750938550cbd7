"""Empty index spaces and the arrays a kernel creates: where NumPy broadcasts a created array of length 1 over an
empty axis, so that a launch may meet a creation's 1 with the inputs' 0 (the pattern "E" of launch_spec's `dims`).

A size the compiler writes as `n` may be 1 at run time where the inputs' `n` is 0: the stencil pass makes
`np.concatenate((np.ones(1), y[:-1]))` one `full` of `1 + len(y[:-1])` elements (NumPy's own length: 1 at n = 0,
where `y[:-1]` is empty, not n - 1 = -1), and GradBench ode's `x * np.concatenate(...)` is NumPy's broadcast of
that 1 over x's 0: an empty result, which Python returns. The launch refused it ("the C backend needs the sizes
the annotations promise"). An empty space computes nothing, so running the kernel over it is exact when every
value the created array reaches is empty in NumPy too before anything keeps or reduces it: each is broadcast
against an input of the space's length (0) by element work on the way to every output. Any other use (the array
stored, reduced, gathered, or under a branch or loop) keeps the strict meeting: a size that differs is refused.
"""
from __future__ import annotations

from ...ir import Eqn, Var
from .region import CREATION, is_element_eqn


def empty_broadcast_axes(kernel, params: list) -> set[int]:
    """The axes of the kernel's index space along which its created arrays (of the space's length in the types)
    may be 1 where the inputs are empty (see the module's note). `params`: emit.py's, inputs first."""
    if not all(isinstance(s, Eqn) for s in kernel.body):
        return set()
    inputs = [p for p in params if p.kind in ("scalar", "array", "table")]
    outputs = {id(v) for v in kernel.outputs}
    axes = set()
    for k, size in enumerate(kernel.shape):
        if isinstance(size, int):
            continue
        empty = {id(v) for v, p in zip(kernel.inputs, inputs) if p.kind == "array" and p.spec[1][k] == "S"}
        if empty and _absorbed(kernel.body, k, kernel.shape, empty, outputs):
            axes.add(k)
    return axes


def _has_axis(var: Var, k: int, space: tuple) -> bool:
    shape = var.type.shape or ()
    pad = len(space) - len(shape)
    return k >= pad and shape[k - pad] == space[k]


def _absorbed(body: list, k: int, space: tuple, empty: set[int], outputs: set[int]) -> bool:
    """Does every value derived from a creation along axis k meet an empty value by element work before it
    reaches an output or anything but element work? `empty`: the inputs of the space's length along k."""
    empty, tainted = set(empty), set()
    for eqn in body:
        out = eqn.out
        reads = [a for a in eqn.args if isinstance(a, Var)]
        if eqn.prim.name in CREATION:
            empty.discard(id(out))
            tainted.discard(id(out))
            if _has_axis(out, k, space):
                tainted.add(id(out))
            continue
        if not is_element_eqn(eqn) or len(eqn.outs) != 1:
            if any(id(a) in tainted for a in reads):
                return False
            for o in eqn.outs:
                empty.discard(id(o))
                tainted.discard(id(o))
            continue
        if eqn.prim.name == "shift_update":  # (the accumulator's length: `acc[s] = value` keeps it)
            is_empty = id(eqn.args[0]) in empty
        elif eqn.prim.name == "shifted":  # (a source read at offsets: never claimed empty)
            is_empty = False
        else:
            is_empty = any(id(a) in empty for a in reads) and _has_axis(out, k, space)
        is_tainted = not is_empty and any(id(a) in tainted for a in reads)
        empty.discard(id(out))
        tainted.discard(id(out))
        if is_empty:
            empty.add(id(out))
        if is_tainted:
            tainted.add(id(out))
    return not (tainted & outputs)
