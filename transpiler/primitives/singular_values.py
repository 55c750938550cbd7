"""Singular values (`np.linalg.svd(a, compute_uv=False)`) and np.linalg.cond's inverse, for np.linalg.cond and the
nuclear norm (frontend/matrix_powers.py).

The singular values s_i = u_i^T a v_i have the derivative u_i^T da v_i (JVP) and the cotangent U diag(g) V^T (VJP)
where they are distinct and not zero. Where two are equal, only functions that treat them alike (equal cotangents)
have a derivative, and a zero one is |.|'s kink: the rules check that at run time and otherwise raise a ValueError
naming the call (`where`, its file:line:col, and `call`, the function it is), as np.unique's `distinct_sorted`
does (the primal never checks). The factors U and V^T (`svd_u`, `svd_vh`: np.linalg.svd's reduced ones) have
Townsend's (2016, "Differentiating the singular value decomposition") derivatives for real matrices, with
dP = U^T dA V and F_ij = 1 / (s_j^2 - s_i^2) off the diagonal (0 on it):

    dU = U (F o (dP S + S dP^T)) + (I - U U^T) dA V S^-1
    dV = V (F o (S dP + dP^T S)) + (I - V V^T) dA^T U S^-1

and, their adjoints, the cotangents U ((J + J^T) S) V^T + (I - U U^T) G_U S^-1 V^T (J = F o U^T G_U) and
U (S (K + K^T)) V^T + U S^-1 G_V^T (I - V V^T) (K = F o V^T G_V). They hold where every singular value is distinct
and nonzero (each factor's column is then its sign choice moved smoothly); elsewhere the same located ValueError.
They are the second derivative of singular values (and, reading the three again, every higher one).

`inv_or_nan` is NumPy's `_umath_linalg.inv(x, signature='d->d')` under `errstate(all='ignore')`, as np.linalg.cond
computes the inverse: float64, NaN for a singular matrix where np.linalg.inv raises; its derivative is inv's.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, fresh_dim, show_shape
from .batching import batch_stacked
from .matrix_functions import float_dtype, check_square, swap_last_two
from .registry import Primitive, register
from .symbolic import Sym, ops

TIED = ("{loc}: {call} has no derivative where the singular values it reads are repeated or zero (a move "
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
    """`run_time_count`: min(m, n) of named sizes as a length known at run time (a rule's check reads them all)."""
    x = types[0]
    if params.get("run_time_count") and x.rank is not None and x.rank >= 2 and x.shape[-2] != x.shape[-1] and \
            not (isinstance(x.shape[-2], int) and isinstance(x.shape[-1], int)):
        return TensorType(float_dtype(types), x.shape[:-2] + (fresh_dim(),))
    return TensorType(float_dtype(types), x.shape[:-2] + (_shared(x, "the singular values"),))


def _infer_u(types, params) -> TensorType:
    x = types[0]
    return TensorType(float_dtype(types), x.shape[:-1] + (_shared(x, "the singular vectors"),))


def _infer_vh(types, params) -> TensorType:
    x = types[0]
    return TensorType(float_dtype(types), x.shape[:-2] + (_shared(x, "the singular vectors"), x.shape[-1]))


def _check(s, bad, where, call=None) -> None:
    """Raise the located ValueError at run time where `bad` (per singular value) holds anywhere."""
    builder = s.builder
    message = TIED.format(loc=where or builder.loc or "np.linalg.cond", call=call or "np.linalg.cond")
    builder.bind("check_assert", [ops.logical_not(ops.any(bad, axis=None)).atom],
                 {"message": message, "error": "ValueError"})


def _neighbours(x):
    before = (slice(None),) * (x.rank - 1)
    return ops.getitem(x, index=before + (slice(1, None),)), ops.getitem(x, index=before + (slice(None, -1),))


def vjp_values(g, s, a, active=None, where=None, call=None, full=False, uv=False, run_time_count=False):
    ahead, behind = _neighbours(s)
    g_ahead, g_behind = _neighbours(g)
    uneven = ops.logical_and(ops.equal(ahead, behind), ops.not_equal(g_ahead, g_behind))
    _check(s, ops.logical_or(ops.any(uneven, axis=-1), ops.any(ops.logical_and(ops.equal(s, 0.0),
                                                                               ops.not_equal(g, 0.0)), axis=-1)),
           where, call)
    params = _named(where, call, full)
    return [(ops.svd_u(a, **params) * ops.expand_dims(g, axis=-2)) @ ops.svd_vh(a, **params)]


def jvp_values(tangents, s, a, where=None, call=None, full=False, uv=False, run_time_count=False):
    _check_distinct(s, where, call)
    params = _named(where, call, full)
    return ops.sum(ops.svd_u(a, **params) * (tangents[0] @ swap_last_two(ops.svd_vh(a, **params))), axis=-2)  # u_i^T da v_i


def _named(where, call, full=False) -> dict:
    """The located call's parameters, passed on to the factors the rules read (their rules name it too), and
    `full`: the factors of the same LAPACK call as the primal's (a column's sign is that call's choice)."""
    return {key: value for key, value in (("where", where), ("call", call), ("full", full)) if value}


def _check_distinct(s, where, call) -> None:
    ahead, behind = _neighbours(s)  # (sorted: equal values are neighbours)
    _check(s, ops.logical_or(ops.any(ops.equal(ahead, behind), axis=-1), ops.any(ops.equal(s, 0.0), axis=-1)),
           where, call)


def _parts(a, where, call, full):
    """U, s (as a row: `x * row` is X S, `x / row` X S^-1; the column `col` is S X), V^T, V and F, after the
    run-time check that the singular values are distinct and nonzero; the three from one call of np.linalg.svd."""
    params = _named(where, call, full)
    u, s, vh = ops.svd_u(a, **params), ops.svdvals(a, uv=True, **params), ops.svd_vh(a, **params)
    _check_distinct(s, where, call)
    builder = s.builder
    eye = ops.eye(Sym(builder, builder.dim(s.shape[-1], s.atom, s.rank - 1)))
    squares = s * s
    gaps = (1.0 - eye) / (ops.expand_dims(squares, axis=-2) - ops.expand_dims(squares, axis=-1) + eye)
    return u, ops.expand_dims(s, axis=-2), ops.expand_dims(s, axis=-1), vh, swap_last_two(vh), gaps


def _jvp_u(tangents, u, a, where=None, call=None, full=False):
    _, row, col, vh, v, gaps = _parts(a, where, call, full)
    da = tangents[0]
    dp = swap_last_two(u) @ da @ v
    return u @ (gaps * (dp * row + col * swap_last_two(dp))) + (da @ v - u @ dp) / row


def _jvp_vh(tangents, vh, a, where=None, call=None, full=False):
    u, row, col, _, v, gaps = _parts(a, where, call, full)
    da = tangents[0]
    dp = swap_last_two(u) @ da @ v
    return swap_last_two(v @ (gaps * (col * dp + swap_last_two(dp) * row)) + (swap_last_two(da) @ u - v @ swap_last_two(dp)) / row)


def _vjp_u(g, u, a, active=None, where=None, call=None, full=False):
    _, row, col, vh, v, gaps = _parts(a, where, call, full)
    j = gaps * (swap_last_two(u) @ g)
    return [u @ ((j + swap_last_two(j)) * row) @ vh + ((g - u @ (swap_last_two(u) @ g)) / row) @ vh]


def _vjp_vh(g, vh, a, active=None, where=None, call=None, full=False):
    u, row, col, _, v, gaps = _parts(a, where, call, full)
    k = gaps * (vh @ swap_last_two(g))  # F o V^T G_V, with G_V = G^T
    return [u @ (col * (k + swap_last_two(k))) @ vh + u @ ((g - (g @ v) @ vh) / col)]


def _svd(index: int):
    """np.linalg.svd's part `index`: the singular values alone (compute_uv=False: other bits than the factors'
    call, LAPACK's jobz='N') unless `uv`, the parts of its call with factors, reduced unless `full` (square)."""
    def render(args, params):
        if index == 1 and not params.get("uv"):
            return cg.call("np.linalg.svd", *args, compute_uv=False)
        return cg.subscript(cg.call("np.linalg.svd", *args, full_matrices=bool(params.get("full"))),
                            [cg.literal(index)])

    return render


register(Primitive(name="svdvals", infer=_infer_values, render=_svd(1), family="matrix", vjp=vjp_values,
                   jvp=jvp_values, temp_name="s", batch=batch_stacked))
register(Primitive(name="svd_u", infer=_infer_u, render=_svd(0), family="matrix", vjp=_vjp_u, jvp=_jvp_u,
                   temp_name="u", batch=batch_stacked))
register(Primitive(name="svd_vh", infer=_infer_vh, render=_svd(2), family="matrix", vjp=_vjp_vh, jvp=_jvp_vh,
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
