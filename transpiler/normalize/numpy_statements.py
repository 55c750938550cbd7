"""NumPy functions called as statements that write into an existing array (`np.fill_diagonal`,
`np.put_along_axis`, `np.copyto`, `np.putmask`, `np.place`, `np.put`, `np.add.at`): which of them a call statement is,
and its arguments by parameter name, as Python binds them. Each is a statement of its own or the value of one
assignment to a name (`ret = np.putmask(a, m, v)`: the update, and `ret` holds NumPy's None; normalize/lower.py)."""
from __future__ import annotations

import libcst as cst

from ..ir import Var
from ..values import Module


def numpy_statement(lowering, call: cst.Call, builder, env, names) -> str | None:
    """Which of NumPy's functions `names` this call statement is (resolved as the kernel sees names), or None."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    if name not in names:
        return None
    value = lowering.expr(func, builder, env)
    return name if isinstance(value, Module) and value.path == f"numpy.{name}" else None


def bound_arguments(lowering, call: cst.Call, name: str, parameters: tuple, required: int, hint: str) -> dict:
    """`np.<name>`'s arguments by parameter (positional ones in `parameters`' order, then keywords): Python's
    TypeError for an unknown, repeated or starred argument, or a missing one of the first `required`, refused."""
    found: dict = {}
    for position, argument in enumerate(call.args):
        key = argument.keyword.value if argument.keyword is not None else \
            parameters[position] if position < len(parameters) else None
        if key not in parameters or key in found or argument.star:
            raise lowering.error(argument, f"np.{name} takes ({', '.join(parameters)})", hint)
        found[key] = argument.value
    if any(key not in found for key in parameters[:required]):
        raise lowering.error(call, f"np.{name} takes {', '.join(parameters[:required])} (NumPy requires them)", hint)
    return found


def named_array(lowering, target: cst.BaseExpression, env, name: str, example: str) -> Var:
    """The array a NumPy statement (`np.put(a, ...)`, `np.add.at(a, ...)`) writes into: held by a name, which the
    update rebinds (a written expression has no name to rebind)."""
    if not isinstance(target, cst.Name) or not isinstance(env.get(target.value), Var):
        raise lowering.error(target, f"{name} writes into an array held by a name here",
                             f"name the array first: m = ...; {example}")
    return env[target.value]
