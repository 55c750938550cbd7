"""What a kernel asks Python at build time about its arrays and modules, answered as Python would answer it:

* `x.dtype`: the array's dtype object (frontend/dtype_objects.py: `.kind`, `.itemsize` ...), so `y.astype(x.dtype)`
  and `np.zeros(3, dtype=x.dtype)` read as they do with the type spelled out; a Python number has none (Python raises);
* `x.itemsize` and `x.nbytes`: Python ints, the bytes of one element and of all of them (NumPy's bool takes one);
  `x.strides` of an array the kernel laid out C-contiguous (stride_windows.py);
* `x.real` and `x.imag`: `np.real(x)` and `np.imag(x)` (frontend/more_elementwise.py), which read them;
* `getattr(np, "name")` of a module and a name known at build time: what `np.name` is; `getattr(v, "name")` of any
  other value what `v.name` is (`getattr(np.unique_all(x), "counts")`, `getattr(x, "T")`);
* `slice(start, stop, step)` of numbers known at build time: Python's slice object, which indexes as `a[start:stop]`
  does and which `np.delete` takes.

Each is decided from the static types: nothing of them reaches the generated code but the values they give.
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const, Var
from ..ir.types import numpy_dtype
from ..values import DType, Module
from . import dtype_objects
from .call_args import arity
from .dtype_objects import of_lifted
from .imports import module_attribute
from .layout_orders import flags
from .stride_windows import strides, view


def _not_a_python_number(lowering, node, atom, attr: str) -> None:
    if atom.type.weak:
        raise lowering.error(node, f"`.{attr}` of a Python number: Python numbers have no `.{attr}` (Python raises "
                             "AttributeError)", f"np.asarray(v).{attr}, or the array the number came from")


def dtype_attribute(lowering, node, atom, builder):
    """`x.dtype`: the NumPy type of x's elements (`np.float64`), usable wherever a dtype is."""
    _not_a_python_number(lowering, node, atom, "dtype")
    return of_lifted(atom.type.dtype)


def itemsize(lowering, node, atom, builder):
    """`x.itemsize`: the bytes of one element, a Python int."""
    _not_a_python_number(lowering, node, atom, "itemsize")
    return const(numpy_dtype(atom.type.dtype).itemsize)


def nbytes(lowering, node, atom, builder):
    """`x.nbytes`: the bytes of all elements, `x.size * x.itemsize`, a Python int (a product at run time where a
    dimension is symbolic)."""
    _not_a_python_number(lowering, node, atom, "nbytes")
    if atom.type.shape is None:
        raise lowering.error(node, "`.nbytes` of a value of unknown rank is not known at build time",
                             'annotate the parameters it comes from, e.g. x: "f64[n,d]"')
    total = const(numpy_dtype(atom.type.dtype).itemsize)
    for axis in range(len(atom.type.shape)):
        dim = lowering._dim(atom, axis, builder, node)
        total = const(total.value * dim.value) if isinstance(dim, Const) and isinstance(total, Const) \
            else lowering._bind(builder, node, "multiply", [total, dim])
    return total


def _real_or_imag(attr: str):
    def attribute(lowering, node, atom, builder):
        """`x.real`, `x.imag`: what `np.real(x)`, `np.imag(x)` give, which read these attributes (a real array's
        `.real` is itself, a view: an update through one is seen through the other; its `.imag` read-only zeros)."""
        from .numpy_api import FUNCTIONS  # (numpy_api imports this module)

        return FUNCTIONS[f"numpy.{attr}"](lowering, node, builder, [atom], {})
    return attribute


ATTRIBUTES = {"flags": flags, "dtype": dtype_attribute, "itemsize": itemsize, "nbytes": nbytes, "strides": strides, "view": view,
              "real": _real_or_imag("real"),
              "imag": _real_or_imag("imag")}


def getattr_(lowering, node, builder, positional, keywords):
    """`getattr(value, "name")`: the attribute `value.name` reads (a module's NumPy functions and constants, a named
    result's field, an array's attribute or method)."""
    arity(lowering, node, "getattr", positional, keywords, 2, 2,
          hint='getattr(np, "name") with the name known at build time; a default is not taken')
    base, name = positional
    if isinstance(base, DType) and isinstance(name, str):  # getattr(x.dtype, "kind"): the dtype's attribute
        return dtype_objects.dtype_attribute(lowering, node, builder, base, name)
    if not isinstance(name, str) or isinstance(base, Module) and base.path.startswith("builtins."):
        raise lowering.error(node, "getattr in kernels reads an attribute by a name known at build time",
                             'getattr(np, "triu"), getattr(x, "T"): a string literal, or a name bound to one')
    if isinstance(base, Module):
        return module_attribute(lowering, node, base, name)
    return lowering.read_attribute(base, name, node, node, node, builder)


def slice_(lowering, node, builder, positional, keywords):
    """`slice(stop)`, `slice(start, stop[, step])`: Python's slice of ints, None or integer scalars computed at run
    time (`slice(i * n, (i + 1) * n)`, autograd's `batch_indices`), which indexes as `x[i * n:(i + 1) * n]` does."""
    arity(lowering, node, "slice", positional, keywords, 1, 3, hint="slice(stop) or slice(start, stop, step)")
    bounds = []
    for value in positional:
        if value is None or isinstance(value, Const) and value.value is None:
            bounds.append(None)
        elif isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
            bounds.append(value.value)
        elif isinstance(value, Var) and value.type.dtype in ("i32", "i64") and value.type.shape == ():
            bounds.append(value)
        else:
            raise lowering.error(node, "slice() takes ints, None or integer scalars",
                                 "compute the bounds as integers (e.g. with //), or write the slice in the index "
                                 "itself, x[i:j]")
    if len(bounds) == 3 and bounds[2] == 0:
        raise lowering.error(node, "a slice of step 0 cannot index (Python and NumPy raise ValueError)", "a step of 1 or more")
    return slice(*bounds)


FUNCTIONS = {"builtins.getattr": getattr_, "builtins.slice": slice_}
