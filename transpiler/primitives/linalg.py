"""Linear algebra: matmul (also `np.dot` and `@`), outer, transpose, einsum, `np.dot` of stacks.

Their cotangents must arrive with the exact output shape (`broadcast_tolerant` is off), because a matrix
product does not broadcast the way elementwise arithmetic does.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import (NUMPY_DTYPES, ShapeError, TensorType, broadcast_dims, broadcast_shapes, is_unknown, promote,
                              normalize_axis, show_shape)
from .batching import example_rank, normalized
from .registry import Primitive, register
from .symbolic import Sym, ops, sum_to


def _float(types: list[TensorType]) -> str:
    return promote(types)


def _infer_matmul(types, params) -> TensorType:
    a, b = types
    dtype = _float(types)
    if a.shape is None or b.shape is None:
        return TensorType(dtype, None)
    if len(a.shape) == 0 or len(b.shape) == 0:
        raise ShapeError("matmul needs arrays of rank 1 or more (NumPy raises ValueError for a scalar operand)",
                         "use * for a product with a scalar")
    inner_a, inner_b = a.shape[-1], b.shape[-2] if len(b.shape) > 1 else b.shape[0]
    if inner_a != inner_b and not (is_unknown(inner_a) or is_unknown(inner_b)):
        raise ShapeError(f"matmul of shapes {show_shape(a.shape)} and {show_shape(b.shape)}: "
                         f"inner dimensions {inner_a} and {inner_b} differ",
                         "the first operand's last axis and the second's contracted axis need one length: the same "
                         "name or integer in the annotations (or transpose an operand)")
    if len(a.shape) == 1 and len(b.shape) == 1:
        return TensorType(dtype, ())
    if len(a.shape) == 1:
        return TensorType(dtype, b.shape[:-2] + b.shape[-1:])
    if len(b.shape) == 1:
        return TensorType(dtype, a.shape[:-1])
    batch = broadcast_shapes([a.shape[:-2], b.shape[:-2]])
    return TensorType(dtype, tuple(batch) + (a.shape[-2], b.shape[-1]))


def _swap_last(x: Sym) -> Sym:
    return x.T if x.rank == 2 else ops.swapaxes(x, axis1=-1, axis2=-2)


def _vjp_matmul(g: Sym, out: Sym, a: Sym, b: Sym, active=None):
    need_a = active is None or active[0]
    need_b = active is None or active[1]
    ranks = (a.rank, b.rank)
    if ranks == (1, 1):
        return [g * b if need_a else None, g * a if need_b else None]
    if ranks == (1, 2):
        return [b @ g if need_a else None, ops.outer(a, g) if need_b else None]
    if ranks == (2, 1):
        return [ops.outer(g, b) if need_a else None, g @ a if need_b else None]
    if ranks[0] == 1 and ranks[1] is not None and ranks[1] >= 3:  # (k) @ (..., k, n) -> (..., n)
        return [sum_to(ops.sum(b * ops.expand_dims(g, axis=-2), axis=-1), a.type, a) if need_a else None,
                ops.expand_dims(a, axis=-1) * ops.expand_dims(g, axis=-2) if need_b else None]
    if ranks[1] == 1 and ranks[0] is not None and ranks[0] >= 3:  # (..., m, k) @ (k) -> (..., m)
        return [ops.expand_dims(g, axis=-1) * b if need_a else None,
                sum_to(a * ops.expand_dims(g, axis=-1), b.type, b) if need_b else None]
    if None not in ranks and min(ranks) >= 2:
        return [sum_to(g @ _swap_last(b), a.type, a) if need_a else None,
                sum_to(_swap_last(a) @ g, b.type, b) if need_b else None]
    raise ShapeError(f"reverse mode of matmul for operand ranks {ranks} is not supported; annotate the "
                     "operands, or reshape vectors against batches of matrices")


def _jvp_matmul(tangents, out, a, b):
    ta, tb = tangents
    total = None
    if ta is not None:
        total = ta @ b
    if tb is not None:
        term = a @ tb
        total = term if total is None else total + term
    return total


def _batch_matmul(ctx, prim, args, batched):
    """NumPy's stacked `@` with the batch as the leading stack axis (a batched GEMM), `einsum` where a vector
    meets a batched operand; never a loop over examples."""
    (a, b), (in_a, in_b) = args, batched
    rank_a, rank_b = example_rank(a, in_a), example_rank(b, in_b)
    if in_a and in_b and 1 in (rank_a, rank_b) and max(rank_a, rank_b) <= 2:
        spec = {(1, 1): "zi,zi->z", (1, 2): "zi,zij->zj", (2, 1): "zij,zj->zi"}[(rank_a, rank_b)]
        return ops.einsum(a, b, spec=spec)
    if in_a and not in_b and rank_b <= 2:
        return a @ b  # (B, ..., k) @ (k, n): the batch is a stack axis of `a`
    if in_b and not in_a and rank_b == 1 and rank_a <= 2:
        return b @ (a if rank_a == 1 else a.T)  # A @ x for each x: the rows of X @ A.T
    if rank_a == 1 or rank_b == 1:  # a vector meets a stack of matrices: make it a matrix, then drop the axis
        a2 = ops.expand_dims(a, axis=-2) if rank_a == 1 else a
        b2 = ops.expand_dims(b, axis=-1) if rank_b == 1 else b
        product = _batch_matmul(ctx, prim, [a2, b2], batched)
        return ops.squeeze(product, axis=-2 if rank_a == 1 else -1)  # (two vectors are handled above)
    rank = max(rank_a, rank_b)
    a = ctx.align(a, rank) if in_a else a
    b = ctx.align(b, rank) if in_b else b
    return a @ b


register(Primitive(
    name="matmul", infer=_infer_matmul, render=lambda args, p: cg.binop("@", *args), family="linalg",
    vjp=_vjp_matmul, jvp=_jvp_matmul, batch=_batch_matmul, cuda="cublas_gemm", temp_name="m",
))


def _infer_outer(types, params) -> TensorType:
    a, b = types
    if a.rank not in (None, 1) or b.rank not in (None, 1):
        raise ShapeError("np.outer is supported on vectors (rank 1); reshape first")
    if a.shape is None or b.shape is None:
        return TensorType(_float(types), (a.shape or ("?",))[0:1] + (b.shape or ("?",))[0:1])
    return TensorType(_float(types), (a.shape[0], b.shape[0]))


register(Primitive(
    name="outer", infer=_infer_outer, render=lambda args, p: cg.call("np.outer", *args), family="linalg",
    vjp=lambda g, out, a, b, active=None: [g @ b if active is None or active[0] else None,
                                           a @ g if active is None or active[1] else None],
    jvp=lambda tangents, out, a, b: _sum_terms([ops.outer(tangents[0], b) if tangents[0] is not None else None,
                                                ops.outer(a, tangents[1]) if tangents[1] is not None else None]),
    batch=lambda ctx, prim, args, batched: _batch_outer(*args, *batched),
    temp_name="m",
))


def _batch_outer(a, b, a_batched: bool, b_batched: bool):
    """Each example's outer product as the broadcast product (`a[:, :, None] * b[:, None, :]` both batched), the
    one multiplication per entry that `np.outer` makes. Not `einsum("zi,zj->zij")`, though its loop ran 1.15x-2.2x
    faster for B >= 32: NumPy's einsum adds each product into a zero, which turns a -0.0 entry into +0.0."""
    return _column(a, a_batched) * _row(b, b_batched)


def _column(a, batched):
    """A vector as a column (`a[:, None]`; `a[:, :, None]` batched)."""
    return ops.getitem(a, index=(slice(None),) * (1 + batched) + (None,))


def _row(b, batched):
    """A vector as a row: as it is, or `b[:, None, :]` batched."""
    return ops.getitem(b, index=(slice(None), None, slice(None))) if batched else b


def _sum_terms(terms):
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _perm(params, rank):
    axes = params.get("axes")
    return tuple(reversed(range(rank))) if axes is None else tuple(a % rank for a in axes)


def _infer_transpose(types, params) -> TensorType:
    (x,) = types
    if x.shape is None:
        return TensorType(x.dtype, None)
    perm = _perm(params, len(x.shape))
    axes = params.get("axes")
    if sorted(perm) != list(range(len(x.shape))) or (axes is not None and not all(
            -len(x.shape) <= a < len(x.shape) for a in axes)):  # (NumPy raises AxisError for x.transpose(1, 2))
        raise ShapeError(f"axes {axes} are not a permutation of the {len(x.shape)} axes",
                         f"name each of the axes 0 to {len(x.shape) - 1} once (negative counts from the end)")
    return TensorType(x.dtype, tuple(x.shape[i] for i in perm))


def _render_transpose(args, params):
    axes = params.get("axes")
    if axes is None:
        return cg.attr(args[0], "T")
    return cg.call("np.transpose", args[0], axes=tuple(axes))


def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def _vjp_transpose(g, out, x, active=None, axes=None):
    if x.rank is not None and x.rank <= 1:  # the identity; `.T` of a Python float cotangent would raise
        return [g]
    if axes is None:
        return [g.T]
    return [ops.transpose(g, axes=_inverse(_perm({"axes": axes}, x.rank)))]


def _jvp_transpose(tangents, out, x, axes=None):
    return tangents[0] if x.rank is not None and x.rank <= 1 else ops.transpose(tangents[0], axes=axes)


def _batch_transpose(ctx, prim, args, batched, axes=None):
    (x,) = args
    perm = _perm({"axes": axes}, example_rank(x, True))
    return ops.transpose(x, axes=(0,) + tuple(p + 1 for p in perm))


register(Primitive(
    name="transpose", infer=_infer_transpose, render=_render_transpose, family="linalg", views=True, always_views=True,
    vjp=_vjp_transpose, jvp=_jvp_transpose,
    batch=_batch_transpose,
    temp_name="t",
))


def _infer_swapaxes(types, params) -> TensorType:
    (x,) = types
    if x.shape is None:
        return TensorType(x.dtype, None)
    shape = list(x.shape)
    i, j = normalize_axis(params["axis1"], len(shape)), normalize_axis(params["axis2"], len(shape))
    shape[i], shape[j] = shape[j], shape[i]
    return TensorType(x.dtype, tuple(shape))


register(Primitive(
    name="swapaxes", infer=_infer_swapaxes, family="linalg", views=True, always_views=True,
    render=lambda args, p: cg.call("np.swapaxes", args[0], p["axis1"], p["axis2"]),
    vjp=lambda g, out, x, active=None, axis1=0, axis2=1: [ops.swapaxes(g, axis1=axis1, axis2=axis2)],
    jvp=lambda tangents, out, x, axis1=0, axis2=1: ops.swapaxes(tangents[0], axis1=axis1, axis2=axis2),
    batch=lambda ctx, prim, args, batched, axis1=0, axis2=1: ops.swapaxes(
        args[0], axis1=normalized(axis1, example_rank(args[0], True)) + 1,
        axis2=normalized(axis2, example_rank(args[0], True)) + 1),
))


# --- einsum -------------------------------------------------------------------------------------------------
def parse_einsum(spec: str, n_operands: int) -> tuple[list[str], str]:
    spec = spec.replace(" ", "")
    if "." in spec:
        raise ShapeError("einsum with '...' is not supported; name every axis")
    if "->" in spec:
        lhs, rhs = spec.split("->")
    else:
        lhs = spec
        letters = lhs.replace(",", "")
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs = lhs.split(",")
    if len(inputs) != n_operands:
        raise ShapeError(f"einsum spec {spec!r} names {len(inputs)} operands but {n_operands} were given")
    return inputs, rhs


def _letter_sizes(inputs: list[str], types: list[TensorType]) -> dict[str, object]:
    """Each index letter's length, broadcast over the operands that have it (NumPy's einsum stretches a 1)."""
    sizes: dict[str, object] = {}
    for subs, t in zip(inputs, types):
        if t.shape is None:
            continue
        if len(subs) != len(t.shape):
            raise ShapeError(f"einsum operand '{subs}' has rank {len(t.shape)}, not {len(subs)}")
        for letter, dim in zip(subs, t.shape):
            sizes[letter] = broadcast_dims(sizes.get(letter, 1), dim) if letter in sizes else dim
    return sizes


def _infer_einsum(types, params) -> TensorType:
    """`dtype` (np.einsum's dtype=, checked as NumPy's casting='safe' by the frontend) is the result's dtype and
    the one NumPy computes in."""
    inputs, output = parse_einsum(params["spec"], len(types))
    dtype = params.get("dtype") or _float(types)
    if any(t.shape is None for t in types):
        return TensorType(dtype, None)
    sizes = _letter_sizes(inputs, types)
    return TensorType(dtype, tuple(sizes[c] for c in output))


def _vjp_einsum(g, out, *operands, active=None, spec="", dtype=None):
    inputs, output = parse_einsum(spec, len(operands))
    cts = []
    for i, subs in enumerate(inputs):
        if active is not None and not active[i]:
            cts.append(None)
            continue
        if len(set(subs)) != len(subs):
            raise ShapeError("reverse mode of einsum with a repeated index in one operand (a diagonal) "
                             "is not supported",
                             "take the diagonal first: np.einsum('ii', a) is np.trace(a), np.einsum('ii->i', a) is "
                             "np.diagonal(a), and np.einsum('iij->j', a) is np.einsum('ij->j', "
                             "np.diagonal(a, axis1=0, axis2=1).T)")
        others = [s for j, s in enumerate(inputs) if j != i]
        available = set(output).union(*others) if others else set(output)
        # an axis that only this operand has is summed: its cotangent is constant along it (a broadcast)
        kept = "".join(c for c in subs if c in available)
        rest = [op for j, op in enumerate(operands) if j != i]
        spec = ",".join([output] + others) + "->" + kept
        ct = g if not rest and kept == output else ops.einsum(g, *rest, spec=spec)
        # an axis of length 1 that NumPy broadcast against the other operands' longer one: summed back to 1
        shape, sizes = operands[i].type.shape, _letter_sizes(inputs, [op.type for op in operands])
        stretched = tuple(k for k, c in enumerate(kept) if shape is not None and shape[subs.index(c)] == 1
                          and sizes.get(c, 1) != 1)
        if stretched:
            ct = ops.sum(ct, axis=stretched, keepdims=True)
        alone = tuple(axis for axis, c in enumerate(subs) if c not in available)
        ct = ops.expand_dims(ct, axis=alone if len(alone) > 1 else alone[0]) if alone else ct
        # dtype=: the product was computed in `dtype`; each cotangent is its operand's own dtype
        cts.append(ops.astype(ct, dtype=operands[i].type.dtype) if dtype and ct.type.dtype != operands[i].type.dtype
                   else ct)
    return cts


def _jvp_einsum(tangents, out, *operands, spec="", dtype=None):
    terms = []
    for i, t in enumerate(tangents):
        if t is not None:
            args = list(operands)
            args[i] = t
            terms.append(ops.einsum(*args, spec=spec, **({"dtype": dtype} if dtype else {})))
    return _sum_terms(terms)


def _batch_einsum(ctx, prim, args, batched, spec="", dtype=None):
    """One more index letter, on the batched operands and in front of the output."""
    inputs, output = parse_einsum(spec, len(args))
    letter = next(c for c in "zyxwvutsrqponmlkjihgfedcba" if c not in spec)
    inputs = [letter + subs if b else subs for subs, b in zip(inputs, batched)]
    return ops.einsum(*args, spec=",".join(inputs) + "->" + letter + output, **({"dtype": dtype} if dtype else {}))


def einsum_views(args, params) -> bool:
    """NumPy's einsum of one operand that sums no axis (`ij->ji`, `ii->i`) returns a view of it."""
    if len(args) != 1:
        return False
    (inputs,), output = parse_einsum(params["spec"], 1)
    return set(inputs) <= set(output)


register(Primitive(
    name="einsum", infer=_infer_einsum, family="linalg", views=einsum_views,
    render=lambda args, p: cg.call("np.einsum", p["spec"], *args, **({"dtype": cg.dotted(f"np.{NUMPY_DTYPES[p['dtype']]}")}
                                                                      if p.get("dtype") else {})),
    vjp=_vjp_einsum, jvp=_jvp_einsum, batch=_batch_einsum, temp_name="m",
))
# `np.dot(a, b)` with `b` a stack (rank 3 or more): the contraction `spec` says, with einsum's rules, but computed
# by np.dot itself, whose one BLAS dot product per element rounds otherwise than einsum's loop on some CPUs
register(Primitive(
    name="dot", infer=_infer_einsum, family="linalg",
    render=lambda args, p: cg.call("np.dot", *args),
    vjp=_vjp_einsum, jvp=_jvp_einsum, batch=_batch_einsum, temp_name="m",
))
