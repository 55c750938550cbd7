"""The builtin `round` of numbers known only at run time, as Python computes it.

`round(x)` of a float is the nearest int, ties to even (`round(2.5)` is 2, `round(-0.5)` is 0), a Python int, with
int()'s errors at run time (ValueError at NaN, OverflowError at inf, and the run-time refusal of an int past int64);
of an int or a Python bool, the int. `round(x, n)` takes `n` an int known at build time: of a Python float
(`float(s)`, `s * 0.5` of a Python number), `n == 0` is the float nearest, ties to even (`rint`, a Python float:
`round(-0.4, 0)` is -0.0); other `n` are refused where written (CPython rounds the exact decimal value of the
double correctly, then reads it back: another algorithm than NumPy's `rint(x * 10**n) / 10**n`, whose results
differ, e.g. round(-53.6045, 3)). Of a float64 scalar that may be a NumPy scalar or a Python float at run time (a
`"f64[]"` parameter takes both; an element `x[0]` is NumPy's) it is refused for every `n`: NumPy's `__round__`
returns NumPy's scalar of NumPy's algorithm, Python's a float. Of an int, `n >= 0` gives the int back (a Python
int stays one, a NumPy int's `__round__` returns it). A NumPy bool has no `__round__`: Python's TypeError, refused
where written. The derivative is zero (rint's).
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const, Var
from .call_args import arity, static
from .python_builtins import check_float_fits

_HINT = "round(x) for an int, round(x, 0) for a float, np.round(x, n) for NumPy's decimal rounding"


def python_round(lowering, node, builder, positional, keywords):
    """`round(number)` / `round(number, ndigits)` (module docstring)."""
    arity(lowering, node, "round", positional, keywords, 1, 2, ("ndigits",), hint=_HINT)
    value = positional[0]
    digits_value = positional[1] if len(positional) == 2 else keywords.get("ndigits", (Const(None, None), None))[0]
    digits = None if isinstance(digits_value, Const) and digits_value.value is None else \
        static(lowering, digits_value, node, "round's `ndigits`")
    if digits is not None and (not isinstance(digits, int) or isinstance(digits, bool)):
        raise lowering.error(node, "round's `ndigits` is an int known at build time (or None)", _HINT)
    if isinstance(value, Const) and type(value.value) in (bool, int, float):
        return const(round(value.value) if digits is None else round(value.value, digits))
    if not isinstance(value, (Var, Const)) or value.type.shape != ():
        raise lowering.error(node, "the builtin `round` of an array: Python raises TypeError (NumPy's arrays have "
                             "no __round__ of more than one element)", "np.round(x) for every element")
    dtype, weak = value.type.dtype, value.type.weak
    if dtype.startswith("c"):
        raise lowering.error(node, "the builtin `round` of a complex number: Python raises TypeError", _HINT)
    if dtype == "bool" and not weak:
        raise lowering.error(node, "the builtin `round` of a NumPy bool: Python raises TypeError (it defines no "
                             "__round__)", "round(int(b))")
    bind = lambda prim, args: lowering._bind(builder, node, prim, args, {})  # noqa: E731
    if digits is None:
        if dtype == "bool" or not value.type.is_float:
            return bind("python_int", [value])
        rounded = bind("rint", [value])
        check_float_fits(lowering, node, builder, rounded)
        return bind("python_int", [rounded])
    if dtype == "bool" or not value.type.is_float:
        if digits >= 0:  # the int itself: a Python int stays one, a NumPy int's __round__ gives it back
            return bind("python_int", [value]) if weak else value
        raise lowering.error(node, "round of an int to a negative ndigits (tens, hundreds) is not compiled", _HINT)
    if not weak:
        raise lowering.error(node, f"round(x, {digits}) of a float64 value that may be a NumPy scalar or a Python "
                             "float at run time: NumPy's `__round__` gives NumPy's scalar of rint(x * 10**n) / 10**n, "
                             "Python's the float nearest the correctly rounded decimal", _HINT)
    if digits != 0:
        raise lowering.error(node, f"round of a Python float to {digits} digits: CPython rounds the double's exact "
                             "decimal value correctly, which kernels do not compute", _HINT)
    return bind("python_float", [bind("rint", [value])])
