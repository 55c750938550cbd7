"""Python's builtins of numbers: `max` and `min` (the first of the largest, smallest), `float`, `int`, `bool` and
`pow` (two arguments: Python defines `pow(a, b)` as `a ** b`, so it is the operator, with its rules).

`int(x)` of a float truncates toward zero as Python does; where Python raises (NaN, inf) the kernel raises the same
error at run time, on every target, and a float of magnitude 2**63 or more (an int past int64) is a run-time
OverflowError that says why.

`max` and `min` compare as Python compares.
`max(a, b, c)` walks its arguments and keeps an item unless a later one is greater (`b > kept`), so a NaN is
kept only when it comes first (`max(nan, 1.0)` is nan, `max(1.0, nan)` is 1.0: NumPy's `np.maximum` gives nan for
both), ties keep the first, and the result is the chosen object itself: a Python number stays one (weak), a
NumPy scalar stays one. Each step is a choice at run time (`normalize`'s `choose`, as `b if b > kept else kept`),
so derivatives flow to the chosen argument, as autograd's do. Arrays are refused: Python compares them elementwise
and raises on the truth value of the result.
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const, Var
from ..values import ListValue
from .call_args import arity
from .size_round_extremes import extreme_of_vector


def to_float(lowering, node, builder, positional, keywords):
    """`float(a)` of a scalar: a Python float (weak: `x32 * float(s)` stays float32); of a string literal
    (`float('nan')`, `float('-inf')`, `float('1.5')`) the float Python parses from it."""
    if len(positional) == 1 and not keywords and isinstance(positional[0], str):
        try:
            return const(float(positional[0]))
        except ValueError as error:
            raise lowering.error(node, f"`float()` raises ValueError here at every call: {error}",
                                 "a float literal, or np.nan, np.inf") from None
    value = _one_number(lowering, node, positional, keywords, "float")
    if isinstance(value, Const):
        try:
            return const(float(value.value))
        except OverflowError as error:  # `float(10 ** 400)`: a Python int past the largest float
            raise lowering.error(node, f"`float()` raises OverflowError here at every call: {error}",
                                 "use a float literal (`1e308`), or a smaller int") from None
    return builder.bind("python_float", [value])


def to_int(lowering, node, builder, positional, keywords):
    """`int(a)` of a scalar: a Python int (weak). Of a float it truncates toward zero, as Python does, after the
    checks that raise Python's errors (at NaN and inf); its derivative is zero."""
    value = _one_number(lowering, node, positional, keywords, "int")
    if isinstance(value, Const):
        try:
            return const(int(value.value))
        except (ValueError, OverflowError) as error:  # a NaN or inf known at build time
            raise lowering.error(node, f"`int()` raises here at every call: {error}", "test the value first, e.g. "
                                 "with np.isfinite, and convert only a finite one") from None
    if value.type.is_float:
        check_float_fits(lowering, node, builder, value)
    return builder.bind("python_int", [value])


def to_bool(lowering, node, builder, positional, keywords):
    """`bool(a)` of a number: Python's truth of it (`a != 0`: NaN is true), a Python bool. (The name `bool` is also
    a dtype: `x.astype(bool)`, `np.zeros(3, dtype=bool)`.)"""
    value = _one_number(lowering, node, positional, keywords, "bool")
    if isinstance(value, Const):
        return const(bool(value.value))
    return lowering._bind(builder, node, "python_bool", [_truth(lowering, node, builder, value)])


def any_or_all(name: str):
    """The builtins `any` and `all` of a tuple or list of numbers (numpy-ml's `any([out_rows <= 0, ...])`) or of a
    vector (`any(np.array([pr1, pc1]) < 0)`: Python iterates over its elements): a Python bool, decided at build
    time where the items are. Lists of arrays and arrays of rank 2 or more are refused (Python asks each row's
    truth, which NumPy refuses for more than one element)."""
    def lower(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 1, hint=f"{name}([a, b]) of numbers, or np.{name}(x)")
        items = positional[0]
        if isinstance(items, Var) and items.type.rank == 1:  # Python iterates over the elements: NumPy's reduction
            truth = _truth(lowering, node, builder, items)
            return lowering._bind(builder, node, "python_bool", [
                lowering._bind(builder, node, name, [truth], {"axis": None})])
        items = items.items if isinstance(items, ListValue) else items
        if not isinstance(items, tuple | list) or not all(
                isinstance(v, (Var, Const)) and v.type.shape == () or isinstance(v, (bool, int, float))
                for v in items):
            raise lowering.error(node, f"the builtin `{name}` takes a list or tuple of numbers in kernels",
                                 f"np.{name}(x) for an array")
        items = [const(v) if isinstance(v, (bool, int, float)) else v for v in items]
        if all(isinstance(v, Const) for v in items):
            return const((any if name == "any" else all)(bool(v.value) for v in items))
        result = None
        for item in items:
            truth = const(bool(item.value)) if isinstance(item, Const) else _truth(lowering, node, builder, item)
            result = truth if result is None else lowering._bind(
                builder, node, "logical_or" if name == "any" else "logical_and", [result, truth])
        return lowering._bind(builder, node, "python_bool", [result])
    return lower


def _truth(lowering, node, builder, value):
    """A scalar's truth as a NumPy bool: itself for a bool, `value != 0` for a number."""
    if value.type.dtype == "bool":
        return value
    return lowering._bind(builder, node, "not_equal", [value, const(0)])


# Python's int() of a float: exact for every finite float (a Python int grows); kernels hold Python ints as int64
_INT64_BOUND = 2.0 ** 63


def check_float_fits(lowering, node, builder, value: Var) -> None:
    """The errors Python's `int(x)` raises, at run time on every target, in Python's order: ValueError at NaN,
    OverflowError at inf; and, where Python would make an int past int64 (x >= 2**63 or x < -2**63), an
    OverflowError that says so (a kernel holds a Python int as int64: a run-time refusal, not a wrapped number)."""
    def check(condition, error: str, message: str) -> None:
        lowering._bind(builder, node, "check_assert", [condition], {"message": message, "error": error})

    check(lowering._bind(builder, node, "equal", [value, value]), "ValueError", "cannot convert float NaN to integer")
    check(lowering._bind(builder, node, "isfinite", [value]), "OverflowError",
          "cannot convert float infinity to integer")
    low = lowering._bind(builder, node, "greater_equal", [value, const(-_INT64_BOUND)])
    high = lowering._bind(builder, node, "less", [value, const(_INT64_BOUND)])
    check(lowering._bind(builder, node, "logical_and", [low, high]), "OverflowError",
          "int() of a float of 2**63 or more, or below -2**63: Python makes an int past int64, which kernels hold "
          "as int64")


def _one_number(lowering, node, positional, keywords, name: str):
    arity(lowering, node, name, positional, keywords, 1, 1, hint=f"{name}(x)")
    value = positional[0]
    if isinstance(value, Const) and isinstance(value.value, (bool, int, float)):
        return value
    if not isinstance(value, (Var, Const)) or value.type.shape != ():
        raise lowering.error(node, f"`{name}()` of an array: Python converts arrays of one element only, and "
                             "NumPy warns that it will stop", f"{name}(x[0]) for an element, or x.astype(...)")
    return value


def largest(lowering, node, builder, positional, keywords):
    return _extreme(lowering, node, builder, positional, keywords, "max", "greater")


def smallest(lowering, node, builder, positional, keywords):
    return _extreme(lowering, node, builder, positional, keywords, "min", "less")


def _extreme(lowering, node, builder, positional, keywords, name: str, compare: str):
    hint = f"np.{name}imum(a, b) for arrays elementwise (NaN wins there), np.{name}(x) for an array's elements"
    if keywords:
        raise lowering.error(node, f"the builtin `{name}` with `{'=`, `'.join(keywords)}=` is not supported in "
                             "kernels", f"pass the numbers themselves: {name}(a, b, ...)")
    items = list(positional)
    if len(items) == 1:
        only = items[0]
        if isinstance(only, (tuple, ListValue)):
            items = list(only.items if isinstance(only, ListValue) else only)
        elif isinstance(only, Var) and only.type.shape:  # a vector: frontend/size_round_extremes.py
            return extreme_of_vector(lowering, node, builder, only, name)
        else:
            raise lowering.error(node, f"the builtin `{name}` of one array iterates over its rows (Python compares "
                                 "them as it walks)", hint)
    if not items:
        raise lowering.error(node, f"`{name}()` of nothing raises a ValueError in Python", hint)
    for item in items:
        if not isinstance(item, (Var, Const)) or item.type.shape != ():
            raise lowering.error(node, f"the builtin `{name}` takes numbers in kernels: Python compares arrays "
                                 "elementwise and raises on the truth value of the result", hint)
    kept = items[0]
    for item in items[1:]:
        if isinstance(item, Const) and isinstance(kept, Const):
            better = item.value > kept.value if compare == "greater" else item.value < kept.value
            kept = item if better else kept
            continue
        cond = builder.bind(compare, [item, kept])
        kept = lowering.choose(cond, ([], item), ([], kept), builder, f"{name}(...)",
                               "largest" if name == "max" else "smallest")
    return kept


def power(lowering, node, builder, positional, keywords):
    """`pow(a, b)` (`pow(base=a, exp=b)`) is `a ** b`, the operator with Python's rules (an int to a negative int
    a float, `0.0 ** -1` a ZeroDivisionError); `pow(a, b, m)`, the modular power of ints, is refused."""
    given = dict(zip(("base", "exp"), positional)) | {k: value for k, (value, _) in keywords.items()}
    if len(positional) > 2 or "mod" in keywords or set(given) != {"base", "exp"}:
        raise lowering.error(node, "the builtin `pow` takes a base and an exponent in kernels (`pow(a, b)`, which "
                             "is `a ** b`); its modular form `pow(a, b, m)` is not supported",
                             "write (a ** b) % m for ints that fit in int64")
    base, exponent = (lowering._atom(given[k], node) for k in ("base", "exp"))
    return lowering._bind(builder, node, "power", [base, exponent])
