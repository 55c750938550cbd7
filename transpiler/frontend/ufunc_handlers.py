"""Handlers of NumPy's elementwise functions (ufuncs) and reductions: `np.exp(x)`, `np.add(a, b)`, `np.sum(x, axis)`.

Each factory makes the handler numpy_api.py's table holds for one primitive; `bind_reduction` binds a reduction's
`axis=` and `keepdims=` and is shared by the methods (`x.sum(...)`) and the reductions with more keywords.
"""
from __future__ import annotations

from typing import Callable

from ..ir import Const
from .array_literals import array_like
from .call_args import arg as _arg, arity as _arity, static

Handler = Callable  # (lowering, node, builder, positional, keywords) -> Value


# rendered as Python's operator, which on two Python numbers gives a Python number (weak, where NumPy's function
# gives a float64 that promotes `x32 * np.add(1.0, 2.0)` to float64) and raises (ZeroDivisionError, OverflowError)
# or returns a complex number where the NumPy function gives inf or nan
_INFIX = frozenset({"add", "subtract", "multiply", "divide", "power", "floor_divide", "mod", "negative"})
_LOGICAL = frozenset({"logical_and", "logical_or"})  # rendered `&`, `|` unless spelled


def _ufunc_hint(name: str, arity: int) -> str:
    """NumPy reads a ufunc's extra positional argument as `out=` (`np.arctan(y, x)` writes into `x`)."""
    hint = f"`{name}` takes {arity} array(s)"
    if name != "np.where":  # a ufunc (or clip): the next positional argument is `out=`
        hint += ("; NumPy reads one more positional argument as `out=`, which kernels take in a statement "
                 f"(`{name}(..., out=y)` on its own line)")
    return hint + ("; for the angle of the point (x, y) write np.arctan2(y, x)" if name == "np.arctan" else "")


def elementwise(prim: str, arity: int, name: str | None = None) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        written = next((key for key in ("out", "where") if key in keywords), None)
        if written == "where" and "out" not in keywords and name and name != "np.where":
            raise lowering.error(keywords["where"][1], f"`{name}` with `where=` and no `out=`: NumPy leaves the "
                                 "other elements uninitialized (whatever the new array's memory held)",
                                 f"`{name}(..., out=y, where=m)` as a statement, or np.where(m, {name}(...), y)")
        if written and name and name != "np.where":  # (a statement writes into `out`: normalize/ufunc_out.py)
            raise lowering.error(keywords[written][1], f"`{name}` with `{written}=` read as a value is not supported "
                                 "in kernels (its value is `out` itself)", f"call it as a statement, "
                                 f"`{name}(..., out=y)` on its own line, then read y")
        _arity(lowering, node, name or prim, positional, keywords, arity, arity,
               hint=_ufunc_hint(name or prim, arity))
        atoms = [lowering._atom(array_like(lowering, node, builder, v), node) for v in positional]
        params = None
        if prim in _INFIX and name and all(a.type.shape == () for a in atoms):  # (maybe Python numbers)
            params = {"spelled": name}
        elif prim == "abs" and name and name != "abs":  # np.abs, np.absolute, np.fabs: NumPy's, not the builtin
            params = {"spelled": name}
        elif prim in _LOGICAL and name:  # (its operator works on booleans only)
            params = {"spelled": name}
        return lowering._bind(builder, node, prim, atoms, params)

    return handle


def reduction(prim: str, name: str | None = None) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, name or prim, positional, keywords, 1, 2, ("axis", "keepdims"))
        x = array_like(lowering, node, builder, positional[0])
        return bind_reduction(lowering, node, builder, prim, x, positional[1:], keywords)

    return handle


def bind_reduction(lowering, node, builder, prim, x, rest, keywords, extra: dict | None = None, masks: list = ()):
    """Bind reduction `prim` of `x` with its static `axis` (`rest[0]` or the keyword) and `keepdims=`: shared by
    the methods (`x.sum(...)`), np.count_nonzero and the reductions with more keywords (`extra` params, `masks`)."""
    axis_value, axis_node = _arg(lowering, rest, keywords, 0, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    if not (axis is None or isinstance(axis, int) or (isinstance(axis, tuple) and all(isinstance(a, int) for a in axis))):
        raise lowering.error(axis_node, "`axis` is an int, a tuple of ints, or None")
    keep_value, keep_node = keywords.get("keepdims", (Const(False, None), node))
    keepdims = static(lowering, keep_value, keep_node, "`keepdims`")
    params = {"axis": axis} | (extra or {})
    if keepdims:
        params["keepdims"] = True
    return lowering._bind(builder, node, prim, [lowering._atom(x, node)] + [lowering._atom(m, node) for m in masks],
                          params)
