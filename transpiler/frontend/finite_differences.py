"""`np.gradient`: central differences inside, one-sided ones at the two ends, along each axis asked for.

Written with NumPy's own formulas for uniform spacing (`(f[2:] - f[:-2]) / (2. * dx)` inside; `(f[1] - f[0]) / dx`
at the ends for `edge_order=1`, `a * f[0] + b * f[1] + c * f[2]` for `edge_order=2`) and for coordinate arrays
(the weights of the three neighbours from the distances `np.diff(x)`), the same operations in the same order, so
the result has NumPy's bits and its derivatives come from the slices, differences and concatenation it is made of
(derivatives with respect to the coordinates included). Like NumPy, coordinates whose distances are all equal
take the uniform formulas with the first distance: a branch at run time. A length named by annotation is checked
at run time (NumPy's ValueError for fewer than edge_order + 1 samples, or coordinates of another length). The result has `f`'s dtype (float64 for
integers), as NumPy's `out` array does, where a spacing of another dtype computed it in a wider one.
"""
from __future__ import annotations

from ..ir import Const
from ..ir.types import axis_hint
from ..values import ListValue
from .array_literals import array
from .call_args import Emitter, arity, known_rank, static


TOO_SHORT = ("Shape of array too small to calculate a numerical gradient, at least (edge_order + 1) elements are "
             "required.")
MISMATCHED = "when 1d, distances must match the length of the corresponding dimension"


def _axes(emit: Emitter, value, rank: int) -> tuple[int, ...]:
    axis = static(emit.lowering, value, emit.node, "`axis`")
    axes = tuple(range(rank)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, int) and not isinstance(a, bool) and -rank <= a < rank for a in axes):
        raise emit.error(f"np.gradient's `axis` {axis!r} does not name axes of an array of rank {rank}",
                         axis_hint(rank))
    normal = tuple(a % rank for a in axes)
    if len(set(normal)) != len(normal):
        raise emit.error("np.gradient's `axis` names an axis twice")
    return normal


def _spacings(emit: Emitter, values: list, count: int) -> list:
    """One sample distance per axis: none given (1), one number for all, or one each: a number known at build
    time, a scalar, or a 1-D array of coordinates."""

    spacings = []
    for value in values:
        number = value.value if isinstance(value, Const) else value
        if isinstance(number, (int, float)):
            if isinstance(number, bool):
                raise emit.error("np.gradient's spacings are numbers or 1-D arrays of coordinates")
            spacings.append(number)
            continue
        if isinstance(value, (tuple, ListValue)):  # coordinates written as a list: the array NumPy makes of it
            value = array(emit.lowering, emit.node, emit.builder, [_as_tuple(value)], {})
        atom = emit.atom(value)
        if atom.type.dtype == "bool" or atom.type.rank not in (0, 1):
            raise emit.error("np.gradient's spacings are numbers or 1-D arrays of coordinates (NumPy: distances "
                             "must be either scalars or 1d)")
        spacings.append(atom)
    if not spacings:
        return [1] * count
    if len(spacings) == 1 and _is_scalar(spacings[0]):
        return spacings * count
    if len(spacings) != count:
        raise emit.error(f"np.gradient takes one spacing, or one per axis ({count}), not {len(spacings)}")
    return spacings


def _is_scalar(spacing) -> bool:
    return isinstance(spacing, (int, float)) or spacing.type.rank == 0


def _as_tuple(value):
    return tuple(_as_tuple(v) for v in value.items) if isinstance(value, ListValue) else value


def gradient(lowering, node, builder, positional, keywords):
    """`np.gradient(f, *varargs, axis=None, edge_order=1)`: spacings as numbers, scalars or coordinates."""

    arity(lowering, node, "np.gradient", positional, keywords, 1, 17, ("axis", "edge_order"))
    emit = Emitter(lowering, node, builder)
    f = emit.atom(array(lowering, node, builder, [positional[0]], {}) if isinstance(positional[0], tuple)
                  else positional[0])
    rank = known_rank(emit, f)
    if rank == 0:
        raise emit.error("np.gradient needs an array of rank 1 or more")
    if f.type.dtype == "bool":
        raise emit.error("np.gradient of booleans is an error in NumPy (it subtracts them)",
                         "cast first: np.gradient(x.astype(np.float64))")
    axes = _axes(emit, keywords.get("axis", (Const(None, None), node))[0], rank)
    order = static(lowering, *keywords.get("edge_order", (Const(1, None), node)), "`edge_order`")
    if order not in (1, 2) or isinstance(order, bool):
        raise emit.error("np.gradient's `edge_order` is 1 or 2")
    spacings = _spacings(emit, positional[1:], len(axes))
    if f.type.dtype in ("i32", "i64"):  # NumPy computes an integer array's gradient in float64
        f = emit("astype", f, dtype="f64")
    results = []
    for axis, dx in zip(axes, spacings):
        size = f.type.shape[axis]
        if not isinstance(size, int):  # a named length: NumPy's ValueError for too few samples, at run time
            emit("check_assert", emit("less_equal", order + 1, emit.dims(f)[axis]), error="ValueError",
                 message=TOO_SHORT)
        elif size < order + 1:
            raise emit.error(f"np.gradient needs at least {order + 1} samples along axis {axis} (edge_order="
                             f"{order}); it has {size}")
        if _is_scalar(dx):
            result = _along(emit, f, axis, dx, order)
        else:
            result = _along_coordinates(emit, f, axis, dx, order)
        results.append(result if result.type.dtype == f.type.dtype else emit("astype", result, dtype=f.type.dtype))
    return results[0] if len(results) == 1 else tuple(results)


def _along_coordinates(emit: Emitter, f, axis: int, x, order: int):
    """NumPy's gradient along `axis` at the coordinates `x`: the uniform formulas with the first distance where
    every distance equals it (decided at run time, as NumPy decides), the nonuniform ones elsewhere."""
    size = f.type.shape[axis]
    if isinstance(size, int) and isinstance(x.type.shape[0], int) and x.type.shape[0] != size:
        raise emit.error(f"np.gradient's coordinates along axis {axis} have length {x.type.shape[0]}, the array "
                         f"{size} (NumPy: when 1d, distances must match the length of the corresponding dimension)")
    if x.type.shape[0] != size:  # a named length on either side: NumPy's check at run time
        emit("check_assert", emit("equal", emit.dims(x)[0], emit.dims(f)[axis]), error="ValueError",
             message=MISMATCHED)
    if x.type.dtype in ("i32", "i64"):  # NumPy's distances between integers, in float64
        x = emit("astype", x, dtype="f64")
    distances = emit("subtract", emit("getitem", x, index=(slice(1, None),)),
                     emit("getitem", x, index=(slice(None, -1),)))
    first = emit("getitem", distances, index=(0,))
    if size == 2:  # one distance: uniform
        return _along(emit, f, axis, first, order)
    uniform = emit("all", emit("equal", distances, first))
    return emit.branch(uniform, lambda: _along(emit, f, axis, first, order),
                       lambda: _nonuniform(emit, f, axis, distances, order), "grad", "np.gradient",
                       same_lengths=True)


def _nonuniform(emit: Emitter, f, axis: int, dx, order: int):
    """NumPy's formulas for unequal distances `dx` (length n - 1 along `axis`)."""
    rank = f.type.rank
    take = lambda start, stop: emit("getitem", f, index=(slice(None),) * axis + (slice(start, stop),))  # noqa: E731
    at = lambda k: emit("getitem", dx, index=(k,))  # noqa: E731
    add, sub, mul, div = (lambda a, b, op=op: emit(op, a, b) for op in ("add", "subtract", "multiply", "divide"))
    dx1, dx2 = emit("getitem", dx, index=(slice(0, -1),)), emit("getitem", dx, index=(slice(1, None),))
    shape = [1] * rank
    shape[axis] = -1
    along = lambda w: w if rank == 1 else emit("reshape", w, *shape)  # noqa: E731
    a = along(div(emit("negative", dx2), mul(dx1, add(dx1, dx2))))
    b = along(div(sub(dx2, dx1), mul(dx1, dx2)))
    c = along(div(dx1, mul(dx2, add(dx1, dx2))))
    inside = add(add(mul(a, take(None, -2)), mul(b, take(1, -1))), mul(c, take(2, None)))
    if order == 1:
        first = div(sub(take(1, 2), take(0, 1)), at(0))
        last = div(sub(take(-1, None), take(-2, -1)), at(-1))
    else:
        dx1, dx2 = at(0), at(1)
        a = div(emit("negative", add(mul(2., dx1), dx2)), mul(dx1, add(dx1, dx2)))
        b = div(add(dx1, dx2), mul(dx1, dx2))
        c = div(emit("negative", dx1), mul(dx2, add(dx1, dx2)))
        first = add(add(mul(a, take(0, 1)), mul(b, take(1, 2))), mul(c, take(2, 3)))
        dx1, dx2 = at(-2), at(-1)
        a = div(dx2, mul(dx1, add(dx1, dx2)))
        b = div(emit("negative", add(dx2, dx1)), mul(dx1, dx2))
        c = div(add(mul(2., dx2), dx1), mul(dx2, add(dx1, dx2)))
        last = add(add(mul(a, take(-3, -2)), mul(b, take(-2, -1))), mul(c, take(-1, None)))
    return emit("concatenate", first, inside, last, axis=axis)


def _along(emit: Emitter, f, axis: int, dx, order: int):
    take = lambda start, stop: emit("getitem", f, index=(slice(None),) * axis + (slice(start, stop),))  # noqa: E731
    twice = 2. * dx if isinstance(dx, (int, float)) else emit("multiply", 2., dx)
    inside = emit("divide", emit("subtract", take(2, None), take(None, -2)), twice)
    if order == 1:
        first = emit("divide", emit("subtract", take(1, 2), take(0, 1)), dx)
        last = emit("divide", emit("subtract", take(-1, None), take(-2, -1)), dx)
    else:
        weight = (lambda w: w / dx) if isinstance(dx, (int, float)) else (lambda w: emit("divide", w, dx))  # noqa: E731
        weighted = lambda weights, starts: _weighted_sum(emit, [(weight(w), take(s, s + 1 or None))  # noqa: E731
                                                                for w, s in zip(weights, starts)])
        first = weighted((-1.5, 2., -0.5), (0, 1, 2))
        last = weighted((0.5, -2., 1.5), (-3, -2, -1))
    return emit("concatenate", first, inside, last, axis=axis)


def _weighted_sum(emit: Emitter, terms: list):
    """`a * f0 + b * f1 + c * f2`, added left to right as Python (and NumPy's code) adds it."""
    total = None
    for weight, value in terms:
        term = emit("multiply", weight, value)
        total = term if total is None else emit("add", total, term)
    return total
