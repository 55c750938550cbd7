"""np.linalg.pinv and np.linalg.lstsq: NumPy's own calls, so the values are its bits (one entry per part of
lstsq's result: the solution, the residuals, the rank, the singular values).

The derivatives are those of the Moore-Penrose inverse where its rank is locally constant (Golub and Pereyra 1973),
with Y = pinv(A):

    dY = -Y dA Y + Y Y^T dA^T (I - A Y) + (I - Y A) dA^T Y^T Y

and its adjoint, the cotangent -Y^T G Y^T + (I - A Y) G^T Y Y^T + Y^T Y G^T (I - Y A). They hold where no
singular value is cut (pinv: every s > rcond * max(s); lstsq: the rank LAPACK finds is min(m, n)): a cut one is
a rank-deficient matrix, where a move of the matrix changes the rank and the result jumps (no derivative), so
the rules raise a located ValueError there at run time (the primal never checks). lstsq's solution is pinv(A) b
in exact arithmetic for a full-rank A (the least-squares solution, or the least-norm one of a wide A), so its
rules are those of pinv(A) b with pinv's values read from NumPy's pinv. The residuals' length depends on the rank
found (NumPy returns none unless the rank is n and m > n): a length known only at run time; their derivative is
that of sum((b - A x)^2, axis=0) where they exist (A^T r = 0 there) and the empty one where not. The rank is an
integer; the singular values have svdvals' rules.
"""
from __future__ import annotations

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType, fresh_dim, is_unknown
from .batching import batch_stacked, refuse
from .matrix_functions import float_dtype, swap_last_two
from .registry import Primitive, register
from .singular_values import jvp_values, vjp_values
from .symbolic import Sym, ops

CUT = ("{loc}: {call} has no derivative where the matrix is rank-deficient (a singular value at or below the "
       "cutoff is dropped: a move of the matrix changes the rank, and the result jumps)")


def _located(builder, where, call, ok) -> None:
    builder.bind("check_assert", [ops.all(ok, axis=None).atom],
                 {"message": CUT.format(loc=where or builder.loc or call, call=call), "error": "ValueError"})


def _identity(x: Sym, axis: int) -> Sym:
    builder = x.builder
    return ops.eye(Sym(builder, builder.dim(x.shape[axis], x.atom, axis % x.rank)))


def _pinv_vjp_core(g, y, a):
    """-Y^T G Y^T + (I - A Y) G^T Y Y^T + Y^T Y G^T (I - Y A), for stacks too."""
    yt, gt = swap_last_two(y), swap_last_two(g)
    left = _identity(a, -2) - a @ y
    right = _identity(a, -1) - y @ a
    return -(yt @ g @ yt) + left @ (gt @ (y @ yt)) + (yt @ y) @ (gt @ right)


def _pinv_jvp_core(da, y, a):
    dat = swap_last_two(da)
    yt = swap_last_two(y)
    return -(y @ da @ y) + (y @ yt) @ (dat @ (_identity(a, -2) - a @ y)) + (_identity(a, -1) - y @ a) @ (dat @ (yt @ y))


# --- pinv --------------------------------------------------------------------------------------------------------
def _infer_pinv(types, params) -> TensorType:
    x = types[0]
    if x.rank is None or x.rank < 2:
        raise ShapeError("np.linalg.pinv takes a matrix or a stack of them (NumPy raises LinAlgError otherwise)")
    return TensorType(float_dtype(types), x.shape[:-2] + (x.shape[-1], x.shape[-2]))


def _render_pinv(args, params):
    return cg.call("np.linalg.pinv", *args, rcond=params.get("rcond", 1e-15))


def _pinv_checked(y, a, rcond, where, call):
    s = ops.svdvals(a, uv=True, run_time_count=True)
    cutoff = ops.max(s, axis=-1, keepdims=True) * rcond
    _located(y.builder, where, call, ops.greater(s, cutoff))


def _vjp_pinv(g, y, a, active=None, rcond=1e-15, where=None):
    _pinv_checked(y, a, rcond, where, "np.linalg.pinv")
    return [_pinv_vjp_core(g, y, a)]


def _jvp_pinv(tangents, y, a, rcond=1e-15, where=None):
    _pinv_checked(y, a, rcond, where, "np.linalg.pinv")
    return _pinv_jvp_core(tangents[0], y, a)


register(Primitive(name="pinv", infer=_infer_pinv, render=_render_pinv, family="matrix", vjp=_vjp_pinv,
                   jvp=_jvp_pinv, temp_name="pinv", batch=batch_stacked))


# --- lstsq -------------------------------------------------------------------------------------------------------
def _lstsq_sizes(types):
    a, b = types[:2]
    if a.rank != 2 or b.rank not in (1, 2):
        raise ShapeError("np.linalg.lstsq takes a matrix and a vector or matrix of right-hand sides (NumPy raises "
                         "LinAlgError for stacks)")
    m, n = a.shape
    if b.shape[0] != m and not (is_unknown(m) or is_unknown(b.shape[0])) and \
            isinstance(m, int) and isinstance(b.shape[0], int):
        raise ShapeError(f"np.linalg.lstsq: the matrix has {m} rows and the right-hand side {b.shape[0]} "
                         "(NumPy raises LinAlgError: Incompatible dimensions)")
    return m, n, b


def _infer_x(types, params) -> TensorType:
    m, n, b = _lstsq_sizes(types)
    return TensorType(float_dtype(types[:2]), (n,) + tuple(b.shape[1:]))


def _infer_residuals(types, params) -> TensorType:
    m, n, b = _lstsq_sizes(types)
    if isinstance(m, int) and isinstance(n, int) and m <= n:
        return TensorType(float_dtype(types[:2]), (0,))
    return TensorType(float_dtype(types[:2]), (fresh_dim(),))  # k (1 for a vector) where rank == n, else 0


def _infer_rank(types, params) -> TensorType:
    _lstsq_sizes(types)
    return TensorType("i32", ())


def _infer_s(types, params) -> TensorType:
    m, n, _ = _lstsq_sizes(types)
    if m == n:
        return TensorType(float_dtype(types[:2]), (m,))
    if isinstance(m, int) and isinstance(n, int):
        return TensorType(float_dtype(types[:2]), (min(m, n),))
    return TensorType(float_dtype(types[:2]), (fresh_dim(),))  # min(m, n) of named sizes: known at run time


def _lstsq(index: int):
    def render(args, params):
        return cg.subscript(cg.call("np.linalg.lstsq", *args[:2], params.get("rcond")), [cg.literal(index)])

    return render


def _full_rank(a, b, rcond, where) -> None:
    rank = ops.lstsq_rank(a, b, **({"rcond": rcond} if rcond is not None else {}))
    builder = a.builder
    m, n = builder.dim(a.shape[0], a.atom, 0), builder.dim(a.shape[1], a.atom, 1)
    _located(builder, where, "np.linalg.lstsq", ops.equal(rank, ops.minimum(Sym(builder, m), Sym(builder, n))))


def _vjp_x(g, x, a, b, active=None, rcond=None, where=None):
    _full_rank(a, b, rcond, where)
    y = ops.pinv(a, rcond=0.0)
    gm, bm = (ops.expand_dims(v, axis=-1) for v in (g, b)) if b.rank == 1 else (g, b)
    # x = Y b: the cotangent of Y is G b^T, of b Y^T G
    ga = _pinv_vjp_core(gm @ swap_last_two(bm), y, a) if active is None or active[0] else None
    gb = swap_last_two(y) @ g if active is None or active[1] else None
    return [ga, gb]


def _jvp_x(tangents, x, a, b, rcond=None, where=None):
    _full_rank(a, b, rcond, where)
    y = ops.pinv(a, rcond=0.0)
    terms = []
    if tangents[0] is not None:
        terms.append(_pinv_jvp_core(tangents[0], y, a) @ b)
    if tangents[1] is not None:
        terms.append(y @ tangents[1])
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _residual(a, b, rcond, where):
    """r = b - A x (x NumPy's solution) and, for a vector b, the columns' count 1 as a column axis."""
    params = {"where": where} | ({"rcond": rcond} if rcond is not None else {})
    x = ops.lstsq_x(a, b, **params)
    return b - a @ x, x


def _placed(res, columns: Sym, builder):
    """The (L, k) one-hot matrix placing the L residuals (L is k where NumPy returns them, else 0) at their
    columns: a residual's tangent is its column's, a column's cotangent the residual's (none where L is 0)."""
    length = Sym(builder, builder.dim(res.shape[0], res.atom, 0))
    return ops.equal(ops.expand_dims(ops.arange(length), axis=-1), ops.expand_dims(ops.arange(columns), axis=0))


def _columns(b):
    builder = b.builder
    return Sym(builder, builder.dim(1) if b.rank == 1 else builder.dim(b.shape[1], b.atom, 1))


def _jvp_residuals(tangents, res, a, b, rcond=None, where=None):
    """d(sum_i r_ij^2) = 2 sum_i r_ij (db - dA x)_ij: A^T r = 0 where the residuals exist (rank n, m > n), so x's
    own move drops out; placed on the L residuals NumPy returns (none: an empty tangent)."""
    r, x = _residual(a, b, rcond, where)
    move = None
    if tangents[0] is not None:
        move = -(tangents[0] @ x)
    if tangents[1] is not None:
        move = tangents[1] if move is None else tangents[1] + move
    full = ops.sum(r * move, axis=0) * 2.0
    full = ops.expand_dims(full, axis=0) if b.rank == 1 else full
    return ops.sum(_placed(res, _columns(b), res.builder) * ops.expand_dims(full, axis=0), axis=-1)


def _vjp_residuals(g, res, a, b, active=None, rcond=None, where=None):
    r, x = _residual(a, b, rcond, where)
    per_column = ops.sum(_placed(res, _columns(b), res.builder) * ops.expand_dims(g, axis=-1), axis=0) * 2.0
    if b.rank == 1:
        weighted = r * per_column  # (one column: per_column has length 1)
        ga = -(ops.expand_dims(weighted, axis=-1) * ops.expand_dims(x, axis=0))
    else:
        weighted = r * ops.expand_dims(per_column, axis=0)
        ga = -(weighted @ swap_last_two(x))
    return [ga if active is None or active[0] else None, weighted if active is None or active[1] else None]


_BATCH = refuse("vmap of np.linalg.lstsq: NumPy's lstsq takes one matrix (LinAlgError for a stack), and the length "
                "of its residuals, the rank's, may differ between examples")
register(Primitive(name="lstsq_x", infer=_infer_x, render=_lstsq(0), family="matrix", vjp=_vjp_x, jvp=_jvp_x,
                   temp_name="x", batch=_BATCH))
register(Primitive(name="lstsq_residuals", infer=_infer_residuals, render=_lstsq(1), family="matrix",
                   vjp=_vjp_residuals, jvp=_jvp_residuals, temp_name="resids",
                   batch=_BATCH))
register(Primitive(name="lstsq_rank", infer=_infer_rank, render=_lstsq(2), family="matrix", temp_name="rank",
                   batch=_BATCH))
def _vjp_s(g, s, a, b, active=None, rcond=None, where=None):
    """lstsq's singular values are a's (LAPACK's gelsd): svdvals' rules, none for b."""
    ga = vjp_values(g, s, a, where=where, call="np.linalg.lstsq")[0] if active is None or active[0] else None
    return [ga, None]


def _jvp_s(tangents, s, a, b, rcond=None, where=None):
    if tangents[0] is None:
        return ops.zeros_like(s)
    return jvp_values(tangents[:1], s, a, where=where, call="np.linalg.lstsq")


register(Primitive(name="lstsq_s", infer=_infer_s, render=_lstsq(3), family="matrix", vjp=_vjp_s, jvp=_jvp_s,
                   temp_name="s", batch=_BATCH))
