"""`np.gradient`: central differences inside, one-sided ones at the two ends, along each axis asked for.

Written with NumPy's own formulas for uniform spacing (`(f[2:] - f[:-2]) / (2. * dx)` inside; `(f[1] - f[0]) / dx`
at the ends for `edge_order=1`, `a * f[0] + b * f[1] + c * f[2]` for `edge_order=2`), the same operations in the
same order, so the result has NumPy's bits and its derivatives come from the slices, differences and
concatenation it is made of.
"""
from __future__ import annotations

from ..ir import Const
from .call_args import Emitter, arity, known_rank, static


def _axes(emit: Emitter, value, rank: int) -> tuple[int, ...]:
    axis = static(emit.lowering, value, emit.node, "`axis`")
    axes = tuple(range(rank)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, int) and not isinstance(a, bool) and -rank <= a < rank for a in axes):
        raise emit.error(f"np.gradient's `axis` {axis!r} does not name axes of an array of rank {rank}")
    normal = tuple(a % rank for a in axes)
    if len(set(normal)) != len(normal):
        raise emit.error("np.gradient's `axis` names an axis twice")
    return normal


def _spacings(emit: Emitter, values: list, count: int) -> list:
    """One sample distance per axis: none given (1), one for all, or one each; numbers known at build time."""
    numbers = [v.value if isinstance(v, Const) else v for v in values]
    if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
        raise emit.error("np.gradient takes its sample distances as numbers known at build time (coordinate "
                         "arrays are not supported)", "np.gradient(f, 0.5) or np.gradient(f, dx, dy)")
    if not numbers:
        return [1] * count
    if len(numbers) == 1:
        return numbers * count
    if len(numbers) != count:
        raise emit.error(f"np.gradient takes one spacing, or one per axis ({count}), not {len(numbers)}")
    return numbers


def gradient(lowering, node, builder, positional, keywords):
    """`np.gradient(f, *varargs, axis=None, edge_order=1)` with uniform spacings."""
    from .array_functions import array

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
        if not isinstance(size, int):
            raise emit.error("np.gradient needs the length of each axis it differentiates along known at build "
                             "time (NumPy raises for one shorter than edge_order + 1)",
                             'annotate it with its length, e.g. "f64[10]"')
        if size < order + 1:
            raise emit.error(f"np.gradient needs at least {order + 1} samples along axis {axis} (edge_order="
                             f"{order}); it has {size}")
        results.append(_along(emit, f, axis, dx, order))
    return results[0] if len(results) == 1 else tuple(results)


def _along(emit: Emitter, f, axis: int, dx, order: int):
    take = lambda start, stop: emit("getitem", f, index=(slice(None),) * axis + (slice(start, stop),))  # noqa: E731
    inside = emit("divide", emit("subtract", take(2, None), take(None, -2)), 2. * dx)
    if order == 1:
        first = emit("divide", emit("subtract", take(1, 2), take(0, 1)), dx)
        last = emit("divide", emit("subtract", take(-1, None), take(-2, -1)), dx)
    else:
        weighted = lambda weights, starts: _weighted_sum(emit, [(w / dx, take(s, s + 1 or None))  # noqa: E731
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
