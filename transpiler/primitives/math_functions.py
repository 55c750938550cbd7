"""Python's `math` functions of one number known only at run time: `math.sqrt(x)`, `math.exp(s)`, `math.log(v)`.

Each is its own entry, `math_<name>`: a Python float of a Python float (the frontend makes the argument one with
`python_float`, as math converts it), computed by the C library's function of that name, which is what CPython's
math calls: the generated module calls `math.<name>` itself, the C target `<name>()` of the same libm, so the value
is Python's bit for bit (NumPy's own loops differ from libm by an ulp on exp, log10, tanh, cbrt... for some
arguments). The errors math raises where libm gives NaN or inf of a finite argument are run-time checks the
frontend adds (frontend/math_module.py). Derivatives are those of the NumPy function of the same mathematics, kept
Python floats. Batched, the examples run through `np.vectorize` of math's function (one libm call each).

The two-argument ones that CPython computes with libm's function of the same name (`atan2`, `copysign`, `pow`) are
entries alike, `math_atan2(y, x)`... (not `hypot`: CPython's own algorithm differs from libm's hypot in the last
bit for some arguments, so the C target could not give Python's value).
"""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir.types import ShapeError, TensorType
from . import arithmetic, elementwise, more_elementwise
from .registry import REGISTRY, Primitive, register
from .symbolic import ops

_SHARED = (arithmetic, elementwise, more_elementwise)  # registered first: the NumPy entries whose derivatives these share
# math's name -> the NumPy entry computing the same function (its derivative rules)
NUMPY_OF = {
    "sqrt": "sqrt", "exp": "exp", "expm1": "expm1", "exp2": "exp2", "log": "log", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos",
    "atan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "asinh": "arcsinh", "acosh": "arccosh",
    "atanh": "arctanh", "cbrt": "cbrt",
}
# the two-argument ones: math's name -> the NumPy entry of the same mathematics
NUMPY_OF_2 = {"atan2": "arctan2", "copysign": "copysign", "pow": "power"}
# CPython's `can_overflow` (Modules/mathmodule.c): an inf of a finite argument is OverflowError("math range error");
# of the others (log(0), atanh(1)) it is ValueError("math domain error")
OVERFLOWS = ("exp", "expm1", "exp2", "sinh", "cosh")


def _infer(types: list[TensorType], params) -> TensorType:
    """A Python float of Python floats (the arguments of a batch: a vector of examples, or one number for all)."""
    shape = max((t.shape for t in types), key=len)
    if any(t.dtype != "f64" or t.shape not in ((), shape) for t in types):
        raise ShapeError(f"math's functions take Python floats here, not {', '.join(map(str, types))}")
    return TensorType("f64", shape, weak=True if shape == () else all(t.weak for t in types))


def _render(name: str):
    def render(args, params):
        if params.get("batched"):  # a batch: math's function of each example
            vectorized = cg.call("np.vectorize", cg.dotted(f"math.{name}"),
                                 otypes=cst.List([cst.Element(cg.name("float"))]))
            return cg.call(vectorized, *args)
        return cg.call(f"math.{name}", *args)
    return render


def _rules(name: str):
    """The NumPy entry's JVP and VJP, their results Python floats as the primal's are."""
    numpy = REGISTRY[{**NUMPY_OF, **NUMPY_OF_2}[name]]

    def jvp(tangents, out, *args, **params):
        tangent = numpy.jvp(tangents, out, *args)
        return ops.python_float(tangent) if tangent.type.shape == () else tangent

    def vjp(g, out, *args, active=None, **params):
        return [ops.python_float(c) if c is not None and c.type.shape == () else c
                for c in numpy.vjp(g, out, *args, active=active)]
    return jvp, vjp


def _batch(ctx, prim, args, batched, **params):
    """Each example's arguments as float64 (np.vectorize broadcasts a number shared by all examples)."""
    args = [a if a.type.dtype == "f64" else ops.astype(a, dtype="f64") for a in args]
    return ctx.bind(prim.name, args, {**params, "batched": True})


for _name, _numpy in NUMPY_OF.items():
    _jvp, _vjp = _rules(_name)
    register(Primitive(
        name=f"math_{_name}", family="elementwise", infer=_infer, render=_render(_name), cuda=f"{_name}({{0}})",
        scalar_c="float", python_numbers="made", imports="math", temp_name=f"math_{_name}", jvp=_jvp, vjp=_vjp,
        batch=_batch, diff_args=(0,), singular=REGISTRY[_numpy].singular,
        finite_when_positive=REGISTRY[_numpy].finite_when_positive,
    ))
for _name, _numpy in NUMPY_OF_2.items():
    _jvp, _vjp = _rules(_name)
    register(Primitive(
        name=f"math_{_name}", family="elementwise", infer=_infer, render=_render(_name),
        cuda=f"{_name}({{0}}, {{1}})", scalar_c="float", python_numbers="made", imports="math",
        temp_name=f"math_{_name}", jvp=_jvp, vjp=_vjp, batch=_batch, diff_args=REGISTRY[_numpy].diff_args,
        broadcast_tolerant=True,
        singular=REGISTRY[_numpy].singular, finite_when_positive=REGISTRY[_numpy].finite_when_positive,
    ))
