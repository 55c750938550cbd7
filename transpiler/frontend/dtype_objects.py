"""NumPy's dtype objects and type classes asked about at build time, answered as Python answers them:

* `np.dtype(t)` and `x.dtype`: a dtype object (values.DType), usable wherever a dtype is, whose `.kind`, `.char`,
  `.name`, `.str`, `.itemsize`, `.type` ... are NumPy's own (CuPy's tests: `if a.dtype.kind not in 'biu'`,
  `xp.dtype(dtype).type(0) - 1`);
* `np.iinfo(t)`: its `.min`, `.max` (Python ints, as NumPy's), `.bits`, `.kind` and `.dtype`;
* `issubclass(np.float64, np.integer)`: the classes' own answer (a dtype object is no class: Python raises);
* `np.issubdtype(h.dtype, np.integer)`: NumPy's answer for dtypes, type classes (the abstract ones too) and names;
* `t1 == t2` of dtypes, type classes and dtype names (`a.dtype == np.float32`, `x.dtype == "float64"`).

Every answer is computed by NumPy on the objects the kernel names, so nothing of them reaches the generated code but
the values they give. What NumPy raises on (`np.iinfo(np.float64)`, `np.dtype("xyz")`) is refused, located.
"""
from __future__ import annotations

import builtins
import importlib.util

import libcst as cst
import numpy

from ..builder import const
from ..ir import Const, Var
from ..ir.types import NUMPY_DTYPES, numpy_dtype
from ..values import DType, IntInfo, Module
from .call_args import arity

_STRINGS = ("kind", "char", "name", "str", "byteorder")
_INTS = ("itemsize", "alignment", "num", "ndim")
_BOOLS = ("isnative", "hasobject", "isbuiltin")
_IINFO = ("min", "max", "bits", "kind", "dtype")


def of_lifted(dtype: str) -> DType:
    """`x.dtype` of an array of the kernel's dtype `dtype` (f64 ...)."""
    return DType(f"numpy.{NUMPY_DTYPES[dtype]}")


def python_object(value):
    """The Python class or dtype a build-time value names (`np.float64`, `float`, a DType, a dtype name); None if
    it names none."""
    if isinstance(value, DType):
        return numpy.dtype(_class_of(value.path))
    if isinstance(value, Module):
        return _class_of(value.path)
    if isinstance(value, str):
        return value
    return None


def _class_of(path: str):
    head, _, name = path.rpartition(".")
    found = getattr(numpy if head == "numpy" else builtins if head == "builtins" else None, name, None) \
        if head in ("numpy", "builtins") else None
    return found if isinstance(found, type) else None


def _numpy_dtype(lowering, node, value, what: str) -> numpy.dtype:
    """NumPy's `np.dtype(value)` of a build-time dtype-like value; a refusal where NumPy raises."""
    if isinstance(value, (Var, Const)):
        raise lowering.error(node, f"`{what}` of an array or number: NumPy reads it as an object and raises",
                             f"{what}(x.dtype)")
    found = python_object(value) if value is not None else None
    try:
        if found is None and value is not None:
            raise TypeError
        return numpy.dtype(found)
    except TypeError:
        raise lowering.error(node, f"`{what}` of this value: NumPy raises TypeError (not a data type)",
                             'a NumPy type (np.float32), a dtype name ("float32") or x.dtype') from None


def _as_dtype(lowering, node, found: numpy.dtype) -> DType:
    if found.kind in "OVSUMmc":  # (CuPy's `xp.dtype(xp.dtype)` is the object dtype)
        raise lowering.error(node, f"this is NumPy's dtype {found.str!r} ({found}): kernels hold numbers",
                             "a NumPy number type: np.float64, np.float32, np.int64, np.int32, np.bool_")
    path = f"numpy.{found.type.__name__}"
    if _class_of(path) is not found.type:
        raise lowering.error(node, f"the dtype {found} has no NumPy type name a kernel can hold",
                             "a NumPy number type: np.float64, np.float32, np.int64, np.int32, np.bool_")
    return DType(path)


def dtype_call(lowering, node, builder, positional, keywords):
    """`np.dtype(t)`: the dtype object of a type or name known at build time."""
    arity(lowering, node, "np.dtype", positional, keywords, 1, 1, hint='np.dtype(np.float32) or np.dtype("f4")')
    return _as_dtype(lowering, node, _numpy_dtype(lowering, node, positional[0], "np.dtype"))


def iinfo(lowering, node, builder, positional, keywords):
    """`np.iinfo(t)` of an integer type, name or dtype (a scalar: its type); NumPy raises on the others."""
    arity(lowering, node, "np.iinfo", positional, keywords, 1, 1, hint="np.iinfo(np.int32)")
    value = positional[0]
    if isinstance(value, (Var, Const)) and value.type.shape == () and value.type.dtype in ("i32", "i64"):
        found = numpy_dtype(value.type.dtype)
    else:
        found = _numpy_dtype(lowering, node, value, "np.iinfo")
    if found.kind not in "iu":
        raise lowering.error(node, f"`np.iinfo` of {found}: NumPy raises ValueError (not an integer type)",
                             "np.iinfo(np.int32) or np.iinfo(np.int64); np.finfo is for floats")
    return IntInfo(_as_dtype(lowering, node, found).path)


def dtype_attribute(lowering, node, builder, value: DType, attr: str):
    """`t.kind`, `t.itemsize`, `t.type` ... of a dtype object: NumPy's answer."""
    found = numpy.dtype(_class_of(value.path))
    if attr in _STRINGS:
        return getattr(found, attr)
    if attr in _INTS:
        return const(int(getattr(found, attr)))
    if attr in _BOOLS:
        return const(bool(getattr(found, attr)))
    if attr == "type":
        return Module(value.path)
    if attr == "shape":
        return ()
    raise lowering.error(getattr(node, "attr", node), f"the dtype attribute `.{attr}` is not supported in kernels",
                         "supported: " + ", ".join(f".{a}" for a in _STRINGS + _INTS + _BOOLS + ("type", "shape")))


def iinfo_attribute(lowering, node, builder, value: IntInfo, attr: str):
    """`np.iinfo(t).max` ...: Python ints (NumPy's are), the dtype for `.dtype`."""
    numbers = numpy.iinfo(_class_of(value.path))
    if attr == "dtype":
        return DType(value.path)
    if attr == "kind":
        return numbers.kind
    if attr not in _IINFO:
        raise lowering.error(getattr(node, "attr", node), f"`np.iinfo(...).{attr}` is not supported in kernels",
                             "supported: " + ", ".join(f".{a}" for a in _IINFO))
    return const(int(getattr(numbers, attr)))


def issubclass_(lowering, node, builder, positional, keywords):
    """`issubclass(np.float64, np.integer)`: the classes' answer; a dtype object or a value is no class (Python
    raises TypeError)."""
    arity(lowering, node, "issubclass", positional, keywords, 2, 2, hint="issubclass(np.float64, np.integer)")
    first, second = positional
    classes = []
    for value in (first,) + (second if isinstance(second, tuple) else (second,)):
        found = python_object(value) if isinstance(value, Module) and not isinstance(value, DType) else None
        if not isinstance(found, type):
            raise lowering.error(node, f"`issubclass` of {_said(value)}: Python raises TypeError (not a class)",
                                 "issubclass(x.dtype.type, np.integer), or np.issubdtype(x.dtype, np.integer)")
        classes.append(found)
    return const(issubclass(classes[0], tuple(classes[1:]) if isinstance(second, tuple) else classes[1]))


def _plain_module(value) -> bool:
    """A module itself (`np`, `math`), not a class or dtype it holds: Python's `==` of two is their identity."""
    if not isinstance(value, Module) or isinstance(value, DType) or python_object(value) is not None:
        return False
    try:
        return importlib.util.find_spec(value.path) is not None
    except (ImportError, ValueError):
        return False


def issubdtype(lowering, node, builder, positional, keywords):
    """`np.issubdtype(arg1, arg2)` of dtypes, type classes or names known at build time: NumPy's answer (an array or
    number is no dtype: NumPy raises TypeError, refused)."""
    arity(lowering, node, "np.issubdtype", positional, keywords, 2, 2, hint="np.issubdtype(x.dtype, np.floating)")
    found = []
    for value in positional:
        named = python_object(value) if not isinstance(value, (Var, Const)) else None
        if named is None:
            raise lowering.error(node, f"`np.issubdtype` of {_said(value)}: NumPy raises TypeError (not a data type)",
                                 "np.issubdtype(x.dtype, np.integer)")
        found.append(named)
    try:
        return const(bool(numpy.issubdtype(*found)))
    except TypeError:
        raise lowering.error(node, "`np.issubdtype` of this value: NumPy raises TypeError (not a data type)",
                             "np.issubdtype(x.dtype, np.integer)") from None


def _said(value) -> str:
    from ..values import describe
    return describe(value)


def compare(lowering, node: cst.Comparison, left, right):
    """`a.dtype == np.float32`, `t != "int64"`: Python's `==` of the objects named (a type class equals only
    itself; a dtype object equals what np.dtype reads as the same dtype); None where neither side is a type."""
    return compare_with(node.comparisons[0].operator, left, right)


def compare_with(operator: cst.BaseCompOp, left, right):
    """`compare` of one link (`left <operator> right`; a chained comparison's links too)."""
    if not (isinstance(left, Module) or isinstance(right, Module)):
        return None
    if not isinstance(operator, (cst.Equal, cst.NotEqual)):
        return None
    first, second = python_object(left), python_object(right)
    if _plain_module(left) and _plain_module(right):  # `np == np` (CuPy's `xp == numpy`): the same module object
        first, second = left.path, right.path
    elif first is None and isinstance(left, Module) or second is None and isinstance(right, Module) or \
            not all(isinstance(v, (Module, str)) for v in (left, right)):
        return None
    equal = bool(first == second)
    return const(equal if isinstance(operator, cst.Equal) else not equal)


FUNCTIONS = {"numpy.dtype": dtype_call, "numpy.iinfo": iinfo, "builtins.issubclass": issubclass_,
             "numpy.issubdtype": issubdtype}
