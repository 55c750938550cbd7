"""`numpy.linalg`, `scipy.linalg`, `scipy.special` and `scipy.stats` in kernels.

Matrix functions and special functions are registry entries; softmax and the log-densities are written here
in terms of them, the way SciPy defines them (including which triangle of a covariance it reads), so their
derivatives come from those entries' rules.
"""
from __future__ import annotations

import math

from ..ir import Const
from .call_args import Emitter, arg, arity, static


def one_matrix(prim: str, name: str):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 1)
        return Emitter(lowering, node, builder)(prim, positional[0])

    return handle


def solve(name: str):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 2, 2)
        return Emitter(lowering, node, builder)("solve", positional[0], positional[1])

    return handle


def slogdet(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.linalg.slogdet", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    return emit("slogdet_sign", positional[0]), emit("logabsdet", positional[0])


def _triangle(lowering, node, positional, keywords, name: str) -> dict:
    """UPLO ('L' or 'U', either case, as NumPy's `UPLO.upper()`): the triangle LAPACK reads, a registry
    parameter (NumPy's call with UPLO='U' reduces the upper triangle: not the bits of the transpose's lower one)."""
    value, uplo_node = arg(lowering, positional, keywords, 1, "UPLO", node, Const("L", None))
    uplo = static(lowering, value, uplo_node or node, "`UPLO`")
    if not isinstance(uplo, str) or uplo.upper() not in ("L", "U"):
        raise lowering.error(uplo_node or node, f"{name}: UPLO must be 'L' or 'U' (NumPy's ValueError), not {uplo!r}")
    return {"upper": True} if uplo.upper() == "U" else {}


def eigh(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.linalg.eigh", positional, keywords, 1, 2, ("UPLO",))
    params = _triangle(lowering, node, positional, keywords, "np.linalg.eigh")
    emit = Emitter(lowering, node, builder)
    a = emit.atom(positional[0])
    return emit("eigh_values", a, **params), emit("eigh_vectors", a, **params)


def eigvalsh(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.linalg.eigvalsh", positional, keywords, 1, 2, ("UPLO",))
    params = _triangle(lowering, node, positional, keywords, "np.linalg.eigvalsh")
    return Emitter(lowering, node, builder)("eigh_values", positional[0], alone=True, **params)


def svd(lowering, node, builder, positional, keywords):
    """`np.linalg.svd(a, full_matrices=True, compute_uv=True, hermitian=False)`: NumPy's own call (registry
    entries svdvals, svd_u, svd_vh), so the bits are NumPy's; the factors are the reduced ones, which are the full
    ones only for square matrices (full_matrices=True of others is refused: the extra columns have no derivative).
    Derivatives raise a located ValueError at run time where the singular values are repeated or zero."""
    arity(lowering, node, "np.linalg.svd", positional, keywords, 1, 4, ("full_matrices", "compute_uv", "hermitian"),
          hint="np.linalg.svd(a, full_matrices=False) or np.linalg.svd(a, compute_uv=False)")
    flags = []
    for index, key, default in ((1, "full_matrices", True), (2, "compute_uv", True), (3, "hermitian", False)):
        value, flag_node = arg(lowering, positional, keywords, index, key, node, Const(default, None))
        flags.append((static(lowering, value, flag_node or node, f"`{key}`"), flag_node or node))
    (full, full_node), (compute_uv, _), (hermitian, hermitian_node) = flags
    if hermitian:
        raise lowering.error(hermitian_node, "np.linalg.svd's hermitian=True (NumPy's eigh-based path) is not "
                             "supported in kernels", "hermitian=False")
    emit = Emitter(lowering, node, builder)
    a = emit.atom(positional[0])
    if a.type.rank is None or a.type.rank < 2:
        raise emit.error(f"np.linalg.svd of an array of rank {a.type.rank}: NumPy raises LinAlgError (it takes a "
                         "matrix or a stack of them)", "pass a (..., M, N) array")
    located = {"where": str(lowering.locate(node)), "call": "np.linalg.svd"}
    if not compute_uv:
        return emit("svdvals", a, **located)
    if full and a.type.shape[-2] != a.type.shape[-1]:
        raise lowering.error(full_node, f"np.linalg.svd's full factors of a matrix of shape {list(a.type.shape)} "
                             "(not known square): only the reduced ones are supported in kernels",
                             "full_matrices=False")
    if full:
        located["full"] = True
    return emit("svd_u", a, **located), emit("svdvals", a, uv=True, **located), emit("svd_vh", a, **located)


def _flag(lowering, keywords, key: str, default):
    value, node = keywords.get(key, (Const(default, None), None))
    return static(lowering, value, node, f"`{key}`"), node


def scipy_cholesky(lowering, node, builder, positional, keywords):
    """scipy.linalg.cholesky: the upper factor by default (reading the upper triangle), the lower one with
    lower=True."""
    arity(lowering, node, "scipy.linalg.cholesky", positional, keywords, 1, 1, ("lower",))
    lower, _ = _flag(lowering, keywords, "lower", False)
    emit = Emitter(lowering, node, builder)
    if lower:
        return emit("cholesky", positional[0])
    return emit("transpose", emit("cholesky", emit("transpose", positional[0])))


def solve_triangular(lowering, node, builder, positional, keywords):
    arity(lowering, node, "solve_triangular", positional, keywords, 2, 3, ("trans", "lower", "unit_diagonal"))
    trans_value, trans_node = arg(lowering, positional, keywords, 2, "trans", node, Const(0, None))
    trans = {0: 0, 1: 1, "N": 0, "T": 1}.get(static(lowering, trans_value, trans_node, "`trans`"))
    if trans is None:
        raise lowering.error(trans_node, "`trans` is 0, 1, 'N' or 'T' here")
    lower, _ = _flag(lowering, keywords, "lower", False)
    unit, unit_node = _flag(lowering, keywords, "unit_diagonal", False)
    if unit:
        raise lowering.error(unit_node, "solve_triangular with unit_diagonal=True is not supported in kernels",
                             "set the diagonal to ones and solve as usual")
    params = ({"lower": True} if lower else {}) | ({"trans": 1} if trans else {})
    return Emitter(lowering, node, builder)("solve_triangular", positional[0], positional[1], **params)


# --- scipy.special -------------------------------------------------------------------------------------------------
def polygamma(lowering, node, builder, positional, keywords):
    arity(lowering, node, "polygamma", positional, keywords, 2, 2)
    order = static(lowering, positional[0], node, "the order of polygamma")
    if not isinstance(order, int) or isinstance(order, bool) or order < 0:
        raise lowering.error(node, "the order of polygamma is a non-negative integer known at build time")
    return Emitter(lowering, node, builder)("polygamma", positional[1], order=order)


def _log_softmax(emit: Emitter, x, axis):
    return emit("subtract", x, emit("logsumexp", x, axis=axis, keepdims=True))


def softmax(log: bool, default_axis: int | None = None):
    """scipy.special's (over all axes by default) or jax.nn's (`default_axis=-1`)."""
    name = "log_softmax" if log else "softmax"

    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 2, ("axis",))
        axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node, Const(default_axis, None))
        axis = static(lowering, axis_value, axis_node, "`axis`")
        emit = Emitter(lowering, node, builder)
        result = _log_softmax(emit, emit.atom(positional[0]), axis)
        return result if log else emit("exp", result)

    return handle


# --- jax.nn: the activations JAX models call, as NumPy and scipy.special (which JAX itself depends on) ------------
def _one(name: str, build):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 1)
        emit = Emitter(lowering, node, builder)
        return build(emit, emit.atom(positional[0]))

    return handle


JAX_NN = {
    "jax.nn.sigmoid": _one("jax.nn.sigmoid", lambda emit, x: emit("expit", x)),
    "jax.nn.softplus": _one("jax.nn.softplus", lambda emit, x: emit("logaddexp", x, 0.0)),
    # derivative 0 at 0, as JAX defines it
    "jax.nn.relu": _one("jax.nn.relu", lambda emit, x: emit("where", emit("greater", x, 0.0), x, 0.0)),
    "jax.nn.silu": _one("jax.nn.silu", lambda emit, x: emit("multiply", x, emit("expit", x))),
    "jax.nn.softmax": softmax(log=False, default_axis=-1),
    "jax.nn.log_softmax": softmax(log=True, default_axis=-1),
}
JAX_NN["jax.nn.swish"] = JAX_NN["jax.nn.silu"]


# --- scipy.stats -----------------------------------------------------------------------------------------------------
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _located(lowering, positional, keywords, node, names: tuple[str, ...], first: int):
    """loc and scale (and the like) by position or keyword; None where not given or the identity (a literal
    loc of 0 or scale of 1)."""
    values = [arg(lowering, positional, keywords, first + i, key, node)[0] for i, key in enumerate(names)]
    return [None if isinstance(v, Const) and v.value == {"loc": 0, "scale": 1}.get(key) else v
            for v, key in zip(values, names)]


def _standardized(emit: Emitter, x, loc, scale):
    z = emit.atom(x)
    if loc is not None:
        z = emit("subtract", z, loc)
    if scale is not None:
        z = emit("divide", z, scale)
    return z


def _minus_log_scale(emit: Emitter, value, scale):
    if scale is None:
        return value
    if isinstance(scale, Const) and isinstance(scale.value, (int, float)) and scale.value > 0:
        return emit("subtract", value, math.log(scale.value))  # a literal scale: its log at build time
    return emit("subtract", value, emit("log", scale))


def norm_function(kind: str):
    name = f"norm.{kind}"

    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 3, ("loc", "scale"))
        emit = Emitter(lowering, node, builder)
        loc, scale = _located(lowering, positional, keywords, node, ("loc", "scale"), 1)
        z = _standardized(emit, positional[0], loc, scale)
        if kind in ("cdf", "logcdf"):
            return emit("ndtr" if kind == "cdf" else "log_ndtr", z)
        logpdf = emit("subtract", emit("multiply", emit("multiply", z, z), -0.5), _LOG_SQRT_2PI)
        logpdf = _minus_log_scale(emit, logpdf, scale)
        return logpdf if kind == "logpdf" else emit("exp", logpdf)

    return handle


def t_logpdf(lowering, node, builder, positional, keywords):
    arity(lowering, node, "t.logpdf", positional, keywords, 2, 4, ("df", "loc", "scale"))
    emit = Emitter(lowering, node, builder)
    df_value, _ = arg(lowering, positional, keywords, 1, "df", node)
    df = emit.atom(df_value)
    loc, scale = _located(lowering, positional, keywords, node, ("loc", "scale"), 2)
    z = _standardized(emit, positional[0], loc, scale)
    half = emit("multiply", emit("add", df, 1.0), 0.5)  # (df + 1) / 2
    log_norm = emit("subtract", emit("gammaln", half), emit("gammaln", emit("multiply", df, 0.5)))
    log_norm = emit("subtract", log_norm, emit("multiply", emit("log", emit("multiply", df, math.pi)), 0.5))
    tail = emit("multiply", half, emit("log1p", emit("divide", emit("multiply", z, z), df)))
    return _minus_log_scale(emit, emit("subtract", log_norm, tail), scale)


def multivariate_normal(kind: str):
    name = f"multivariate_normal.{kind}"

    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 3, ("mean", "cov"))
        emit = Emitter(lowering, node, builder)
        x = emit.atom(positional[0])
        mean, cov = _located(lowering, positional, keywords, node, ("mean", "cov"), 1)
        if cov is None or emit.atom(cov).type.rank != 2:
            raise emit.error(f"{name} takes the covariance as a (d, d) matrix here",
                             f"{name}(x, mean, cov) with cov of shape (d, d), e.g. s * np.eye(d)")
        cov = emit.atom(cov)
        if x.type.rank not in (1, 2):
            raise emit.error(f"{name} takes one point (d,) or a row per point (n, d)")
        result = _mvn_logpdf(emit, x, mean, cov)
        return result if kind == "logpdf" else emit("exp", result)

    return handle


def _mvn_logpdf(emit: Emitter, x, mean, cov):
    """-(d log 2 pi + log det C + (x - m)^T C^-1 (x - m)) / 2 through the Cholesky factor of C, which (like
    SciPy) reads only C's lower triangle."""
    diff = x if mean is None else emit("subtract", x, mean)
    factor = emit("cholesky", cov)
    log_det = emit("multiply", emit("sum", emit("log", emit("diagonal", factor)), axis=None), 2.0)
    whitened = emit("solve", factor, diff if x.type.rank == 1 else emit("transpose", diff))
    squares = emit("sum", emit("multiply", whitened, whitened), axis=0)
    d = emit.dims(cov)[0]
    constant = emit("multiply", d, 2.0 * _LOG_SQRT_2PI)
    result = emit("multiply", emit("add", emit("add", squares, log_det), constant), -0.5)
    if x.type.rank == 2 and x.type.shape[0] == 1:  # SciPy squeezes a single row to a scalar
        result = emit("getitem", result, index=(0,))
    return result
