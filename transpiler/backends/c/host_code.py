"""Which host functions of the CUDA target run NumPy on arrays between their kernels.

Such a function cannot take pycuda `GPUArray`s as they are (NumPy's functions do not accept them, and pycuda's
own operators round differently, e.g. `x / n` multiplies by `1 / n`): its host module runs it through
`lifted.cuda.through_host`, which copies device arguments to the host once and the array results back. A function
whose host code only launches kernels, calls cuBLAS, reads shapes and computes on scalars takes device arrays as
they are and leaves its results on the device.
"""
from __future__ import annotations

import dataclasses

from ...ir import Const, Eqn, Function, equations
from ...ir.types import TensorType

# host equations that are fine on device arrays: shape reads and checks (an index check reads its index array
# back; an empty-axis check reads a size; the sharing check compares device byte ranges), tuple reads, tapes (lists of arrays)
_DEVICE_SAFE = {"dim", "refine_shape", "tuple_get", "tape_new", "push", "pop", "check_index", "check_nonempty",
                "check_unshared",
                "check_scalar_argument", "check_writeable"}


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


def split_entry_checks(fn: Function) -> tuple[Function | None, Function]:
    """The argument-sharing checks at the top of `fn` (argument_sharing.py) as a function of their own, and `fn`
    without them. On the CUDA target the public function runs them on the caller's arguments: `lifted.cuda.call`
    copies each NumPy argument to the device on its own, which would hide the sharing from them."""
    checks = [stmt for stmt in fn.body if isinstance(stmt, Eqn) and stmt.prim.extra.get("entry_check")]
    if not checks:
        return None, fn
    kept = {id(stmt) for stmt in checks}
    body = dataclasses.replace(fn, body=[stmt for stmt in fn.body if id(stmt) not in kept])
    nothing = Const(None, TensorType("bool", ()))  # (the checks function returns None)
    only = dataclasses.replace(fn, name=f"_{fn.name}_checks", body=checks, result=nothing, doc=None, out_tree=None,
                               defaults=None)
    return only, body
