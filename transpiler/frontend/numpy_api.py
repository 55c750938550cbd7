"""The NumPy surface of the kernel language: each supported function or method maps to primitives.

Handlers check the call's arguments (count, which must be build-time constants) and bind equations; the
primitives' own rules check shapes. A function missing here is a located error, never a guess.
"""
from __future__ import annotations

from typing import Callable

from ..builder import const
from ..ir import Const
from . import (array_functions as arrays, axis_functions as axes, contractions, cross_product, finite_differences,
               padding, python_builtins, reducer_keywords, scientific_api as scientific, selection)
from . import bitwise_api
from .array_literals import array, array_like, asarray
from .partition import partition
from . import jax_numpy_api, more_elementwise, composed_functions, convolutions, covariance, \
    introspection, resize_and_ix, size_round_extremes
from .call_args import arg as _arg, arity as _arity, dtype_params as _dtype_params, keywords_as_positions, \
    leading_parameters, shape_args, static

Handler = Callable  # (lowering, node, builder, positional, keywords) -> Value


# rendered as Python's operator, which on two Python numbers gives a Python number (weak, where NumPy's function
# gives a float64 that promotes `x32 * np.add(1.0, 2.0)` to float64) and raises (ZeroDivisionError, OverflowError)
# or returns a complex number where the NumPy function gives inf or nan
_INFIX = frozenset({"add", "subtract", "multiply", "divide", "power", "floor_divide", "mod", "negative"})
_LOGICAL = frozenset({"logical_and", "logical_or"})  # rendered `&`, `|` unless spelled


def _ufunc_hint(name: str, arity: int) -> str:
    """NumPy reads a ufunc's extra positional argument as `out=` (`np.arctan(y, x)` writes into `x`)."""
    hint = f"`{name}` takes {arity} array(s)"
    if name != "np.where":  # a ufunc (or clip): the next positional argument is `out=`
        hint += "; NumPy reads one more positional argument as `out=`, which kernels do not take"
    return hint + ("; for the angle of the point (x, y) write np.arctan2(y, x)" if name == "np.arctan" else "")


def elementwise(prim: str, arity: int, name: str | None = None) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, name or prim, positional, keywords, arity, arity,
               hint=_ufunc_hint(name or prim, arity))
        atoms = [lowering._atom(array_like(lowering, node, builder, v), node) for v in positional]
        params = None
        if prim in _INFIX and name and all(a.type.shape == () for a in atoms):  # (maybe Python numbers)
            params = {"spelled": name}
        elif prim in _LOGICAL and name:  # (its operator works on booleans only)
            params = {"spelled": name}
        return lowering._bind(builder, node, prim, atoms, params)

    return handle


def reduction(prim: str, name: str | None = None) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, name or prim, positional, keywords, 1, 2, ("axis", "keepdims"))
        x = array_like(lowering, node, builder, positional[0])
        return _reduce(lowering, node, builder, prim, x, positional[1:], keywords)

    return handle


def _reduce(lowering, node, builder, prim, x, rest, keywords, extra: dict | None = None, masks: list = ()):
    axis_value, axis_node = _arg(lowering, rest, keywords, 0, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    if not (axis is None or isinstance(axis, int) or (isinstance(axis, tuple) and all(isinstance(a, int) for a in axis))):
        raise lowering.error(axis_node, "`axis` is an int, a tuple of ints, or None")
    keep_value, keep_node = keywords.get("keepdims", (Const(False, None), node))
    keepdims = static(lowering, keep_value, keep_node, "`keepdims`")
    params = {"axis": axis} | (extra or {})
    if keepdims:
        params["keepdims"] = True
    return lowering._bind(builder, node, prim, [lowering._atom(x, node)] + [lowering._atom(m, node) for m in masks],
                          params)


def _transpose(lowering, node, builder, x, axes_value, axes_node):
    axes = static(lowering, axes_value, axes_node, "`axes`")
    params = {} if axes is None else {"axes": tuple(axes)}
    return lowering._bind(builder, node, "transpose", [lowering._atom(x, node)], params)


def _np_transpose(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "np.transpose", positional, keywords, 1, 2, ("axes",))
    axes, axes_node = _arg(lowering, positional, keywords, 1, "axes", node)
    if axes is None and lowering._atom(positional[0], node).type.rank == 0:  # NumPy's 0-d array, where `x.T`
        axes = ()  # would raise on a Python float
    return _transpose(lowering, node, builder, positional[0], axes, axes_node)


def _swapaxes(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "np.swapaxes", positional, keywords, 3, 3)
    a1, a2 = (static(lowering, v, node, "the axes") for v in positional[1:])
    return lowering._bind(builder, node, "swapaxes", [lowering._atom(positional[0], node)], {"axis1": a1, "axis2": a2})


def _reshape(lowering, node, builder, x, shape_value):
    dims = shape_args(lowering, shape_value, node)
    return lowering._bind(builder, node, "reshape", [lowering._atom(x, node)] + dims)


def _np_reshape(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "np.reshape", positional, keywords, 2, 2)
    return _reshape(lowering, node, builder, positional[0], positional[1])


def _axis_op(prim: str, name: str, required: bool) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, name, positional, keywords, 1 + (required and "axis" not in keywords), 2, ("axis",))
        axis_value, axis_node = _arg(lowering, positional, keywords, 1, "axis", node)
        axis = static(lowering, axis_value, axis_node, "`axis`")
        params = {"axis": axis} if axis is not None else {}
        return lowering._bind(builder, node, prim, [lowering._atom(positional[0], node)], params)

    return handle


def _sequence_op(prim: str, name: str) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, name, positional, keywords, 1, 2, ("axis",))
        parts = arrays.sequence_of_arrays(lowering, node, positional[0], name, builder)
        axis_value, axis_node = _arg(lowering, positional, keywords, 1, "axis", node, default=Const(0, None))
        axis = static(lowering, axis_value, axis_node, "`axis`")
        if not isinstance(axis, int):
            raise lowering.error(axis_node, "`axis` is an integer here")
        return lowering._bind(builder, node, prim, [lowering._atom(a, node) for a in parts], {"axis": axis})

    return handle


def _broadcast_to(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "np.broadcast_to", positional, keywords, 2, 2)
    return lowering._bind(builder, node, "broadcast_to",
                          [lowering._atom(positional[0], node)] + shape_args(lowering, positional[1], node))


def _filled(prim: str) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, f"np.{prim}", positional, keywords, 1, 1, ("dtype",))
        return lowering._bind(builder, node, prim, shape_args(lowering, positional[0], node),
                              _dtype_params(lowering, keywords))

    return handle


def _full(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "np.full", positional, keywords, 2, 2, ("dtype",))
    args = shape_args(lowering, positional[0], node) + [lowering._atom(positional[1], node)]
    return lowering._bind(builder, node, "full", args, _dtype_params(lowering, keywords))


def _like(prim: str) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        _arity(lowering, node, f"np.{prim}", positional, keywords, 1, 1, ("dtype",))
        return lowering._bind(builder, node, prim, [lowering._atom(positional[0], node)],
                              _dtype_params(lowering, keywords))

    return handle


def _arange(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "np.arange", positional, keywords, 1, 3)
    return lowering._bind(builder, node, "arange", [lowering._atom(v, node) for v in positional])


def _argmax(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "np.argmax", positional, keywords, 1, 2, ("axis",))
    axis, axis_node = _arg(lowering, positional, keywords, 1, "axis", node)
    params = {"axis": static(lowering, axis, axis_node, "axis")} if axis is not None else {}
    return lowering._bind(builder, node, "argmax", [lowering._atom(positional[0], node)], params)


def _len(lowering, node, builder, positional, keywords):
    _arity(lowering, node, "len", positional, keywords, 1, 1)
    atom = lowering._atom(positional[0], node)
    if not atom.type.rank:
        raise lowering.error(node, "len() needs an array of known rank 1 or more", 'annotate it, e.g. "f64[n]"')
    return lowering._dim(atom, 0, builder, node)


def _np_shape(lowering, node, builder, positional, keywords):
    """`np.shape(x)`, as `x.shape`: a tuple of the dimensions (`()` for a number)."""
    _arity(lowering, node, "np.shape", positional, keywords, 1, 1)
    atom = lowering._atom(positional[0], node)
    if atom.type.shape is None:
        raise lowering.error(node, "the shape of a value of unknown rank is not known at build time",
                             'annotate the parameters it comes from, e.g. x: "f64[n,d]"')
    return tuple(lowering._dim(atom, axis, builder, node) for axis in range(len(atom.type.shape)))


def _np_ndim(lowering, node, builder, positional, keywords):
    """`np.ndim(x)`, as `x.ndim`: the rank, a build-time number."""
    _arity(lowering, node, "np.ndim", positional, keywords, 1, 1)
    atom = lowering._atom(positional[0], node)
    if atom.type.rank is None:
        raise lowering.error(node, "the rank of this value is not known", "annotate its parameter")
    return const(atom.type.rank)


def _refuse(message: str, hint: str) -> Handler:
    def handle(lowering, node, builder, positional, keywords):
        raise lowering.error(node, message, hint)

    return handle


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
FUNCTIONS["numpy.transpose"] = _np_transpose
FUNCTIONS["numpy.permute_dims"] = _np_transpose
FUNCTIONS["numpy.concat"] = arrays.concatenate
FUNCTIONS["numpy.swapaxes"] = _swapaxes
FUNCTIONS["numpy.reshape"] = _np_reshape
FUNCTIONS["numpy.expand_dims"] = _axis_op("expand_dims", "np.expand_dims", required=True)
FUNCTIONS["numpy.squeeze"] = _axis_op("squeeze", "np.squeeze", required=False)
FUNCTIONS["numpy.concatenate"] = arrays.concatenate
FUNCTIONS["numpy.stack"] = _sequence_op("stack", "np.stack")
FUNCTIONS["numpy.broadcast_to"] = _broadcast_to
FUNCTIONS["numpy.zeros"] = _filled("zeros")
FUNCTIONS["numpy.ones"] = _filled("ones")
FUNCTIONS["numpy.full"] = _full
FUNCTIONS["numpy.zeros_like"] = _like("zeros_like")
FUNCTIONS["numpy.ones_like"] = _like("ones_like")
FUNCTIONS["numpy.arange"] = _arange
FUNCTIONS["numpy.eye"] = _filled("eye")
FUNCTIONS["numpy.any"] = reduction("any", "np.any")
FUNCTIONS["numpy.all"] = reduction("all", "np.all")
FUNCTIONS["numpy.argmax"] = _argmax
FUNCTIONS["builtins.len"] = _len
FUNCTIONS["numpy.shape"] = _np_shape
FUNCTIONS["numpy.ndim"] = _np_ndim
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
    "numpy.ravel": arrays.ravel, "numpy.roll": arrays.roll, "numpy.repeat": arrays.repeat, "numpy.tile": arrays.tile,
    "numpy.meshgrid": arrays.meshgrid, "numpy.array": array, "numpy.asarray": asarray,
    # linear algebra
    "numpy.linalg.inv": scientific.one_matrix("inv", "np.linalg.inv"), "numpy.linalg.solve": scientific.solve("np.linalg.solve"),
    "numpy.linalg.det": scientific.one_matrix("det", "np.linalg.det"), "numpy.linalg.slogdet": scientific.slogdet,
    "numpy.linalg.cholesky": scientific.one_matrix("cholesky", "np.linalg.cholesky"),
    "numpy.linalg.eigh": scientific.eigh, "numpy.linalg.eigvalsh": scientific.eigvalsh, "numpy.linalg.norm": axes.norm,
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
FUNCTIONS["numpy.split"] = arrays.split
FUNCTIONS.update({"numpy.vsplit": arrays.split_along("np.vsplit", 0), "numpy.hsplit": arrays.split_along("np.hsplit", 1),
                  "numpy.dsplit": arrays.split_along("np.dsplit", 2), "numpy.moveaxis": axes.moveaxis,
                  "numpy.rollaxis": axes.rollaxis, "numpy.array_split": arrays.array_split})
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
FUNCTIONS["builtins.sum"] = _refuse("the builtin `sum` is not supported in kernels", "use np.sum(x)")
FUNCTIONS["builtins.range"] = _refuse("`range` is only supported as what a `for` loop runs over",
                                      "for i in range(n): ..., or np.arange(n) for an index array")
FUNCTIONS["builtins.print"] = arrays.print_call
FUNCTIONS["numpy.partition"] = partition
FUNCTIONS["numpy.argpartition"] = _refuse(
    "`np.argpartition` is not supported in kernels: which of equal values it puts at position k, and the order "
    "of the others, is NumPy's selection algorithm's choice", "np.argsort(x, kind='stable')[k] (the first of "
    "equal values), or np.partition(x, k)[k] for the value")
FUNCTIONS["builtins.float"] = python_builtins.to_float
FUNCTIONS["builtins.int"] = python_builtins.to_int
for _builtin in ("round", "pow"):
    FUNCTIONS[f"builtins.{_builtin}"] = _refuse(f"the builtin `{_builtin}` is not supported in kernels",
                                                "use the NumPy equivalent (.astype, np.round, **)")

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
FUNCTIONS.update(introspection.FUNCTIONS)  # getattr(np, "name"), slice(...)
FUNCTIONS.update(resize_and_ix.FUNCTIONS)  # np.resize, np.ix_
FUNCTIONS.update(covariance.FUNCTIONS)  # np.cov, np.corrcoef
FUNCTIONS.update(convolutions.FUNCTIONS)  # np.convolve (the `convolve` entry), np.poly
FUNCTIONS.update(size_round_extremes.FUNCTIONS)  # np.size, np.round, np.around

for _name, _position in (("zeros", 1), ("ones", 1), ("identity", 1), ("full", 2), ("zeros_like", 1), ("ones_like", 1)):
    FUNCTIONS[f"numpy.{_name}"] = jax_numpy_api.dtype_by_position(FUNCTIONS[f"numpy.{_name}"], _position)


def _bind_keywords() -> None:
    import numpy

    for key, handler in list(FUNCTIONS.items()):
        if key.startswith("numpy.") and key.count(".") == 1 and hasattr(numpy, key[6:]):
            names = leading_parameters(getattr(numpy, key[6:]))
            if len(names) > 1:
                FUNCTIONS[key] = keywords_as_positions(handler, names)


_bind_keywords()


# the draws of numpy.random's functions and of a `RandomState`/`Generator` (methods people call on `rs`)
RANDOM_DRAWS = frozenset({"rand", "randn", "randint", "random", "random_sample", "normal", "uniform", "choice",
                          "standard_normal", "integers", "permutation", "shuffle", "binomial", "poisson", "gamma",
                          "beta", "exponential", "multivariate_normal", "dirichlet", "laplace", "logistic"})
RANDOM_MESSAGE = "random draws are not supported in kernels: each generated function (the gradient's forward " \
                 "sweep, the JVP, the C target) would draw other numbers than the source"
RANDOM_HINT = 'draw the noise outside the kernel and pass it in as a parameter (`noise: "f64[n,d]"`), then ' \
              "compute with it as the source does (`noise * np.exp(log_std) + mean`)"


def unsupported_message(path: str, code: str) -> tuple[str, str]:
    """The error and hint for a call of an unsupported module function (`code` as written)."""
    if path.startswith(("numpy.random.", "jax.random.")):
        return f"`{code}`: {RANDOM_MESSAGE}", RANDOM_HINT
    return f"`{code}` is not supported in kernels", unsupported_hint(path)


def unsupported_hint(path: str) -> str:
    """For an unsupported function: the supported one it is probably a typo of, else where the list is."""
    import difflib

    module, _, name = path.rpartition(".")
    candidates = {key.rpartition(".")[2]: key for key in FUNCTIONS if key.rpartition(".")[0] == module}
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.8)
    if close:
        short = candidates[close[0]].replace("numpy.", "np.").replace("builtins.", "")
        return f"did you mean `{short}`? (see the README's list of supported NumPy functions)"
    return "see the README's list of supported NumPy functions"
