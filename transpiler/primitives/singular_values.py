"""Singular values (`np.linalg.svd(a, compute_uv=False)`) and np.linalg.cond's inverse, for np.linalg.cond and the
nuclear norm (frontend/matrix_powers.py).

The singular values s_i = u_i^T a v_i have the derivative u_i^T da v_i (JVP) and the cotangent U diag(g) V^T (VJP)
where they are distinct and not zero. Where two are equal, only functions that treat them alike (equal cotangents)
have a derivative, and a zero one is |.|'s kink: the rules check that at run time and otherwise raise a ValueError
naming the call (`where`, its file:line:col), as np.unique's `distinct_sorted` does (the primal never checks). The
factors U and V^T (`svd_u`, `svd_vh`: np.linalg.svd's reduced ones) are read by the rules only; their own
derivatives, the second derivative of singular values, are refused.

`inv_or_nan` is NumPy's `_umath_linalg.inv(x, signature='d->d')` under `errstate(all='ignore')`, as np.linalg.cond
computes the inverse: float64, NaN for a singular matrix where np.linalg.inv raises; its derivative is inv's.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, show_shape
from .batching import batch_stacked
from .matrix_functions import float_dtype, check_square, swap_last_two
from .registry import Primitive, register
from .symbolic import ops

TIED = ("{loc}: np.linalg.cond has no derivative where the singular values it reads are repeated or zero (a move "
        "of the matrix splits them unevenly, or |s| has a kink at 0)")


def _shared(x: TensorType, what: str):
    """min(m, n) of the last two axes: a number, or the size both name."""
    if x.rank is None or x.rank < 2:
        raise ShapeError(f"{what} takes a matrix (or a stack of them); annotate its rank, e.g. \"f64[m,n]\"")
    m, n = x.shape[-2:]
    if m == n:
        return m
    if isinstance(m, int) and isinstance(n, int):
        return min(m, n)
    raise ShapeError(f"{what} of a matrix of shape {show_shape(x.shape)}: the number of singular values is "
                     "min(m, n), unknown here", "annotate both sizes, or a square matrix (\"f64[n,n]\")")


def _infer_values(types, params) -> TensorType:
    return TensorType(float_dtype(types), types[0].shape[:-2] + (_shared(types[0], "the singular values"),))


def _infer_u(types, params) -> TensorType:
    x = types[0]
    return TensorType(float_dtype(types), x.shape[:-1] + (_shared(x, "the singular vectors"),))


def _infer_vh(types, params) -> TensorType:
    x = types[0]
    return TensorType(float_dtype(types), x.shape[:-2] + (_shared(x, "the singular vectors"), x.shape[-1]))


def _check(s, bad, where) -> None:
    """Raise the located ValueError at run time where `bad` (per singular value) holds anywhere."""
    builder = s.builder
    builder.bind("check_assert", [ops.logical_not(ops.any(bad, axis=None)).atom],
                 {"message": TIED.format(loc=where or builder.loc or "np.linalg.cond"), "error": "ValueError"})


def _neighbours(x):
    before = (slice(None),) * (x.rank - 1)
    return ops.getitem(x, index=before + (slice(1, None),)), ops.getitem(x, index=before + (slice(None, -1),))


def _vjp_values(g, s, a, active=None, where=None):
    ahead, behind = _neighbours(s)
    g_ahead, g_behind = _neighbours(g)
    uneven = ops.logical_and(ops.equal(ahead, behind), ops.not_equal(g_ahead, g_behind))
    _check(s, ops.logical_or(ops.any(uneven, axis=-1), ops.any(ops.logical_and(ops.equal(s, 0.0),
                                                                               ops.not_equal(g, 0.0)), axis=-1)),
           where)
    return [(ops.svd_u(a) * ops.expand_dims(g, axis=-2)) @ ops.svd_vh(a)]


def _jvp_values(tangents, s, a, where=None):
    ahead, behind = _neighbours(s)
    _check(s, ops.logical_or(ops.any(ops.equal(ahead, behind), axis=-1), ops.any(ops.equal(s, 0.0), axis=-1)),
           where)
    return ops.sum(ops.svd_u(a) * (tangents[0] @ swap_last_two(ops.svd_vh(a))), axis=-2)  # u_i^T da v_i


def _second(*args, **params):
    raise ShapeError("the second derivative of singular values (np.linalg.cond, the nuclear norm) is not supported",
                     "first derivatives only (grad, vjp, jvp); for a Hessian, differences of the generated gradient")


def _svd(index: int | None):
    def render(args, params):
        if index is None:
            return cg.call("np.linalg.svd", *args, compute_uv=False)
        return cg.subscript(cg.call("np.linalg.svd", *args, full_matrices=False), [cg.literal(index)])

    return render


register(Primitive(name="svdvals", infer=_infer_values, render=_svd(None), family="matrix", vjp=_vjp_values,
                   jvp=_jvp_values, temp_name="s", batch=batch_stacked))
register(Primitive(name="svd_u", infer=_infer_u, render=_svd(0), family="matrix", vjp=_second, jvp=_second,
                   temp_name="u", batch=batch_stacked))
register(Primitive(name="svd_vh", infer=_infer_vh, render=_svd(2), family="matrix", vjp=_second, jvp=_second,
                   temp_name="vh", batch=batch_stacked))


def _infer_inv_or_nan(types, params) -> TensorType:
    check_square(types[0], "np.linalg.cond's inverse")
    return TensorType("f64", types[0].shape)


def _render_inv_or_nan(args, params):
    return cg.call("_inv_or_nan", *args)


register(Primitive(name="inv_or_nan", infer=_infer_inv_or_nan, render=_render_inv_or_nan, family="matrix",
                   vjp=lambda g, y, a, active=None: [-(swap_last_two(y) @ g @ swap_last_two(y))],
                   jvp=lambda tangents, y, a: -(y @ tangents[0] @ y), temp_name="inv", batch=batch_stacked,
                   extra={"helper": "inv_or_nan"}))
