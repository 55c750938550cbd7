"""Oracles for generated derivatives: central finite differences in float64, on inputs built from annotations.

Used by the reverse-mode tests over whole programs; independent of the transpiler's own rules.
"""
from __future__ import annotations

import inspect
import types
import warnings
from typing import Callable

import numpy as np

from lifted.transpiler import transpile_source
from more_functions_oracles import MoreFunctionsNumpy
from reduction_oracles import ReducerNumpy

DIM_SIZES = {"n": 5, "d": 3, "k": 4, "m": 2, "h": 6}


def load_source(text: str, path: str = "case.py") -> types.ModuleType:
    """Transpile a source text and import the result as a fresh module (no files involved)."""
    module = types.ModuleType(path.replace("/", "_").removesuffix(".py"))
    exec(compile(transpile_source(text, path), path, "exec", dont_inherit=True), module.__dict__)
    return module


def dim_size(dim) -> int:
    """The test size of an annotation's dimension: an int, a name from DIM_SIZES (3 otherwise), or a sum or
    product of them (`2*h`, `n-1`) evaluated with those sizes."""
    from lifted.transpiler.ir.dims import DimError, parse_dim, poly_of

    try:
        poly = poly_of(parse_dim(dim) if isinstance(dim, str) else dim)
    except DimError:  # not a dimension (a tree annotation read leaf by leaf): any size
        return 3
    return sum(coef * int(np.prod([DIM_SIZES.get(n, 3) for n in names])) for names, coef in poly.items())


def random_inputs(fn: Callable, rng: np.random.Generator, positive: bool = False) -> list[np.ndarray]:
    """Arrays matching the generated function's annotations (`"f64[n,d]"`): their dtypes, fixed sizes per name."""
    args = []
    for param in inspect.signature(fn).parameters.values():
        annotation = param.annotation
        if annotation is inspect.Parameter.empty:
            args.append(rng.normal(size=(3, 4)))
            continue
        dtype, _, dims = annotation.partition("[")
        shape = tuple(dim_size(d) for d in dims.rstrip("]").split(",") if d.strip())
        if dtype.startswith("f"):
            value = rng.uniform(0.5, 1.5, size=shape) if positive else rng.normal(size=shape)
        elif dtype == "bool":
            value = rng.random(size=shape) > 0.5
        else:  # of the annotation's dtype: the argument checks refuse another (Python would compute otherwise)
            value = rng.integers(-2, 3, size=shape).astype(np.int32 if dtype == "i32" else np.int64)
        if dtype == "f32" and shape:
            value = value.astype(np.float32)
        args.append(np.asarray(value) if shape else (float(value) if dtype.startswith("f") else value))
    return args


def central_difference(f: Callable, args: list, index: int, eps: float = 1e-6) -> np.ndarray:
    """d f(args) / d args[index] for a scalar f, one coordinate at a time."""
    x = np.asarray(args[index], dtype=float)
    grad = np.zeros_like(x)
    for position in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[position] += eps
        minus[position] -= eps
        hi = f(*[plus if i == index else a for i, a in enumerate(args)])
        lo = f(*[minus if i == index else a for i, a in enumerate(args)])
        grad[position] = (hi - lo) / (2 * eps)
    return grad


def assert_close(actual, expected, rtol: float = 1e-6, atol: float = 1e-7, what: str = "") -> None:
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


class _OracleInt:
    """`int` in the oracle's source: autograd refuses `int()` of its box, so this reads the box's value (its
    derivative is zero); as a dtype (`x.astype(int)`, `np.zeros(n, int)`) it is NumPy's int, through `dtype`."""
    dtype = np.dtype(int)

    def __call__(self, value=0, *base):
        return int(getattr(value, "_value", value), *base)


def _math_oracle(anp) -> types.SimpleNamespace:
    """Python's math for the oracle: its own functions of numbers (their values and errors), autograd's function
    of the same mathematics where autograd traces a value (math's functions cannot take autograd's boxes)."""
    import math

    from autograd.tracer import isbox
    from lifted.transpiler.primitives.math_functions import NUMPY_OF

    def traced(name: str):
        numpy_function = (lambda x: x ** (1.0 / 3.0)) if name == "cbrt" else getattr(anp, NUMPY_OF[name])
        return lambda x: numpy_function(x) if isbox(x) else getattr(math, name)(x)

    names = {name: getattr(math, name) for name in dir(math) if not name.startswith("_")}
    return types.SimpleNamespace(**{**names, **{name: traced(name) for name in NUMPY_OF}})


def autograd_kernels(text: str) -> dict:
    """The source's functions executed with NumPy and SciPy swapped for autograd's wrappers (the oracle).

    The decorators and declarations of `lifted` become no-ops, so the untouched user source runs.
    """
    import builtins

    import autograd.numpy as anp
    import autograd.scipy.special as aspecial

    markers = types.SimpleNamespace(kernel=lambda f: f, grad=lambda *a, **k: None,
                                    value_and_grad=lambda *a, **k: None, vjp=lambda *a, **k: None,
                                    custom_vjp=lambda *a, **k: None, jvp=lambda *a, **k: None,
                                    jacfwd=lambda *a, **k: None, jacrev=lambda *a, **k: None,
                                    hessian=lambda *a, **k: None, vmap=lambda *a, **k: None)
    scipy_special = types.SimpleNamespace(logsumexp=aspecial.logsumexp, gammaln=aspecial.gammaln)
    scipy_stub = types.SimpleNamespace(special=scipy_special)

    def fake_import(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "lifted":
            return markers
        if name == "numpy":
            return reducer_numpy
        if name == "scipy.special":
            return scipy_special if fromlist else scipy_stub
        if name == "scipy":
            return scipy_stub
        if name == "math":
            return math_oracle
        return builtins.__import__(name, globals, locals, fromlist, level)

    math_oracle = _math_oracle(anp)
    # where=, initial=, dtype=, np.nansum ...: see reduction_oracles; np.cumprod, np.trapezoid ...: more_functions_oracles
    reducer_numpy = ReducerNumpy(MoreFunctionsNumpy(anp))
    namespace = {"__builtins__": {**builtins.__dict__, "__import__": fake_import, "int": _OracleInt()},
                 "__name__": "oracle"}
    exec(compile(text, "oracle", "exec", dont_inherit=True), namespace)
    return namespace


def check_against_python(text: str, args: list, wrt: int = 0, rtol: float = 1e-6) -> types.ModuleType:
    """The generated module against the untouched source run by Python: the same value (to rounding), the
    arguments left as they were, and `g` (the module's gradient, declared over `f`) against central finite
    differences of Python's `f` and against autograd where autograd can run the source (it cannot run
    in-place writes: `a[i] = v` on a traced array). Returns the module."""
    module = load_source(text)
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    fresh = lambda: [a.copy() if isinstance(a, np.ndarray) else a for a in args]  # noqa: E731
    expected = python["f"](*fresh())
    given = fresh()
    value = module.f(*given)
    assert_close(value, expected, rtol=1e-12, atol=1e-12, what="value vs Python")
    for before, after in zip(args, given):
        assert np.array_equal(before, after), "the kernel changed its argument"
    gradient = module.g(*fresh())
    if isinstance(gradient, tuple):
        gradient, positions = list(gradient), list(range(len(gradient)))
    else:
        gradient, positions = [gradient], [wrt]
    for got, position in zip(gradient, positions):
        reference = lambda *a: python["f"](*[v.copy() if isinstance(v, np.ndarray) else v for v in a])  # noqa: E731
        assert_close(got, central_difference(reference, fresh(), position), rtol=rtol, atol=1e-6,
                     what=f"d/d argument {position} vs finite differences")
        try:
            from autograd import value_and_grad as autograd_value_and_grad

            oracle = autograd_kernels(text)["f"]
            with warnings.catch_warnings():  # "Output seems independent of input" where it is
                warnings.simplefilter("ignore", UserWarning)
                traced, expected_gradient = autograd_value_and_grad(oracle, position)(*fresh())
        except (TypeError, ValueError, NotImplementedError):  # in-place writes: finite differences only
            continue
        if float(traced) != float(expected):  # autograd runs `a *= c` on a traced array as `a = a * c`
            continue
        assert_close(got, expected_gradient, rtol=1e-9, atol=1e-10, what=f"d/d argument {position} vs autograd")
    return module


def check_second_order(text: str, args: list, position: int, rtol: float = 1e-6) -> types.ModuleType:
    """The compositions over the scalar kernel `f` in `text`, differentiated twice in its parameter at `position`:
    `hessian(f)` against autograd's (where autograd can run the source) and against central differences of the
    generated `grad(f)`, which `check_against_python` has checked against Python itself; `jvp(grad(f))` and
    `vjp(grad(f))` against the Hessian times a vector (and the latter's value against `grad(f)`); and, for a
    scalar parameter, `grad(grad(f))`. The declarations are added here. Returns the module."""
    name = list(inspect.signature(autograd_kernels(text)["f"]).parameters)[position]
    text += ("\nfrom lifted import grad, hessian, jvp, vjp\n\n"
             f"f_first = grad(f, wrt={name!r})\nf_hessian = hessian(f, wrt={name!r})\n"
             f"f_hvp = jvp(grad(f, wrt={name!r}), wrt={name!r})\nf_grad_vjp = vjp(grad(f, wrt={name!r}), wrt={name!r})\n")
    scalar = np.ndim(args[position]) == 0
    if scalar:
        text += f"f_second = grad(f_first, wrt={name!r})\n"
    module = load_source(text, "second_order_case.py")
    fresh = lambda: [a.copy() if isinstance(a, np.ndarray) else a for a in args]  # noqa: E731
    point = np.asarray(args[position], dtype=float)
    size = point.size
    hessian = np.asarray(module.f_hessian(*fresh()), dtype=float).reshape(size, size)
    first = lambda *a: np.asarray(module.f_first(*[v.copy() if isinstance(v, np.ndarray) else v for v in a]))  # noqa: E731
    columns = []
    for k in range(size):
        step = np.zeros(size)
        step[k] = 1e-6
        moved = [fresh(), fresh()]
        for sign, moved_args in zip((1.0, -1.0), moved):
            shifted = point + sign * step.reshape(point.shape)
            moved_args[position] = float(shifted) if scalar else shifted
        columns.append((first(*moved[0]) - first(*moved[1])).ravel() / 2e-6)
    assert_close(hessian, np.stack(columns, axis=1), rtol=rtol, atol=1e-6, what="hessian vs FD of grad")
    try:
        from autograd import hessian as autograd_hessian

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = autograd_hessian(autograd_kernels(text)["f"], position)(*fresh())
    except (TypeError, ValueError, NotImplementedError):  # in-place writes: finite differences only
        expected = None
    if expected is not None:
        assert_close(hessian, np.reshape(expected, (size, size)), rtol=1e-9, atol=1e-10, what="hessian vs autograd")
    direction = np.random.default_rng(size).normal(size=point.shape)
    tangent = float(direction) if scalar else direction
    _, hvp = module.f_hvp(*fresh(), tangent)
    assert_close(np.ravel(hvp), hessian @ np.ravel(direction), rtol=1e-10, atol=1e-12, what="jvp(grad(f))")
    gradient, cotangent = module.f_grad_vjp(*fresh(), tangent)
    assert_close(gradient, first(*fresh()), rtol=1e-13, atol=1e-14, what="vjp(grad(f)) value")
    assert_close(np.ravel(cotangent), hessian.T @ np.ravel(direction), rtol=1e-10, atol=1e-12, what="vjp(grad(f))")
    if scalar:
        assert_close(module.f_second(*fresh()), hessian[0, 0], rtol=1e-10, atol=1e-12, what="grad(grad(f))")
    return module


def check_gradient_and_hessian_diagonal(text: str, name: str, args: list, position: int, gradient,
                                        hessian_diagonal) -> None:
    """A kernel's gradient in the parameter at `position` against central differences of the Python source and
    against autograd, and the diagonal of its Hessian (one where the Hessian is diagonal: d/dx of gradient . ones)
    against autograd's."""
    python: dict = {}
    exec(compile(text, "python_reference", "exec", dont_inherit=True), python)
    assert_close(gradient, central_difference(python[name], args, position), rtol=1e-6, atol=1e-6,
                 what="gradient vs finite differences")
    import autograd.numpy as anp
    from autograd import elementwise_grad, grad as autograd_grad

    def at(x):
        return [x if k == position else a for k, a in enumerate(args)]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        oracle = autograd_kernels(text)[name]
        expected = autograd_grad(oracle, position)(*args)
        expected_diagonal = elementwise_grad(lambda x: anp.sum(autograd_grad(oracle, position)(*at(x))))(
            args[position])
    assert_close(gradient, expected, rtol=1e-9, atol=1e-10, what="gradient vs autograd")
    assert_close(hessian_diagonal, expected_diagonal, rtol=1e-9, atol=1e-10, what="Hessian diagonal vs autograd")
