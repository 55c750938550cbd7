"""Operations along one axis or on a matrix's structure: flip, cumsum, tril/triu, diag.

Each is linear, so its tangent rule applies the operation itself to the tangent, and its cotangent rule applies
the adjoint: flip is its own adjoint, a cumulative sum's adjoint is the cumulative sum taken backwards, a
triangle's adjoint keeps the same triangle, and extracting a diagonal is the adjoint of building one.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir import const
from ..ir.types import ShapeError, TensorType, fresh_dim, is_unknown, normalize_axis
from .batching import batch_along_axis, batch_stacked, example_rank
from .registry import Primitive, register
from .symbolic import Sym, ops


def _same_type(types, params) -> TensorType:
    return types[0]


def _check_axes(x: TensorType, axis) -> None:
    if x.rank is not None:
        for a in axis if isinstance(axis, tuple) else () if axis is None else (axis,):
            normalize_axis(a, x.rank)


def _infer_flip(types, params) -> TensorType:
    _check_axes(types[0], params.get("axis"))
    return types[0]


register(Primitive(
    name="flip", infer=_infer_flip, family="structured", views=True, always_views=True,
    render=lambda args, p: cg.call("np.flip", args[0], axis=p.get("axis")),
    vjp=lambda g, out, x, active=None, axis=None: [ops.flip(g, axis=axis)],
    jvp=lambda tangents, out, x, axis=None: ops.flip(tangents[0], axis=axis), temp_name="r",
    batch=batch_along_axis,
))


def _infer_cumsum(types, params) -> TensorType:
    (x,) = types
    if x.rank == 0:
        raise ShapeError("np.cumsum of a scalar: give it an array")
    _check_axes(x, params["axis"])
    return x.with_dtype("i64") if x.dtype in ("bool", "i32") else x


register(Primitive(
    name="cumsum", infer=_infer_cumsum, family="structured",
    render=lambda args, p: cg.call("np.cumsum", args[0], axis=p["axis"]),
    # each input element feeds every later sum: its cotangent is the sum of the cotangents from it to the end
    vjp=lambda g, out, x, active=None, axis=0: [ops.flip(ops.cumsum(ops.flip(g, axis=axis), axis=axis), axis=axis)],
    jvp=lambda tangents, out, x, axis=0: ops.cumsum(tangents[0], axis=axis), temp_name="c",
    batch=batch_along_axis,
))


def _infer_triangle(types, params) -> TensorType:
    (x,) = types
    if x.rank is not None and x.rank < 2:
        raise ShapeError("np.tril and np.triu of a scalar (NumPy raises TypeError)" if x.rank == 0 else
                         "the tril and triu entries take matrices (the frontend broadcasts a vector to the square "
                         "matrix of its rows, as NumPy)",
                         "give it a vector (broadcast to the square matrix of its rows) or a matrix")
    return x


for _name in ("tril", "triu"):
    register(Primitive(
        name=_name, infer=_infer_triangle, family="structured",
        render=(lambda name: lambda args, p: cg.call(f"np.{name}", args[0], k=p.get("k") or None))(_name),
        vjp=(lambda name: lambda g, out, x, active=None, k=0: [getattr(ops, name)(g, k=k)])(_name),
        jvp=(lambda name: lambda tangents, out, x, k=0: getattr(ops, name)(tangents[0], k=k))(_name),
        temp_name="m", batch=batch_stacked,  # NumPy's tril and triu act on the last two axes of a stack
    ))


def _diagonal_length(n, m, k: int):
    """How many elements the k-th diagonal of an (n, m) matrix has."""
    if isinstance(n, int) and isinstance(m, int):
        return max(0, min(n + min(k, 0), m - max(k, 0)))
    if n == m and k == 0:
        return n
    return fresh_dim()


def _infer_diag(types, params) -> TensorType:
    (x,) = types
    k = params.get("k", 0)
    if x.rank != 1:
        raise ShapeError("the `diag` entry builds a matrix from a vector (a matrix's diagonal is `diagonal`)")
    n = x.shape[0]
    size = n + abs(k) if isinstance(n, int) else n if k == 0 else fresh_dim()
    return TensorType(x.dtype, (size, size))


def _batch_diag(ctx, prim, args, batched, k=0) -> Sym:
    """np.diag has no stacked form. Each vector placed on the k-th diagonal by selection (np.where with an
    identity, never a product, so an inf stays in its place), padded with |k| zeros on the side the diagonal is
    shifted from."""
    (x,) = args
    builder = x.builder
    example_rank(x, True)
    n = Sym(builder, builder.dim(x.shape[-1], x.atom, x.rank - 1))
    if k:
        pad = ops.zeros(ctx.size, abs(k), dtype=x.type.dtype)
        x = ops.concatenate(pad, x, axis=1) if k > 0 else ops.concatenate(x, pad, axis=1)
        n = n + abs(k)
    row = ops.expand_dims(x, axis=-2)
    return ops.where(ops.eye(n, n, k=k, dtype="bool") if k else ops.eye(n, dtype="bool"), row, ops.zeros_like(row))


register(Primitive(
    name="diag", infer=_infer_diag, family="structured",
    render=lambda args, p: cg.call("np.diag", args[0], k=p.get("k") or None),
    vjp=lambda g, out, x, active=None, k=0: [ops.diagonal(g, offset=k)],
    jvp=lambda tangents, out, x, k=0: ops.diag(tangents[0], k=k), temp_name="d",
    batch=_batch_diag,
))


# --- diagonal: np.diagonal(x, offset, axis1, axis2), the k-th diagonal of every matrix along two axes, last -------
def _diagonal_axes(rank: int, axis1: int, axis2: int) -> tuple[int, int]:
    if rank < 2:
        raise ShapeError("np.diagonal needs an array of rank 2 or more")
    first, second = normalize_axis(axis1, rank), normalize_axis(axis2, rank)
    if first == second:
        raise ShapeError("np.diagonal's axis1 and axis2 cannot be the same axis")
    return first, second


def _infer_diagonal(types, params) -> TensorType:
    (x,) = types
    if x.shape is None:
        raise ShapeError("np.diagonal needs the rank of its argument; annotate it")
    first, second = _diagonal_axes(len(x.shape), params.get("axis1", 0), params.get("axis2", 1))
    rest = tuple(d for i, d in enumerate(x.shape) if i not in (first, second))
    return TensorType(x.dtype, rest + (_diagonal_length(x.shape[first], x.shape[second], params.get("offset", 0)),))


def _vjp_diagonal(g, out, x, active=None, offset=0, axis1=0, axis2=1):
    """Each cotangent entry back in its place on the diagonal, zeros elsewhere: the cotangent padded to the length
    of a row and selected onto the diagonal by np.where with a shifted identity (no product, so an inf stays in its
    place), then its axes put back where `x` has them."""
    builder = g.builder
    first, second = _diagonal_axes(x.rank, axis1, axis2)
    n, m = x.shape[first], x.shape[second]
    length = out.shape[-1]
    if length == 0:
        return [ops.zeros_like(x)]
    if x.rank == 2 and n == m and not is_unknown(n):  # a square matrix: np.diag builds it
        placed = ops.diag(g, k=offset) if offset else ops.diag(g)
        return [placed if first < second else ops.transpose(placed)]
    before = max(offset, 0)
    if isinstance(n, int) and isinstance(m, int):
        after = m - length - before
    elif n == m and not is_unknown(n):
        after = max(-offset, 0)
    else:
        raise ShapeError("reverse mode of a diagonal of a matrix that is neither square nor of sizes known at "
                         "build time is not supported",
                         'annotate it square (e.g. "f64[n,n]") or with its sizes (e.g. "f64[3,4]")')
    shape = builder.shape_atoms(x.type, x.atom)
    if shape is None:
        raise ShapeError("reverse mode of np.diagonal needs the shapes from annotations",
                         "annotate the parameters with their shapes")
    rest = [Sym(builder, a) for axis, a in enumerate(shape) if axis not in (first, second)]
    pad = lambda size: ops.zeros(*rest, Sym(builder, const(size)), dtype=g.type.dtype)  # noqa: E731
    pieces = [pad(before) for _ in range(bool(before))] + [g] + [pad(after) for _ in range(bool(after))]
    row = ops.expand_dims(ops.concatenate(*pieces, axis=-1) if len(pieces) > 1 else g, axis=-2)
    rows, columns = Sym(builder, shape[first]), Sym(builder, shape[second])
    mask = ops.eye(rows, columns, k=offset, dtype="bool") if offset else ops.eye(rows, columns, dtype="bool")
    placed = ops.where(mask, row, ops.zeros_like(row))
    order = [a for a in range(x.rank) if a not in (first, second)] + [first, second]
    back = tuple(order.index(a) for a in range(x.rank))
    return [placed if back == tuple(range(x.rank)) else ops.transpose(placed, axes=back)]


def _batch_diagonal(ctx, prim, args, batched, offset=0, axis1=0, axis2=1) -> Sym:
    rank = example_rank(args[0], True)
    first, second = _diagonal_axes(rank, axis1, axis2)
    return ops.diagonal(args[0], offset=offset, axis1=first + 1, axis2=second + 1)


def _render_diagonal(args, p):
    axis1, axis2 = p.get("axis1", 0), p.get("axis2", 1)
    axes = {} if (axis1, axis2) == (0, 1) else {"axis1": axis1, "axis2": axis2}
    return cg.call("np.diagonal", args[0], offset=p.get("offset") or None, **axes)


register(Primitive(
    name="diagonal", infer=_infer_diagonal, family="structured", render=_render_diagonal, views=True, always_views=True,
    vjp=_vjp_diagonal, batch=_batch_diagonal, temp_name="d",
    jvp=lambda tangents, out, x, offset=0, axis1=0, axis2=1: ops.diagonal(tangents[0], offset=offset, axis1=axis1,
                                                                        axis2=axis2),
))
