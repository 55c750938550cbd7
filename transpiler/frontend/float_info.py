"""`np.finfo(dtype)` in kernels: the float type's constants (`np.finfo(float).eps`), known at build time.

NumPy's `np.finfo(t).eps` is a NumPy scalar of the type `t` (strong: `x32 + np.finfo(np.float64).eps` is float64),
so each attribute is the number cast to that dtype. `np.finfo` of an integer dtype raises in NumPy (not inexact):
refused here, as is `np.finfo` of an array (NumPy raises); of a number it is the number's type.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..builder import const
from ..ir import Const, Var
from ..ir.types import numpy_dtype
from .call_args import arity, dtype
from .dtype_objects import of_lifted

_FLOATS = ("eps", "epsneg", "tiny", "smallest_normal", "smallest_subnormal", "max", "min", "resolution")
_INTS = ("bits", "precision", "iexp", "nexp", "nmant", "maxexp", "minexp", "machep", "negep")


@dataclass(frozen=True)
class FloatInfo:
    """The value of `np.finfo(<dtype>)` in a kernel: attributes only."""
    dtype: str


def finfo(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.finfo", positional, keywords, 1, 1, hint="np.finfo(np.float64)")
    value = positional[0]
    if isinstance(value, (Var, Const)):  # a number: its type (NumPy reads an array as an object: it raises)
        if value.type.shape != ():
            raise lowering.error(node, "`np.finfo` of an array: NumPy raises (it reads the array as an object)",
                                 "np.finfo(x.dtype)")
        kind = value.type.dtype
    else:
        kind = dtype(lowering, value, node)
    if kind not in ("f64", "f32"):
        raise lowering.error(node, f"`np.finfo` of {kind}: NumPy raises (not an inexact type)",
                             "np.finfo(np.float64) or np.finfo(np.float32); np.iinfo is for integers")
    return FloatInfo(kind)


def attribute(lowering, node, builder, info: FloatInfo, attr: str):
    """`np.finfo(t).<attr>`: a NumPy scalar of dtype `t` (an int for `bits` ...), the dtype for `.dtype`."""
    numbers = np.finfo(numpy_dtype(info.dtype))
    if attr in _INTS:
        return const(int(getattr(numbers, attr)))
    if attr == "dtype":
        return of_lifted(info.dtype)
    if attr not in _FLOATS:
        raise lowering.error(node, f"`np.finfo(...).{attr}` is not supported in kernels",
                             "supported: " + ", ".join(_FLOATS + _INTS + ("dtype",)))
    return lowering._bind(builder, node, "astype", [const(float(getattr(numbers, attr)))],
                          {"dtype": info.dtype, "scalar": True})
