"""`np.matvec` and `np.vecmat` (NumPy 2.2's gufuncs: a stack of matrices times a stack of vectors, loop axes
broadcast).

The value is NumPy's own call: its inner loop is BLAS's gemv for floats where the operands allow it, not a pairwise
`np.sum(A * v, axis=-1)`, and its dtypes are NumPy's (int32 stays int32). `np.vecmat` conjugates its vector, which
for the real dtypes Lifted models is the vector itself. The derivatives are the two products written with the other
gufunc (`vecmat(g, A)` is the transposed product) and outer products summed back to each operand's shape.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, broadcast_shapes, promote
from .batching import BatchContext, example_rank
from .registry import Primitive, register
from .symbolic import Sym, ops, sum_to


def _infer(name: str):
    """Shape rule of `matvec(A, v)` (A: (..., m, n), v: (..., n) -> (..., m)) or `vecmat(v, A)` (v: (..., m),
    A: (..., m, n) -> (..., n))."""
    def infer(types, params) -> TensorType:
        matrix, vector = (types[0], types[1]) if name == "matvec" else (types[1], types[0])
        if matrix.rank is not None and matrix.rank < 2 or vector.rank == 0:
            raise ShapeError(f"np.{name} takes a matrix (rank 2 or more) and a vector (rank 1 or more) (NumPy "
                             "raises ValueError)", "np.matvec(A, v) or np.vecmat(v, A)")
        if "bool" in (matrix.dtype, vector.dtype):
            raise ShapeError(f"np.{name} of booleans is not supported in kernels", "cast to an integer or float first")
        dtype = promote([types[0], types[1]])
        if matrix.shape is None or vector.shape is None:
            return TensorType(dtype, None)
        inner = matrix.shape[-1] if name == "matvec" else matrix.shape[-2]
        n = vector.shape[-1]
        if isinstance(inner, int) and isinstance(n, int) and inner != n:
            raise ShapeError(f"np.{name} of a matrix of shape {matrix.shape} and a vector of length {n} (NumPy "
                             "raises ValueError)", "the vector's length is the matrix's "
                             + ("column count" if name == "matvec" else "row count"))
        kept = matrix.shape[-2] if name == "matvec" else matrix.shape[-1]
        return TensorType(dtype, broadcast_shapes([matrix.shape[:-2], vector.shape[:-1]]) + (kept,))

    return infer


def _pick(active, i: int) -> bool:
    return active is None or bool(active[i])


def _matvec_vjp(g, out, a, v, active=None):
    """out[..., i] = sum_j A[..., i, j] v[..., j]: g_A = g[..., :, None] v[..., None, :], g_v = vecmat(g, A)."""
    return [sum_to(ops.expand_dims(g, axis=-1) * ops.expand_dims(v, axis=-2), a.type, a) if _pick(active, 0) else None,
            sum_to(ops.vecmat(g, a), v.type, v) if _pick(active, 1) else None]


def _vecmat_vjp(g, out, v, a, active=None):
    """out[..., j] = sum_i v[..., i] A[..., i, j]: g_v = matvec(A, g), g_A = v[..., :, None] g[..., None, :]."""
    return [sum_to(ops.matvec(a, g), v.type, v) if _pick(active, 0) else None,
            sum_to(ops.expand_dims(v, axis=-1) * ops.expand_dims(g, axis=-2), a.type, a) if _pick(active, 1) else None]


def _jvp(name: str):
    def jvp(tangents, out, x1, x2):
        product = getattr(ops, name)
        terms = [product(tangents[0], x2) if tangents[0] is not None else None,
                 product(x1, tangents[1]) if tangents[1] is not None else None]
        return terms[0] if terms[1] is None else terms[1] if terms[0] is None else terms[0] + terms[1]

    return jvp


def _batch(ctx: BatchContext, prim, args: list[Sym], batched: list[bool], **params) -> Sym:
    """The batch is one more loop axis: a batched operand with fewer loop axes than the other gets axes of size 1
    after the batch axis (a matrix has two core axes, a vector one), so the loop axes line up from the right."""
    cores = (2, 1) if prim.name == "matvec" else (1, 2)
    loops = max(example_rank(a, b) - c for a, b, c in zip(args, batched, cores))
    args = [ctx.align(a, loops + c) if b else a for a, b, c in zip(args, batched, cores)]
    return ctx.bind(prim.name, args, params)


for _name, _vjp in (("matvec", _matvec_vjp), ("vecmat", _vecmat_vjp)):
    register(Primitive(
        name=_name, infer=_infer(_name), family="linalg",
        render=(lambda name: lambda args, p: cg.call(f"np.{name}", args[0], args[1]))(_name),
        vjp=_vjp, jvp=_jvp(_name), temp_name="products", batch=_batch,
    ))
