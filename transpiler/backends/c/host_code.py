"""Which host functions of the CUDA target run NumPy on arrays between their kernels.

Such a function cannot take pycuda `GPUArray`s as they are (NumPy's functions do not accept them, and pycuda's
own operators round differently, e.g. `x / n` multiplies by `1 / n`): its host module runs it through
`lifted.cuda.through_host`, which copies device arguments to the host once and the array results back. A function
whose host code only launches kernels, calls cuBLAS, reads shapes and computes on scalars takes device arrays as
they are and leaves its results on the device.
"""
from __future__ import annotations

from ...ir import Function, equations

# host equations that are fine on device arrays: shape reads and checks (an index check reads its index array
# back), tuple reads, tapes (lists of arrays)
_DEVICE_SAFE = {"dim", "refine_shape", "tuple_get", "tape_new", "push", "pop", "check_index"}


def runs_numpy_on_arrays(fn: Function) -> bool:
    """Does the host function (after fusion and cuBLAS routing) compute on arrays itself?"""
    for eqn in equations(fn.body):
        if eqn.prim.family == "launch" or eqn.prim.name in _DEVICE_SAFE:
            continue
        if any(atom.type.shape != () for atom in (*eqn.args, *eqn.outs)):
            return True
    return False


def argument_names(fn: Function) -> list[str]:
    """The names the generated function's signature binds, in order (a tree parameter is one name)."""
    if fn.in_tree is not None:
        return [name for name, _tree in fn.in_tree]
    return [p.name for p in fn.params]
