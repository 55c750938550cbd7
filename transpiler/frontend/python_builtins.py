"""Python's builtins of numbers: `max` and `min` (the first of the largest, smallest), `float` and `int`.

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
    """`float(a)` of a scalar: a Python float (weak: `x32 * float(s)` stays float32)."""
    value = _one_number(lowering, node, positional, keywords, "float")
    if isinstance(value, Const):
        return const(float(value.value))
    return builder.bind("python_float", [value])


def to_int(lowering, node, builder, positional, keywords):
    """`int(a)` of an integer or boolean scalar: a Python int. Of a float it truncates, and raises at NaN and inf,
    which a compiled target cannot say: refused."""
    value = _one_number(lowering, node, positional, keywords, "int")
    if isinstance(value, Const):
        return const(int(value.value))
    if value.type.is_float:
        raise lowering.error(node, "`int()` of a float is not supported in kernels (Python raises at NaN and inf)",
                             "np.trunc(x) keeps it a float; x.astype(np.int64) converts as NumPy does")
    return builder.bind("python_int", [value])


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
