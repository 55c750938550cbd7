"""`np.convolve(a, v, mode)`: the discrete convolution of two vectors, NumPy's own call.

The value is NumPy's call, so its bits are NumPy's: each output element is one call of the dtype's dot function
over the overlap (BLAS's `ddot` for floats, whose rounding, fused or not, no sum written out reproduces), and its
dtype NumPy's (int32 stays int32). `mode` 'full' gives all n + m - 1 sums, 'same' the middle max(n, m) of them
(starting at (min(n, m) - 1) // 2), 'valid' those where the vectors overlap fully.

The rules: the convolution is bilinear, so the tangent is `conv(da, v) + conv(a, dv)`; the cotangent of `a` is the
correlation of the full-length cotangent with `v`, `conv(g_full, v[::-1], 'valid')` (and the same for `v`), where
`g_full` is `g` with zeros for the sums a 'same' or 'valid' result leaves out. Batched (`rows=True`), the entry
convolves row by row, each row NumPy's own call, so a batch gives each example's bits.
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir import const
from ..ir.types import NUMPY_DTYPES, ShapeError, TensorType, fresh_dim, promote
from .batching import BatchError
from .registry import Primitive, register
from .symbolic import ops

MODES = ("full", "same", "valid")


def output_length(n, m, mode: str):
    """The length of `np.convolve` of vectors of lengths n and m in `mode` (None where a length is symbolic)."""
    if mode == "full":
        return n + m - 1 if isinstance(n, int) and isinstance(m, int) else None
    if not (isinstance(n, int) and isinstance(m, int)):
        return None
    return max(n, m) if mode == "same" else max(n, m) - min(n, m) + 1


def _infer(types, params) -> TensorType:
    a, v = types
    rows = params.get("rows", False)
    rank = 2 if rows else 1
    if a.rank != rank or v.rank != rank:
        raise ShapeError(f"np.convolve takes two vectors (arrays of rank 1), not ranks {a.rank} and {v.rank}",
                         "np.convolve(a, v) of 1-D arrays; for a batch, vmap it")
    if "bool" in (a.dtype, v.dtype):
        raise ShapeError("np.convolve of booleans is not supported in kernels (NumPy's is a logical or of ands)",
                         "cast them first: np.convolve(a.astype(np.int64), v.astype(np.int64))")
    n, m = a.shape[-1], v.shape[-1]
    if 0 in (n, m):
        raise ShapeError("np.convolve of an empty vector (NumPy raises ValueError)", "convolve non-empty vectors")
    mode = params.get("mode", "full")
    length = params.get("length") or output_length(n, m, mode)  # (`length`: the cotangent's, known to the rule)
    if length is None and mode != "full":
        raise ShapeError(f"np.convolve with mode={mode!r} needs both lengths known at build time",
                         'annotate them with sizes, e.g. a: "f64[8]"')
    if length is None:
        length = fresh_dim()
    return TensorType(promote([a, v]), (a.shape[0], length) if rows else (length,))


def _render(args, p):
    a, v = args
    mode = p.get("mode", "full")
    options = {} if mode == "full" else {"mode": mode}
    if not p.get("rows"):
        return cg.call("np.convolve", a, v, **options)
    # row by row: [np.convolve(p, q) for p, q in zip(a, v)], as an array of the entry's dtype and of rows of the
    # result's length (a batch of none too); each argument written once (an argument may be an inlined expression)
    one = cg.call("np.convolve", cg.name("p_row"), cg.name("q_row"), **options)
    rows = cst.ListComp(elt=one, for_in=cst.CompFor(
        target=cg.tuple_(cg.name("p_row"), cg.name("q_row")), iter=cg.call("zip", a, v)))
    joined = cg.call("np.array", rows, dtype=cg.dotted(f"np.{NUMPY_DTYPES[p['dtype']]}"))
    return cg.method(joined, "reshape", cg.literal(-1), cg.literal(p["row_length"]))




def _jvp(tangents, out, a, v, mode="full", rows=False, dtype=None, length=None, row_length=None):
    da, dv = tangents
    same = {"mode": mode, "rows": rows, "dtype": out.type.dtype, **({"length": length} if length else {}),
            **({"row_length": row_length} if rows else {})}
    terms = [ops.convolve(da, v, **same) if da is not None else None,
             ops.convolve(a, dv, **same) if dv is not None else None]
    return terms[0] if terms[1] is None else terms[1] if terms[0] is None else terms[0] + terms[1]


def _vjp(g, out, a, v, active=None, mode="full", rows=False, dtype=None, length=None, row_length=None):
    n, m = a.shape[-1], v.shape[-1]
    if mode != "full" and not (isinstance(n, int) and isinstance(m, int)):
        raise ShapeError(f"the derivative of np.convolve with mode={mode!r} needs both lengths known at build time",
                         'annotate them with sizes, e.g. a: "f64[8]"')
    if mode != "full":  # the sums the result leaves out get a zero cotangent
        start = (min(n, m) - 1) // 2 if mode == "same" else min(n, m) - 1
        end = n + m - 1 - start - out.shape[-1]
        pieces = ([_zeros(g, rows, start)] if start else []) + [g] + ([_zeros(g, rows, end)] if end else [])
        g = ops.concatenate(*pieces, axis=-1) if len(pieces) > 1 else g
    flipped = (slice(None),) * rows + (slice(None, None, -1),)
    wanted = [active is None or active[0], active is None or active[1]]
    return [ops.convolve(g, ops.getitem(v, index=flipped), mode="valid", rows=rows, dtype=g.type.dtype, length=n,
                         **({"row_length": n} if rows else {}))
            if wanted[0] else None,
            ops.convolve(g, ops.getitem(a, index=flipped), mode="valid", rows=rows, dtype=g.type.dtype, length=m,
                         **({"row_length": m} if rows else {}))
            if wanted[1] else None]


def _zeros(g, rows: bool, width: int):
    """Zeros of g's dtype: `width` of them along the last axis (after g's batch axis where `rows`)."""
    lead = [g.builder.shape_atoms(g.type, g.atom)[0]] if rows else []
    return type(g)(g.builder, g.builder.bind("zeros", lead + [const(width)], {"dtype": g.type.dtype}))


def _batch(ctx, prim, args, batched, mode="full", rows=False, dtype=None, length=None, row_length=None):
    if rows:
        raise BatchError("np.convolve cannot run batched twice (nested vmap)")
    row_length = length or output_length(args[0].shape[-1], args[1].shape[-1], mode)
    if not isinstance(row_length, int):
        raise BatchError("vmap of np.convolve needs both lengths known at build time (each example's row of the "
                         "batched result has that length)")
    a, v = (x if b else ctx.lift(x) for x, b in zip(args, batched))
    return ctx.bind("convolve", [a, v], {"mode": mode, "rows": True, "dtype": dtype, "row_length": row_length,
                                         **({"length": length} if length else {})})


register(Primitive(
    name="convolve", infer=_infer, family="linalg", render=_render, jvp=_jvp, vjp=_vjp, batch=_batch,
    temp_name="conv",
))
