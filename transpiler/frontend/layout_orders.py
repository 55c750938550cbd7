"""`order=` of the functions that make arrays (np.zeros/ones/empty/full and their _like, np.array/asarray/asanyarray,
np.copy, `.copy()`, `.astype()`) and np.asfortranarray: NumPy's memory layout of the result.

Lifted's arrays are values: `order=` of a new array changes where its elements lie, not what they are, so the
values are computed as without it. The layout is observable in one way a kernel allows: a reshape (`.ravel()`,
`np.reshape`) is a view of a C-contiguous array and a copy of any other, so whether a write through it reaches the
array (or a read after an update sees it) depends on it. The layout analysis (normalize/view_writes.py) knows an
array C-contiguous or not at all, and refuses what depends on a layout it does not know. Here each result is told
what NumPy gives:

* order 'C': a new C-contiguous array (of a prototype or an argument of any layout);
* order 'F' of rank 2 and more: a Fortran array, not taken for C-contiguous (its reshape may be a copy: writes
  through one are refused, as for a parameter's); of rank 0 or 1 both layouts are one;
* 'A' and 'K': the layout of the argument (or prototype), as the handlers already take it (their default).

np.asarray(a, order=) returns `a` itself where it already has the layout and a copy where not: 'C' is
np.ascontiguousarray's reshape to a's own shape, 'F' the transpose of that of a's transpose (`a.T` is C-contiguous
exactly where `a` is Fortran-contiguous), so the aliasing rules of a reshape hold (a write through the result is
refused where a's layout is the caller's). np.asfortranarray(a, dtype=None) is that, at least 1-d.

`x.flags.c_contiguous` / `.f_contiguous` (`flags`): where the layout is known (C-contiguous by the analysis, or
Fortran-contiguous, `_f_layout`, by an order 'F' here).
"""
from __future__ import annotations

from ..ir import Const, Var, const
from .call_args import Emitter, arity, known_rank, static

ORDERS = ("C", "F", "A", "K")
_HINT = "order='C' (row by row in memory) or 'F' (column by column)"


def read_order(lowering, entry, name: str, allowed: tuple = ORDERS, default: str = "K") -> str:
    """The constant of an `order=` entry `(value, node)`, or NumPy's ValueError as a located refusal."""
    if entry is None:
        return default
    value, where = entry
    order = static(lowering, value, where, f"{name}'s `order`")
    if order is None and "K" in allowed:
        return default
    if order not in allowed:
        raise lowering.error(where, f"{name}'s order={order!r}: NumPy raises ValueError (it takes "
                             + " or ".join(repr(o) for o in allowed) + ")", _HINT)
    return order


def settle(lowering, result, order: str, inputs: tuple = ()):
    """Tell the layout analysis what NumPy's new array `result` made in `order` is (nothing for an input returned
    as it is: its layout is its own)."""
    if not isinstance(result, Var) or result.type.shape == () or any(result is a for a in inputs):
        return result
    if order == "C":
        lowering._c_layout.add(id(result))
    elif order == "F" and (result.type.rank is None or result.type.rank > 1):
        lowering._c_layout.discard(id(result))
        lowering._f_layout.add(id(result))
    return result


def _atoms(lowering, node, positional) -> tuple:
    """The array argument a function may return as it is."""
    return tuple(p for p in positional[:1] if isinstance(p, Var))


def made_in_order(old, name: str, allowed: tuple, default: str):
    """A function that makes a new array (np.zeros, np.array, np.copy, ...): its handler without `order=`, then
    the result's layout."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        order = read_order(lowering, keywords.pop("order", None), name, allowed, default)
        result = old(lowering, node, builder, positional, keywords)
        inputs = _atoms(lowering, node, positional) if name.endswith(("array", "copy")) else ()
        return settle(lowering, result, order, inputs)

    return handle


def method_in_order(old, name: str, default: str):
    """`.copy(order='C')`, `.astype(dtype, order='K')`: a new array in that order."""
    def handle(lowering, node, builder, atom, positional, keywords):
        keywords = dict(keywords)
        order = read_order(lowering, keywords.pop("order", None), name, ORDERS, default)
        return settle(lowering, old(lowering, node, builder, atom, positional, keywords), order, (atom,))

    return handle


def as_in_order(old, name: str):
    """np.asarray / np.asanyarray with `order=`: the argument itself where it has the layout, else a copy."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        order = read_order(lowering, keywords.pop("order", None), name)
        result = old(lowering, node, builder, positional, keywords)
        inputs = _atoms(lowering, node, positional)
        if order in ("A", "K") or not isinstance(result, Var):
            return result
        if not any(result is a for a in inputs):  # a new array (of a list, or cast): made in that order
            return settle(lowering, result, order)
        return laid_out(lowering, node, builder, result, order, name)

    return handle


def laid_out(lowering, node, builder, x, order: str, name: str, least_1d: bool = False):
    """`x` itself where it is laid out in `order` ('C' or 'F'), a copy so laid out where not: a reshape to its
    own shape ('F': of its transpose, transposed back), which Lifted reads as NumPy's view-or-copy."""
    emit = Emitter(lowering, node, builder)
    rank = known_rank(emit, x)
    if rank is None:
        raise lowering.error(node, f"{name} in order {order!r} needs the argument's rank", 'annotate it: x: "f64[n,d]"')
    if rank == 0:
        return emit("reshape", x, 1) if least_1d else x
    if order == "C" or rank == 1:
        made = [emit("reshape", x, *emit.dims(x))]
        result = settle(lowering, made[0], "C")
    else:
        flipped = emit("transpose", x)
        made = [emit("reshape", flipped, *emit.dims(flipped))]
        made.append(result := settle(lowering, emit("transpose", made[0]), "F"))
    for value in made:  # a write through it is refused as a write through a reshape: in the user's words
        lowering._laid_out[id(value)] = (name, order, x)
    return result


def asfortranarray(asarray):
    """`np.asfortranarray(a, dtype=None)`: `np.asarray(a, dtype, order='F')`, at least 1-d."""
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, "np.asfortranarray", positional, keywords, 1, 2, ("dtype",))
        result = asarray(lowering, node, builder, positional, keywords)
        if not any(result is a for a in _atoms(lowering, node, positional)):
            if result.type.shape == ():
                return Emitter(lowering, node, builder)("reshape", result, 1)
            return settle(lowering, result, "F")
        return laid_out(lowering, node, builder, result, "F", "np.asfortranarray", least_1d=True)

    return handle


_MADE = {"zeros": ("C", "F"), "ones": ("C", "F"), "empty": ("C", "F"), "full": ("C", "F"), "eye": ("C", "F")}


def extend_functions(functions: dict) -> None:
    """Wrap the handlers of numpy_api's table (after the others: they see the call without `order=`)."""
    for name, allowed in _MADE.items():
        functions[f"numpy.{name}"] = made_in_order(functions[f"numpy.{name}"], f"np.{name}", allowed, "C")
    for name in ("zeros_like", "ones_like", "empty_like", "full_like", "array", "copy"):
        functions[f"numpy.{name}"] = made_in_order(functions[f"numpy.{name}"], f"np.{name}", ORDERS, "K")
    for name in ("asarray", "asanyarray"):
        functions[f"numpy.{name}"] = as_in_order(functions[f"numpy.{name}"], f"np.{name}")
    functions["numpy.asfortranarray"] = asfortranarray(functions["numpy.asarray"])


def extend_methods(methods: dict) -> None:
    methods["copy"] = method_in_order(methods["copy"], ".copy()", "C")
    methods["astype"] = method_in_order(methods["astype"], ".astype()", "K")


def flags(lowering, node, atom, builder):
    """`x.flags`: its `c_contiguous` and `f_contiguous` where the kernel knows x's layout (made C- or
    Fortran-contiguous, or of rank 0: both). A contiguous array is also contiguous the other way exactly where it is
    empty or at most one of its axes is longer than 1 (NumPy's flags: axes of length 1 have no stride that
    matters), computed from the shape at run time where it is named. Refused where the layout is the caller's."""
    from .unique_forms import NamedResult

    emit = Emitter(lowering, node, builder)
    rank = known_rank(emit, atom) if isinstance(atom, Var) else None
    if atom.type.weak or rank is None:
        raise lowering.error(node, "`.flags` of a Python number or a value of unknown rank", "flags of an array")
    known_c = rank == 0 or lowering.c_contiguous(atom)
    known_f = rank == 0 or id(atom) in lowering._f_layout
    if not (known_c or known_f):
        raise lowering.error(node, "`.flags` of an array whose memory layout the kernel does not know (a parameter's "
                             "is the caller's; arithmetic keeps its operands' layouts)",
                             "ask it of an array made in an order: np.asarray(x, order='C').flags")
    dims = emit.dims(atom)
    if rank <= 1:
        other = const(True)
    elif all(isinstance(d, Const) for d in dims):
        other = const(0 in [d.value for d in dims] or sum(d.value > 1 for d in dims) <= 1)
    else:
        longer = [emit("greater", d, 1) for d in dims]
        count = longer[0] if len(longer) == 1 else emit("add", *longer[:2])
        for more in longer[2:]:
            count = emit("add", count, more)
        size = dims[0]
        for d in dims[1:]:
            size = emit("multiply", size, d)
        other = emit("logical_or", emit("equal", size, 0), emit("less_equal", count, 1))
    yes = const(True)
    return NamedResult.of((yes if known_c else other, yes if known_f else other), ("c_contiguous", "f_contiguous"))
