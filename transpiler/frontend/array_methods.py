"""Array methods (`x.sum(axis=0)`, `x.reshape(...)`, `x.astype(...)`, ...) as the NumPy functions they mean.

Each handler takes (lowering, node, builder, array_atom, positional, keywords)."""
from __future__ import annotations

from typing import Callable

from . import array_functions as arrays, axis_functions as axes, common_functions, composed_functions, \
    copy_and_shape, layout_orders, nonzero, reducer_keywords, repeats_and_splits as repeats
from .choose import method_choose
from .call_args import arg as _arg, arity as _arity, dtype, static
from .contractions import matmul as _matmul
from .shape_handlers import lower_reshape, lower_transpose
from .ufunc_handlers import bind_reduction


def _method_reduction(prim: str):
    def handle(lowering, node, builder, atom, positional, keywords):
        _arity(lowering, node, f".{prim}()", positional, keywords, 0, 1, ("axis", "keepdims"))
        return bind_reduction(lowering, node, builder, prim, atom, positional, keywords)

    return handle


def _method_reshape(lowering, node, builder, atom, positional, keywords):
    _arity(lowering, node, ".reshape()", positional, keywords, 1, 8)
    shape = positional[0] if len(positional) == 1 else tuple(positional)
    return lower_reshape(lowering, node, builder, atom, shape)


def _method_dot(lowering, node, builder, atom, positional, keywords):
    return _matmul(lowering, node, builder, [atom] + positional, keywords, ".dot()")


def _method_transpose(lowering, node, builder, atom, positional, keywords):
    _arity(lowering, node, ".transpose()", positional, keywords, 0, 8)
    axes = None
    if len(positional) == 1:
        axes = positional[0]
    elif positional:
        axes = tuple(positional)
    return lower_transpose(lowering, node, builder, atom, axes, node)


def _method_astype(lowering, node, builder, atom, positional, keywords):
    _arity(lowering, node, ".astype()", positional, keywords, 1, 1)
    if atom.type.weak and atom.type.shape == ():
        raise lowering.error(node, "a Python number has no `.astype`", "combine it with an array first (`x + 0 * a`)")
    return lowering._bind(builder, node, "astype", [atom], {"dtype": dtype(lowering, positional[0], node)})


def _method_squeeze(lowering, node, builder, atom, positional, keywords):
    _arity(lowering, node, ".squeeze()", positional, keywords, 0, 1, ("axis",))
    axis_value, axis_node = _arg(lowering, positional, keywords, 0, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    return lowering._bind(builder, node, "squeeze", [atom], {"axis": axis} if axis is not None else {})


def _method_copy(lowering, node, builder, atom, positional, keywords):
    _arity(lowering, node, ".copy()", positional, keywords, 0, 0)
    return lowering._bind(builder, node, "copy", [atom])


METHODS: dict[str, Callable] = {
    "sum": _method_reduction("sum"), "mean": _method_reduction("mean"), "max": _method_reduction("max"),
    "min": _method_reduction("min"), "prod": _method_reduction("prod"), "reshape": _method_reshape,
    "dot": _method_dot, "squeeze": _method_squeeze, "transpose": _method_transpose, "astype": _method_astype,
    "copy": _method_copy,
    "var": axes.method_moments("var"), "std": axes.method_moments("std"), "cumsum": axes.method_cumsum,
    "trace": axes.method_trace, "diagonal": axes.method_diagonal, "ravel": arrays.method_ravel,
    "flatten": arrays.method_flatten,
    "repeat": repeats.method_repeat, "argmax": axes.method_arg_extreme("argmax"),
    "argmin": axes.method_arg_extreme("argmin"), "all": _method_reduction("all"), "any": _method_reduction("any"),
}
METHODS.update(reducer_keywords.METHODS)  # .sum(where=..., initial=..., dtype=...) and the others' keywords
composed_functions.extend_methods(METHODS)  # .cumprod(), .item(), .reshape(order=), .cumsum(dtype=)
nonzero.extend_methods(METHODS)  # .nonzero()
METHODS["take"] = common_functions.method_take
METHODS["choose"] = method_choose  # a.choose(choices, mode=): np.choose(a, choices, mode=)


def _method_as_function(name: str) -> Callable:
    """`x.clip(lo, hi)`, `x.conj()`, `x.conjugate()`, `x.argsort(axis=-1)`, `a.searchsorted(v, side='left',
    sorter=None)`: NumPy's functions, which call these methods (`np.clip(a, lo, hi)` is `a.clip(lo, hi)`); a Python
    number has none of them (Python raises AttributeError)."""
    def handle(lowering, node, builder, atom, positional, keywords):
        from .numpy_api import FUNCTIONS  # (numpy_api imports this module)

        if atom.type.weak:
            raise lowering.error(node, f"`.{name}()` of a Python number: Python numbers have no `.{name}` (Python "
                                 "raises AttributeError)", f"np.{name}(v)")
        return FUNCTIONS[f"numpy.{name}"](lowering, node, builder, [atom, *positional], keywords)
    return handle


METHODS.update({name: _method_as_function(name) for name in ("clip", "conj", "conjugate", "argsort",
                                                                         "searchsorted")})
layout_orders.extend_methods(METHODS)  # .copy(order=), .astype(dtype, order=)
copy_and_shape.extend_methods(METHODS)  # .reshape(copy=), .swapaxes()
