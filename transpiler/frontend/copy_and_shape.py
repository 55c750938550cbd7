"""`copy=` of np.array and of reshape, `shape=` of the functions that make arrays, and `.swapaxes()`.

Lifted's arrays are values, so `copy=` changes no value: it changes whether the result is the argument itself (a
later write into one is seen through the other) or a new array, which the alias analysis follows from the
primitives emitted here. NumPy's rules (NumPy 2):

* `np.array(a, copy=True)` (the default): a new array. `copy=None`: `np.asarray(a, dtype, order)`, `a` itself
  where it has the dtype and the layout `order` asks. `copy=False`: `a` itself, and ValueError where NumPy would
  have to copy (a list, another dtype, a layout `order` asks that `a` lacks); where that depends on a layout the
  kernel does not know (a parameter's is the caller's), or NumPy raises, it is refused with its place.
* `a.reshape(shape, order=, copy=)`, `np.reshape(a, shape, order=, copy=)`: `copy=None` (the default) the view or
  copy NumPy makes; `copy=True` a new array (of order 'C' a C-contiguous one); `copy=False` the reshape where the
  kernel knows it a view (a C-contiguous array read in order 'C', a Fortran one in 'F', any array of rank 0 or 1),
  refused elsewhere (NumPy's ValueError "Unable to avoid creating a copy", or a layout the kernel does not know).
  A copy= that is not True, False or None (a string) is NumPy's ValueError, refused.
* `shape=` of np.zeros/ones/empty/full (the shape by keyword), and of np.zeros_like/ones_like (as np.empty_like
  and np.full_like already took it): the new shape, the prototype's dtype.
* The _like functions, np.array and np.copy in order 'K' or 'A' (their default 'K') follow the prototype's layout where the result has
  its rank: C-contiguous only where the prototype is known to be, Fortran where it was made so (the layout analysis
  must not take `np.full_like(x, 1)` of a parameter for C-contiguous: its `.flags` are the caller's). With
  `shape=`, NumPy orders the new axes by the prototype's strides, which a Fortran prototype with at most one axis
  longer than 1 leaves in C order: not known there.
* `a.swapaxes(axis1, axis2)`: `np.swapaxes(a, axis1, axis2)` (positional only, as NumPy's method).
"""
from __future__ import annotations

from ..ir import Var
from .array_functions import c_ordered, f_ordered
from .call_args import Emitter, arity, dtype as read_dtype, given, keywords_as_positions, static
from .layout_orders import read_order, settle

_COPIES = (True, False, None)


def _copy_choice(lowering, entry, name: str):
    """The constant of a `copy=` entry: True, False or None (NumPy raises ValueError for a string, TypeError for
    others it cannot read as a bool)."""
    if entry is None:
        return "absent"
    value, where = entry
    choice = static(lowering, value, where, f"{name}'s `copy`")
    if choice not in _COPIES or isinstance(choice, int) and not isinstance(choice, bool):
        raise lowering.error(where, f"{name}'s copy={choice!r}: NumPy takes True, False or None (it raises "
                             "ValueError for a string)", "copy=True, copy=False or copy=None")
    return choice


def _no_copy_refused(lowering, where, name: str, why: str):
    return lowering.error(where, f"{name}'s copy=False: {why}", "copy=None (a copy only where needed) or leave out "
                          "copy= (always a copy)")


def array_copy(array, asarray):
    """np.array with `copy=`: True is np.array itself, None np.asarray, False np.asarray where no copy is needed."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        entry = keywords.pop("copy", None)
        choice = _copy_choice(lowering, entry, "np.array")
        if choice in ("absent", True):
            return array(lowering, node, builder, positional, keywords)
        extra = sorted(set(keywords) - {"dtype", "order"})
        if extra:
            raise lowering.error(entry[1], f"np.array's copy={choice!r} together with {', '.join(extra)}= is not "
                                 "supported in kernels", "np.asarray(a, dtype, order) first")
        if choice is False:
            _check_no_copy(lowering, node, builder, positional, keywords, entry[1])
        return asarray(lowering, node, builder, positional, keywords)

    return handle


def _check_no_copy(lowering, node, builder, positional, keywords, where) -> None:
    """np.array(a, copy=False): refused where NumPy would copy (its ValueError) or the kernel cannot tell."""
    emit = Emitter(lowering, node, builder)
    value = positional[0] if positional else None
    if not isinstance(value, Var) or value.type.weak or value.type.shape in (None, ()):
        raise _no_copy_refused(lowering, where, "np.array", "NumPy makes a new array of a list or a number "
                               "(ValueError: Unable to avoid copy), and a 0-d value may be a NumPy scalar")
    dtype_entry = keywords.get("dtype") or (positional[1:2] and (positional[1], node)) or None
    if dtype_entry and given(dtype_entry[0]) and read_dtype(lowering, *dtype_entry) != value.type.dtype:
        raise _no_copy_refused(lowering, where, "np.array", "another dtype is a new array (NumPy raises ValueError)")
    order = read_order(lowering, keywords.get("order"), "np.array")
    if order == "C" and not c_ordered(lowering, emit.atom(value)) or \
            order == "F" and not (value.type.rank == 1 or f_ordered(lowering, emit.atom(value))):
        raise _no_copy_refused(lowering, where, "np.array", f"order {order!r} is the array itself only where it is "
                               "laid out so, which the kernel does not know here (a parameter's layout is the "
                               "caller's; NumPy raises ValueError where it is not)")


def reshape_copy(reshape, name: str, method: bool):
    """np.reshape / `.reshape()` with `copy=`."""
    def handle(lowering, node, builder, *args):
        keywords = dict(args[-1])
        entry = keywords.pop("copy", None)
        choice = _copy_choice(lowering, entry, name)
        result = reshape(lowering, node, builder, *args[:-1], keywords)
        if choice in ("absent", None):
            return result
        x = args[0] if method else args[0][0]
        order = _order(lowering, keywords, args, method)
        emit = Emitter(lowering, node, builder)
        atom = emit.atom(x)
        if choice is True:
            copied = emit("copy", result)
            return settle(lowering, copied, "C") if order == "C" or order == "A" and c_ordered(lowering, atom) \
                else copied
        viewed = (order in ("C", "A") and c_ordered(lowering, atom)) or \
            (order in ("F", "A") and (f_ordered(lowering, atom) or (atom.type.rank or 0) <= 1))
        if not viewed:
            raise _no_copy_refused(lowering, entry[1], name, f"the reshape in order {order!r} is a view only of an "
                                   "array laid out in that order (NumPy raises ValueError where it must copy), "
                                   "which the kernel does not know here (a parameter's layout is the caller's)")
        return result

    return handle


def _order(lowering, keywords, args, method: bool) -> str:
    entry = keywords.get("order")
    positional = args[1] if method else args[0]
    if entry is None and not method and len(positional) == 3:
        entry = (positional[2], None)
    if entry is None:
        return "C"
    return static(lowering, entry[0], entry[1], "`order`")


def like_shape(like, filled, name: str):
    """np.zeros_like / np.ones_like with `shape=`: `filled` (np.zeros / np.ones) of that shape in the prototype's
    dtype (or `dtype=`), then the layout of order= (below)."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        entry = keywords.pop("shape", None)
        if entry is None or not given(entry[0]):
            return like(lowering, node, builder, positional, keywords)
        emit = Emitter(lowering, node, builder)
        prototype = emit.atom(positional[0])
        dtype_entry = keywords.get("dtype") or (positional[1:2] and (positional[1], node)) or None
        dtype = read_dtype(lowering, *dtype_entry) if dtype_entry and given(dtype_entry[0]) else \
            prototype.type.dtype
        if prototype.type.weak and not (dtype_entry and given(dtype_entry[0])):
            dtype = {"bool": "bool", "i32": "i64", "i64": "i64"}.get(dtype, "f64")
        rest = {k: v for k, v in keywords.items() if k not in ("dtype", "order", "subok")}
        if rest:
            raise lowering.error(node, f"{name} does not support {', '.join(sorted(rest))}= in kernels",
                                 f"{name}(a, dtype=None, order='K', shape=None)")
        from .shape_handlers import shape_args

        result = lowering._bind(builder, node, filled, shape_args(lowering, entry[0], entry[1]), {"dtype": dtype})
        order = read_order(lowering, keywords.get("order"), name)
        return settle(lowering, result, order) if order in ("C", "F") else result

    return handle


def like_layout(like, name: str):
    """A _like function's (np.array's, np.copy's) result in order 'K'/'A' (the default 'K') of a prototype of the
    result's rank: the prototype's layout, which the analysis takes for C-contiguous only where the prototype is
    (a copy of a C-contiguous array is one: its reshape a view)."""
    def handle(lowering, node, builder, positional, keywords):
        order = read_order(lowering, keywords.get("order"), name)
        result = like(lowering, node, builder, positional, keywords)
        prototype = positional[0] if positional else None
        if order not in ("K", "A") or not isinstance(result, Var) or not isinstance(prototype, Var) or \
                result is prototype or prototype.type.rank != result.type.rank or (result.type.rank or 0) <= 1:
            return result
        if c_ordered(lowering, prototype):
            return settle(lowering, result, "C")
        lowering._c_layout.discard(id(result))
        reshaped = "shape" in keywords and given(keywords["shape"][0])  # (NumPy sorts the prototype's strides)
        return settle(lowering, result, "F") if f_ordered(lowering, prototype) and not reshaped else result

    return handle


def method_swapaxes(lowering, node, builder, atom, positional, keywords):
    """`a.swapaxes(axis1, axis2)`: np.swapaxes (a Python number has no method: AttributeError)."""
    from .numpy_api import FUNCTIONS  # (numpy_api imports this module)

    if atom.type.weak:
        raise lowering.error(node, "`.swapaxes()` of a Python number: Python numbers have no `.swapaxes` (Python "
                             "raises AttributeError)", "np.swapaxes(a, 0, 1)")
    arity(lowering, node, ".swapaxes()", positional, keywords, 2, 2)  # (the method takes no keywords: TypeError)
    return FUNCTIONS["numpy.swapaxes"](lowering, node, builder, [atom, *positional], keywords)


def extend_functions(functions: dict) -> None:
    """Wrap numpy_api's final table (after layout_orders: these see the whole call)."""
    for made, names in (("zeros", ("shape",)), ("ones", ("shape",)), ("empty", ("shape",)),
                        ("full", ("shape", "fill_value"))):
        functions[f"numpy.{made}"] = keywords_as_positions(functions[f"numpy.{made}"], names)
    for made in ("zeros", "ones"):
        key = f"numpy.{made}_like"
        functions[key] = like_shape(functions[key], made, f"np.{made}_like")
    for made in ("zeros_like", "ones_like", "empty_like", "full_like", "array", "copy"):
        functions[f"numpy.{made}"] = like_layout(functions[f"numpy.{made}"], f"np.{made}")
    functions["numpy.array"] = array_copy(functions["numpy.array"], functions["numpy.asarray"])
    functions["numpy.reshape"] = reshape_copy(functions["numpy.reshape"], "np.reshape", method=False)


def extend_methods(methods: dict) -> None:
    methods["reshape"] = reshape_copy(methods["reshape"], ".reshape()", method=True)
    methods["swapaxes"] = method_swapaxes
