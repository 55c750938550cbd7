"""Python's `math` functions of one number known only at run time: `math.sqrt(x)`, `math.exp(s)`, `math.log(v)`.

Each is its own entry, `math_<name>`: a Python float of a Python float (the frontend makes the argument one with
`python_float`, as math converts it), computed by the C library's function of that name, which is what CPython's
math calls: the generated module calls `math.<name>` itself, the C target `<name>()` of the same libm, so the value
is Python's bit for bit (NumPy's own loops differ from libm by an ulp on exp, log10, tanh, cbrt... for some
arguments). The errors math raises where libm gives NaN or inf of a finite argument are run-time checks the
frontend adds (frontend/math_module.py). Derivatives are those of the NumPy function of the same mathematics, kept
Python floats. Batched, the examples run through `np.vectorize` of math's function (one libm call each).
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType
from . import elementwise, more_elementwise
from .registry import REGISTRY, Primitive, register
from .symbolic import ops

_SHARED = (elementwise, more_elementwise)  # registered first: the NumPy entries whose derivatives these share
# math's name -> the NumPy entry computing the same function (its derivative rules)
NUMPY_OF = {
    "sqrt": "sqrt", "exp": "exp", "expm1": "expm1", "exp2": "exp2", "log": "log", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos",
    "atan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "asinh": "arcsinh", "acosh": "arccosh",
    "atanh": "arctanh", "cbrt": "cbrt",
}
# CPython's `can_overflow` (Modules/mathmodule.c): an inf of a finite argument is OverflowError("math range error");
# of the others (log(0), atanh(1)) it is ValueError("math domain error")
OVERFLOWS = ("exp", "expm1", "exp2", "sinh", "cosh")


def _infer(types: list[TensorType], params) -> TensorType:
    (x,) = types
    if x.dtype != "f64":
        raise ShapeError(f"math's functions take a Python float here, not {x}")
    return TensorType("f64", x.shape, weak=True if x.shape == () else x.weak)


def _render(name: str):
    def render(args, params):
        if params.get("batched"):  # a batch: math's function of each example
            vectorized = cg.call("np.vectorize", cg.dotted(f"math.{name}"),
                                 otypes=cst.List([cst.Element(cg.name("float"))]))
            return cg.call(vectorized, args[0])
        return cg.call(f"math.{name}", args[0])
    return render


def _rules(name: str):
    """The NumPy entry's JVP and VJP, their results Python floats as the primal's are."""
    numpy = REGISTRY[NUMPY_OF[name]]

    def jvp(tangents, out, x, **params):
        tangent = numpy.jvp(tangents, out, x)
        return ops.python_float(tangent) if tangent.type.shape == () else tangent

    def vjp(g, out, x, active=None, **params):
        (cotangent,) = numpy.vjp(g, out, x, active=active)
        return [ops.python_float(cotangent) if cotangent is not None and cotangent.type.shape == () else cotangent]
    return jvp, vjp


def _batch(ctx, prim, args, batched, **params):
    x = args[0] if args[0].type.dtype == "f64" else ops.astype(args[0], dtype="f64")
    return ctx.bind(prim.name, [x], {**params, "batched": True})


for _name, _numpy in NUMPY_OF.items():
    _jvp, _vjp = _rules(_name)
    register(Primitive(
        name=f"math_{_name}", family="elementwise", infer=_infer, render=_render(_name), cuda=f"{_name}({{0}})",
        scalar_c="float", python_numbers="made", imports="math", temp_name=f"math_{_name}", jvp=_jvp, vjp=_vjp,
        batch=_batch, diff_args=(0,), singular=REGISTRY[_numpy].singular,
        finite_when_positive=REGISTRY[_numpy].finite_when_positive,
    ))
