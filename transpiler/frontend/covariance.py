"""`np.cov` and `np.corrcoef`, written as NumPy 2.x writes them (numpy/lib/_function_base_impl.py), so the NumPy
backend gives NumPy's bits and the derivatives, batching and the C target come from the parts:

* `np.cov(m, y=None, rowvar=True, bias=False, ddof=None, dtype=None)`: the observations as rows of a float64 matrix
  (`dtype=` another float; `np.array(m, ndmin=2, dtype=dtype)`, transposed where `rowvar=False`, `y`'s rows below),
  each row less its `np.mean`, then `np.dot(X, X.T) * np.true_divide(1, fact)` with `fact` the number of
  observations less `ddof` (1 unless `bias=True`; 0.0 where that is not positive, as NumPy, which warns), squeezed
  (one variable gives a 0-d array). `fweights=` and `aweights=` are refused, located.
* `np.corrcoef(x, y=None, rowvar=True, dtype=None)`: the covariance divided by the standard deviations
  (`np.sqrt` of its diagonal) along the rows, then the columns, and clipped to [-1, 1]; of one variable `c / c`.

The ranks, `rowvar` and `ddof` are known at build time. The numbers of variables and observations may be named:
`fact` is then computed at run time as NumPy computes it (an int, 0.0 where not positive, `np.true_divide(1,
fact)` in float64). Two shapes NumPy decides from a named length's value are checked at run time and refused there,
located ("... which Lifted does not model"): one variable in all (NumPy squeezes the result to 0-d) and a
one-row `y` with `rowvar=False` (NumPy leaves it untransposed).
"""
from __future__ import annotations

import numpy

from ..builder import const
from ..ir import Const
from .call_args import Emitter, arg, arity, dtype as read_dtype, given, known_rank, static
from .running_sums import as_array


def _flag(lowering, positional, keywords, index, key, node, default):
    value, value_node = arg(lowering, positional, keywords, index, key, node, Const(default, None))
    return static(lowering, value, value_node, f"`{key}`")


def _observations(emit: Emitter, m, dtype: str, name: str, transpose):
    """`np.array(m, ndmin=2, dtype=dtype)`, transposed where `transpose(rank, rows)` says (rowvar=False)."""
    rank = known_rank(emit, m)
    if rank > 2:
        raise emit.error(f"{name} of an array of rank {rank} (NumPy raises ValueError: more than 2 dimensions)",
                         "pass a vector or a matrix of observations")
    x = m if m.type.dtype == dtype else emit("astype", m, dtype=dtype)
    if rank < 2:
        x = emit("reshape", x, 1, -1)
    return emit("transpose", x) if transpose(rank, x.type.shape[0]) else x


def _covariance(emit: Emitter, positional, keywords, name: str, ddof_allowed: bool):
    """The (unsqueezed) covariance matrix of `np.cov`'s arguments and its dtype."""
    lowering, node = emit.lowering, emit.node
    m = as_array(lowering, node, emit.builder, positional[0])
    y_value, _ = arg(lowering, positional, keywords, 1, "y", node)
    rowvar = bool(_flag(lowering, positional, keywords, 2, "rowvar", node, True))
    dtype_value, dtype_node = keywords.get("dtype", (None, node))
    dtype = "f64"  # np.result_type(m, y, np.float64): float64 for every dtype Lifted has
    if given(dtype_value):
        dtype = read_dtype(lowering, dtype_value, dtype_node)
        if dtype not in ("f32", "f64"):
            raise lowering.error(dtype_node, f"{name}'s dtype= is a float dtype here (NumPy's mean and product of "
                                 "an integer dtype round otherwise)", "dtype=np.float64 or np.float32")
    # `if not rowvar and m.ndim != 1: X = X.T`, but `if not rowvar and y.shape[0] != 1: y = y.T`
    x = _observations(emit, m, dtype, name, lambda rank, rows: not rowvar and rank != 1)
    if given(y_value):
        y = _observations(emit, as_array(lowering, node, emit.builder, y_value), dtype, name,
                          lambda rank, rows: not rowvar and rows != 1)
        if not rowvar and known_rank(emit, y) == 2 and not isinstance(y.type.shape[1], int):
            _refuse_at_run_time(emit, emit.dims(y)[1], 1, f"{name} with rowvar=False of a y of one row (NumPy "
                                "keeps its one row as one variable, not one observation per variable)")
        if x.type.shape[1] != y.type.shape[1]:
            raise emit.error(f"{name} of {x.type.shape[1]} observations in m and {y.type.shape[1]} in y (NumPy raises "
                             "ValueError)", "give both the same observations (rowvar=False: rows are observations)")
        x = emit("concatenate", x, y, axis=0)
    ddof = 1
    if ddof_allowed:
        bias = _flag(lowering, positional, keywords, 3, "bias", node, False)
        ddof_given = _flag(lowering, positional, keywords, 4, "ddof", node, None)
        ddof = ddof_given if ddof_given is not None else 0 if bias else 1
        if not isinstance(ddof, int) or isinstance(ddof, bool):
            raise emit.error(f"{name}'s ddof is an integer known at build time (NumPy raises ValueError)")
    scale = _scale(emit, x, ddof)
    if x.type.shape[0] == 0:  # no variables: NumPy's `np.array([]).reshape(0, 0)`
        return emit("full", 0, 0, const(0.0), dtype="f64"), "f64"
    if not isinstance(x.type.shape[0], int) and dtype != "f64":  # (NumPy's empty result is float64)
        emit("check_assert", emit("less", 0, emit.dims(x)[0]), error="ValueError",
             message=f"{lowering.locate(node)}: {name} of no variables is float64 whatever its dtype=, a dtype that "
                     "depends on a named length, which Lifted does not model")
    centred = emit("subtract", x, emit("mean", x, axis=1, keepdims=True))
    product = emit("matmul", centred, emit("transpose", centred))
    if dtype == "f64":
        return emit("multiply", product, scale), dtype
    # `c *= np.true_divide(1, fact)`: a float64 scalar, so float32 products are scaled in float64 and cast back
    return emit("astype", emit("multiply", emit("astype", product, dtype="f64"), scale), dtype="f32"), dtype


def _scale(emit: Emitter, x, ddof: int):
    """`np.true_divide(1, fact)`, `fact` the number of observations less `ddof` (0.0 where not positive)."""
    count = x.type.shape[1]
    if isinstance(count, int):
        fact = count - ddof
        with numpy.errstate(divide="ignore"):
            return const(float(numpy.true_divide(1, fact if fact > 0 else 0.0)))
    fact = emit("subtract", emit.dims(x)[1], ddof)
    fact = emit("astype", emit("where", emit("less", 0, fact), fact, 0), dtype="f64")  # 0.0: 1 / 0.0 is inf
    return emit("divide", 1.0, fact)


def _refuse_at_run_time(emit: Emitter, length, value: int, what: str) -> None:
    """A named length whose value `value` gives NumPy's result another shape: a located run-time refusal."""
    emit("check_assert", emit("not_equal", length, value), error="ValueError",
         message=f"{emit.lowering.locate(emit.node)}: {what}: a shape that depends on a named length's value, "
                 f"which Lifted does not model (annotate that length as {value})")


def _squeezed(emit: Emitter, c, name: str):
    """`c.squeeze()`: one variable gives a 0-d result (refused at run time where the number is named)."""
    if c.type.shape == (1, 1):
        return emit("reshape", c)
    if not isinstance(c.type.shape[0], int):
        _refuse_at_run_time(emit, emit.dims(c)[0], 1, f"{name} of one variable is 0-d (NumPy squeezes it)")
    return c


def cov(lowering, node, builder, positional, keywords):
    """`np.cov(m, y=None, rowvar=True, bias=False, ddof=None, dtype=None)`."""
    for key in ("fweights", "aweights"):
        if key in keywords and given(keywords[key][0]):
            raise lowering.error(keywords[key][1], f"np.cov's `{key}=` is not supported in kernels",
                                 "weight the observations yourself: the weighted mean and np.dot written out")
    keywords = {k: v for k, v in keywords.items() if k not in ("fweights", "aweights")}
    arity(lowering, node, "np.cov", positional, keywords, 1, 5, ("y", "rowvar", "bias", "ddof", "dtype"))
    emit = Emitter(lowering, node, builder)
    c, _ = _covariance(emit, positional, keywords, "np.cov", ddof_allowed=True)
    if c.type.shape[0] == 0:
        return c
    return _squeezed(emit, c, "np.cov")


def corrcoef(lowering, node, builder, positional, keywords):
    """`np.corrcoef(x, y=None, rowvar=True, dtype=None)`: the covariance scaled to correlations."""
    arity(lowering, node, "np.corrcoef", positional, keywords, 1, 3, ("y", "rowvar", "dtype"),
          hint="np.corrcoef(x, y=None, rowvar=True, dtype=None); `bias` and `ddof` have no effect in NumPy")
    emit = Emitter(lowering, node, builder)
    c, _ = _covariance(emit, positional[:3], keywords, "np.corrcoef", ddof_allowed=False)
    if c.type.shape == (1, 1):  # the covariance squeezes to a scalar: np.diag raises, NumPy returns c / c
        scalar = emit("reshape", c)
        return emit("divide", scalar, scalar)
    c = _squeezed(emit, c, "np.corrcoef")
    stddev = emit("sqrt", emit("diagonal", c))
    c = emit("divide", c, emit("reshape", stddev, -1, 1))
    c = emit("divide", c, emit("reshape", stddev, 1, -1))
    return emit("clip", c, -1, 1)


FUNCTIONS = {"numpy.cov": cov, "numpy.corrcoef": corrcoef}
