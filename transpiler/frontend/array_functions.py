"""NumPy functions that are other primitives put together: stacking variants, atleast_*, ravel and its orders,
print (array literals are array_literals.py; roll, repeat, tile, meshgrid and the splits repeats_and_splits.py).

Each handler checks its arguments and binds the primitives NumPy's own definition uses, so derivatives come from
those primitives' rules and nothing here has a rule of its own. What NumPy would compute differently (a
run-time repeat count) is a located error.
"""
from __future__ import annotations

from ..ir import Atom, Const, Var
from .array_literals import array_like
from .call_args import (Emitter, arg, arity, known_rank as _rank, ravel as _ravel, static,
                        static_axis as _axis)

# --- stacking ------------------------------------------------------------------------------------------------------
def sequence_of_arrays(lowering, node, value, name: str, builder) -> tuple:
    """The arrays a stacking function joins: a tuple or list of them (a list of numbers among them is an array, as
    NumPy makes it: `np.concatenate(([0.0, x[0]], x[1::2]))`), or one array, which NumPy iterates over along its
    first axis (`np.hstack(x)` joins `x[0], x[1], ...`; that length must be known at build time)."""
    if not isinstance(value, tuple) and isinstance(value, Atom.__args__):
        emit = Emitter(lowering, node, builder)
        length = value.type.shape[0] if value.type.shape else None
        if not isinstance(length, int) or length == 0:
            raise emit.error(f"`{name}` of one array joins its rows, which needs the length of its first axis known "
                             "at build time (and not 0)", f'annotate it with that length, e.g. "f64[3,n]", or write '
                             f'{name}((a, b))')
        return tuple(emit("getitem", value, index=(row,)) for row in range(length))
    if not isinstance(value, tuple) or not value:
        raise lowering.error(node, f"`{name}` takes a tuple or list of arrays", f"{name}((a, b))")
    return tuple(array_like(lowering, node, builder, item) for item in value)


def at_least(emit: Emitter, atom, rank: int):
    """np.atleast_1d/2d/3d of one array: the array itself when it has the rank already (as NumPy returns it)."""
    have = _rank(emit, atom)
    if have >= rank:
        return atom
    if have == 0:
        return emit("reshape", atom, *([1] * rank))
    if rank == 2 or have == 2:  # (n,) -> (1, n); (m, n) -> (m, n, 1)
        return emit("expand_dims", atom, axis=0 if have == 1 else -1)
    return emit("expand_dims", atom, axis=(0, 2))  # (n,) -> (1, n, 1)


def atleast(rank: int):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.atleast_{rank}d", positional, keywords, 1, 16)
        emit = Emitter(lowering, node, builder)
        results = tuple(at_least(emit, emit.atom(v), rank) for v in positional)
        return results[0] if len(results) == 1 else results

    return handle


def concatenate(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.concatenate", positional, keywords, 1, 2, ("axis",))
    arrays = sequence_of_arrays(lowering, node, positional[0], "np.concatenate", builder)
    axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node, default=Const(0, None))
    axis = _axis(lowering, axis_value, axis_node)
    emit = Emitter(lowering, node, builder)
    atoms = [emit.atom(a) for a in arrays]
    if axis is None:  # flattened first
        return emit("concatenate", *[_ravel(emit, a) for a in atoms], axis=0)
    return emit("concatenate", *atoms, axis=axis)


def hstack(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.hstack", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    parts = sequence_of_arrays(lowering, node, positional[0], "np.hstack", builder)
    atoms = [at_least(emit, emit.atom(a), 1) for a in parts]
    return emit("concatenate", *atoms, axis=0 if atoms[0].type.rank == 1 else 1)


def vstack(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.vstack", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    parts = sequence_of_arrays(lowering, node, positional[0], "np.vstack", builder)
    atoms = [at_least(emit, emit.atom(a), 2) for a in parts]
    return emit("concatenate", *atoms, axis=0)


def column_stack(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.column_stack", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    columns = []
    for value in sequence_of_arrays(lowering, node, positional[0], "np.column_stack", builder):
        atom = emit.atom(value)
        rank = _rank(emit, atom)
        columns.append(atom if rank >= 2 else emit("reshape", atom, -1, 1))
    return emit("concatenate", *columns, axis=1)


def ravel(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.ravel", positional, keywords, 1, 2, ("order",))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    return _flat(emit, atom, _ravel_order(lowering, atom, positional[1:], keywords, node, "np.ravel"))


def method_ravel(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".ravel()", positional, keywords, 0, 1, ("order",))
    emit = Emitter(lowering, node, builder)
    return _flat(emit, atom, _ravel_order(lowering, atom, positional, keywords, node, ".ravel()"))


def method_flatten(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".flatten()", positional, keywords, 0, 1, ("order",))
    emit = Emitter(lowering, node, builder)
    flat = _flat(emit, atom, _ravel_order(lowering, atom, positional, keywords, node, ".flatten()"))
    return emit("copy", flat)  # a copy, never a view


def _ravel_order(lowering, atom, positional, keywords, node, name: str) -> str:
    """'C' (the default) or 'F'. 'A' and 'K' follow the argument's memory layout: 'C' where the kernel knows it
    C-contiguous (or it has rank 0 or 1, where both orders are one), 'F' where it knows it Fortran-contiguous,
    refused where the layout is not known."""
    value, where = arg(lowering, positional, keywords, 0, "order", node, Const("C", None))
    order = static(lowering, value, where, f"{name}'s `order`")
    if order in ("A", "K") and c_ordered(lowering, atom):
        return "C"
    if order in ("A", "K") and f_ordered(lowering, atom):
        return "F"
    if order in ("A", "K"):
        raise lowering.error(where, f"{name} with order={order!r} follows the argument's memory layout, which a "
                             "kernel knows only for arrays it made C-contiguous (a parameter's is the caller's)",
                             "order='C' (row by row) or 'F' (column by column)")
    if order not in ("C", "F"):
        raise lowering.error(where, f"{name}'s order={order!r}: NumPy raises ValueError",
                             "order='C' (row by row) or 'F' (column by column)")
    return order


def f_ordered(lowering, atom) -> bool:
    """Whether `order='A'`/`'K'` reads `atom` in Fortran order: it was made Fortran-contiguous (layout_orders.py;
    where it is C-contiguous too, at most one axis is longer than 1 and both orders read the same elements)."""
    return isinstance(atom, Var) and id(atom) in lowering._f_layout


def c_ordered(lowering, atom) -> bool:
    """Whether `order='A'`/`'K'` reads `atom` in C order: it is C-contiguous (the layout analysis says so), or has
    rank 0 or 1 (one order)."""
    rank = getattr(getattr(atom, "type", None), "rank", None)
    return rank is not None and rank <= 1 or isinstance(atom, Var) and lowering.c_contiguous(atom)


def _flat(emit: Emitter, atom, order: str):
    """NumPy's ravel in `order`: column by column is the reversed-axes transpose read row by row."""
    if order == "F" and atom.type.rank is None:
        raise emit.error("ravel in order 'F' needs the argument's rank", 'annotate it, e.g. x: "f64[n,d]"')
    if order == "F" and atom.type.rank > 1:
        atom = emit("transpose", atom, axes=tuple(reversed(range(atom.type.rank))))
    return emit("reshape", atom, -1)


# --- array literals ------------------------------------------------------------------------------------------------
def print_call(lowering, node, builder, positional, keywords):
    """`print(...)`: arrays and numbers of the kernel, strings and None; `sep=`, `end=` and `flush=` literals.
    Kept in program order wherever the primal runs (see primitives/effects.py)."""
    atoms, items = [], []
    for value in positional:
        if isinstance(value, Const) and not isinstance(value.value, Atom.__args__[0]) and \
                isinstance(value.value, (bool, int, float)):
            items.append(("literal", value.value))
        elif isinstance(value, Atom.__args__):
            items.append(("arg", len(atoms)))
            atoms.append(value)
        elif value is None or isinstance(value, str):
            items.append(("literal", value))
        else:
            raise lowering.error(node, "`print` in a kernel takes arrays, numbers and strings",
                                 "print the elements one by one, or np.stack(xs) first")
    params = {"items": tuple(items)}
    for name, (value, _) in keywords.items():
        value = value.value if isinstance(value, Const) else value
        if name in ("sep", "end") and (value is None or isinstance(value, str)):
            params[name] = value
        elif name == "flush" and isinstance(value, bool):
            params[name] = value
        else:
            raise lowering.error(node, f"`print(..., {name}=...)` is not supported in kernels",
                                 "`sep=` and `end=` take strings, `flush=` True or False")
    builder.bind("print", atoms, params)
    return None
