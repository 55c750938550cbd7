"""The NumPy surface of the kernel language: the table from each supported function to its handler.

Handlers check the call's arguments (count, which must be build-time constants) and bind equations; the
primitives' own rules check shapes. A function missing here is a located error, never a guess. The handlers live
by job: ufunc_handlers.py (elementwise functions, reductions), shape_handlers.py (shape functions, constructors),
unsupported_calls.py (refusals and their hints), and a module per family of functions (array_functions.py, ...).
"""
from __future__ import annotations

from . import (array_functions as arrays, axis_functions as axes, contractions, cross_product, finite_differences,
               math_module, padding, python_builtins, reducer_keywords, repeats_and_splits as repeats,
               scientific_api as scientific, selection)
from . import averages_and_selections, bitwise_api, block_arrays, common_functions, dtype_objects, float_info, \
    geometric_sequences
from . import function_arguments, histograms, index_functions, insert_lexsort, joined_dtypes, listed_functions, npbench_forms, \
    copy_and_shape, linspace_forms, layout_orders, polynomial_division, ufunc_methods, unique_forms
from .array_literals import array, asarray, scalar_type
from .partition import partition
from . import least_squares, python_round, reduceat, stride_windows, tensor_solve
from . import jax_numpy_api, more_elementwise, composed_functions, convolutions, covariance, \
    interpolation, introspection, matrix_powers, nan_order_statistics, nonzero, order_statistics, resize_and_ix, searching, \
    size_round_extremes
from .call_args import keywords_as_positions, leading_parameters
from .shape_handlers import (arange, axis_op, broadcast_to, builtin_len, filled_with, full, like, lower_reshape,
                             lower_transpose, np_ndim, np_reshape, np_shape, np_transpose, sequence_op, swapaxes)
from .ufunc_handlers import Handler, bind_reduction, elementwise, reduction
from .unsupported_calls import RANDOM_DRAWS, RANDOM_HINT, RANDOM_MESSAGE, refuse, unsupported_hint, \
    unsupported_message

# (re-exported for the modules that import them from here: normalize/expressions.py, and older frontend modules)
__all__ = ["FUNCTIONS", "Handler", "RANDOM_DRAWS", "RANDOM_HINT", "RANDOM_MESSAGE", "elementwise", "reduction",
           "unsupported_hint", "unsupported_message", "bind_reduction", "lower_reshape",
           "lower_transpose"]

FUNCTIONS: dict[str, Handler] = {}
for _prim in ("exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "arctan", "arcsin", "arccos",
              "sinh", "cosh", "abs", "sign", "square", "reciprocal", "floor", "ceil", "negative", "logical_not",
              "log2", "log10", "exp2", "arcsinh", "arccosh", "arctanh", "sinc", "trunc", "rint"):
    FUNCTIONS[f"numpy.{_prim}"] = elementwise(_prim, 1, f"np.{_prim}")
FUNCTIONS["numpy.absolute"] = elementwise("abs", 1, "np.absolute")
FUNCTIONS["numpy.fabs"] = elementwise("abs", 1, "np.fabs")
for _prim in ("add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "logaddexp", "logaddexp2",
              "arctan2",
              "floor_divide", "mod", "less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
              "logical_and", "logical_or"):
    FUNCTIONS[f"numpy.{_prim}"] = elementwise(_prim, 2, f"np.{_prim}")
FUNCTIONS["numpy.true_divide"] = elementwise("divide", 2, "np.true_divide")
FUNCTIONS["numpy.remainder"] = elementwise("mod", 2, "np.remainder")
FUNCTIONS["numpy.hypot"] = elementwise("hypot", 2, "np.hypot")
# NumPy 2's array-API names for the same functions
for _alias, _prim in (("acos", "arccos"), ("asin", "arcsin"), ("atan", "arctan"), ("acosh", "arccosh"),
                      ("asinh", "arcsinh"), ("atanh", "arctanh")):
    FUNCTIONS[f"numpy.{_alias}"] = elementwise(_prim, 1, f"np.{_alias}")
FUNCTIONS["numpy.atan2"] = elementwise("arctan2", 2, "np.atan2")
FUNCTIONS["numpy.pow"] = elementwise("power", 2, "np.pow")
FUNCTIONS["numpy.fmax"] = elementwise("fmax", 2, "np.fmax")
FUNCTIONS["numpy.fmin"] = elementwise("fmin", 2, "np.fmin")
for _prim, _aliases in (("deg2rad", ("deg2rad", "radians")), ("rad2deg", ("rad2deg", "degrees"))):
    for _alias in _aliases:
        FUNCTIONS[f"numpy.{_alias}"] = elementwise(_prim, 1, f"np.{_alias}")
FUNCTIONS["numpy.where"] = elementwise("where", 3, "np.where")
FUNCTIONS["numpy.clip"] = jax_numpy_api.clip  # (one bound None: minimum or maximum, as NumPy)
FUNCTIONS["numpy.matrix_transpose"] = jax_numpy_api.matrix_transpose
FUNCTIONS["numpy.nancumsum"] = jax_numpy_api.nancumsum
FUNCTIONS["numpy.count_nonzero"] = jax_numpy_api.count_nonzero
FUNCTIONS["numpy.polyadd"] = jax_numpy_api.polynomial_sum("polyadd")
FUNCTIONS["numpy.polysub"] = jax_numpy_api.polynomial_sum("polysub")
FUNCTIONS["numpy.polyder"] = jax_numpy_api.polyder
for _prim in ("sum", "mean", "max", "min", "prod"):
    FUNCTIONS[f"numpy.{_prim}"] = reduction(_prim, f"np.{_prim}")
FUNCTIONS["numpy.amax"] = reduction("max", "np.amax")
FUNCTIONS["numpy.amin"] = reduction("min", "np.amin")
FUNCTIONS["scipy.special.logsumexp"] = reduction("logsumexp", "logsumexp")
for _prim in ("var", "std"):
    FUNCTIONS[f"numpy.{_prim}"] = axes.moments(_prim, f"np.{_prim}")
FUNCTIONS["numpy.dot"] = lambda lw, n, b, p, k: contractions.matmul(lw, n, b, p, k, "np.dot")
FUNCTIONS["numpy.matmul"] = contractions.matmul
FUNCTIONS["numpy.outer"] = contractions.outer
FUNCTIONS["numpy.inner"] = contractions.inner
FUNCTIONS["numpy.tensordot"] = contractions.tensordot
FUNCTIONS["numpy.kron"] = contractions.kron
FUNCTIONS["numpy.einsum"] = contractions.einsum
FUNCTIONS["numpy.cross"] = cross_product.cross
FUNCTIONS.update({"numpy.gradient": finite_differences.gradient, "numpy.append": padding.append,
                  "numpy.pad": padding.pad, "numpy.rot90": axes.rot90, "numpy.select": selection.select,
                  "numpy.sort": axes.sorting("sort"), "numpy.argsort": axes.sorting("argsort")})
FUNCTIONS["numpy.transpose"] = np_transpose
FUNCTIONS["numpy.permute_dims"] = np_transpose
FUNCTIONS["numpy.concat"] = arrays.concatenate
FUNCTIONS["numpy.swapaxes"] = swapaxes
FUNCTIONS["numpy.reshape"] = np_reshape
FUNCTIONS["numpy.expand_dims"] = axis_op("expand_dims", "np.expand_dims", required=True)
FUNCTIONS["numpy.squeeze"] = axis_op("squeeze", "np.squeeze", required=False)
FUNCTIONS["numpy.concatenate"] = arrays.concatenate
FUNCTIONS["numpy.stack"] = sequence_op("stack", "np.stack")
FUNCTIONS["numpy.broadcast_to"] = broadcast_to
FUNCTIONS["numpy.zeros"] = filled_with("zeros")
FUNCTIONS["numpy.ones"] = filled_with("ones")
FUNCTIONS["numpy.full"] = full
FUNCTIONS["numpy.zeros_like"] = like("zeros_like")
FUNCTIONS["numpy.ones_like"] = like("ones_like")
FUNCTIONS["numpy.arange"] = arange
FUNCTIONS["numpy.any"] = reduction("any", "np.any")
FUNCTIONS["numpy.all"] = reduction("all", "np.all")
FUNCTIONS["builtins.len"] = builtin_len
FUNCTIONS["numpy.shape"] = np_shape
FUNCTIONS["numpy.ndim"] = np_ndim
FUNCTIONS.update({
    "numpy.cumsum": axes.cumsum, "numpy.diff": axes.diff, "numpy.argmax": axes.arg_extreme("argmax"),
    "numpy.argmin": axes.arg_extreme("argmin"), "numpy.flip": axes.flip, "numpy.fliplr": axes.flip_axis("np.fliplr", 1),
    "numpy.flipud": axes.flip_axis("np.flipud", 0), "numpy.tril": axes.triangle("tril"),
    "numpy.triu": axes.triangle("triu"), "numpy.diag": axes.diag, "numpy.trace": axes.trace,
    "numpy.diagonal": axes.diagonal,
    "numpy.eye": axes.eye, "numpy.identity": axes.identity, "numpy.linspace": axes.linspace,
    "numpy.hstack": arrays.hstack, "numpy.vstack": arrays.vstack, "numpy.row_stack": arrays.vstack,
    "numpy.column_stack": arrays.column_stack,
    "numpy.atleast_1d": arrays.atleast(1), "numpy.atleast_2d": arrays.atleast(2), "numpy.atleast_3d": arrays.atleast(3),
    "numpy.ravel": arrays.ravel, "numpy.roll": repeats.roll, "numpy.repeat": repeats.repeat, "numpy.tile": repeats.tile,
    "numpy.meshgrid": repeats.meshgrid, "numpy.array": array, "numpy.asarray": asarray,
    **{f"numpy.{name}": scalar_type(f"np.{name}", dtype) for name, dtype in (
        ("float64", "f64"), ("double", "f64"), ("float32", "f32"), ("single", "f32"), ("int64", "i64"),
        ("intp", "i64"), ("int_", "i64"), ("int32", "i32"), ("intc", "i32"), ("bool_", "bool"), ("bool", "bool"))},
    # linear algebra
    "numpy.linalg.inv": scientific.one_matrix("inv", "np.linalg.inv"), "numpy.linalg.solve": scientific.solve("np.linalg.solve"),
    "numpy.linalg.det": scientific.one_matrix("det", "np.linalg.det"), "numpy.linalg.slogdet": scientific.slogdet,
    "numpy.linalg.cholesky": scientific.one_matrix("cholesky", "np.linalg.cholesky"),
    "numpy.linalg.eigh": scientific.eigh, "numpy.linalg.eigvalsh": scientific.eigvalsh,
    "numpy.linalg.svd": scientific.svd, "numpy.linalg.norm": axes.norm,
    "scipy.linalg.inv": scientific.one_matrix("inv", "scipy.linalg.inv"),
    "scipy.linalg.det": scientific.one_matrix("det", "scipy.linalg.det"),
    "scipy.linalg.solve": scientific.solve("scipy.linalg.solve"), "scipy.linalg.cholesky": scientific.scipy_cholesky,
    "scipy.linalg.solve_triangular": scientific.solve_triangular,
    # scipy.special
    "scipy.special.polygamma": scientific.polygamma, "scipy.special.softmax": scientific.softmax(log=False),
    "scipy.special.log_softmax": scientific.softmax(log=True), "scipy.special.psi": elementwise("digamma", 1, "psi"),
    # scipy.stats
    "scipy.stats.t.logpdf": scientific.t_logpdf,
    "scipy.stats.multivariate_normal.logpdf": scientific.multivariate_normal("logpdf"),
    "scipy.stats.multivariate_normal.pdf": scientific.multivariate_normal("pdf"),
})
FUNCTIONS.update(scientific.JAX_NN)
FUNCTIONS["jax.nn.logsumexp"] = reduction("logsumexp", "jax.nn.logsumexp")
FUNCTIONS["numpy.split"] = repeats.split
FUNCTIONS.update({"numpy.vsplit": repeats.split_along("np.vsplit", 0),
                  "numpy.hsplit": repeats.split_along("np.hsplit", 1),
                  "numpy.dsplit": repeats.split_along("np.dsplit", 2), "numpy.moveaxis": axes.moveaxis,
                  "numpy.rollaxis": axes.rollaxis, "numpy.array_split": repeats.array_split})
for _prim in ("isnan", "isinf", "isfinite", "signbit"):
    FUNCTIONS[f"numpy.{_prim}"] = elementwise(_prim, 1, f"np.{_prim}")
for _prim in ("expit", "logit", "erf", "erfc", "ndtr", "log_ndtr", "gammaln", "digamma"):
    FUNCTIONS[f"scipy.special.{_prim}"] = elementwise(_prim, 1, _prim)
for _kind in ("logpdf", "pdf", "cdf", "logcdf"):
    FUNCTIONS[f"scipy.stats.norm.{_kind}"] = scientific.norm_function(_kind)
FUNCTIONS["lifted.stop_gradient"] = elementwise("stop_gradient", 1, "stop_gradient")
FUNCTIONS["builtins.abs"] = elementwise("abs", 1, "abs")
FUNCTIONS["builtins.min"] = python_builtins.smallest
FUNCTIONS["builtins.max"] = python_builtins.largest
FUNCTIONS["builtins.sum"] = refuse("the builtin `sum` is not supported in kernels", "use np.sum(x)")
FUNCTIONS["builtins.range"] = refuse("`range` is only supported as what a `for` loop runs over",
                                     "for i in range(n): ..., or np.arange(n) for an index array")
FUNCTIONS["builtins.print"] = arrays.print_call
FUNCTIONS["numpy.partition"] = partition
FUNCTIONS["numpy.argpartition"] = refuse(
    "`np.argpartition` is not supported in kernels: which of equal values it puts at position k, and the order "
    "of the others, is NumPy's selection algorithm's choice", "np.argsort(x, kind='stable')[k] (the first of "
    "equal values), or np.partition(x, k)[k] for the value")
FUNCTIONS["builtins.float"] = python_builtins.to_float
FUNCTIONS["builtins.int"] = python_builtins.to_int
FUNCTIONS["builtins.bool"] = python_builtins.to_bool
FUNCTIONS["builtins.any"] = python_builtins.any_or_all("any")
FUNCTIONS["builtins.all"] = python_builtins.any_or_all("all")
FUNCTIONS["numpy.finfo"] = float_info.finfo
FUNCTIONS.update(dtype_objects.FUNCTIONS)  # np.dtype, np.iinfo, issubclass
FUNCTIONS["builtins.round"] = python_round.python_round
FUNCTIONS["builtins.pow"] = python_builtins.power
FUNCTIONS.update(math_module.FUNCTIONS)  # math.floor(2.5) on build-time numbers

# more elementwise functions (primitives/more_elementwise.py) and those NumPy writes with others (more_elementwise.py)
for _prim in ("cbrt", "spacing", "positive", "conjugate", "imag", "iscomplex", "isreal", "i0"):
    FUNCTIONS[f"numpy.{_prim}"] = elementwise(_prim, 1, f"np.{_prim}")
FUNCTIONS["numpy.conj"] = elementwise("conjugate", 1, "np.conj")
for _prim in ("copysign", "heaviside", "nextafter", "logical_xor", "float_power"):
    FUNCTIONS[f"numpy.{_prim}"] = elementwise(_prim, 2, f"np.{_prim}")
FUNCTIONS.update(more_elementwise.FUNCTIONS)
FUNCTIONS.update(reducer_keywords.FUNCTIONS)  # where=, initial=, dtype=; np.nansum ...; np.ptp
FUNCTIONS.update(bitwise_api.FUNCTIONS)
composed_functions.extend_functions(FUNCTIONS)  # np.cumprod, np.trapezoid, ...; dtype= of np.cumsum
order_statistics.extend_functions(FUNCTIONS)  # np.median, ...: np.sort, slicing and np.mean
searching.extend_functions(FUNCTIONS)  # np.searchsorted, np.digitize: comparisons and a sum
FUNCTIONS.update(unique_forms.FUNCTIONS)  # np.unique's index outputs, np.unique_counts/_inverse/_all
nan_order_statistics.extend_functions(FUNCTIONS)  # np.nanmedian, np.nanquantile, np.nanpercentile
interpolation.extend_functions(FUNCTIONS)  # np.interp
FUNCTIONS.update(introspection.FUNCTIONS)  # getattr(np, "name"), slice(...)
FUNCTIONS.update(resize_and_ix.FUNCTIONS)  # np.resize, np.ix_
nonzero.extend_functions(FUNCTIONS)  # np.nonzero, np.flatnonzero, np.argwhere, np.where(c)
FUNCTIONS.update(covariance.FUNCTIONS)  # np.cov, np.corrcoef
FUNCTIONS.update(convolutions.FUNCTIONS)  # np.convolve (the `convolve` entry), np.poly
FUNCTIONS.update(size_round_extremes.FUNCTIONS)  # np.size, np.round, np.around
FUNCTIONS.update(matrix_powers.FUNCTIONS)  # np.linalg.matrix_power, np.linalg.cond
FUNCTIONS.update(tensor_solve.FUNCTIONS)  # np.linalg.tensorsolve, tensorinv, svdvals, matmul, matrix_transpose
FUNCTIONS.update(least_squares.FUNCTIONS)  # np.linalg.pinv, np.linalg.lstsq

for _name, _position in (("zeros", 1), ("ones", 1), ("identity", 1), ("full", 2), ("zeros_like", 1), ("ones_like", 1),
                         ("array", 1), ("asarray", 1)):
    FUNCTIONS[f"numpy.{_name}"] = jax_numpy_api.dtype_by_position(FUNCTIONS[f"numpy.{_name}"], _position)
for _name in ("concatenate", "stack", "hstack", "vstack"):  # their dtype= and casting= (joined_dtypes.py)
    FUNCTIONS[f"numpy.{_name}"] = joined_dtypes.with_dtype(FUNCTIONS[f"numpy.{_name}"], f"np.{_name}")
common_functions.extend_functions(FUNCTIONS)  # np.copy, np.empty, np.take, np.vdot, np.nan_to_num, ...
averages_and_selections.extend_functions(FUNCTIONS)  # np.average, np.take_along_axis, np.compress, np.vander, ...
FUNCTIONS["numpy.geomspace"] = geometric_sequences.geomspace(FUNCTIONS["numpy.linspace"])
npbench_forms.extend_functions(FUNCTIONS)  # np.ndarray(shape, dtype), np.add.outer, ...
FUNCTIONS["numpy.linspace"] = linspace_forms.linspace(FUNCTIONS["numpy.linspace"])  # array bounds, dtype=, retstep=
FUNCTIONS["numpy.logspace"] = averages_and_selections.logspace(FUNCTIONS["numpy.linspace"])  # its axis=, bounds
FUNCTIONS["numpy.block"] = block_arrays.block
FUNCTIONS.update(histograms.FUNCTIONS)  # np.histogram of equal bins
FUNCTIONS.update(index_functions.FUNCTIONS)  # np.unravel_index, np.ravel_multi_index, np.unstack, np.astype, ...
listed_functions.extend_functions(FUNCTIONS)  # np.cumulative_sum, np.diff's prepend=/append=, windows, np.choose...
insert_lexsort.extend_functions(FUNCTIONS)  # np.insert, np.lexsort
function_arguments.extend_functions(FUNCTIONS)  # np.piecewise, np.apply_along_axis
FUNCTIONS.update(polynomial_division.FUNCTIONS)  # np.polydiv
stride_windows.extend_functions(FUNCTIONS)  # sliding_window_view, as_strided's window idioms
reduceat.extend_functions(FUNCTIONS)  # np.add.reduceat, ... of indices known at build time


def _bind_keywords() -> None:
    import numpy

    for key, handler in list(FUNCTIONS.items()):
        if key.startswith("numpy.") and key.count(".") == 1 and hasattr(numpy, key[6:]):
            names = leading_parameters(getattr(numpy, key[6:]))
            if len(names) > 1:
                FUNCTIONS[key] = keywords_as_positions(handler, names)


_bind_keywords()
ufunc_methods.extend_functions(FUNCTIONS)  # np.add.reduce, np.add.accumulate, ...
layout_orders.extend_functions(FUNCTIONS)  # order= of np.zeros, np.array, np.asarray, ...; np.asfortranarray
FUNCTIONS["numpy.eye"] = axes.eye_positionals(FUNCTIONS["numpy.eye"])  # its dtype and order by position
copy_and_shape.extend_functions(FUNCTIONS)  # copy= of np.array and np.reshape; shape= by keyword; _like layouts
