"""Shape operations: reshape, expand_dims, squeeze, concatenate, stack, astype (broadcasts: broadcasting.py).

Shapes given as arguments are integer atoms (literals or dimension variables such as `n = x.shape[0]`), so
the output's static shape is known whenever the input's is.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import (NUMPY_DTYPES, ShapeError, TensorType, broadcast_shapes, fresh_dim, same_dim,
                              is_unknown, normalize_axis, promote_arrays, show_shape)
from ..ir.dims import dim_product, dim_quotient, dim_sum
from .indexing import slice_along, take_along
from ..errors import TranspileError
from ..ir import Const, Var, const
from .batching import BatchError, check_static_shape, example_rank, normalized
from .registry import Primitive, register
from .symbolic import Sym, ops


def shape_value(types: list[TensorType]) -> tuple:
    """The static shape that a list of integer-atom types stands for (unknown entries fresh)."""
    return tuple(t.value if t.value is not None else fresh_dim() for t in types)


def shape_expr(args):
    return cg.tuple_(*args)


# --- reshape ------------------------------------------------------------------------------------------------
def _infer_reshape(types, params) -> TensorType:
    x, dims = types[0], shape_value(types[1:])
    if dims.count(-1) > 1:
        raise ShapeError("reshape can infer at most one dimension (-1)")
    if -1 in dims:
        known = [d for d in dims if d != -1]
        if x.shape is not None and all(isinstance(d, int) for d in x.shape + tuple(known)):
            total = 1
            for d in x.shape:
                total *= d
            rest = 1
            for d in known:
                rest *= d
            if rest == 0 or total % rest:
                raise ShapeError(f"cannot reshape an array of shape {show_shape(x.shape)} into {list(dims)}")
            dims = tuple(total // rest if d == -1 else d for d in dims)
        elif x.shape is not None and _sub_multiset(known, x.shape) is not None:  # [n,m,k] -> (n, -1): m*k
            inferred = dim_product(_sub_multiset(known, x.shape))
            dims = tuple((fresh_dim() if inferred is None else inferred) if d == -1 else d for d in dims)
        elif x.shape is not None and dim_product(list(x.shape)) is not None and dim_product(known) is not None:
            inferred = dim_quotient(dim_product(list(x.shape)), dim_product(known))  # [2*h] -> (2, -1): h
            dims = tuple((fresh_dim() if inferred is None else inferred) if d == -1 else d for d in dims)
        else:
            dims = tuple(fresh_dim() if d == -1 else d for d in dims)
    elif x.shape is not None and all(isinstance(d, int) for d in x.shape + dims):
        size_in, size_out = 1, 1
        for d in x.shape:
            size_in *= d
        for d in dims:
            size_out *= d
        if size_in != size_out:
            raise ShapeError(f"cannot reshape an array of shape {show_shape(x.shape)} into {list(dims)}")
    return TensorType(x.dtype, dims)


def _sub_multiset(part: list, whole: tuple) -> list | None:
    """The sizes of `whole` left once each of `part` is taken out; None where `part` is not among them."""
    remaining = list(whole)
    for d in part:
        if d not in remaining:
            return None
        remaining.remove(d)
    return remaining


def _vjp_reshape(g, out, x, *dims, active=None):
    shape = g.builder.shape_atoms(x.type, x.atom)
    if shape is None:
        return [ops.reshape_like(g, x)] + [None] * len(dims)
    return [ops.reshape(g, *[Sym(g.builder, a) for a in shape])] + [None] * len(dims)


def _batch_reshape(ctx, prim, args, batched):
    check_static_shape(batched, 1)
    return ops.reshape(args[0], ctx.size, *_inferred_length(ctx, args[0], list(args[1:])))


def _inferred_length(ctx, x: Sym, dims: list) -> list:
    """The example's new shape with its -1 written out where the example's type names the length: NumPy cannot
    infer `(B, -1)` for a batch of no examples (`cannot reshape array of size 0`), where every example could."""
    minus = [k for k, d in enumerate(dims) if isinstance(d.atom, Const) and d.atom.value == -1]
    if not minus or x.atom.type.shape is None:
        return dims
    example = TensorType(x.atom.type.dtype, tuple(x.atom.type.shape[1:]))
    try:
        length = _infer_reshape([example] + [d.atom.type for d in dims], {}).shape[minus[0]]
        inferred = Sym(ctx.builder, const(length) if isinstance(length, int) else ctx.builder.dim(length))
    except (ShapeError, TranspileError, KeyError):
        others = [d.atom.value if isinstance(d.atom, Const) else None for k, d in enumerate(dims) if k != minus[0]]
        if not all(type(v) is int and v > 0 for v in others):
            return dims  # (a length only the values tell: NumPy infers it, for a batch of at least one example)
        rest = 1
        for v in others:
            rest *= v
        inferred = None  # the example's size (its lengths read off x) over the other lengths'
        for axis in range(1, len(x.atom.type.shape)):
            length = ops.dim(x, axis=axis)
            inferred = length if inferred is None else inferred * length
        inferred = Sym(ctx.builder, const(1)) if inferred is None else inferred
        if rest != 1:
            inferred = ops.floor_divide(inferred, rest)
    return dims[:minus[0]] + [inferred] + dims[minus[0] + 1:]


def batch_like(prim_name: str):
    """`reshape_like`/`broadcast_like` (emitted by reverse mode): to the batched shape of `like`, or, when `like`
    is the same for every example, to the batch size followed by its shape."""
    def rule(ctx, prim, args, batched):
        x, like = args
        if batched[1]:
            if not batched[0]:
                x = ctx.lift(x) if prim_name == "reshape_like" else x
            elif prim_name == "broadcast_like":
                x = ctx.align(x, example_rank(like, True))
            return getattr(ops, prim_name)(x, like)
        dims = ctx.builder.shape_atoms(like.type, like.atom if isinstance(like.atom, Var) else None)
        if dims is None:
            raise BatchError(f"batching `{prim_name}` needs the shapes from annotations: annotate the parameters")
        dims = [Sym(ctx.builder, d) for d in dims]
        if prim_name == "reshape_like":
            return ops.reshape(x, ctx.size, *dims)
        return ops.broadcast_to(ctx.align(x, len(dims)), ctx.size, *dims)

    return rule


register(Primitive(
    name="reshape", views=True, infer=_infer_reshape, family="shape",
    render=lambda args, p: cg.call("np.reshape", args[0], shape_expr(args[1:])),
    vjp=_vjp_reshape, jvp=lambda tangents, out, x, *dims: ops.reshape(tangents[0], *dims), batch=_batch_reshape,
    diff_args=(0,), temp_name="r",
))
register(Primitive(
    name="reshape_like", views=True, family="shape",
    infer=lambda types, p: TensorType(types[0].dtype, types[1].shape),
    render=lambda args, p: cg.call("np.reshape", args[0], cg.call("np.shape", args[1])),
    vjp=lambda g, out, x, like, active=None: [ops.reshape_like(g, x), None],
    jvp=lambda tangents, out, x, like: ops.reshape_like(tangents[0], like), batch=batch_like("reshape_like"),
    diff_args=(0,), temp_name="r",
))


# --- expand_dims / squeeze ----------------------------------------------------------------------------------
def _axes(axis) -> tuple:
    return axis if isinstance(axis, tuple) else (axis,)


def _infer_expand(types, params) -> TensorType:
    (x,) = types
    if x.shape is None:
        return TensorType(x.dtype, None)
    rank = len(x.shape) + len(_axes(params["axis"]))
    axes = sorted(normalize_axis(a, rank) for a in _axes(params["axis"]))
    shape, source = [], iter(x.shape)
    for i in range(rank):
        shape.append(1 if i in axes else next(source))
    return TensorType(x.dtype, tuple(shape))


def _infer_squeeze(types, params) -> TensorType:
    (x,) = types
    if x.shape is None:
        return TensorType(x.dtype, None)
    axis = params.get("axis")
    if axis is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
        if any(is_unknown(d) or not isinstance(d, int) for d in x.shape):
            # a named length may be 1 at run time, and NumPy squeezes it then: the result's rank would depend on it
            raise ShapeError("np.squeeze without `axis` needs every length known at build time (NumPy removes "
                             "every axis of length 1, a named length included when it is 1)",
                             "pass axis= (the axes to remove), or annotate those lengths as integers")
    else:
        axes = [normalize_axis(a, len(x.shape)) for a in _axes(axis)]
        for a in axes:
            if isinstance(x.shape[a], int) and x.shape[a] != 1:
                raise ShapeError(f"cannot squeeze axis {a} of size {x.shape[a]}",
                                 "squeeze only axes of length 1, or drop the axis from `axis=`")
            if not isinstance(x.shape[a], int) and not is_unknown(x.shape[a]):
                # NumPy squeezes the axis when its length is 1 at run time and raises otherwise
                raise ShapeError(f"np.squeeze of axis {a} needs its length known at build time to be 1, not the "
                                 f"named length {x.shape[a]}", f"annotate axis {a}'s length as 1")
    return TensorType(x.dtype, tuple(d for i, d in enumerate(x.shape) if i not in axes))


def _squeezed_axes(x: Sym, axis):
    axes = _squeezed(x.shape, axis)
    return axes[0] if len(axes) == 1 else axes


def _squeezed(shape: tuple, axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(i for i, d in enumerate(shape) if d == 1)
    return tuple(sorted(normalize_axis(a, len(shape)) for a in _axes(axis)))


def _batch_expand(ctx, prim, args, batched, axis=0):
    rank = example_rank(args[0], True) + len(_axes(axis))
    axes = tuple(normalized(a, rank) + 1 for a in _axes(axis))
    return ops.expand_dims(args[0], axis=axes[0] if len(axes) == 1 else axes)


def _batch_squeeze(ctx, prim, args, batched, axis=None):
    (x,) = args
    example_rank(x, True)
    axes = tuple(a + 1 for a in _squeezed(x.shape[1:], axis))
    return ops.squeeze(x, axis=axes[0] if len(axes) == 1 else axes)


register(Primitive(
    name="expand_dims", views=True, always_views=True, infer=_infer_expand, family="shape", batch=_batch_expand,
    render=lambda args, p: cg.call("np.expand_dims", args[0], p["axis"]),
    vjp=lambda g, out, x, active=None, axis=0: [ops.squeeze(g, axis=axis)],
    jvp=lambda tangents, out, x, axis=0: ops.expand_dims(tangents[0], axis=axis), temp_name="r",
))
register(Primitive(
    name="squeeze", views=True, always_views=True, infer=_infer_squeeze, family="shape", batch=_batch_squeeze,
    render=lambda args, p: cg.call("np.squeeze", args[0], axis=p.get("axis")),
    vjp=lambda g, out, x, active=None, axis=None: [ops.expand_dims(g, axis=_squeezed_axes(x, axis))],
    jvp=lambda tangents, out, x, axis=None: ops.squeeze(tangents[0], axis=axis), temp_name="r",
))


# --- concatenate / stack ------------------------------------------------------------------------------------
def _infer_concatenate(types, params) -> TensorType:
    if any(t.shape is None for t in types):
        return TensorType(types[0].dtype, None)
    ranks = {len(t.shape) for t in types}
    if len(ranks) != 1:
        raise ShapeError("np.concatenate needs arrays of the same rank",
                         "NumPy raises ValueError for arrays of different ranks (np.append with an axis too): give "
                         "the lower-rank one its missing axes first (`v[None, :]`, `np.atleast_2d(v)`)")
    rank = ranks.pop()
    axis = normalize_axis(params.get("axis", 0), rank)
    shape = list(types[0].shape)
    for t in types[1:]:
        for i, d in enumerate(t.shape):
            if i != axis:
                shape[i] = same_dim(shape[i], d) if shape[i] == d or is_unknown(d) or is_unknown(shape[i]) \
                    else _mismatch(shape[i], d)
    sizes = [t.shape[axis] for t in types]
    total = dim_sum(sizes)  # `h` and `1` end to end: `h+1`
    shape[axis] = fresh_dim() if total is None else total
    return TensorType(promote_arrays(t.dtype for t in types), tuple(shape))


def _mismatch(a, b):
    raise ShapeError(f"np.concatenate: dimensions {a} and {b} differ",
                     "every axis but the one joined must have the same length (NumPy raises ValueError)")


def _or_zeros(tangents, xs) -> list:
    """The tangent of each part, zeros for the constant ones."""
    return [t if t is not None else ops.zeros_like(x) for t, x in zip(tangents, xs)]


def _vjp_concatenate(g, out, *xs, active=None, axis=0):
    builder = g.builder
    axis = normalize_axis(axis, out.rank)
    cts, start = [], Sym(builder, const(0))
    for i, x in enumerate(xs):
        stop = start + Sym(builder, builder.dim(x.shape[axis], x.atom, axis))
        cts.append(slice_along(g, start, stop, axis) if active is None or active[i] else None)
        start = stop
    return cts


def _batch_join(ctx, prim, args, batched, axis=0):
    """Every part batched (the unbatched ones the same for each example), joined past the batch axis."""
    rank = example_rank(args[0], batched[0]) + (prim.name == "stack")
    parts = [a if b else ctx.lift(a) for a, b in zip(args, batched)]
    return getattr(ops, prim.name)(*parts, axis=normalized(axis, rank) + 1)


register(Primitive(
    name="concatenate", infer=_infer_concatenate, family="shape", batch=_batch_join,
    render=lambda args, p: cg.call("np.concatenate", cg.tuple_(*args), axis=p.get("axis", 0) or None),
    vjp=_vjp_concatenate, jvp=lambda tangents, out, *xs, axis=0: ops.concatenate(*_or_zeros(tangents, xs), axis=axis),
    temp_name="c",
))


def _infer_stack(types, params) -> TensorType:
    if any(t.shape is None for t in types):
        return TensorType(types[0].dtype, None)
    shape = broadcast_shapes([t.shape for t in types])
    if any(len(t.shape) != len(shape) for t in types):
        raise ShapeError("np.stack needs arrays of the same shape")
    axis = normalize_axis(params.get("axis", 0), len(shape) + 1)
    dtype = promote_arrays(t.dtype for t in types)
    return TensorType(dtype, shape[:axis] + (len(types),) + shape[axis:])


def _vjp_stack(g, out, *xs, active=None, axis=0):
    axis = normalize_axis(axis, out.rank)
    return [take_along(g, i, axis) if active is None or active[i] else None for i in range(len(xs))]


register(Primitive(
    name="stack", infer=_infer_stack, family="shape", batch=_batch_join,
    render=lambda args, p: cg.call("np.stack", cg.tuple_(*args), axis=p.get("axis", 0) or None),
    vjp=_vjp_stack, jvp=lambda tangents, out, *xs, axis=0: ops.stack(*_or_zeros(tangents, xs), axis=axis),
    temp_name="c",
))


# --- dtype --------------------------------------------------------------------------------------------------
def vjp_astype(g, out, x, active=None, dtype="f64", scalar=False):
    if not x.type.is_float:
        return [None]
    # a literal cotangent (the seed 1.0) has no `.astype`, and takes the precision of what it meets anyway; a
    # scalar one typed by its slot may still be a Python number (a reverse loop that added only Python numbers to
    # its `0.0`): NumPy's scalar type converts either
    if g.type.dtype == x.type.dtype or g.type.weak:
        return [g]
    return [ops.astype(g, dtype=x.type.dtype, scalar=True) if g.type.shape == () else ops.astype(g, dtype=x.type.dtype)]


def _jvp_astype(t, dtype: str):
    """A scalar tangent may be a Python number (`jvp(f)(x, 1.0)`), which has no `.astype`: NumPy's scalar type
    converts it (as the primal's `np.float32(x)` does)."""
    return ops.astype(t, dtype=dtype, scalar=True) if t.type.shape == () else ops.astype(t, dtype=dtype)


def _render_astype(args, p):
    dtype = cg.dotted(f"np.{NUMPY_DTYPES[p['dtype']]}")
    return cg.call(dtype, args[0]) if p.get("scalar") else cg.method(args[0], "astype", dtype)


register(Primitive(
    name="astype", family="shape",
    infer=lambda types, p: types[0].with_dtype(p["dtype"]),
    render=_render_astype,
    vjp=vjp_astype, jvp=lambda tangents, out, x, dtype="f64", scalar=False: _jvp_astype(tangents[0], dtype),
    batch=lambda ctx, prim, args, batched, dtype="f64", scalar=False: ops.astype(args[0], dtype=dtype),
    broadcast_tolerant=True,
))
