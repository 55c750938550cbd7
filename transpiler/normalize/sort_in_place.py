"""`a.sort(axis=-1, kind=None, order=None, *, stable=None)`: a statement that sorts `a` in place, lowered as the
update NumPy makes, `a[...] = np.sort(a, axis, kind)`, through the write machinery (inplace_writes.py, as
`a.fill(v)`: fill.py): every name and view of `a` sees the sort, a view receiver (`a[0].sort()`, `a.T.sort()`)
sorts inside the array it looks into, a parameter's copy is taken first. The values and derivatives are np.sort's
(frontend/axis_functions.py `sorting`). `axis=None` (NumPy's TypeError), `order=` (structured arrays) and a scalar
(NumPy's AxisError) are refused, located.
"""
from __future__ import annotations

import libcst as cst

from ..ir import Const, Var
from .fill import receiver_root

_PARAMETERS = ("axis", "kind", "order")


def is_sort(call: cst.Call, env) -> bool:
    """Whether this call statement is `<array>.sort(...)`: the method of an expression rooted in a name that holds
    an array (a list's `sort` is another thing)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "sort"):
        return False
    root = receiver_root(func.value)
    return isinstance(root, cst.Name) and isinstance(env.get(root.value), Var)


def lower_sort(lowering, call: cst.Call, builder, env) -> None:
    """The update `a.sort(...)` makes, as `a[...] = np.sort(a, ...)`."""
    from ..frontend.numpy_api import FUNCTIONS  # (the frontend imports normalize's modules)

    keywords: dict = {}
    for position, argument in enumerate(call.args):
        key = argument.keyword.value if argument.keyword is not None else \
            _PARAMETERS[position] if position < len(_PARAMETERS) else None
        if key not in _PARAMETERS + ("stable",) or key in keywords or argument.star:
            raise lowering.error(argument, "ndarray.sort takes (axis=-1, kind=None, order=None, *, stable=None)",
                                 "a.sort(), a.sort(axis=0), a.sort(kind='stable')")
        keywords[key] = (lowering.expr(argument.value, builder, env), argument.value)
    if "order" in keywords and not (isinstance(keywords["order"][0], Const) and keywords["order"][0].value is None
                                    or keywords["order"][0] is None):
        raise lowering.error(keywords["order"][1], "ndarray.sort's `order=` names fields of a structured array, "
                             "which kernels do not have", "leave it out")
    keywords.pop("order", None)
    axis = keywords.get("axis", (Const(-1, None), call))
    if axis[0] is None or isinstance(axis[0], Const) and axis[0].value is None:
        raise lowering.error(axis[1], "ndarray.sort with axis=None: NumPy raises TypeError (an in-place sort keeps "
                             "the shape)", "a.sort(axis=-1), or a = np.sort(a, axis=None)")
    receiver = call.func.value
    atom = lowering._atom(lowering.expr(receiver, builder, env), receiver)
    if atom.type.shape == ():
        raise lowering.error(call, "ndarray.sort of a scalar: NumPy raises AxisError", "sort an array")
    ordered = FUNCTIONS["numpy.sort"](lowering, call, builder, [atom], keywords)
    target = cst.Subscript(receiver, [cst.SubscriptElement(cst.Index(cst.Ellipsis()))])
    lowering.locate.place_like(target, call)
    lowering._assign(target, ordered, builder, env)
