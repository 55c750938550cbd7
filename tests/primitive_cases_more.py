"""Cases of the generic primitive test (tests/test_primitives.py): more of NumPy's and scipy.special's
elementwise functions, var and std, the NaN-ignoring and masked reductions, flips, cumulative sums, triangles,
matrix functions and linspace.
"""
from __future__ import annotations

import numpy as np

from primitive_case import case


# --- more elementwise functions: NumPy's and scipy.special's (oracle: autograd's, or a spelling it has) --------------
MORE_UNARIES = {  # prim: (expression, domain, autograd oracle or None)
    "log2": ("np.log2({x})", "pos", None), "log10": ("np.log10({x})", "pos", None),
    "exp2": ("np.exp2({x})", "normal", None), "arcsinh": ("np.arcsinh({x})", "normal", None),
    "arccosh": ("np.arccosh({x})", "big", None), "arctanh": ("np.arctanh({x})", "unit", None),
    "sinc": ("np.sinc({x})", "normal", None), "deg2rad": ("np.deg2rad({x})", "normal", None),
    "rad2deg": ("np.rad2deg({x})", "normal", None),
    "expit": ("scipy.special.expit({x})", "normal", None), "logit": ("scipy.special.logit({x})", "prob", None),
    "erf": ("scipy.special.erf({x})", "normal", None), "erfc": ("scipy.special.erfc({x})", "normal", None),
    "ndtr": ("scipy.special.ndtr({x})", "normal", "scipy.stats.norm.cdf({x})"),
    "log_ndtr": ("scipy.special.log_ndtr({x})", "normal", "scipy.stats.norm.logcdf({x})"),
    "gammaln": ("scipy.special.gammaln({x})", "pos", None), "digamma": ("scipy.special.digamma({x})", "pos", None),
    "polygamma": ("scipy.special.polygamma(1, {x})", "pos", None),
}
for _prim, (_template, _domain, _oracle) in MORE_UNARIES.items():
    _spell = (lambda x, t=_oracle: t.format(x=x)) if _oracle else (lambda x: None)
    case(_prim, f"{_prim}-matrix", "x: f64[3,4]", _template.format(x="x"), domain={"x": _domain},
         oracle=_spell("x"), vjp=True)
    case(_prim, f"{_prim}-scalar", "x: f64[]", _template.format(x="x"), domain={"x": _domain}, oracle=_spell("x"))
    case(_prim, f"{_prim}-composed", "x: f64[n], y: f64[n]", _template.format(x="(x * y)"),
         domain={"x": _domain, "y": "half" if _domain in ("unit", "prob") else "pos"}, oracle=_spell("(x * y)"))
case("sinc", "sinc-at_zero", "x: f64[4]", "np.sinc(x)", fixed={"x": np.array([0.0, 0.5, -1.5, 2.0])},
     oracle="np.where(x == 0.0, 1.0, np.sin(np.pi * x) / (np.pi * x + (x == 0.0)))")
case("polygamma", "polygamma-order_0", "x: f64[3,4]", "scipy.special.polygamma(0, x)", domain={"x": "pos"},
     oracle="scipy.special.digamma(x)")
case("digamma", "digamma-psi", "x: f64[3,4]", "scipy.special.psi(x)", domain={"x": "pos"},
     oracle="scipy.special.digamma(x)")
case("abs", "abs-np_fabs", "x: f64[3,4]", "np.fabs(x)", oracle="np.abs(x)")
case("deg2rad", "deg2rad-np_radians", "x: f64[3,4]", "np.radians(x)")
case("rad2deg", "rad2deg-np_degrees", "x: f64[3,4]", "np.degrees(x)")
case("fmax", "fmax-broadcast", "a: f64[3,4], b: f64[4]", "np.fmax(a, b)", vjp=True)
case("fmin", "fmin-broadcast", "a: f64[3,4], b: f64[3,1]", "np.fmin(a, b)", vjp=True)
case("fmax", "fmax-nan_ignored", "a: f64[4], b: f64[4]", "np.fmax(a, b) + np.fmin(b, a)",
     fixed={"b": np.array([np.nan, 0.5, -1.0, np.nan])},
     oracle="np.where(np.isnan(b), a, np.maximum(a, b)) + np.where(np.isnan(b), a, np.minimum(b, a))")
case("hypot", "hypot-broadcast", "a: f64[3,4], b: f64[4]", "np.hypot(a, b)", vjp=True)
case("hypot", "hypot-scalars", "a: f64[], b: f64[]", "np.hypot(a, b)")
# contractions written as the einsum or matrix product NumPy computes (frontend/contractions.py)
case("einsum", "einsum-ellipsis_batched_matmul", "a: f64[2,3], b: f64[4,3,2]", 'np.einsum("...ij,...jk->...ik", a, b)',
     vjp=True)
case("einsum", "einsum-ellipsis_implicit", "a: f64[3,4,4], b: f64[4,4]", 'np.einsum("...jk,...kj", a, b)')
case("einsum", "einsum-broadcast_one", "a: f64[3,1], b: f64[3,4]", 'np.einsum("ij,ij->i", a, b)',
     oracle='np.einsum("ij,ij->i", a + np.zeros((3, 4)), b)')  # (autograd keeps b's shape for a's cotangent)
case("einsum", "einsum-sublists", "a: f64[2,3], b: f64[3,4]", "np.einsum(a, [0, 1], b, (1, 2), [2, 0])", vjp=True,
     oracle='np.einsum("ij,jk->ki", a, b)')
case("einsum", "einsum-sublists_ellipsis_implicit", "a: f64[2,2,3], b: f64[2,3,4]",
     "np.einsum(a, [Ellipsis, 0, 1], b, [..., 1, 2], [..., 0, 2]) + np.einsum(a, [2, 0, 1], b, [2, 1, 3])[:, None]",
     oracle='np.einsum("...ij,...jk->...ik", a, b) + np.einsum("kij,kjl->il", a, b)[:, None]')
case("matmul", "matmul-tensordot_pairs", "a: f64[3,4,2], b: f64[2,3,2]", "np.tensordot(a, b, axes=([0, 2], [1, 0]))",
     vjp=True)
case("matmul", "matmul-tensordot_int", "a: f64[4,2,2], b: f64[2,2,3]", "np.tensordot(a, b, axes=2)")
case("matmul", "matmul-tensordot_default", "a: f64[3,3], b: f64[3,3]", "np.tensordot(a, b)")
case("matmul", "matmul-inner", "a: f64[2,3], b: f64[4,3]", "np.inner(a, b)", vjp=True)
case("multiply", "multiply-kron_matrices", "a: f64[3,2], b: f64[2,3]", "np.kron(a, b)", vjp=True)
case("multiply", "multiply-kron_ranks", "a: f64[4], b: f64[2,3]", "np.kron(a, b)")
case("transpose", "transpose-moveaxis", "a: f64[2,3,4]", "np.moveaxis(a, [0, 1], [2, 0])")
case("transpose", "transpose-rollaxis", "a: f64[2,3,4]", "np.rollaxis(a, 2, 1)")

# --- var and std: ddof, keepdims, methods (the axis forms are in REDUCTIONS) ----------------------------------------
case("var", "var-ddof", "x: f64[3,4]", "np.var(x, axis=0, ddof=1)", vjp=True)
case("var", "var-ddof_all", "x: f64[3,4]", "np.var(x, ddof=1)")
case("var", "var-method_ddof", "x: f64[3,4]", "x.var(axis=1, ddof=1, keepdims=True)", oracle="np.var(x, axis=1, ddof=1, keepdims=True)")
case("std", "std-ddof", "x: f64[3,4]", "np.std(x, axis=1, ddof=1)", vjp=True)
case("std", "std-equal_values", "x: f64[3], y: f64[4]", "np.std(x[:, None] * y[:1], axis=1) + np.std(y * 0.0 + x[0], ddof=1)",
     oracle="0.0 * x * y[0]")
case("std", "std-method_ddof", "x: f64[n,d]", "x.std(ddof=1)", oracle="np.std(x, ddof=1)")

# --- NaN-ignoring reductions, np.ptp, and the reducers' where=/initial=/dtype= (primitives/nan_reductions.py,
# masked_reductions.py). NaN entries (fixed) get a zero derivative; autograd has no VJP of np.nansum and ignores
# `where=` in np.sum's, so the oracles spell the elements that take part out with np.where
_X_NAN = np.array([[0.3, np.nan, -1.2, 0.8], [1.1, 0.4, np.nan, -0.5], [-0.7, 0.9, 0.2, 1.6]])
_MASK = np.array([[True, False, True, True], [False, True, True, False], [True, True, False, True]])  # none empty
_KEPT = "k = np.logical_not(np.isnan(x))\nz = np.where(k, x, 0.0)\nn = np.sum(k, axis={axis}, keepdims=True)\n"
_NAN_CASES = {  # entry: (expression, oracle's last line over k, z, n)
    "nansum": ("np.nansum(x, axis={axis})", "np.sum(z, axis={axis})"),
    "nanprod": ("np.nanprod(x, axis={axis})", "np.prod(np.where(k, x, 1.0), axis={axis})"),
    "nanmax": ("np.nanmax(x, axis={axis})", "np.max(np.where(k, x, -np.inf), axis={axis})"),
    "nanmin": ("np.nanmin(x, axis={axis})", "np.min(np.where(k, x, np.inf), axis={axis})"),
    "nanmean": ("np.nanmean(x, axis={axis})", "np.sum(z / n, axis={axis})"),
    "nanvar": ("np.nanvar(x, axis={axis}, ddof=1)",
               "np.sum(np.where(k, (z - np.sum(z, axis={axis}, keepdims=True) / n) ** 2, 0.0) / (n - 1), axis={axis})"),
    "nanstd": ("np.nanstd(x, axis={axis})",
               "np.sqrt(np.sum(np.where(k, (z - np.sum(z, axis={axis}, keepdims=True) / n) ** 2, 0.0) / n, axis={axis}))"),
}
for _prim, (_expr, _oracle) in _NAN_CASES.items():
    for _id, _axis in (("axis0", "0"), ("axis1", "1"), ("all", "None")):
        case(_prim, f"{_prim}-{_id}", "x: f64[3,4]", _expr.format(axis=_axis), fixed={"x": _X_NAN},
             oracle=_KEPT.format(axis=_axis) + _oracle.format(axis=_axis), vjp=_id == "axis0")
    case(_prim, f"{_prim}-no_nan_keepdims", "x: f64[2,3,4]", _expr.format(axis="(0, 2)")[:-1] + ", keepdims=True)",
         oracle=_expr.format(axis="(0, 2)")[:-1].replace("np.nan", "np.", 1) + ", keepdims=True)")
case("ptp", "ptp-axis1", "x: f64[3,4]", "np.ptp(x, axis=1)", oracle="np.max(x, axis=1) - np.min(x, axis=1)", vjp=True)
case("ptp", "ptp-all", "x: f64[3,4]", "np.ptp(x)", oracle="np.max(x) - np.min(x)")
case("ptp", "ptp-keepdims", "x: f64[2,3,4]", "np.ptp(x, axis=(0, 2), keepdims=True)",
     oracle="np.max(x, axis=(0, 2), keepdims=True) - np.min(x, axis=(0, 2), keepdims=True)")
_MASKED_CASES = {  # entry: (expression, oracle)
    "masked_sum": ("np.sum(x, axis=0, where=m, initial=1.5)", "np.sum(np.where(m, x, 0.0), axis=0) + 1.5"),
    "masked_prod": ("np.prod(x, axis=1, where=m, initial=2.0)", "np.prod(np.where(m, x, 1.0), axis=1) * 2.0"),
    "masked_max": ("np.max(x, axis=0, where=m, initial=-5.0)", "np.max(np.where(m, x, -5.0), axis=0)"),
    "masked_min": ("np.min(x, axis=1, where=m, initial=5.0)", "np.min(np.where(m, x, 5.0), axis=1)"),
    "masked_mean": ("np.mean(x, axis=0, where=m)", "np.sum(np.where(m, x, 0.0), axis=0) / np.sum(m, axis=0)"),
    "masked_var": ("np.var(x, axis=1, where=m)",
                   "np.sum(np.where(m, (x - np.sum(np.where(m, x, 0.0), axis=1, keepdims=True) / "
                   "np.sum(m, axis=1, keepdims=True)) ** 2, 0.0), axis=1) / np.sum(m, axis=1)"),
    "masked_std": ("np.std(x, where=m, ddof=1)",
                   "np.sqrt(np.sum(np.where(m, (x - np.sum(np.where(m, x, 0.0)) / np.sum(m)) ** 2, 0.0)) / "
                   "(np.sum(m) - 1))"),
}
for _prim, (_expr, _oracle) in _MASKED_CASES.items():
    case(_prim, f"{_prim}-mask", "x: f64[3,4], m: bool[3,4]", _expr, fixed={"m": _MASK}, oracle=_oracle,
         vjp=_prim != "masked_std")
case("masked_sum", "masked_sum-row_mask", "x: f64[3,4], m: bool[4]", "np.sum(x, axis=1, where=m)",
     fixed={"m": _MASK[0]}, oracle="np.sum(np.where(m, x, 0.0), axis=1)")
case("masked_sum", "masked_sum-initial", "x: f64[2,3,4]", "np.sum(x, axis=(0, 2), initial=-1.0, keepdims=True)",
     oracle="np.sum(x, axis=(0, 2), keepdims=True) - 1.0")
# (no finite differences: a float32 result moves in steps of 1e-7, the step's size)
case("masked_sum", "masked_sum-dtype_float32", "x: f64[3,4]", "np.sum(x, axis=0, dtype=np.float32)",
     oracle="np.sum(x, axis=0)", rtol=1e-6, fd_tol=None)
case("masked_sum", "masked_sum-method", "x: f64[3,4], m: bool[3,4]", "x.sum(axis=1, where=m)", fixed={"m": _MASK},
     oracle="np.sum(np.where(m, x, 0.0), axis=1)")
case("masked_prod", "masked_prod-initial", "x: f64[3,4]", "np.prod(x, axis=0, initial=0.5)",
     oracle="np.prod(x, axis=0) * 0.5")
case("masked_max", "masked_max-initial_wins", "x: f64[3,4]", "np.max(x, axis=1, initial=0.0)",
     oracle="np.maximum(np.max(x, axis=1), 0.0)")
case("masked_min", "masked_min-initial", "x: f64[3,4]", "np.min(x, initial=0.25)", oracle="np.minimum(np.min(x), 0.25)")
case("masked_mean", "masked_mean-dtype", "x: f32[3,4]", "np.mean(x, axis=1, dtype=np.float64)",
     oracle="np.mean(x, axis=1)", rtol=1e-5, fd_tol=1e-4)
case("masked_var", "masked_var-ddof_mask", "x: f64[3,4], m: bool[3,4]", "np.var(x, axis=0, where=m, ddof=1)",
     fixed={"m": np.array([[True, True, True, True], [False, True, True, True], [True, False, True, True]])},
     oracle="np.sum(np.where(m, (x - np.sum(np.where(m, x, 0.0), axis=0, keepdims=True) / "
            "np.sum(m, axis=0, keepdims=True)) ** 2, 0.0), axis=0) / (np.sum(m, axis=0) - 1)")
case("masked_std", "masked_std-axis_mask", "x: f64[3,4], m: bool[3,4]", "np.std(x, axis=1, where=m, keepdims=True)",
     fixed={"m": _MASK}, oracle="np.sqrt(np.sum(np.where(m, (x - np.sum(np.where(m, x, 0.0), axis=1, keepdims=True) / "
                                "np.sum(m, axis=1, keepdims=True)) ** 2, 0.0), axis=1, keepdims=True) / "
                                "np.sum(m, axis=1, keepdims=True))")
# positions and truth values: constants to the derivative, one case each under the entry's own name
case("nanargmax", "nanargmax-gather", "x: f64[3,4]", "y = np.where(np.isnan(x), 0.5, x)\ny[np.nanargmax(x, axis=0), 0] * y[1]",
     fixed={"x": _X_NAN}, oracle="y = np.where(np.isnan(x), 0.5, x)\ny[np.argmax(np.where(np.isnan(x), -np.inf, x), axis=0), 0] * y[1]")
case("nanargmin", "nanargmin-gather", "x: f64[3,4]", "x.reshape(-1)[np.nanargmin(x)] * x[0, 0]",
     oracle="x.reshape(-1)[np.argmin(x)] * x[0, 0]")
case("masked_all", "masked_all-where", "x: f64[3,4], m: bool[3,4]",
     "np.where(np.all(x > -1.0, axis=0, where=m, keepdims=True), x, -x)", fixed={"m": _MASK},
     oracle="np.where(np.all((x > -1.0) | ~m, axis=0, keepdims=True), x, -x)")
case("masked_any", "masked_any-where", "x: f64[3,4], m: bool[3,4]", "np.where(np.any(x > 0.5, axis=1, where=m), x.T, 2.0 * x.T)",
     fixed={"m": _MASK}, oracle="np.where(np.any((x > 0.5) & m, axis=1), x.T, 2.0 * x.T)")

# --- flip, cumsum, triangles, diagonals (autograd has no flip: its oracles reverse by slicing) -----------------------
case("flip", "flip-all", "x: f64[3,4]", "np.flip(x)", vjp=True, oracle="x[::-1, ::-1]")
case("flip", "flip-axis", "x: f64[3,4], y: f64[4]", "np.flip(x, axis=1) * y", oracle="x[:, ::-1] * y")
case("flip", "flip-axes", "x: f64[2,3,4]", "np.flip(x, (0, 2))", vjp=True, oracle="x[::-1, :, ::-1]")
case("flip", "flip-lr", "x: f64[3,4]", "np.fliplr(x)", oracle="x[:, ::-1]")
case("flip", "flip-ud", "x: f64[3,4]", "np.flipud(x) * x", oracle="x[::-1] * x")
case("cumsum", "cumsum-axis0", "x: f64[3,4]", "np.cumsum(x, axis=0)", vjp=True)
case("cumsum", "cumsum-flattened", "x: f64[3,4]", "np.cumsum(x)", vjp=True)
case("cumsum", "cumsum-method", "x: f64[2,3,4]", "x.cumsum(axis=-1)", oracle="np.cumsum(x, axis=-1)")
case("cumsum", "cumsum-vector", "x: f64[n]", "np.cumsum(x * x)")
case("tril", "tril-square", "x: f64[4,4]", "np.tril(x)", vjp=True)
case("tril", "tril-offset", "x: f64[3,4]", "np.tril(x, -1) + np.tril(x, 2)")
case("tril", "tril-batched", "x: f64[2,3,3]", "np.tril(x)")
case("triu", "triu-square", "x: f64[4,4]", "np.triu(x, 1)", vjp=True)
case("triu", "triu-keyword", "x: f64[3,4]", "np.triu(x, k=-1) * x")
case("diag", "diag-build", "v: f64[4]", "np.diag(v)", vjp=True)
case("diag", "diag-build_offset", "v: f64[3]", "np.diag(v, 1) + np.diag(v * v, -1)")
case("diag", "diag-extract", "x: f64[4,4]", "np.diag(x)", vjp=True)
case("diag", "diag-extract_offset", "x: f64[4,4]", "np.diag(x, -1) * np.diag(x, 1)")
case("diag", "diag-named", "x: f64[n,n], v: f64[n]", "np.diag(x) * v + np.diag(np.diag(v) @ x)")
case("diag", "diag-trace", "x: f64[4,4]", "np.trace(x) * x", vjp=True)
case("diag", "diag-trace_method", "x: f64[n,n]", "x.trace() + np.trace(x, 1)", oracle="np.trace(x) + np.trace(x, 1)")
case("diagonal", "diagonal-trace_offsets", "x: f64[4,5]", "np.trace(x, offset=1) * x + np.trace(x, -2) + x.trace(3)",
     oracle="np.trace(x, offset=1) * x + np.trace(x, -2) + np.trace(x, 3)", vjp=True)
case("diagonal", "diagonal-trace_stack", "x: f64[3,4,2]", "np.trace(x, 1)", vjp=True)
# (autograd's diagonal takes offset 0 on the last two axes only: the other oracles index the diagonal out)
case("diagonal", "diagonal-trace_axes", "x: f64[2,3,4]", "np.trace(x, -1, axis1=2, axis2=1)",
     oracle="np.sum(x[:, np.arange(3), np.arange(3) + 1], axis=-1)")
case("diagonal", "diagonal-axes", "x: f64[2,4,3]", "np.diagonal(x, axis1=-1, axis2=-2)", vjp=True,
     oracle="x[:, np.arange(3), np.arange(3)]")
case("diagonal", "diagonal-offset_method", "x: f64[3,5]",
     "np.diagonal(x, 2)[:2] + x.diagonal(-1)[:2] + np.diag(x.T, 1)[:2]",
     oracle="x[np.array([0, 1]), np.array([2, 3])] + 2.0 * x[np.array([1, 2]), np.array([0, 1])]")
case("diagonal", "diagonal-named_square", "x: f64[n,n]", "np.diagonal(x, -1) * np.diag(x, 1)",
     oracle="x[np.array([1, 2]), np.array([0, 1])] * x[np.array([0, 1]), np.array([1, 2])]")
case("diagonal", "diagonal-past_the_matrix", "x: f64[2,3]", "np.sum(np.diagonal(x, 4)) + x", oracle="0.0 + x")
case("sort", "sort-vector", "x: f64[7]", "np.sort(x)", vjp=True)
# (autograd sorts vectors only: its oracles sort row by row or column by column)
_SORTED_COLUMNS = "np.stack([np.sort(x[:, j]) for j in range(4)], axis=1)"
case("sort", "sort-axis", "x: f64[3,4]", "np.sort(x, axis=0) * np.sort(x, 1, kind='stable')",
     oracle=f"{_SORTED_COLUMNS} * np.stack([np.sort(x[i]) for i in range(3)])", vjp=True)
case("sort", "sort-flattened", "x: f64[3,4], y: f64[n]", "np.sort(x, axis=None)[:3] * np.sort(y)",
     oracle="np.sort(np.ravel(x))[:3] * np.sort(y)")
# np.unique's values: the sort's derivative (normal draws never tie; at ties the rules raise, test_unique_forms.py)
case("distinct_sorted", "unique-values", "x: f64[7]", "np.unique(x) ** 2", oracle="np.sort(x) ** 2", vjp=True)
case("distinct_sorted", "unique-counted", "x: f64[2,3]", "np.unique(x, return_counts=True)[0] * np.sum(x)",
     oracle="np.sort(np.ravel(x)) * np.sum(x)")
# running extremes (primitives/running_extremes.py; autograd has no ufunc.accumulate: maxima of prefixes)
case("cummax", "cummax-vector", "x: f64[7]", "np.maximum.accumulate(x)",
     oracle="np.stack([np.max(x[:k + 1]) for k in range(7)])", vjp=True)
case("cummin", "cummin-axis", "x: f64[3,4]", "np.minimum.accumulate(x, axis=1) * x",
     oracle="np.stack([np.min(x[:, :k + 1], axis=1) for k in range(4)], axis=1) * x", vjp=True)
case("sort", "sort-argsort", "x: f64[3,4]", "x[np.argsort(x[:, 0]), 1:] * np.sort(x, axis=-2, stable=True)[:, :3]",
     oracle=f"x[np.argsort(x[:, 0], kind='stable'), 1:] * {_SORTED_COLUMNS}[:, :3]")

case("bincount", "bincount-weights", "w: f64[6], x: i64[6]", "np.bincount(x, w, minlength=6) * np.bincount(x)[0]",
     fixed={"x": np.array([2, 0, 2, 4, 2, 0])}, oracle="np.dot(np.eye(6)[x].T, w) * 2.0", vjp=True)
case("bincount", "bincount-bounded", "w: f64[6], x: f64[6]", "np.histogram(x, 3, weights=w)[0]",
     fixed={"x": np.array([0.0, 1.2, 2.5, 3.0, 1.5, 0.4])}, oracle="np.dot(np.eye(3)[[0, 1, 2, 2, 1, 0]].T, w)",
     vjp=True)  # (np.histogram's call: every position below its minlength, its result that long)

# --- matrix functions ----------------------------------------------------------------------------------------------
case("inv", "inv-matrix", "a: f64[3,3]", "np.linalg.inv(a)", domain={"a": "matrix"}, vjp=True)
case("inv", "inv-batched", "a: f64[2,3,3]", "np.linalg.inv(a)", domain={"a": "matrix"}, vjp=True)
case("inv", "inv-named", "a: f64[n,n], b: f64[n]", "np.linalg.inv(a) @ b", domain={"a": "matrix"})
case("inv", "inv-scipy", "a: f64[3,3]", "scipy.linalg.inv(a)", domain={"a": "matrix"}, oracle="np.linalg.inv(a)")
case("solve", "solve-vector", "a: f64[3,3], b: f64[3]", "np.linalg.solve(a, b)", domain={"a": "matrix"}, vjp=True)
case("solve", "solve-matrix", "a: f64[3,3], b: f64[3,2]", "np.linalg.solve(a, b)", domain={"a": "matrix"}, vjp=True)
case("solve", "solve-batched", "a: f64[2,3,3], b: f64[2,3,4]", "np.linalg.solve(a, b)", domain={"a": "matrix"})
case("solve", "solve-named", "a: f64[n,n], b: f64[n,k]", "np.linalg.solve(a, b)", domain={"a": "matrix"})
case("solve", "solve-scipy", "a: f64[3,3], b: f64[3]", "scipy.linalg.solve(a, b * b)", domain={"a": "matrix"},
     oracle="np.linalg.solve(a, b * b)")
case("svdvals", "svdvals-cond", "a: f64[3,3]", "np.linalg.cond(a)", domain={"a": "matrix"},
     oracle="np.linalg.svd(a, compute_uv=False)[0] / np.linalg.svd(a, compute_uv=False)[-1]")
case("svdvals", "svdvals-rectangle", "a: f64[3,4]", "np.linalg.cond(a, -2)",
     oracle="np.linalg.svd(a, compute_uv=False)[-1] / np.linalg.svd(a, compute_uv=False)[0]")
case("svdvals", "svdvals-nuclear-batched", "a: f64[2,3,3]", "np.linalg.cond(a, 'nuc')", domain={"a": "matrix"},
     oracle="np.sum(np.linalg.svd(a, compute_uv=False), axis=-1) * "
            "np.sum(np.linalg.svd(np.linalg.inv(a), compute_uv=False), axis=-1)", vjp=True)
case("svd_u", "svd_u-tall", "a: f64[4,3]", "u, s, vh = np.linalg.svd(a, full_matrices=False)\nu",
     oracle="np.linalg.svd(a, full_matrices=False)[0]", vjp=True)
case("svd_u", "svd_u-wide-batched", "a: f64[2,2,3]", "u, s, vh = np.linalg.svd(a, full_matrices=False)\nu * s[:, None, :]",
     oracle="(lambda usv: usv[0] * usv[1][:, None, :])(np.linalg.svd(a, full_matrices=False))")
case("svd_vh", "svd_vh-wide", "a: f64[3,4]", "u, s, vh = np.linalg.svd(a, full_matrices=False)\nvh",
     oracle="np.linalg.svd(a, full_matrices=False)[2]", vjp=True)
case("svd_vh", "svd_vh-square-full", "a: f64[3,3]", "u, s, vh = np.linalg.svd(a)\n(u * s) @ vh",
     domain={"a": "matrix"},
     oracle="(lambda usv: (usv[0] * usv[1]) @ usv[2])(np.linalg.svd(a, full_matrices=False))")
# np.linalg.pinv and lstsq (primitives/least_squares.py): autograd has neither, so the oracles are the full-rank
# formulas (A^T A)^-1 A^T and A^T (A A^T)^-1 that pinv equals there
case("pinv", "pinv-tall", "a: f64[4,3]", "np.linalg.pinv(a)", oracle="np.linalg.inv(a.T @ a) @ a.T", vjp=True)
case("pinv", "pinv-wide-batched", "a: f64[2,2,3]", "np.linalg.pinv(a, rcond=1e-10)",
     oracle="np.swapaxes(a, -1, -2) @ np.linalg.inv(a @ np.swapaxes(a, -1, -2))", vjp=True)
case("lstsq_x", "lstsq_x-tall_vector", "a: f64[5,3], b: f64[5]", "np.linalg.lstsq(a, b)[0]",
     oracle="np.linalg.solve(a.T @ a, a.T @ b)", vjp=True)
case("lstsq_x", "lstsq_x-wide_matrix", "a: f64[2,4], b: f64[2,3]", "x, r, k, s = np.linalg.lstsq(a, b, rcond=-1)\nx",
     oracle="a.T @ np.linalg.solve(a @ a.T, b)", vjp=True)
case("lstsq_residuals", "lstsq_residuals-matrix", "a: f64[5,3], b: f64[5,2]", "np.linalg.lstsq(a, b)[1]",
     oracle="np.sum((b - a @ np.linalg.solve(a.T @ a, a.T @ b)) ** 2, axis=0)", vjp=True)
case("lstsq_residuals", "lstsq_residuals-vector", "a: f64[4,2], b: f64[4]", "np.linalg.lstsq(a, b)[1] * 3.0",
     oracle="np.sum((b - a @ np.linalg.solve(a.T @ a, a.T @ b)) ** 2, axis=0, keepdims=True) * 3.0")
case("lstsq_s", "lstsq_s-tall", "a: f64[4,3], b: f64[4]", "np.linalg.lstsq(a, b * b)[3]",
     oracle="np.linalg.svd(a, compute_uv=False)", vjp=True)
case("inv_or_nan", "inv-or-nan-cond", "a: f64[3,3]", "np.linalg.cond(a, 'fro')", domain={"a": "matrix"},
     oracle="np.sqrt(np.sum(a * a)) * np.sqrt(np.sum(np.linalg.inv(a) * np.linalg.inv(a)))")
case("inv_or_nan", "inv-or-nan-batched", "a: f64[2,3,3]", "np.linalg.cond(a, 1)", domain={"a": "matrix"}, vjp=True,
     oracle="np.max(np.sum(np.abs(a), axis=-2), axis=-1) * np.max(np.sum(np.abs(np.linalg.inv(a)), axis=-2), axis=-1)")
case("det", "det-matrix", "a: f64[3,3]", "np.linalg.det(a)", domain={"a": "matrix"})
case("det", "det-batched", "a: f64[2,3,3]", "np.linalg.det(a)", domain={"a": "matrix"}, vjp=True)
case("det", "det-scipy", "a: f64[n,n]", "scipy.linalg.det(a)", domain={"a": "matrix"}, oracle="np.linalg.det(a)")
case("logabsdet", "logabsdet-slogdet", "a: f64[3,3]", "sign, logdet = np.linalg.slogdet(a)\nsign * logdet",
     domain={"a": "matrix"})
case("logabsdet", "logabsdet-batched", "a: f64[2,3,3]", "sign, logdet = np.linalg.slogdet(a)\nlogdet",
     domain={"a": "matrix"}, vjp=True)
# NumPy reads the lower triangle only: the oracles hand autograd the symmetric matrix that triangle stands for
case("cholesky", "cholesky-matrix", "a: f64[3,3]", "np.linalg.cholesky(a)", domain={"a": "spd_lower"},
     oracle="np.linalg.cholesky(np.tril(a) + np.tril(a, -1).T)", vjp=True)
case("cholesky", "cholesky-batched", "a: f64[2,3,3]", "np.linalg.cholesky(a)", domain={"a": "spd_lower"},
     oracle="np.linalg.cholesky(np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2))")
case("cholesky", "cholesky-of_gram", "b: f64[3,3]", "np.linalg.cholesky(b @ b.T + 3.0 * np.eye(3))")
case("cholesky", "cholesky-scipy_lower", "a: f64[n,n]", "scipy.linalg.cholesky(a, lower=True)",
     domain={"a": "spd_lower"}, oracle="np.linalg.cholesky(np.tril(a) + np.tril(a, -1).T)")
case("cholesky", "cholesky-scipy_upper", "a: f64[3,3]", "scipy.linalg.cholesky(a)", domain={"a": "spd_upper"},
     oracle="np.linalg.cholesky(np.triu(a) + np.triu(a, 1).T).T", vjp=True)
case("eigh_values", "eigh_values-eigh", "a: f64[3,3]", "w, v = np.linalg.eigh(a)\nw", domain={"a": "spd_lower"},
     oracle="np.linalg.eigh(np.tril(a) + np.tril(a, -1).T)[0]", vjp=True)
case("eigh_values", "eigh_values-eigvalsh", "a: f64[n,n]", "np.linalg.eigvalsh(a)", domain={"a": "spd_lower"},
     oracle="np.linalg.eigh(np.tril(a) + np.tril(a, -1).T)[0]")
case("eigh_vectors", "eigh_vectors-eigh", "a: f64[3,3]", "w, v = np.linalg.eigh(a)\nv", domain={"a": "spd_lower"},
     oracle="np.linalg.eigh(np.tril(a) + np.tril(a, -1).T)[1]", vjp=True)
case("eigh_vectors", "eigh_vectors-both", "a: f64[4,4]", "w, v = np.linalg.eigh(a)\n(v * w) @ v.T",
     domain={"a": "spd_lower"}, oracle="(lambda wv: (wv[1] * wv[0]) @ wv[1].T)(np.linalg.eigh(np.tril(a) + np.tril(a, -1).T))")
case("solve_triangular", "solve_triangular-lower", "a: f64[3,3], b: f64[3]",
     "scipy.linalg.solve_triangular(a, b, lower=True)", domain={"a": "matrix"}, vjp=True)
case("solve_triangular", "solve_triangular-upper_matrix", "a: f64[3,3], b: f64[3,2]",
     "scipy.linalg.solve_triangular(a, b)", domain={"a": "matrix"}, vjp=True)
case("solve_triangular", "solve_triangular-transposed", "a: f64[n,n], b: f64[n,k]",
     "scipy.linalg.solve_triangular(a, b, trans=1, lower=True)", domain={"a": "matrix"},
     oracle="scipy.linalg.solve_triangular(a, b, trans='T', lower=True)")
case("solve_triangular", "solve_triangular-trans_letter", "a: f64[3,3], b: f64[3]",
     "scipy.linalg.solve_triangular(a, b, 'T')", domain={"a": "matrix"})

# --- array creation that carries derivatives: linspace between differentiated end points ---------------------------
case("linspace", "linspace-end_points", "s: f64[], t: f64[]", "np.linspace(s, t, 5)", vjp=True)
case("linspace", "linspace-no_endpoint", "s: f64[], x: f64[4]", "np.linspace(s, 1.0, 4, endpoint=False) * x",
     oracle="(s + (1.0 - s) * np.arange(4) / 4.0) * x")
case("linspace", "linspace-default_num", "s: f64[], t: f64[]", "np.linspace(s, t)", vjp=True,
     oracle="np.linspace(s, t, 50)")  # NumPy's default num (autograd's linspace needs it)
case("linspace", "linspace-named", "s: f64[], x: f64[n]", "np.linspace(0.0, s, x.shape[0]) * x")
case("arange", "arange-start_step", "s: f64[], t: f64[], x: f64[5]", "np.arange(s, s + 4.5 * t, t) * x",
     domain={"t": "pos"}, oracle="(s + t * np.arange(5.0)) * x")  # 1 in start, k in step (autograd's is a constant)
case("eye", "creation-eye", "x: f64[3,3], y: f64[3,4]",
     "(x * np.eye(3) + np.eye(x.shape[0]) * x) @ y + np.identity(3) @ x @ np.eye(3, 4) * y + np.eye(3, 4, k=1) * y")
case("array", "creation-array_literal", "x: f64[2,3]",
     "x * np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) + np.array([1, 2, 3]) + x * np.array(2.0)")
# (autograd has no sliding_window_view: its oracles gather the windows by index arrays)
case("sliding_window", "sliding_window-vector", "x: f64[6]", "np.lib.stride_tricks.sliding_window_view(x, 3) * 2.0",
     vjp=True, oracle="x[np.arange(4)[:, None] + np.arange(3)] * 2.0")
case("sliding_window", "sliding_window-axes", "x: f64[4,5]",
     "np.lib.stride_tricks.sliding_window_view(x, (2, 3), axis=(1, 0))",
     oracle="x[np.arange(2)[:, None, None, None] + np.arange(3), "
            "np.arange(4)[:, None, None] + np.arange(2)[:, None]]")
