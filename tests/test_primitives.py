"""The generic primitive test: every differentiable registry entry, checked against independent oracles.

Each case is a small kernel exercising one registry entry (broadcasting, axes, ranks, index forms). Its body
is NumPy code whose last line is the expression under test, read out two ways: `f` returns
`np.sum(np.sin(<expr>))`, a nonlinear readout, so the cotangent reaching the primitive is not a constant;
`f_lin` returns `np.sum(<expr>)`, so cotangents arrive as broadcast constants, smaller than the values they
belong to (the `-linear` ids). For every case:

* the generated primal equals plain NumPy evaluating the same body;
* the generated `grad` (with respect to every float input, and to each alone) matches central finite
  differences of that plain NumPy function, in float64;
* it matches autograd on the same body evaluated with `np` bound to `autograd.numpy` (or an explicit oracle
  where autograd spells the operation differently or gets it wrong);
* the JVP rules, run by a minimal forward sweep, match directional differences and autograd's reverse mode;
* for cases marked `vjp`, the generated `vjp` of the raw (non-scalar) expression matches autograd under a
  random cotangent (and the public `transpile_source` path computes the same as the staged build);
* no generated function writes into its arguments.

Entries that no kernel source can produce (the helpers that reverse mode itself emits: `setitem`,
`reshape_like`, `broadcast_like`, `unbroadcast`) are built directly as IR with the same symbolic `ops` the
rules use, and go through the same checks. A coverage test fails when a differentiable entry has no case, or
a non-differentiable one is missing from the allow-list with its reason.
"""
from __future__ import annotations

import contextlib

import textwrap
import types
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import autograd
import autograd.numpy as anp
import autograd.scipy.linalg
import autograd.scipy.special
import autograd.scipy.stats
import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats
from autograd.tracer import getval

from lifted.transpiler import TranspileError, transpile_source
from lifted.transpiler.ir.types import parse_annotation
from lifted.transpiler.backends.numpy import render_function
from lifted.transpiler.backends.templates import render_module
from lifted.transpiler.builder import Builder, NameScope
from lifted.transpiler.frontend.parse import parse_module
from lifted.transpiler.ir import Eqn, Function, Var
from lifted.transpiler.normalize import Lowering
from lifted.transpiler.ir.types import ShapeError
from lifted.transpiler.primitives.indexing import Ref
from lifted.transpiler.primitives.registry import all_primitives, lookup
from lifted.transpiler.primitives.symbolic import Sym, materialize, ops
from lifted.transpiler.transforms.reverse import ReverseSpec, reverse

SIZES = {"n": 3, "d": 4, "m": 2, "k": 5}  # values of the named dimensions in annotations
FD_STEP = 1e-6
FD_TOL = 1e-6
AUTOGRAD_RTOL = 1e-10
AUTOGRAD_ATOL = 1e-12

# Sampling domains: each keeps the primitives away from poles, branch cuts and non-differentiable points.
DOMAINS: dict[str, Callable[[np.random.Generator, tuple], np.ndarray]] = {
    "normal": lambda rng, shape: rng.normal(size=shape),
    "pos": lambda rng, shape: rng.uniform(0.5, 2.0, size=shape),  # log, sqrt, power base, denominators
    "neg": lambda rng, shape: rng.uniform(-2.0, -0.5, size=shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, size=shape),  # arcsin, arccos
    "small": lambda rng, shape: rng.uniform(-0.5, 0.5, size=shape),
    "half": lambda rng, shape: rng.uniform(0.5, 1.0, size=shape),
    "big": lambda rng, shape: rng.uniform(2.0, 4.0, size=shape),  # numerators of mod, away from 0
    "prob": lambda rng, shape: rng.uniform(0.1, 0.9, size=shape),  # logit
    # square matrices (stacks of them) away from singular: a random matrix plus 3 on the diagonal
    "matrix": lambda rng, shape: rng.normal(size=shape) + 3.0 * np.eye(shape[-1]),
    # symmetric positive definite in the lower triangle, noise above it (which cholesky and eigh never read)
    "spd_lower": lambda rng, shape: _spd(rng, shape) + np.triu(rng.normal(size=shape), 1),
    "spd_upper": lambda rng, shape: _spd(rng, shape) + np.tril(rng.normal(size=shape), -1),
}


def _spd(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    m = rng.normal(size=shape)
    return m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])


@dataclass(frozen=True)
class Param:
    name: str
    annotation: str | None  # None: written without an annotation (unknown rank)
    dtype: str
    shape: tuple[int, ...]  # the concrete shape inputs are drawn with

    @property
    def is_float(self) -> bool:
        return self.dtype in ("f32", "f64")


@dataclass(frozen=True)
class Case:
    prim: str  # the registry entry this case exists for (the coverage key)
    name: str  # pytest id
    params: tuple[Param, ...]
    body: str  # NumPy statements; the last line is the expression under test
    domain: dict = field(default_factory=dict)  # param name -> DOMAINS key (default "normal")
    fixed: dict = field(default_factory=dict)  # param name -> fixed value (integer indices)
    oracle: str | None = None  # autograd body where autograd needs another spelling
    vjp: bool = False  # also check vjp of the raw expression under a random cotangent
    rtol: float = AUTOGRAD_RTOL  # against autograd (loosened only for float32 round trips)
    fd_tol: float | None = FD_TOL  # None: no finite-difference check (said why at the case)
    ir: Callable | None = None  # builds the expression from symbolic params (entries no source can produce)
    linear: bool = True  # also check grad under the linear readout `np.sum(e)` (id `<name>-linear`)
    forward: bool = True  # False: forward mode refuses this entry (its JVP rule raises, said why at the case)
    hessian: bool = False  # also check second order (hessian, jvp(grad), vjp(grad)) of `f` against autograd

    @property
    def wrt(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.is_float)


def _params(spec: str) -> tuple[Param, ...]:
    """`"x: f64[3,4], y: f64[n], z: ?[3,4], i: i64[]"`; `?[...]` is an unannotated parameter of that shape."""
    params = []
    for part in spec.split(", "):
        name, annotation = (s.strip() for s in part.split(":"))
        if annotation.startswith("?"):
            dtype, dims, annotation_text = "f64", annotation[2:-1], None
        else:
            dtype, dims = annotation[:-1].split("[")
            annotation_text = annotation
            parse_annotation(annotation)  # a typo in the table fails loudly
        shape = tuple(SIZES[d] if d in SIZES else int(d) for d in dims.split(",") if d)
        params.append(Param(name, annotation_text, dtype, shape))
    return tuple(params)


CASES: list[Case] = []


def case(prim: str, name: str, params: str, body: str, **options) -> None:
    CASES.append(Case(prim, name, _params(params), textwrap.dedent(body).strip(), **options))


# --- elementwise binaries: every broadcasting shape, literals on either side ----------------------------------
BINARIES = {
    "add": ("{a} + {b}", "normal", "normal"),
    "subtract": ("{a} - {b}", "normal", "normal"),
    "multiply": ("{a} * {b}", "normal", "normal"),
    "divide": ("{a} / {b}", "normal", "pos"),
    "power": ("{a} ** {b}", "pos", "normal"),
    "maximum": ("np.maximum({a}, {b})", "normal", "normal"),
    "minimum": ("np.minimum({a}, {b})", "normal", "normal"),
    "logaddexp": ("np.logaddexp({a}, {b})", "normal", "normal"),
    "arctan2": ("np.arctan2({a}, {b})", "normal", "normal"),
    "mod": ("{a} % {b}", "big", "pos"),
    "logaddexp2": ("np.logaddexp2({a}, {b})", "normal", "normal"),
}
BROADCASTS = [  # (id, a annotation, b annotation)
    ("same", "f64[3,4]", "f64[3,4]"),
    ("row", "f64[3,4]", "f64[4]"),
    ("row_left", "f64[4]", "f64[3,4]"),
    ("column", "f64[3,4]", "f64[3,1]"),
    ("column_left", "f64[3,1]", "f64[3,4]"),
    ("scalar", "f64[3,4]", "f64[]"),
    ("scalar_left", "f64[]", "f64[3,4]"),
    ("outer", "f64[3,1]", "f64[1,4]"),
    ("rank3", "f64[2,1,4]", "f64[3,1]"),
    ("named", "f64[n,d]", "f64[d]"),
    ("unannotated", "?[3,4]", "?[4]"),
]
LITERALS = {"add": "1.5", "subtract": "1.5", "multiply": "2.5", "divide": "1.5", "power": "1.5",
            "maximum": "0.25", "minimum": "0.25", "logaddexp": "0.5", "arctan2": "0.5", "mod": "0.7",
            "logaddexp2": "0.5"}

for _prim, (_template, _da, _db) in BINARIES.items():
    for _id, _ta, _tb in BROADCASTS:
        case(_prim, f"{_prim}-{_id}", f"a: {_ta}, b: {_tb}", _template.format(a="a", b="b"),
             domain={"a": _da, "b": _db}, vjp=_id in ("row", "column", "scalar_left"))
    case(_prim, f"{_prim}-literal_right", "a: f64[3,4]", _template.format(a="a", b=LITERALS[_prim]),
         domain={"a": _da})
    _left = "3.5" if _prim == "mod" else LITERALS[_prim]
    case(_prim, f"{_prim}-literal_left", "b: f64[3,4]", _template.format(a=_left, b="b"), domain={"b": _db})
    case(_prim, f"{_prim}-same_operand", "a: f64[3,4]", _template.format(a="a", b="a"),
         domain={"a": "pos" if _prim in ("power", "divide", "mod") else "normal"})

case("power", "power-int_exponent_negative_base", "a: f64[3,4]", "a ** 3")  # no log(a) for a constant exponent
case("power", "power-square_root", "a: f64[3,4]", "a ** 0.5", domain={"a": "pos"})
case("power", "power-negative_exponent", "a: f64[3,4]", "a ** -2", domain={"a": "pos"})
case("power", "power-int_array_exponent", "a: f64[3,4], i: i64[4]", "a ** i", fixed={"i": np.array([0, 1, 2, -1])},
     domain={"a": "pos"})
case("power", "power-np_power", "a: f64[3,4], b: f64[4]", "np.power(a, b)", domain={"a": "pos"})
case("add", "add-np_add", "a: f64[3,4], b: f64[3,1]", "np.add(a, b)")
case("subtract", "subtract-np_subtract", "a: f64[3,4], b: f64[4]", "np.subtract(a, b)")
case("multiply", "multiply-np_multiply_int_array", "a: f64[3,4], i: i64[4]", "np.multiply(a, i)",
     fixed={"i": np.array([1, -2, 3, 0])})
# NumPy's functions on scalars, which may be Python numbers at run time: rendered as the functions, not operators
case("power", "power-np_power_scalars", "a: f64[], b: f64[]", "np.power(a, b) + np.power(2.0, b)", domain={"a": "pos"})
case("divide", "divide-np_divide_scalars", "a: f64[], b: f64[]", "np.divide(a, b)", domain={"b": "pos"})
case("mod", "mod-np_mod_scalars", "a: f64[], b: f64[]", "np.mod(a, b)", domain={"a": "big", "b": "pos"})
case("divide", "divide-np_true_divide", "a: f64[3,4], b: f64[4]", "np.true_divide(a, b)", domain={"b": "pos"})
case("divide", "divide-np_divide", "a: f64[3,4], b: f64[3,1]", "np.divide(a, b)", domain={"b": "neg"})
case("mod", "mod-np_mod", "a: f64[3,4], b: f64[4]", "np.mod(a, b)", domain={"a": "big", "b": "pos"})
case("maximum", "maximum-relu", "a: f64[3,4]", "np.maximum(a, 0.0)")
# float32 inputs: the rules keep their precision (compared at float32 accuracy)
case("multiply", "multiply-float32", "a: f32[3,4], b: f32[4]", "a * b", rtol=1e-5, fd_tol=1e-4)
case("divide", "divide-float32_mixed", "a: f32[3,4], b: f64[4]", "a / b", domain={"b": "pos"}, rtol=1e-5,
     fd_tol=1e-4)
case("minimum", "minimum-chain", "a: f64[3,4], b: f64[4], c: f64[3,1]", "np.minimum(np.minimum(a, b), c)")
case("arctan2", "arctan2-quadrants", "a: f64[3,4], b: f64[3,4]", "np.arctan2(a, b)",
     domain={"a": "normal", "b": "neg"})

# --- elementwise unaries --------------------------------------------------------------------------------------
UNARIES = {
    "exp": ("np.exp({x})", "normal"), "log": ("np.log({x})", "pos"), "log1p": ("np.log1p({x})", "pos"),
    "expm1": ("np.expm1({x})", "normal"), "sqrt": ("np.sqrt({x})", "pos"), "sin": ("np.sin({x})", "normal"),
    "cos": ("np.cos({x})", "normal"), "tan": ("np.tan({x})", "unit"), "tanh": ("np.tanh({x})", "normal"),
    "arctan": ("np.arctan({x})", "normal"), "arcsin": ("np.arcsin({x})", "unit"),
    "arccos": ("np.arccos({x})", "unit"), "sinh": ("np.sinh({x})", "normal"), "cosh": ("np.cosh({x})", "normal"),
    "square": ("np.square({x})", "normal"), "reciprocal": ("np.reciprocal({x})", "pos"),
    "abs": ("np.abs({x})", "normal"), "negative": ("-{x}", "normal"),
}
for _prim, (_template, _domain) in UNARIES.items():
    case(_prim, f"{_prim}-matrix", "x: f64[3,4]", _template.format(x="x"), domain={"x": _domain},
         vjp=_prim in ("exp", "abs"))
    case(_prim, f"{_prim}-scalar", "x: f64[]", _template.format(x="x"), domain={"x": _domain})
    # a product inside: the rule sees an intermediate, and its cotangent flows on to both factors
    case(_prim, f"{_prim}-composed", "x: f64[n], y: f64[n]", _template.format(x="(x * y)"),
         domain={"x": _domain, "y": "half" if _domain == "unit" else "pos"})
case("abs", "abs-builtin", "x: f64[3,4]", "abs(x)")
case("abs", "abs-np_absolute", "x: f64[3,4]", "np.absolute(x)")
case("negative", "negative-np_negative", "x: f64[3,4]", "np.negative(x)")
case("reciprocal", "reciprocal-negative", "x: f64[3,4]", "np.reciprocal(x)", domain={"x": "neg"})
case("exp", "exp-float32", "x: f32[3,4]", "np.exp(x)", rtol=1e-5, fd_tol=1e-4)
case("log", "log-of_product", "x: f64[3,4], y: f64[4]", "np.log(x * y)", domain={"x": "pos", "y": "pos"})

# --- where, clip ----------------------------------------------------------------------------------------------
case("where", "where-compare", "x: f64[3,4], y: f64[3,4]", "np.where(x > 0, x, y)", vjp=True)
# autograd's `where` does not sum broadcast branches back to their shapes: those oracles spell the mask out
case("where", "where-broadcast_branches", "x: f64[3,4], y: f64[4]", "np.where(x > y, y, x * 2.0)",
     oracle="(x > y) * y + (x <= y) * (x * 2.0)")
case("where", "where-scalar_branch", "x: f64[3,4], s: f64[]", "np.where(x < 0.1, s, x)",
     oracle="(x < 0.1) * s + (x >= 0.1) * x")
case("where", "where-literal_branch", "x: f64[3,4]", "np.where(x > 0, x, 0.0)")
case("where", "where-literal_first", "x: f64[3,4]", "np.where(x > 0, 1.0, x)")
case("where", "where-bool_param", "c: bool[3,4], x: f64[3,4], y: f64[3,1]", "np.where(c, x, y)",
     oracle="c * x + np.logical_not(c) * y")
case("where", "where-bool_row", "c: bool[4], x: f64[3,4], y: f64[]", "np.where(c, x, y)",
     oracle="c * x + np.logical_not(c) * y")
case("where", "where-same_operand", "x: f64[3,4]", "np.where(x > 0, x, -x * x)")
case("clip", "clip-literals", "x: f64[3,4]", "np.clip(x, -0.5, 0.5)", vjp=True)
case("clip", "clip-array_bounds", "x: f64[3,4], lo: f64[4], hi: f64[3,1]", "np.clip(x, lo, hi)",
     domain={"lo": "neg", "hi": "pos"}, oracle="np.minimum(np.maximum(x, lo), hi)")
case("clip", "clip-scalar_bounds", "x: f64[3,4], lo: f64[], hi: f64[]", "np.clip(x, lo, hi)",
     domain={"x": "normal", "lo": "small", "hi": "big"}, fixed={"lo": np.float64(-0.3)},
     oracle="np.minimum(np.maximum(x, lo), hi)")
case("clip", "clip-scalar_x", "x: f64[], lo: f64[4]", "np.clip(x, lo, 0.9)", fixed={"x": np.float64(0.1)},
     domain={"lo": "small"}, oracle="np.minimum(np.maximum(x, lo), 0.9)")
case("clip", "clip-lower_only_active", "x: f64[3,4], lo: f64[3,4]", "np.clip(x, lo, 1.0)",
     domain={"lo": "small"}, oracle="np.minimum(np.maximum(x, lo), 1.0)")

# --- reductions: every axis form, keepdims, methods ------------------------------------------------------------
REDUCTIONS = {
    "sum": "np.sum", "mean": "np.mean", "max": "np.max", "min": "np.min", "prod": "np.prod",
    "logsumexp": "scipy.special.logsumexp", "var": "np.var", "std": "np.std",
}
AXES = [("all", ""), ("axis0", ", axis=0"), ("axis1", ", axis=1"), ("axis_neg1", ", axis=-1"),
        ("axis_tuple", ", axis=(0, 1)"), ("keepdims_axis1", ", axis=1, keepdims=True"),
        ("keepdims_all", ", keepdims=True"), ("axis_none", ", axis=None")]
for _prim, _fn in REDUCTIONS.items():
    for _id, _args in AXES:
        case(_prim, f"{_prim}-{_id}", "x: f64[3,4]", f"{_fn}(x{_args})", vjp=_id in ("axis0", "keepdims_axis1"),
             hessian=_prim == "prod" and _id in ("all", "axis_tuple", "keepdims_axis1"))
    case(_prim, f"{_prim}-rank3_axes_0_2", "x: f64[2,3,4]", f"{_fn}(x, axis=(0, 2))")
    case(_prim, f"{_prim}-rank3_axes_neg", "x: f64[2,3,4]", f"{_fn}(x, axis=(-1, -2), keepdims=True)")
    case(_prim, f"{_prim}-rank3_middle", "x: f64[2,3,4]", f"{_fn}(x, axis=1)", vjp=True)
    case(_prim, f"{_prim}-vector", "x: f64[5]", f"{_fn}(x)")
    case(_prim, f"{_prim}-named_dims", "x: f64[n,d]", f"{_fn}(x, axis=0)")
    case(_prim, f"{_prim}-named_all", "x: f64[n,d]", f"{_fn}(x)")
    # the spread of one value is 0: std's derivative is then 0 (autograd divides 0 by 0), as for abs at 0
    case(_prim, f"{_prim}-of_scalar", "x: f64[]", f"{_fn}(x * x)", oracle="0.0 * x" if _prim == "std" else None)
    case(_prim, f"{_prim}-of_broadcast", "x: f64[3,4], y: f64[4]", f"{_fn}(x * y, axis=1)")
    # under the linear readout the cotangent arrives with fewer axes than the reduction's output
    case(_prim, f"{_prim}-then_broadcast", "x: f64[2,3,4], c: f64[4]", f"{_fn}(x, axis=1) * c")
    case(_prim, f"{_prim}-then_broadcast_middle", "x: f64[2,3,4,5], c: f64[3,5]", f"{_fn}(x, axis=2) * c")
    if _prim not in ("mean", "var", "std"):  # the mean of a value of unknown rank is refused (see UNSUPPORTED)
        case(_prim, f"{_prim}-unannotated_axis", "x: ?[3,4], y: f64[3]", f"{_fn}(x, axis=1) * y")
    if _prim != "logsumexp":
        case(_prim, f"{_prim}-method", "x: f64[3,4]", f"x.{_prim}(axis=0)")
        case(_prim, f"{_prim}-method_positional_axis", "x: f64[3,4]", f"x.{_prim}(1)")
    case(_prim, f"{_prim}-positional_axis", "x: f64[3,4]", f"{_fn}(x, 0)")
case("max", "max-amax", "x: f64[3,4]", "np.amax(x, axis=1)")
case("min", "min-amin", "x: f64[3,4]", "np.amin(x, axis=0)")
case("max", "max-ties", "x: f64[3,4]", "np.max(np.maximum(x, 0.5), axis=1) + np.max(x)",
     oracle="np.max(np.maximum(x, 0.5), axis=1) + np.max(x)", domain={"x": "small"})  # ties only in unused part
case("sum", "sum-unannotated_all", "x: ?[3,4]", "np.sum(x)")
case("sum", "sum-unannotated_negative_axis", "x: ?[2,3,4], y: f64[2,3]", "np.sum(x, axis=-1) * y")
case("sum", "sum-unannotated_axes", "x: ?[2,3,4], y: f64[3]", "np.sum(x, axis=(0, 2)) * y")
# ties share the cotangent equally (as autograd and JAX do); with two copies that sums to the plain derivative
case("max", "max-ties_between_copies", "x: f64[3,4]", "np.max(np.stack((x, x)), axis=0)")
case("min", "min-ties_between_copies", "x: f64[3,4]", "np.min(np.concatenate((x, x), axis=1), axis=1)")
case("prod", "prod-negative_entries", "x: f64[3,4]", "np.prod(x, axis=0)", domain={"x": "neg"})


# prod where entries are 0 (issue #10 item 8): the rules multiply the other factors instead of dividing the product
# by the factor, at every order. autograd's own prod divides too (NaN at 0), so the oracles multiply the factors
# out one by one; a product is linear in each factor, so finite differences are exact there as well.
def _with_zeros(shape: tuple, zeros: list, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=shape)
    for position in zeros:
        x[position] = 0.0
    return x


def _product_of(terms: list[str]) -> str:
    return "(" + " * ".join(terms) + ")"


_ALL_3_4 = _product_of([f"x[{i}, {j}]" for i in range(3) for j in range(4)])
_ROWS_3_4 = _product_of([f"x[:, {j}]" for j in range(4)])
_COLUMNS_3_4 = _product_of([f"x[{i}]" for i in range(3)])
PROD_ZEROS = [  # (id, parameters, expression, zero positions, oracle)
    ("one_zero_all", "x: f64[3,4]", "np.prod(x)", [(1, 2)], _ALL_3_4),
    ("two_zeros_all", "x: f64[3,4]", "np.prod(x)", [(0, 1), (2, 3)], _ALL_3_4),
    ("all_zeros_all", "x: f64[3,4]", "np.prod(x)", [(i, j) for i in range(3) for j in range(4)], _ALL_3_4),
    ("one_zero_axis1", "x: f64[3,4]", "np.prod(x, axis=1)", [(1, 0)], _ROWS_3_4),
    ("two_zeros_one_row", "x: f64[3,4]", "np.prod(x, axis=1)", [(0, 1), (0, 3), (2, 2)], _ROWS_3_4),
    ("all_zeros_axis0", "x: f64[3,4]", "np.prod(x, axis=0)", [(i, j) for i in range(3) for j in range(4)],
     _COLUMNS_3_4),
    ("zeros_axis0_keepdims", "x: f64[3,4]", "np.prod(x, axis=0, keepdims=True)", [(0, 0), (1, 0), (2, 3)],
     f"np.expand_dims({_COLUMNS_3_4}, 0)"),
    ("zeros_method", "x: f64[3,4]", "x.prod(axis=-1)", [(2, 1), (2, 2)], _ROWS_3_4),
    ("zeros_axes_0_2", "x: f64[2,3,4]", "np.prod(x, axis=(0, 2))", [(0, 1, 0), (1, 1, 3), (1, 2, 2)],
     _product_of([f"x[{i}, :, {k}]" for i in range(2) for k in range(4)])),
    ("zeros_vector", "x: f64[5]", "np.prod(x)", [(0,), (4,)], _product_of([f"x[{i}]" for i in range(5)])),
]
for _id, _params_spec, _expr, _zeros, _oracle in PROD_ZEROS:
    _shape = _params(_params_spec)[0].shape
    case("prod", f"prod-{_id}", _params_spec, _expr, fixed={"x": _with_zeros(_shape, _zeros, len(_id))},
         oracle=_oracle, vjp="axis" in _expr, hessian=True)
case("logsumexp", "logsumexp-large_values", "x: f64[3,4]", "scipy.special.logsumexp(x * 100.0, axis=1)")

# --- linear algebra ---------------------------------------------------------------------------------------------
MATMULS = [  # (id, a annotation, b annotation)
    ("1_1", "f64[4]", "f64[4]"), ("1_2", "f64[4]", "f64[4,3]"), ("2_1", "f64[3,4]", "f64[4]"),
    ("2_2", "f64[3,4]", "f64[4,5]"), ("3_3", "f64[2,3,4]", "f64[2,4,5]"), ("3_2", "f64[2,3,4]", "f64[4,5]"),
    ("2_3", "f64[3,4]", "f64[2,4,5]"), ("3_3_broadcast", "f64[1,3,4]", "f64[2,4,5]"),
    ("4_3", "f64[2,2,3,4]", "f64[2,4,5]"), ("1_3", "f64[4]", "f64[2,4,5]"), ("3_1", "f64[2,3,4]", "f64[4]"),
    ("named", "f64[n,d]", "f64[d,k]"), ("named_vector", "f64[n,d]", "f64[d]"),
]
for _id, _ta, _tb in MATMULS:
    case("matmul", f"matmul-{_id}", f"a: {_ta}, b: {_tb}", "a @ b", vjp=_id in ("1_2", "2_1", "3_2", "3_3"))
case("matmul", "matmul-np_matmul", "a: f64[3,4], b: f64[4,2]", "np.matmul(a, b)")
case("matmul", "matmul-np_dot", "a: f64[3,4], b: f64[4]", "np.dot(a, b)")
case("matmul", "matmul-dot_method", "a: f64[3,4], b: f64[4,2]", "a.dot(b)", oracle="np.dot(a, b)")
# np.dot contracts the last axis of `a` with the second-to-last of `b` and keeps all others (not a stacked @)
case("dot", "dot-np_dot_stacked", "a: f64[2,3], b: f64[4,3,2]", "np.dot(a, b)", vjp=True)
case("dot", "dot-dot_method_stacked", "a: f64[2,2,3], b: f64[2,3,4]", "a.dot(b)", oracle="np.dot(a, b)")
case("dot", "dot-vector_stack", "a: f64[3], b: f64[2,3,4]", "np.dot(a, b)", vjp=True)
case("matmul", "matmul-dot_scalar", "a: f64[3,4], s: f64[]", "np.dot(a, s)", oracle="a * s")
case("matmul", "matmul-gram", "a: f64[3,4]", "a @ a.T")
case("matmul", "matmul-quadratic_form", "a: f64[4], m: f64[4,4]", "a @ m @ a")
case("outer", "outer-vectors", "a: f64[3], b: f64[4]", "np.outer(a, b)", vjp=True)
case("outer", "outer-same", "a: f64[3]", "np.outer(a, a)")
case("outer", "outer-named", "a: f64[n], b: f64[d]", "np.outer(a, b)")
case("transpose", "transpose-attribute", "x: f64[3,4]", "x.T", vjp=True)
case("transpose", "transpose-function", "x: f64[3,4]", "np.transpose(x)")
case("transpose", "transpose-vector", "x: f64[4], y: f64[4]", "x.T * y")
case("transpose", "transpose-rank3_default", "x: f64[2,3,4]", "np.transpose(x)")
case("transpose", "transpose-axes", "x: f64[2,3,4]", "np.transpose(x, (1, 2, 0))", vjp=True)
case("transpose", "transpose-axes_keyword", "x: f64[2,3,4]", "np.transpose(x, axes=(2, 0, 1))")
# autograd mis-inverts negative axes (its cotangent comes back with the wrong shape): the oracle spells them out
case("transpose", "transpose-negative_axes", "x: f64[2,3,4]", "np.transpose(x, (-1, 0, 1))",
     oracle="np.transpose(x, (2, 0, 1))")
case("transpose", "transpose-method_axes", "x: f64[2,3,4]", "x.transpose(0, 2, 1)",
     oracle="np.transpose(x, (0, 2, 1))")
case("transpose", "transpose-method_tuple", "x: f64[2,3,4]", "x.transpose((2, 1, 0))")
case("transpose", "transpose-with_broadcast", "x: f64[3,4], y: f64[3]", "x.T * y")
case("swapaxes", "swapaxes-0_2", "x: f64[2,3,4]", "np.swapaxes(x, 0, 2)", vjp=True)
case("swapaxes", "swapaxes-negative", "x: f64[2,3,4]", "np.swapaxes(x, -1, -2)")
case("swapaxes", "swapaxes-matrix", "x: f64[3,4], y: f64[4,3]", "np.swapaxes(x, 0, 1) * y")
EINSUMS = [  # (id, spec, operand annotations)
    ("matmul", "ij,jk->ik", ("f64[3,4]", "f64[4,5]")),
    ("matvec", "ij,j->i", ("f64[3,4]", "f64[4]")),
    ("inner", "i,i->", ("f64[4]", "f64[4]")),
    ("frobenius", "ij,ij->", ("f64[3,4]", "f64[3,4]")),
    ("hadamard", "ij,ij->ij", ("f64[3,4]", "f64[3,4]")),
    ("outer", "i,j->ij", ("f64[3]", "f64[4]")),
    ("batched", "bij,bjk->bik", ("f64[2,3,4]", "f64[2,4,5]")),
    ("transpose", "ij->ji", ("f64[3,4]",)),
    ("implicit", "ij,jk", ("f64[3,4]", "f64[4,5]")),
    ("implicit_transposed", "ji,jk", ("f64[4,3]", "f64[4,5]")),
    ("three_operands", "ij,jk,k->i", ("f64[3,4]", "f64[4,5]", "f64[5]")),
    ("contract_two", "ijk,jk->i", ("f64[2,3,4]", "f64[3,4]")),
    ("spaces", "ij, jk -> ki", ("f64[3,4]", "f64[4,5]")),
    ("sum_alone", "ij->j", ("f64[3,4]",)),
    ("sum_alone_binary", "ij,j->j", ("f64[3,4]", "f64[4]")),
]
for _id, _spec, _types in EINSUMS:
    _names = "abc"[:len(_types)]
    case("einsum", f"einsum-{_id}", ", ".join(f"{n}: {t}" for n, t in zip(_names, _types)),
         f'np.einsum("{_spec}", {", ".join(_names)})', vjp=_id in ("matmul", "outer", "transpose"))
case("einsum", "einsum-same_operand", "a: f64[3,4]", 'np.einsum("ij,ij->i", a, a)')

# --- shape operations --------------------------------------------------------------------------------------------
case("reshape", "reshape-flat", "x: f64[3,4]", "x.reshape(12)", vjp=True)
case("reshape", "reshape-function_tuple", "x: f64[3,4]", "np.reshape(x, (4, 3))")
case("reshape", "reshape-minus_one", "x: f64[3,4]", "x.reshape(-1)")
case("reshape", "reshape-minus_one_inner", "x: f64[3,4]", "x.reshape(2, -1)")
case("reshape", "reshape-rank3", "x: f64[2,3,4]", "x.reshape((6, 4))")
case("reshape", "reshape-named", "x: f64[n,d]", "x.reshape(-1)")
case("reshape", "reshape-named_split", "x: f64[n,d]", "np.reshape(x, (x.shape[0], 2, -1))")
case("reshape", "reshape-from_shape", "x: f64[3,4], y: f64[12]", "y.reshape(x.shape) * x")
case("reshape", "reshape-unannotated", "x: ?[3,4]", "x.reshape(12)")
case("reshape", "reshape-unannotated_minus_one", "x: ?[3,4], y: f64[12]", "x.reshape(-1) * y")
case("expand_dims", "expand_dims-0", "x: f64[3,4]", "np.expand_dims(x, 0)", vjp=True)
case("expand_dims", "expand_dims-1", "x: f64[3,4], y: f64[3,5,4]", "np.expand_dims(x, 1) * y")
case("expand_dims", "expand_dims-negative", "x: f64[3,4], y: f64[3,4,2]", "np.expand_dims(x, -1) * y")
case("expand_dims", "expand_dims-tuple", "x: f64[3,4], y: f64[3,2,4,2]", "np.expand_dims(x, axis=(1, 3)) * y")
case("expand_dims", "expand_dims-scalar", "x: f64[], y: f64[4]", "np.expand_dims(x, 0) * y")
case("squeeze", "squeeze-all", "x: f64[3,1,4]", "np.squeeze(x)", vjp=True)
case("squeeze", "squeeze-axis", "x: f64[3,1,4]", "np.squeeze(x, axis=1)")
case("squeeze", "squeeze-negative_axis", "x: f64[3,1,4]", "np.squeeze(x, -2)")
case("squeeze", "squeeze-tuple", "x: f64[1,3,1]", "np.squeeze(x, axis=(0, 2))")
case("squeeze", "squeeze-to_scalar", "x: f64[1,1]", "np.squeeze(x)")
case("squeeze", "squeeze-keep_other_ones", "x: f64[1,3,1]", "np.squeeze(x, axis=0)")
case("concatenate", "concatenate-axis0", "a: f64[2,4], b: f64[3,4]", "np.concatenate((a, b))", vjp=True)
case("concatenate", "concatenate-axis1", "a: f64[3,2], b: f64[3,4]", "np.concatenate((a, b), axis=1)")
case("concatenate", "concatenate-negative_axis", "a: f64[2,3,2], b: f64[2,3,1]",
     "np.concatenate([a, b], axis=-1)")
case("concatenate", "concatenate-three", "a: f64[2], b: f64[3], c: f64[1]", "np.concatenate((a, b, c))")
case("concatenate", "concatenate-repeated", "a: f64[2,3]", "np.concatenate((a, a * a), axis=0)")
case("concatenate", "concatenate-named", "a: f64[n,d], b: f64[m,d]", "np.concatenate((a, b), axis=0)")
case("concatenate", "concatenate-constant_part", "a: f64[2,3], b: f64[2,3]",
     "np.concatenate((a, np.zeros((2, 3)), b), axis=1)")
case("stack", "stack-axis0", "a: f64[3,4], b: f64[3,4]", "np.stack((a, b))", vjp=True)
case("stack", "stack-axis1", "a: f64[3,4], b: f64[3,4]", "np.stack((a, b), axis=1)")
case("stack", "stack-last", "a: f64[3,4], b: f64[3,4], c: f64[3,4]", "np.stack([a, b, c], axis=2)")
case("stack", "stack-negative_axis", "a: f64[3], b: f64[3]", "np.stack((a, b), axis=-1)")
case("stack", "stack-scalars", "a: f64[], b: f64[]", "np.stack((a, b * a))")
case("stack", "stack-repeated", "a: f64[3]", "np.stack((a, a, 2.0 * a))")
# autograd's broadcast_to cannot add leading axes: those oracles broadcast by adding zeros
case("broadcast_to", "broadcast_to-row", "x: f64[4]", "np.broadcast_to(x, (3, 4))", vjp=True,
     oracle="x + np.zeros((3, 4))")
case("broadcast_to", "broadcast_to-column", "x: f64[3,1]", "np.broadcast_to(x, (3, 4))")
case("broadcast_to", "broadcast_to-scalar", "x: f64[]", "np.broadcast_to(x, (2, 3))",
     oracle="x + np.zeros((2, 3))")
case("broadcast_to", "broadcast_to-rank3", "x: f64[3,1], y: f64[2,3,4]", "np.broadcast_to(x, y.shape) * y",
     oracle="(x + np.zeros(y.shape)) * y")
case("broadcast_to", "broadcast_to-named", "x: f64[d], y: f64[n,d]", "np.broadcast_to(x, y.shape) * y",
     oracle="(x + np.zeros(y.shape)) * y")
case("astype", "astype-float64", "x: f64[3,4]", "x.astype(np.float64)")
case("astype", "astype-from_int", "x: f64[3,4], i: i64[4]", "x * i.astype(np.float64)",
     fixed={"i": np.array([2, -1, 0, 3])})
# autograd differentiates through a cast to int as if it were the identity: the oracle floors instead
case("astype", "astype-to_int", "x: f64[3,4]", "x * x.astype(np.int64)", domain={"x": "big"},
     oracle="x * np.floor(x)")
case("astype", "astype-from_bool", "x: f64[3,4]", "x * (x > 0).astype(np.float64)")
# float32 rounding makes finite differences meaningless; autograd (same rounding) is the oracle
case("astype", "astype-float32_round_trip", "x: f64[3,4]", "x.astype(np.float32).astype(np.float64)",
     rtol=1e-6, fd_tol=None)
case("astype", "astype-string_dtype", "x: f64[3,4]", 'x.astype("float64")')
# Python's float() of a scalar: the same number (autograd cannot trace through float(): its oracle is the value)
case("python_float", "python_float-of_a_sum", "x: f64[3,4]", "x * float(np.sum(x * x))", oracle="x * np.sum(x * x)")
case("python_float", "python_float-float32_meets_it", "x: f64[3,4]", "x.astype(np.float32) * float(x[0, 1])",
     oracle="x.astype(np.float32) * x[0, 1]", rtol=1e-6, fd_tol=None)
case("copy", "copy-method", "x: f64[3,4]", "x.copy()", vjp=True, oracle="x + 0.0")
case("copy", "copy-np_array_of_scalar", "s: f64[]", "np.array(s)", oracle="s + 0.0")
case("copy", "copy-reused", "x: f64[3,4]", "x.copy() * x", oracle="(x + 0.0) * x")
case("full", "full-literal_shape", "s: f64[]", "np.full((3, 4), s)", vjp=True)
case("full", "full-from_shape", "s: f64[], x: f64[3,4]", "np.full(x.shape, s) * x")
case("full", "full-named", "s: f64[], x: f64[n]", "np.full((x.shape[0], 2), s * s)")

# --- indexing -------------------------------------------------------------------------------------------------
INDEXES = [  # (id, index, operand annotation)
    ("int", "x[1]", "f64[3,4]"), ("negative_int", "x[-1]", "f64[3,4]"), ("two_ints", "x[1, 2]", "f64[3,4]"),
    ("negative_pair", "x[-1, -3]", "f64[3,4]"), ("column", "x[:, 2]", "f64[3,4]"),
    ("slice", "x[1:3]", "f64[3,4]"), ("slice_step", "x[::2]", "f64[3,4]"), ("reverse", "x[::-1]", "f64[3,4]"),
    ("negative_slices", "x[-2:, :-1]", "f64[3,4]"), ("slice_step_columns", "x[:, 1::2]", "f64[3,4]"),
    ("none_front", "x[None]", "f64[3,4]"), ("none_middle", "x[:, None, :]", "f64[3,4]"),
    ("newaxis", "x[:, np.newaxis]", "f64[3,4]"), ("ellipsis_last", "x[..., 1]", "f64[2,3,4]"),
    ("ellipsis_first", "x[1, ...]", "f64[2,3,4]"), ("ellipsis_middle", "x[0, ..., 2]", "f64[2,3,4]"),
    ("ellipsis_none", "x[..., None]", "f64[3,4]"), ("mixed", "x[1, :, ::2]", "f64[2,3,4]"),
    ("vector_int", "x[2]", "f64[5]"), ("vector_slice", "x[1:-1]", "f64[5]"),
    ("named", "x[1:]", "f64[n,d]"), ("unannotated", "x[1]", "?[3,4]"),
]
for _id, _index, _type in INDEXES:
    case("getitem", f"getitem-{_id}", f"x: {_type}", _index, vjp=_id in ("int", "slice_step", "none_middle"))
case("getitem", "getitem-overlapping_reads", "x: f64[3,4]", "x[0] * x[1] + x[:, 0:1] + x[-1]")
case("getitem", "getitem-then_whole", "x: f64[3,4]", "x * x[0]")
case("getitem", "getitem-whole_then_part", "x: f64[3,4]", "x[0] * x")
case("getitem", "getitem-slices_and_whole", "x: f64[4,3]", "x[1:] * x[:-1] + x[2] + x[::2].sum()")
case("getitem", "getitem-runtime_int", "x: f64[3,4], i: i64[]", "x[i]", fixed={"i": np.int64(2)})
case("getitem", "getitem-runtime_negative_int", "x: f64[3,4], i: i64[]", "x[:, i]", fixed={"i": np.int64(-1)})
case("getitem", "getitem-runtime_slice", "x: f64[5,4], i: i64[], j: i64[]", "x[i:j]",
     fixed={"i": np.int64(1), "j": np.int64(4)})
# gathers with integer arrays (repeated indices accumulate) and boolean masks
case("getitem", "getitem-gather", "x: f64[5], i: i64[4]", "x[i]", fixed={"i": np.array([0, 2, 2, 4])}, vjp=True)
case("getitem", "getitem-gather_rows", "x: f64[4,3], i: i64[3]", "x[i]", fixed={"i": np.array([3, 0, 3])})
case("getitem", "getitem-gather_negative", "x: f64[4,3], i: i64[2]", "x[i]", fixed={"i": np.array([-1, 1])})
case("getitem", "getitem-gather_columns", "x: f64[4,3], i: i64[4]", "x[:, i]", fixed={"i": np.array([2, 0, 0, 1])})
case("getitem", "getitem-gather_2d_index", "x: f64[5], i: i64[2,3]", "x[i]",
     fixed={"i": np.array([[0, 1, 1], [4, 4, 2]])})
case("getitem", "getitem-gather_axes_first", "x: f64[2,3,4], i: i64[2]", "x[0, :, i] * np.ones(3) + x[1, :, i]",
     fixed={"i": np.array([3, -1])}, vjp=True)  # integers and the array apart: the array axes go first
case("getitem", "getitem-mask", "x: f64[3,4]", "x[x > 0.2]", vjp=True)
case("getitem", "getitem-mask_param", "c: bool[3,4], x: f64[3,4]", "x[c]")
case("getitem", "getitem-mask_rows", "c: bool[3], x: f64[3,4]", "x[c]", fixed={"c": np.array([True, False, True])})
case("getitem", "getitem-from_shape", "x: f64[n,d]", "x[x.shape[0] - 1]")

# --- non-differentiable entries used inside differentiated kernels: they act as constants -------------------------
case("sign", "sign-times_x", "x: f64[3,4]", "x * np.sign(x)")
case("floor", "floor-times_x", "x: f64[3,4]", "x * np.floor(x) + np.ceil(x)")
case("floor", "floor-trunc_rint", "x: f64[3,4]", "x * np.trunc(x) + np.rint(x) * x + np.trunc(x * 0.0 - 0.25)",
     domain={"x": "big"})
case("floor_divide", "floor_divide-times_x", "x: f64[3,4]", "(x // 0.7) * x", domain={"x": "big"},
     oracle="np.floor(x / 0.7) * x")
case("less", "compare-mask", "x: f64[3,4], y: f64[4]",
     "x * ((x < y) | (x >= 1.0)) + y * (x != y) - x * (x <= y) * (x == x) * (x > 0)")
case("zeros", "creation-constants", "x: f64[3,4]",
     "x * np.ones((3, 4)) + np.zeros_like(x) + x * np.ones_like(x) + x * np.arange(4) + np.zeros(4)")
# stop_gradient's derivative is zero by definition, not by calculus: no finite differences (autograd's getval)
case("stop_gradient", "stop_gradient-constant_factor", "x: f64[3,4], y: f64[4]",
     "x * stop_gradient(x * y) + stop_gradient(np.sin(x)) * y", fd_tol=None)
case("logical_not", "logic-mask", "x: f64[3,4]", "x * np.logical_not(x > 0) + x * np.logical_and(x > 0, x < 1)")


# --- entries that only reverse mode emits: built as IR from the same symbolic `ops` ----------------------------
def _ir_setitem(x, v):
    return ops.setitem(ops.copy(x), v, index=(1,))


def _ir_setitem_slice(x, v):
    return ops.setitem(ops.copy(x), v, index=(slice(None), slice(1, 3)))


def _ir_setitem_gather(x, v, i):
    return ops.setitem(ops.copy(x), v, i, index=(Ref(2),))


def _ir_setitem_gather_columns(x, v, i):
    return ops.setitem(ops.copy(x), v, i, index=(slice(None), Ref(2)))


@lru_cache(maxsize=1)
def _sin_times_rule():
    """The reverse rule kernel of `sin(x) * y`, lowered as `custom_vjp` does."""
    source = textwrap.dedent('''
        import numpy as np
        from lifted import kernel

        @kernel
        def rule(x: "f64[3,4]", y: "f64[3,4]", out: "f64[3,4]", g: "f64[3,4]"):
            return g * np.cos(x) * y, g * np.sin(x)
    ''')
    return Lowering(parse_module(source, "rule.py")).lower_kernel("rule")


def _ir_custom_vjp(x, y):
    value = ops.sin(ops.stop_gradient(x)) * ops.stop_gradient(y)
    return ops.custom_vjp_call(value, x, y, rule=_sin_times_rule(), kernel="sin_times")


def _ir_reshape_like(x, y):
    return ops.reshape_like(x, y) * y


def _ir_broadcast_like(x, y):
    return ops.broadcast_like(x, y) * y


def _ir_unbroadcast(x, y):
    return ops.unbroadcast(x, y) * y


def _ir_alone(prim):
    return lambda x, y: getattr(ops, prim)(x, y)


case("setitem", "setitem-row", "x: f64[3,4], v: f64[4]", "np.concatenate((x[:1], v[None], x[2:]))",
     ir=_ir_setitem, vjp=True)
case("setitem", "setitem-block", "x: f64[3,4], v: f64[3,2]",
     "np.concatenate((x[:, :1], v, x[:, 3:]), axis=1)", ir=_ir_setitem_slice)
# through an index array with repeats (-1 is 4 here): each element keeps its last write, x[1] = v[2], x[4] = v[3]
case("setitem", "setitem-gather_repeats", "x: f64[5], v: f64[4], i: i64[4]",
     "np.stack([x[0], v[2], x[2], v[1], v[3]])", fixed={"i": np.array([1, 3, 1, -1])}, ir=_ir_setitem_gather,
     vjp=True)
case("setitem", "setitem-gather_columns", "x: f64[3,4], v: f64[3,3], i: i64[3]",
     "np.stack([v[:, 2], x[:, 1], v[:, 0], x[:, 3]], axis=1)", fixed={"i": np.array([2, 0, 0])},
     ir=_ir_setitem_gather_columns)
# forward mode cannot use a reverse rule: its JVP raises (checked in test_custom_vjp_refuses_forward_mode)
case("custom_vjp_call", "custom_vjp_call-sin_times", "x: f64[3,4], y: f64[3,4]", "np.sin(x) * y",
     ir=_ir_custom_vjp, vjp=True, forward=False)
case("reshape_like", "reshape_like-matrix", "x: f64[12], y: f64[3,4]", "x.reshape(3, 4) * y",
     ir=_ir_reshape_like, vjp=True)
case("reshape_like", "reshape_like-unannotated", "x: ?[12], y: ?[3,4]", "x.reshape(3, 4) * y", ir=_ir_reshape_like)
case("broadcast_like", "broadcast_like-row", "x: f64[4], y: f64[3,4]", "np.broadcast_to(x, (3, 4)) * y",
     ir=_ir_broadcast_like, vjp=True, oracle="(x + np.zeros((3, 4))) * y")
case("broadcast_like", "broadcast_like-unannotated", "x: ?[3,1], y: ?[3,4]", "np.broadcast_to(x, (3, 4)) * y",
     ir=_ir_broadcast_like)
case("refine_shape", "refine_shape-named-meets-literal", "x: f64[3,k], y: f64[3,5]", "x * y", vjp=True)
case("refine_shape", "refine_shape-matmul-inner", "x: f64[n,d], w: f64[4,2]", "np.tanh(x @ w)")
case("unbroadcast", "unbroadcast-rows", "x: f64[3,4], y: f64[4]", "np.sum(x, axis=0) * y",
     ir=_ir_unbroadcast, vjp=True)
case("unbroadcast", "unbroadcast-stretched", "x: f64[2,3,4], y: f64[3,1]",
     "np.sum(np.sum(x, axis=0), axis=1, keepdims=True) * y", ir=_ir_unbroadcast)
case("unbroadcast", "unbroadcast-unannotated", "x: ?[2,3,4], y: ?[1,4]",
     "np.sum(x, axis=(0, 1), keepdims=True)[0] * y", ir=_ir_unbroadcast)
# alone, so that the linear readout hands them a scalar cotangent
case("reshape_like", "reshape_like-alone", "x: f64[12], y: f64[3,4]", "x.reshape(3, 4) + 0.0 * y",
     ir=_ir_alone("reshape_like"))
case("broadcast_like", "broadcast_like-alone", "x: f64[3,1], y: f64[3,4]", "np.broadcast_to(x, (3, 4)) + 0.0 * y",
     ir=_ir_alone("broadcast_like"))
case("broadcast_like", "broadcast_like-alone_unannotated", "x: ?[4], y: ?[3,4]",
     "np.broadcast_to(x, (3, 4)) + 0.0 * y", ir=_ir_alone("broadcast_like"), oracle="x + np.zeros((3, 4)) + 0.0 * y")
case("unbroadcast", "unbroadcast-alone", "x: f64[2,3,4], y: f64[3,1]",
     "np.sum(np.sum(x, axis=0), axis=1, keepdims=True) + 0.0 * y", ir=_ir_alone("unbroadcast"))


# the gather through a permutation that carries sort's derivatives (only sort's rules bind it)
case("permute_along", "permute_along-rows", "x: f64[3,4], i: i64[3,4]", "np.take_along_axis(x, i, axis=1)",
     fixed={"i": np.array([[3, 1, 0, 2], [0, 1, 2, 3], [2, 3, 1, 0]])}, vjp=True,
     ir=lambda x, i: ops.permute_along(x, i, axis=1),
     oracle="np.stack([x[0, np.array([3, 1, 0, 2])], x[1], x[2, np.array([2, 3, 1, 0])]])")

# the product of the other entries: the division is taken where it is exact (no zero, magnitudes moderate), the
# running products elsewhere (a zero, or magnitudes whose products could leave the normal range)
_OTHERS_2_3 = "np.stack([x[:, 1] * x[:, 2], x[:, 0] * x[:, 2], x[:, 0] * x[:, 1]], axis=1)"
case("prod_others", "prod_others-no_zeros", "x: f64[2,3]", _OTHERS_2_3, domain={"x": "pos"}, vjp=True,
     ir=lambda x: ops.prod_others(x, axis=-1))
# the second row's product underflows to 0, so the product over an entry would say 0 where the others multiply to
# 1; finite differences cannot step entries of such different sizes (autograd multiplies the factors out)
case("prod_others", "prod_others-huge_and_tiny", "x: f64[2,3]", _OTHERS_2_3,
     fixed={"x": np.array([[1e300, 1e-300, 3.0], [1e-300, 1e-300, 1e300]])}, vjp=True, fd_tol=None,
     rtol=1e-13, ir=lambda x: ops.prod_others(x, axis=1))


# the running products and linear recurrences behind prod's rules (only rules emit them), with zeros among the
# factors and coefficients; body and oracle spell each output entry out as products and sums
def _scan_entries(n: int, at: Callable[[str, int], str], reverse: bool, product: bool) -> list[str]:
    """Entry by entry: the exclusive running product of `x` (`product`), or the recurrence over `a` and `b`."""
    order = list(range(n))[::-1] if reverse else list(range(n))
    first = f"(0.0 * {at('x' if product else 'b', order[0])} + {1.0 if product else 0.0})"  # an entry's shape
    entries, previous = {order[0]: first}, order[0]
    for i in order[1:]:
        if product:
            entries[i] = f"({entries[previous]} * {at('x', previous)})"
        else:
            entries[i] = f"({at('a', previous)} * {entries[previous]} + {at('b', previous)})"
        previous = i
    return [entries[i] for i in range(n)]


_COLUMN = lambda name, i: f"{name}[:, {i}]"  # noqa: E731
_ENTRY = lambda name, i: f"{name}[{i}]"  # noqa: E731
_SCANS = [  # (id, parameters, axis, reverse, how an entry along the axis is written, length, stack axis, zeros)
    ("axis1", "f64[3,4]", 1, False, _COLUMN, 4, 1, [(0, 1), (2, 0), (2, 2)]),
    ("axis1_reverse", "f64[3,4]", -1, True, _COLUMN, 4, 1, [(1, 3), (1, 1)]),
    ("all", "f64[5]", None, False, _ENTRY, 5, 0, [(2,)]),
    ("all_reverse", "f64[5]", None, True, _ENTRY, 5, 0, [(1,), (3,)]),
]
for _id, _type, _axis, _reverse, _at, _n, _stack, _zeros in _SCANS:
    _shape = _params(f"x: {_type}")[0].shape
    _products = f"np.stack([{', '.join(_scan_entries(_n, _at, _reverse, True))}], axis={_stack})"
    _reverse_products = f"np.stack([{', '.join(_scan_entries(_n, _at, not _reverse, True))}], axis={_stack})"
    case("cumprod_exclusive", f"cumprod_exclusive-{_id}", f"x: {_type}", _products,
         fixed={"x": _with_zeros(_shape, _zeros, _n)}, vjp=True,
         ir=(lambda axis, reverse: lambda x: ops.cumprod_exclusive(x, axis=axis, reverse=reverse))(_axis, _reverse))
    _recurrence = f"np.stack([{', '.join(_scan_entries(_n, _at, _reverse, False))}], axis={_stack})"
    case("prod_others", f"prod_others-{_id}", f"x: {_type}", f"{_products} * {_reverse_products}",
         fixed={"x": _with_zeros(_shape, _zeros, _n + 2)}, vjp=True,
         ir=(lambda axis: lambda x: ops.prod_others(x, axis=axis))(_axis))
    case("linear_scan", f"linear_scan-{_id}", f"a: {_type}, b: {_type}", _recurrence,
         fixed={"a": _with_zeros(_shape, _zeros, _n + 1)}, vjp=True,
         ir=(lambda axis, reverse: lambda a, b: ops.linear_scan(a, b, axis=axis, reverse=reverse))(_axis, _reverse))
# np.cumprod (primitives/cumprod_vecdot.py): autograd has no VJP of cumprod, so the oracle spells each running product out;
# zeros among the factors (one, two in a row, at the start) check that the rules never divide by an input
def _running_products(n: int, at: Callable[[str, int], str], stack: int) -> str:
    return f"np.stack([{', '.join(_product_of([at('x', j) for j in range(i + 1)]) for i in range(n))}], axis={stack})"


for _id, _type, _body, _n, _at, _stack, _zeros in [
        ("axis1", "f64[3,4]", "np.cumprod(x, axis=1)", 4, _COLUMN, 1, [(0, 1), (2, 0), (2, 1), (1, 3)]),
        ("axis0", "f64[4,3]", "np.cumprod(x, axis=-2)", 4, lambda name, i: f"{name}[{i}]", 0, [(1, 0), (0, 2)]),
        ("flattened", "f64[5]", "np.cumprod(x)", 5, _ENTRY, 0, [(2,)]),
        ("method", "f64[5]", "x.cumprod()", 5, _ENTRY, 0, [(0,), (3,)])]:
    _shape = _params(f"x: {_type}")[0].shape
    case("cumprod", f"cumprod-{_id}", f"x: {_type}", _body, fixed={"x": _with_zeros(_shape, _zeros, _n + 7)},
         oracle=_running_products(_n, _at, _stack), vjp=True, hessian=True)
case("cumprod", "cumprod-nonzero", "x: f64[3,4]", "np.cumprod(x, axis=1)", domain={"x": "pos"},
     oracle=_running_products(4, _COLUMN, 1), vjp=True)
# np.vecdot (primitives/cumprod_vecdot.py): NumPy's gufunc (BLAS's dot for floats); autograd has no VJP of it, so the oracle
# is the sum of products
for _id, _spec, _body, _oracle in [
        ("vectors", "x: f64[4], y: f64[4]", "np.vecdot(x, y)", "np.sum(x * y)"),
        ("rows", "x: f64[3,4], y: f64[3,4]", "np.vecdot(x, y)", "np.sum(x * y, axis=-1)"),
        ("broadcast", "x: f64[2,1,4], y: f64[3,4]", "np.vecdot(x, y)", "np.sum(x * y, axis=-1)"),
        ("one_vector", "x: f64[3,4], y: f64[4]", "np.vecdot(y, x)", "np.sum(x * y, axis=-1)"),
        ("axis0", "x: f64[4,3], y: f64[4,1]", "np.vecdot(x, y, axis=0)", "np.sum(x * y, axis=0)"),
        ("same", "x: f64[3,4]", "np.vecdot(x, x)", "np.sum(x * x, axis=-1)"),
        ("self_axis0", "x: f64[4,3]", "np.vecdot(x, x * x[::-1], axis=0)", "np.sum(x * (x * x[::-1]), axis=0)")]:
    case("vecdot", f"vecdot-{_id}", _spec, _body, oracle=_oracle, vjp=_id != "vectors", hessian=", y" not in _spec)
# np.convolve (primitives/convolution.py): NumPy's own call (BLAS's dot over each overlap); autograd has no VJP of it,
# so the oracle spells each sum of products out


def _convolution_sums(a: str, n: int, b: str, m: int, mode: str) -> str:
    sums = [" + ".join(f"{a}[{i}] * {b}[{k - i}]" for i in range(max(0, k - m + 1), min(n, k + 1)))
            for k in range(n + m - 1)]
    start = 0 if mode == "full" else (min(n, m) - 1) // 2 if mode == "same" else min(n, m) - 1
    length = n + m - 1 if mode == "full" else max(n, m) if mode == "same" else max(n, m) - min(n, m) + 1
    return "np.stack([" + ", ".join(sums[start:start + length]) + "])"


for _id, _spec, _body, _oracle in [
        ("full", "x: f64[5], y: f64[3]", "np.convolve(x, y)", _convolution_sums("x", 5, "y", 3, "full")),
        ("same", "x: f64[3], y: f64[5]", "np.convolve(x, y, mode='same')", _convolution_sums("x", 3, "y", 5, "same")),
        ("valid", "x: f64[5], y: f64[2]", "np.convolve(x, y, 'valid')", _convolution_sums("x", 5, "y", 2, "valid")),
        ("same_even", "x: f64[4], y: f64[4]", "np.convolve(x, y, mode='same')",
         _convolution_sums("x", 4, "y", 4, "same")),
        ("self", "x: f64[4]", "np.convolve(x, x * x)", _convolution_sums("x", 4, "(x * x)", 4, "full")),
        ("long", "x: f64[7], y: f64[2]", "np.convolve(y, x)", _convolution_sums("y", 2, "x", 7, "full"))]:
    case("convolve", f"convolve-{_id}", _spec, _body, oracle=_oracle, vjp=True, hessian=_id == "self",
         fd_tol=FD_TOL)
case("unbroadcast", "unbroadcast-alone_unannotated", "x: ?[2,3,4], y: ?[4]", "np.sum(x, axis=(0, 1)) + 0.0 * y",
     ir=_ir_alone("unbroadcast"))


# in-place updates that reverse mode emits: differentiated again when a transform takes a gradient as input
def _ir_iadd(x, y):
    return ops.iadd(ops.copy(x), y)


def _ir_isub(x, y):
    return ops.isub(ops.copy(x), y)


def _ir_index_add(x, v):
    return ops.index_add(ops.copy(x), v, index=(slice(None), slice(1, 3)))


def _ir_add_at(x, v, i):
    from lifted.transpiler.primitives.indexing import Ref
    return ops.add_at(ops.copy(x), v, i, index=(Ref(2),))


case("iadd", "iadd-row", "x: f64[3,4], y: f64[4]", "x + y", ir=_ir_iadd, vjp=True)
case("isub", "isub-row", "x: f64[3,4], y: f64[4]", "x - y", ir=_ir_isub, vjp=True)
case("index_add", "index_add-block", "x: f64[3,4], v: f64[3,2]",
     "x + np.concatenate((np.zeros((3, 1)), v, np.zeros((3, 1))), axis=1)", ir=_ir_index_add, vjp=True)
case("index_add", "index_add-broadcast_row", "x: f64[3,4], v: f64[2]",
     "x + np.concatenate((np.zeros((3, 1)), v + np.zeros((3, 2)), np.zeros((3, 1))), axis=1)", ir=_ir_index_add)
case("add_at", "add_at-repeated", "x: f64[5], v: f64[3], i: i64[3]", "x + v @ ((i[:, None] == np.arange(5)) * 1.0)",
     ir=_ir_add_at, fixed={"i": np.array([0, 2, 0])}, vjp=True)


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
case("sort", "sort-argsort", "x: f64[3,4]", "x[np.argsort(x[:, 0]), 1:] * np.sort(x, axis=-2, stable=True)[:, :3]",
     oracle=f"x[np.argsort(x[:, 0], kind='stable'), 1:] * {_SORTED_COLUMNS}[:, :3]")

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
case("linspace", "linspace-named", "s: f64[], x: f64[n]", "np.linspace(0.0, s, x.shape[0]) * x")
case("eye", "creation-eye", "x: f64[3,3], y: f64[3,4]",
     "(x * np.eye(3) + np.eye(x.shape[0]) * x) @ y + np.identity(3) @ x @ np.eye(3, 4) * y + np.eye(3, 4, k=1) * y")
case("array", "creation-array_literal", "x: f64[2,3]",
     "x * np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) + np.array([1, 2, 3]) + x * np.array(2.0)")

# --- functions made of other entries: each case under the entry that carries its derivative ------------------------
case("concatenate", "concatenate-hstack_vectors", "a: f64[2], b: f64[3]", "np.hstack((a, b))", vjp=True)
case("concatenate", "concatenate-hstack_matrices", "a: f64[3,2], b: f64[3,1]", "np.hstack([a, b * b])")
case("concatenate", "concatenate-vstack_vectors", "a: f64[3], b: f64[3]", "np.vstack((a, b))", vjp=True)
case("concatenate", "concatenate-vstack_mixed", "a: f64[2,3], b: f64[3]", "np.vstack((a, b))")
case("concatenate", "concatenate-column_stack", "a: f64[3], b: f64[3,2]", "np.column_stack((a, b))", vjp=True)
case("concatenate", "concatenate-flattened", "a: f64[2,3], b: f64[4]", "np.concatenate((a, b), axis=None)",
     oracle="np.concatenate((np.ravel(a), b))")
case("expand_dims", "expand_dims-atleast", "a: f64[], b: f64[3], c: f64[2,3]",
     "np.atleast_2d(b) * c + np.atleast_1d(a) + np.atleast_3d(c)[:, :, 0] + np.atleast_2d(c) * np.atleast_3d(a)[0]")
case("reshape", "reshape-ravel", "x: f64[3,4]", "np.ravel(x) + x.ravel() * x.flatten()",
     oracle="np.ravel(x) + np.ravel(x) * np.ravel(x)", vjp=True)
case("subtract", "subtract-diff", "x: f64[3,4]", "np.diff(x) + np.diff(x, axis=0)[0, 0]", vjp=True)
case("subtract", "subtract-diff_twice", "x: f64[n]", "np.diff(x * x, 2)")
# np.gradient (autograd's takes no spacing or edge_order: those oracles write NumPy's formulas out)
case("subtract", "subtract-gradient", "x: f64[5,4]", "np.gradient(x, axis=0) + np.gradient(x)[1]", vjp=True)
case("subtract", "subtract-gradient_spacing", "x: f64[5,4]", "np.gradient(x, 0.5, axis=1, edge_order=2)", vjp=True,
     oracle="np.concatenate((-3.0 * x[:, :1] + 4.0 * x[:, 1:2] - 1.0 * x[:, 2:3], (x[:, 2:] - x[:, :-2]) / 1.0, "
            "1.0 * x[:, -3:-2] - 4.0 * x[:, -2:-1] + 3.0 * x[:, -1:]), axis=1)")
# (autograd's np.gradient over all axes of a non-cube fails with a broadcast error: a cube here, FD checks the rest)
case("subtract", "subtract-gradient_all_axes", "x: f64[4,4,4]", "gx, gy, gz = np.gradient(x)\ngx * gy - gz")
case("subtract", "subtract-gradient_vector", "v: f64[6]", "np.gradient(v * v) + np.gradient(v, 2.0)",
     oracle="np.gradient(v * v) + np.gradient(v) / 2.0")
case("getitem", "getitem-argmax", "x: f64[3,4]",
     "x[:, np.argmax(x, axis=0)][0] + x[np.argmin(x[:, 0])] + x[1, x[2].argmax()] * np.argmax(x)")
case("getitem", "getitem-python_lists", "x: f64[5,4,3]",
     "x[[0, 1, 2], :, :] * x[3, 1:, [1, 2, 0]].T[:, None, :] + np.sum(x[[0, 0]])"
     " + np.sum(x[[True, False, True, False, True]][1:, [[0], [2], [3]], 0])",
     oracle="x[np.array([0, 1, 2])] * x[3, 1:, np.array([1, 2, 0])].T[:, None, :] + np.sum(x[np.array([0, 0])])"
            " + np.sum(x[np.array([0, 2, 4])][1:, np.array([[0], [2], [3]]), 0])", vjp=True)
case("getitem", "getitem-split", "x: f64[6,2]", "a, b, c = np.split(x, 3)\na * b + c", vjp=True,
     oracle="x[0:2] * x[2:4] + x[4:6]")
case("getitem", "getitem-split_at", "x: f64[3,5]", "a, b = np.split(x, [2], axis=1)\nnp.sum(a) * b",
     oracle="np.sum(x[:, :2]) * x[:, 2:]")
case("where", "where-select", "a: f64[3,4], b: f64[4]",
     "np.select([a > 0, a < -1, b > 0.5], [a * b, a * a, b], default=1.1)", vjp=True)
case("where", "where-select_scalars", "a: f64[3,4]", "np.select((a > 0.5, a < 0), (2.0, a))",
     oracle="np.select((a > 0.5, a < 0), (2.0 + 0.0 * a, a), 0.0)")
case("where", "where-signbit", "x: f64[3,4]", "np.where(np.signbit(x), -x, x * x) + np.signbit(x - x)",
     oracle="np.where(x < 0, -x, x * x) + 0.0")
case("where", "where-all", "x: f64[3,4]", "np.where(np.all(x > -1.0, axis=0, keepdims=True), x, -x) * np.all(x)")
# one case under each entry's own name (tests/test_primitive_views.py runs every entry on its cases)
case("trunc", "trunc-times_x", "x: f64[3,4]", "np.trunc(x * 3.0) * x")
case("rint", "rint-times_x", "x: f64[3,4]", "np.rint(x * 3.0) * x")
case("signbit", "signbit-where", "x: f64[3,4]", "np.where(np.signbit(x), -x, x * x)",
     oracle="np.where(x < 0.0, -x, x * x)")  # (autograd has no rule for np.signbit)
case("all", "all-axis_keepdims", "x: f64[3,4]", "np.where(np.all(x > -1.0, axis=0, keepdims=True), x, -x)")
case("where", "where-isfinite", "x: f64[3,4]", "np.where(np.isfinite(x) & ~np.isnan(x) & ~np.isinf(x), x, 0.0)",
     oracle="x")
case("concatenate", "concatenate-roll", "x: f64[5]", "np.roll(x, 2)", vjp=True)
case("concatenate", "concatenate-roll_negative_axis", "x: f64[3,4]", "np.roll(x, -3, axis=1)")
case("concatenate", "concatenate-roll_flattened", "x: f64[3,4]", "np.roll(x, 5)")
case("concatenate", "concatenate-roll_axes", "x: f64[3,4]", "np.roll(x, (1, 2), axis=(0, 1))",
     oracle="np.roll(np.roll(x, 1, axis=0), 2, axis=1)")
case("concatenate", "concatenate-roll_runtime", "x: f64[n,d], i: i64[]", "np.roll(x, i, axis=0) * x",
     fixed={"i": np.int64(-4)}, oracle="np.roll(x, -4, axis=0) * x")
case("broadcast_to", "broadcast_to-repeat", "x: f64[3,4]", "np.repeat(x, 2, axis=0)", vjp=True)
case("broadcast_to", "broadcast_to-repeat_flat", "x: f64[2,3]", "np.repeat(x, 3)")
case("broadcast_to", "broadcast_to-repeat_method", "x: f64[n,d]", "x.repeat(2, axis=1)", oracle="np.repeat(x, 2, axis=1)")
case("broadcast_to", "broadcast_to-tile", "x: f64[3,4]", "np.tile(x, (2, 3))", vjp=True)
case("broadcast_to", "broadcast_to-tile_vector", "x: f64[3]", "np.tile(x, 2) + np.tile(x, (2, 1))[1, 0]")
case("broadcast_to", "broadcast_to-tile_new_axes", "x: f64[3]", "np.tile(x, (2, 1, 2))")
# autograd has no meshgrid: the oracles broadcast by adding zeros
case("broadcast_to", "broadcast_to-meshgrid", "a: f64[3], b: f64[4]", "ga, gb = np.meshgrid(a, b)\nga * gb + ga",
     vjp=True, oracle="ga = a[None, :] + np.zeros((4, 1))\ngb = b[:, None] + np.zeros((1, 3))\nga * gb + ga")
case("broadcast_to", "broadcast_to-meshgrid_ij", "a: f64[3], b: f64[4], c: f64[2]",
     "ga, gb, gc = np.meshgrid(a, b, c, indexing='ij')\nga * gb - gc * ga",
     oracle="ga = a[:, None, None] + np.zeros((1, 4, 2))\ngb = b[None, :, None] + np.zeros((3, 1, 2))\n"
            "gc = c[None, None, :] + np.zeros((3, 4, 1))\nga * gb - gc * ga")
# np.cross: NumPy's products and differences of the components (frontend/cross_product.py)
case("stack", "stack-cross", "a: f64[4,3], b: f64[4,3]", "np.cross(a, b)", vjp=True)
case("stack", "stack-cross_axes", "a: f64[3,4], b: f64[4,3]", "np.cross(a, b, axisa=0, axisc=0)", vjp=True)
# (autograd's cross does not sum a broadcast operand's cotangent back to its shape: its oracles broadcast first)
case("stack", "stack-cross_axis_broadcast", "a: f64[2,3,1], b: f64[3,4]", "np.cross(a, b, axis=-2)",
     oracle="np.cross(a + np.zeros((2, 3, 4)), b + np.zeros((2, 3, 4)), axis=-2)")
case("stack", "stack-cross_named", "a: f64[n,3], b: f64[3]", "np.cross(b, a, 0, 1, -1) * a",
     oracle="np.cross(b + np.zeros((3, 3)), a, 1, 1, -1) * a")
# stacking one array joins its rows (NumPy iterates over its first axis)
case("concatenate", "concatenate-hstack_one_array", "x: f64[3,4], y: f64[2,3,2]", "np.hstack(x)[:4] * np.hstack(y)",
     vjp=True, oracle="np.concatenate((x[0], x[1], x[2]))[:4] * np.concatenate((y[0], y[1]), axis=1)")
case("concatenate", "concatenate-column_stack_one_array", "x: f64[2,3]", "np.column_stack(x) * np.vstack(x).T",
     oracle="np.stack((x[0], x[1]), axis=1) * x.T")
case("concatenate", "concatenate-append", "x: f64[3], y: f64[2,3], z: f64[]",
     "np.append(x, z) + np.append(y, x * z)[:4] + np.append(y, y[:1], axis=0)[2, 0]", vjp=True,
     oracle="np.concatenate((x, np.reshape(z, -1))) + np.concatenate((np.ravel(y), x * z))[:4] + y[0, 0]")
case("concatenate", "concatenate-pad_constant", "x: f64[2,3]",
     "np.pad(x, ((1, 2), (3, 0))) + np.pad(x, (1, 2), constant_values=((1.0, 2.0), (3.0, 4.0)))[:, :6]", vjp=True,
     oracle="np.pad(x, ((1, 2), (3, 0)), 'constant') + "
            "np.pad(x, (1, 2), 'constant', constant_values=((1.0, 2.0), (3.0, 4.0)))[:, :6]")
case("concatenate", "concatenate-pad_widths", "x: f64[2,2]",
     "np.pad(x, 2) * np.pad(x * x, (2,)) + np.pad(x, ((2, 2),), 'constant')",
     oracle="np.pad(x, 2, 'constant') * np.pad(x * x, (2,), 'constant') + np.pad(x, ((2, 2),), 'constant')")
case("concatenate", "concatenate-pad_edge", "x: f64[2,3], y: f64[n]",
     "np.pad(x, ((1, 2), (2, 1)), mode='edge') * np.pad(y, 1, 'edge')[1]",
     oracle="np.concatenate((x[:, :1], x[:, :1], x, x[:, -1:]), axis=1)[np.array([0, 0, 1, 1, 1])] * y[0]", vjp=True)
case("flip", "flip-rot90", "x: f64[3,4]", "np.rot90(x) @ np.rot90(x, 2) + np.rot90(x, -1) @ np.rot90(x, k=4)",
     vjp=True)
case("flip", "flip-rot90_axes", "x: f64[2,3,4]", "np.rot90(x, 1, axes=(2, 0)) + np.rot90(x, 3, (-1, 0))",
     oracle="np.transpose(x[::-1], (2, 1, 0)) + np.transpose(x, (2, 1, 0))[::-1]")
case("squeeze", "squeeze-method", "x: f64[3,1,4,1]", "x.squeeze() + x.squeeze(axis=(1, 3)) * x.squeeze(-1)[:, 0]",
     oracle="np.squeeze(x) + np.squeeze(x, axis=(1, 3)) * np.squeeze(x, -1)[:, 0]", vjp=True)
case("stack", "stack-array_of_scalars", "a: f64[], b: f64[]", "np.array([a, b * a, 2.0])", vjp=True)
case("stack", "stack-array_of_rows", "x: f64[3], y: f64[3]", "np.array([x, y * y]) + np.asarray(x)",
     oracle="np.array([x, y * y]) + x")
case("stack", "stack-array_nested", "a: f64[], b: f64[]", "np.array([[a, b], [b * b, 1.0]])")
case("copy", "copy-array_of_array", "x: f64[3,4]", "np.array(x) * x", oracle="(x + 0.0) * x")
case("sqrt", "sqrt-norm", "x: f64[3,4]", "np.linalg.norm(x)", oracle="np.sqrt(np.sum(x * x))")
case("sqrt", "sqrt-norm_axis", "x: f64[3,4]", "np.linalg.norm(x, axis=1)", vjp=True)
case("sqrt", "sqrt-norm_fro_keepdims", "x: f64[3,4]", "np.linalg.norm(x, 'fro', keepdims=True) * x",
     oracle="np.sqrt(np.sum(x * x, keepdims=True)) * x")
case("abs", "abs-norm_1", "v: f64[4]", "np.linalg.norm(v, 1) + np.linalg.norm(v, ord=np.inf)",
     oracle="np.sum(np.abs(v)) + np.max(np.abs(v))")
case("logsumexp", "logsumexp-softmax", "x: f64[3,4]", "scipy.special.softmax(x, axis=1)", vjp=True,
     oracle="np.exp(x - scipy.special.logsumexp(x, axis=1, keepdims=True))")
case("logsumexp", "logsumexp-log_softmax", "x: f64[3,4]", "scipy.special.log_softmax(x)",
     oracle="x - scipy.special.logsumexp(x, keepdims=True)")
case("log", "log-norm_logpdf", "x: f64[3,4], m: f64[4], s: f64[]", "scipy.stats.norm.logpdf(x, m, s)",
     domain={"s": "pos"}, vjp=True)
case("log", "log-norm_logpdf_keywords", "x: f64[3,4], s: f64[3,1]", "scipy.stats.norm.logpdf(x, scale=s) + scipy.stats.norm.pdf(x, loc=1.0)",
     domain={"s": "pos"}, oracle="-0.5 * (x / s) ** 2 - 0.5 * np.log(2.0 * np.pi) - np.log(s)"
                                 " + np.exp(-0.5 * (x - 1.0) ** 2) / np.sqrt(2.0 * np.pi)")
case("ndtr", "ndtr-norm_cdf", "x: f64[3,4], m: f64[]", "scipy.stats.norm.cdf(x, m) + scipy.stats.norm.logcdf(x, 0.5, 2.0)")
case("gammaln", "gammaln-t_logpdf", "x: f64[3,4], df: f64[], s: f64[4]", "scipy.stats.t.logpdf(x, df, 0.5, s)",
     domain={"df": "big", "s": "pos"}, vjp=True)
case("cholesky", "cholesky-mvn_logpdf", "x: f64[3], m: f64[3], c: f64[3,3]",
     "scipy.stats.multivariate_normal.logpdf(x, m, c)", domain={"c": "spd_lower"},
     oracle="scipy.stats.multivariate_normal.logpdf(x, m, np.tril(c) + np.tril(c, -1).T)")
case("cholesky", "cholesky-mvn_logpdf_rows", "x: f64[n,3], m: f64[3], c: f64[3,3]",
     "scipy.stats.multivariate_normal.logpdf(x, mean=m, cov=c)", domain={"c": "spd_lower"}, vjp=True,
     oracle="scipy.stats.multivariate_normal.logpdf(x, m, np.tril(c) + np.tril(c, -1).T)")
case("cholesky", "cholesky-mvn_pdf", "x: f64[1,3], c: f64[3,3]",
     "scipy.stats.multivariate_normal.pdf(x, cov=c)", domain={"c": "spd_lower"},
     oracle="scipy.stats.multivariate_normal.pdf(x[0], np.zeros(3), np.tril(c) + np.tril(c, -1).T)")

# more elementwise functions (primitives/more_elementwise.py; frontend/more_elementwise.py writes the rest with
# other entries, as NumPy does): autograd has no rule for cbrt, copysign, heaviside, nextafter, modf, positive,
# float_power, polyval, ediff1d or unwrap, so their oracles spell the same function with ones it has
case("cbrt", "cbrt-positive", "x: f64[3,4]", "np.cbrt(x)", domain={"x": "pos"}, oracle="x ** (1.0 / 3.0)", vjp=True)
case("cbrt", "cbrt-negative_times_int", "x: f64[3,4], k: i64[4]", "np.cbrt(x) * np.cbrt(k)", domain={"x": "neg"},
     oracle="-((-x) ** (1.0 / 3.0)) * np.cbrt(k)")
case("copysign", "copysign-broadcast", "a: f64[3,4], b: f64[4]", "np.copysign(a, b) * a",
     oracle="np.where(b < 0, -np.abs(a), np.abs(a)) * a", vjp=True)
case("copysign", "copysign-literals", "a: f64[3,4]", "np.copysign(2.0, a) * a + np.copysign(a, -1.0)",
     oracle="np.where(a < 0, -2.0, 2.0) * a - np.abs(a)")
# (np.floor(x) is 0 for x in [0, 1): there h0 is the value)
case("heaviside", "heaviside-floor", "x: f64[3,4], h: f64[4]", "np.heaviside(np.floor(x), h) * x",
     oracle="np.where(np.floor(x) < 0, 0.0, np.where(np.floor(x) > 0, 1.0, h + 0.0 * x)) * x", vjp=True)
case("nextafter", "nextafter-times", "a: f64[3,4], b: f64[4]", "np.nextafter(a, b) * a", oracle="a * a", vjp=True)
case("modf", "modf-parts", "x: f64[3,4]", "fr, wh = np.modf(x * 2.0)\nfr * x + wh",
     oracle="fr = x * 2.0 - np.trunc(x * 2.0)\nfr * x + np.trunc(x * 2.0)", vjp=True)
# (i0's derivative is I1, i1's I0 - I1 / x: both checked at second order, against scipy.special's through autograd)
case("i0", "i0-times", "x: f64[3,4]", "np.i0(x) * x", oracle="scipy.special.i0(x) * x", vjp=True, hessian=True)
case("i0", "i0-past_8_and_zero", "x: f64[5]", "np.i0(x * 10.0) * 0.001 + np.i0(x - x)", domain={"x": "half"},
     oracle="scipy.special.i0(x * 10.0) * 0.001 + scipy.special.i0(x - x)", hessian=True)
case("positive", "positive-times", "x: f64[3,4]", "np.positive(x) * x", oracle="x * x")
case("conjugate", "conjugate-conj", "x: f64[3,4], y: f64[4]", "np.conj(x) * np.conjugate(y) + x", vjp=True)
case("float_power", "float_power-broadcast", "a: f64[3,4], b: f64[4]", "np.float_power(a, b)", domain={"a": "pos"},
     oracle="a ** b", vjp=True)
case("float_power", "float_power-literals_ints", "a: f64[3,4], k: i64[4]",
     "np.float_power(a, 3) + np.float_power(2.0, a) + np.float_power(a, k)", domain={"a": "pos"},
     oracle="a ** 3 + 2.0 ** a + a ** k")
case("multiply", "multiply-real_imag", "x: f64[3,4], y: f64[4]", "np.real(x) * y + np.imag(x) * x", vjp=True)
case("arctan2", "arctan2-angle", "x: f64[3,4]", "np.angle(x) * x + np.angle(x, deg=True)",
     oracle="np.angle(x) * x + np.angle(x) * (180 / np.pi)")  # (autograd's angle takes no `deg`)
case("add", "add-polyval", "p: f64[4], x: f64[3,4]", "np.polyval(p, x)",
     oracle="((p[0] * x + p[1]) * x + p[2]) * x + p[3]", vjp=True)
case("subtract", "subtract-ediff1d", "x: f64[3,4], b: f64[2]", "np.ediff1d(x, to_begin=b, to_end=1.5)",
     oracle="np.concatenate((b, np.ravel(x)[1:] - np.ravel(x)[:-1], np.array([1.5])))", vjp=True)
case("cumsum", "cumsum-unwrap", "x: f64[3,4]", "np.unwrap(x * 3.0, axis=0)",
     oracle="x * 3.0 + (np.unwrap(stop_gradient(x) * 3.0, axis=0) - stop_gradient(x) * 3.0)", vjp=True)
case("where", "where-isclose", "x: f64[3,4], y: f64[4]",
     "np.where(np.isclose(x, y, atol=0.5) | np.isposinf(x) | np.isneginf(y), x, y * x) * np.allclose(x, x)",
     oracle="np.where(np.abs(x - y) <= 0.5 + 1e-05 * np.abs(y), x, y * x)")
# --- bitwise and integer arithmetic (primitives/bitwise.py, integer_arithmetic.py; tests/test_bitwise.py for bits) --
_SHIFTS = {"i": np.array([3, -6, 0, 5]), "j": np.array([[1], [0], [2]])}
case("bitwise_and", "bitwise_and-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i & j) + np.bitwise_and(i, 6) * x",
     fixed=_SHIFTS)
case("bitwise_or", "bitwise_or-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i | j) + np.bitwise_or(j, 1) * x",
     fixed=_SHIFTS)
case("bitwise_xor", "bitwise_xor-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i ^ j) + ((x > 0) ^ (x < 1)) * x",
     fixed=_SHIFTS)
case("invert", "invert-scale", "x: f64[3,4], i: i32[4]", "x * ~i + np.invert(x > 0) * x", fixed={"i": np.array(
    [3, -6, 0, 5], np.int32)}, oracle="x * (-i - 1) + np.logical_not(x > 0) * x")
case("left_shift", "left_shift-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * (i << j) + np.left_shift(3, j) * x",
     fixed=_SHIFTS)
case("right_shift", "right_shift-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]",
     "x * (i >> j) + np.right_shift(i, 1) * x", fixed=_SHIFTS)
case("gcd", "gcd-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * np.gcd(i, j + 4)", fixed=_SHIFTS)
case("lcm", "lcm-scale", "x: f64[3,4], i: i64[4], j: i64[3,1]", "x * np.lcm(i, j + 1)", fixed=_SHIFTS)
# autograd has no rules for fmod, ldexp and frexp: the oracles spell them with the quotient or power they are
case("fmod", "fmod-both", "a: f64[3,4], b: f64[4]", "np.fmod(a * 3.0, b)", domain={"b": "pos"}, vjp=True,
     oracle="a * 3.0 - b * stop_gradient(np.trunc(a * 3.0 / b))")
case("fmod", "fmod-integers", "x: f64[3,4], i: i64[4]", "x * np.fmod(i, 2) + np.fmod(x, 0.7)", fixed=_SHIFTS,
     oracle="x * np.fmod(i, 2) + x - 0.7 * stop_gradient(np.trunc(x / 0.7))")
case("ldexp", "ldexp-scale", "x: f64[3,4], i: i64[4]", "np.ldexp(x, i) * x", fixed=_SHIFTS, vjp=True,
     oracle="x * 2.0 ** i * x")
case("frexp_mantissa", "frexp_mantissa-scale", "x: f64[3,4]", "m, e = np.frexp(x * 3.0)\nm * x + e",
     oracle="x * 3.0 * 2.0 ** -np.frexp(stop_gradient(x * 3.0))[1] * x + np.frexp(stop_gradient(x * 3.0))[1]")
case("frexp_exponent", "frexp_exponent-times_x", "x: f64[3,4]", "np.frexp(x)[1] * x",
     oracle="np.frexp(stop_gradient(x))[1] * x")


# Derivatives the registry refuses, with a located error rather than a guess: (id, parameters, expression,
# a word the message must contain).
UNSUPPORTED = [
    ("matmul-unannotated", "a, b", "a @ b", "annotate"),
    ("einsum-diagonal", 'a: "f64[3,3]"', 'np.einsum("ii->i", a)', "diagonal"),
    ("mean-unannotated", "x", "np.mean(x, axis=0)", "annotate"),
]


# Entries without a derivative rule, each with why it needs none.
NON_DIFFERENTIABLE = {
    "dim": "reads a shape entry: an integer",
    "print": "an effect: prints primal values, has no value (tests/test_print.py)",
    "last_writes": "which entries of an index array an assignment kept: a boolean mask",
    "check_index": "a backend's run-time check before a kernel reads through an index array: has no value",
    "check_unshared": "a run-time check at entry that no argument shares an updated parameter's memory: no value",
    "check_scalar_argument": "a run-time check at entry that a rank-0 argument is not a 0-d array: no value",
    "check_writeable": "a run-time check at entry that an updated argument is writeable: no value",
    "tuple_get": "unpacks the cotangent tuple of a vjp; never on a primal path",
    "zeros": "creation: a constant",
    "ones": "creation: a constant",
    "zeros_like": "creation: a constant (depends only on the argument's shape)",
    "ones_like": "creation: a constant (depends only on the argument's shape)",
    "arange": "creation: integer or constant values",
    "floor_divide": "piecewise constant: zero derivative almost everywhere",
    "sign": "piecewise constant: zero derivative almost everywhere",
    "floor": "piecewise constant: zero derivative almost everywhere",
    "ceil": "piecewise constant: zero derivative almost everywhere",
    "trunc": "piecewise constant: zero derivative almost everywhere",
    "rint": "piecewise constant: zero derivative almost everywhere",
    "less": "comparison: a boolean",
    "less_equal": "comparison: a boolean",
    "greater": "comparison: a boolean",
    "greater_equal": "comparison: a boolean",
    "equal": "comparison: a boolean",
    "not_equal": "comparison: a boolean",
    "logical_and": "logic: a boolean",
    "logical_or": "logic: a boolean",
    "logical_not": "logic: a boolean",
    "not": "logic: a boolean (Python's `not`)",
    "tape_new": "reverse mode's loop tape: bookkeeping emitted only by reverse mode",
    "eye": "creation: a constant (also the basis vectors a dense Jacobian seeds its batched sweep with)",
    "array": "creation: an array literal of numbers",
    "slogdet_sign": "the sign of a determinant: piecewise constant",
    "argmax": "a position: an integer (also the first example that takes a branch, emitted by vmap)",
    "isnan": "a test: a boolean",
    "isinf": "a test: a boolean",
    "isfinite": "a test: a boolean",
    "signbit": "a test: a boolean",
    "argmin": "a position: an integer",
    "stop_gradient": "the value itself with a zero derivative, by definition",
    "python_int": "an integer (a `range` bound as the Python int the loop index starts from)",
    "any": "a boolean: does any example take a branch (emitted by vmap for control flow)",
    "batch_size": "an integer: the batch size vmap's arguments share",
    "argsort": "a permutation: integers",
    "all": "a boolean: is every element true (`assert np.all(x > 0)`)",
    "check_assert": "a run-time `assert`: an effect in the forward computation, has no value",
    "spacing": "piecewise constant: zero derivative almost everywhere",
    "logical_xor": "logic: a boolean",
    "imag": "the imaginary part of a real number: 0",
    "iscomplex": "a test: a boolean (False for real numbers)",
    "isreal": "a test: a boolean (True for real numbers)",
    "python_bool": "a Python bool (what np.allclose and np.array_equal return)",
    "nanargmax": "a position: an integer",
    "nanargmin": "a position: an integer",
    "masked_all": "a boolean: is every element the mask keeps true",
    "masked_any": "a boolean: is any element the mask keeps true",
    **{name: "bitwise: integers in, integers out" for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "invert",
                                                               "left_shift", "right_shift")},
    "gcd": "integers in, an integer out", "lcm": "integers in, an integer out",
    "frexp_exponent": "an exponent: an int32",
}


# --- building and running ------------------------------------------------------------------------------------------
def _signature(c: Case) -> str:
    return ", ".join(p.name if p.annotation is None else f'{p.name}: "{p.annotation}"' for p in c.params)


READOUTS = {"sin": "np.sum(np.sin({}))", "sum": "np.sum({})", None: "{}"}
KERNELS = {"f": "sin", "f_lin": "sum", "g": None}  # kernel name -> readout


def _body_lines(body: str, readout: str | None) -> str:
    *statements, last = body.splitlines()
    return "".join(f"    {s}\n" for s in statements) + f"    return {READOUTS[readout].format(last)}\n"


def kernel_source(c: Case) -> str:
    """The case as a source file: `f` (nonlinear readout), `f_lin` (linear readout), `g` (raw), and the public
    declarations of their grad and vjp."""
    wrt = "(" + "".join(f'"{n}", ' for n in c.wrt) + ")"
    kernels = "".join(f"@kernel\ndef {name}({_signature(c)}):\n{_body_lines(c.body, readout)}\n\n"
                      for name, readout in KERNELS.items())
    return ("import numpy as np\nimport scipy.linalg\nimport scipy.special\nimport scipy.stats\nfrom lifted import grad, kernel, stop_gradient, vjp\n\n\n"
            + kernels
            + f"f_grad = grad(f, wrt={wrt})\ng_vjp = vjp(g, wrt={wrt})\n")


def partial_wrt(c: Case) -> tuple[str, ...]:
    """With several float inputs, each is also differentiated alone (the others then inactive)."""
    return c.wrt if len(c.wrt) > 1 else ()


def _dim_sources(params: list[Var]) -> dict:
    sources = {}
    for var in params:
        for axis, dim in enumerate(var.type.shape or ()):
            if isinstance(dim, str):
                sources.setdefault(dim, (var, axis))
    return sources


def _kernels(c: Case) -> dict[str, Function]:
    """The case's kernels as IR: lowered from its source, or built from `c.ir` with the symbolic ops."""
    if c.ir is None:
        lowering = Lowering(parse_module(kernel_source(c), f"{c.name}.py"))
        return {name: lowering.lower_kernel(name) for name in KERNELS}
    kernels = {}
    for name, readout in KERNELS.items():
        params = [Var(p.name, parse_annotation(p.annotation or "f64")) for p in c.params]
        builder = Builder(NameScope([p.name for p in params]), _dim_sources(params))
        out = c.ir(*[Sym(builder, p) for p in params])
        if readout is not None:
            out = ops.sum(ops.sin(out) if readout == "sin" else out)
        kernels[name] = Function(name, params, builder.prologue + builder.eqns, out.atom, None, None, name)
    return kernels


def forward(fn: Function, wrt: tuple[int, ...]) -> Function:
    """`(*args, *tangents) -> (value, tangent)`: each equation's JVP rule applied right after it.

    A minimal forward mode over straight-line IR, enough to run the registry's JVP rules. Tangents are handed
    to a rule with their argument's full shape (as reverse mode does with cotangents for most rules).
    """
    assert all(isinstance(e, Eqn) for e in fn.body), "straight-line kernels only"
    scope = NameScope([p.name for p in fn.params] + [o.name for e in fn.body for o in e.outs])
    builder = Builder(scope, _dim_sources(fn.params))
    builder.dim_vars = {e.out.type.value: e.out for e in fn.body if e.prim.name == "dim" and e.args[0] in fn.params}
    tangents, tangent_params = {}, []
    for i in wrt:
        param = fn.params[i]
        tangent_params.append(Var(scope.fresh("t" + param.name), param.type))
        tangents[id(param)] = tangent_params[-1]
    for eqn in fn.body:
        builder.emit(eqn)
        prim = eqn.prim
        active = [isinstance(a, Var) and id(a) in tangents and prim.is_diff_arg(i) for i, a in enumerate(eqn.args)]
        if not prim.differentiable or not any(active) or not eqn.out.type.is_float:
            continue
        assert prim.jvp is not None, f"`{prim.name}` has a VJP rule but no JVP rule"
        ts = [materialize(Sym(builder, tangents[id(a)]), a.type, Sym(builder, a)) if on else None
              for a, on in zip(eqn.args, active)]
        out = prim.jvp(ts, Sym(builder, eqn.out), *[Sym(builder, a) for a in eqn.args], **eqn.params)
        if out is not None:
            tangents[id(eqn.out)] = out.atom
    result = fn.result
    tangent = tangents.get(id(result)) if isinstance(result, Var) else None
    if tangent is None:
        tangent = ops.zeros_like(Sym(builder, result)).atom
    tangent = materialize(Sym(builder, tangent), result.type, Sym(builder, result)).atom
    return Function(f"{fn.name}_jvp", list(fn.params) + tangent_params, builder.prologue + builder.eqns,
                    (result, tangent), None, None, fn.name)


def _exec(code: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(code, f"<{name}>", "exec"), module.__dict__)
    return module


BY_NAME = {c.name: c for c in CASES}


@lru_cache(maxsize=None)
def generated(name: str) -> types.ModuleType:
    """One generated module per case: the kernels, `<k>_grad` (and `<k>_grad_<x>` for each input alone) of both
    readouts, `g_vjp` and `g_jvp`; built stage by stage as the pipeline does (`test_public_pipeline` checks
    `transpile_source` gives the same)."""
    c = BY_NAME[name]
    kernels = _kernels(c)
    positions = {p.name: i for i, p in enumerate(c.params)}
    wrt = tuple(positions[n] for n in c.wrt)
    functions = list(kernels.values())
    for kernel in ("f", "f_lin"):
        functions.append(reverse(kernels[kernel], ReverseSpec(f"{kernel}_grad", "grad", wrt, True)))
        for input_name in partial_wrt(c):
            spec = ReverseSpec(f"{kernel}_grad_{input_name}", "grad", (positions[input_name],), True)
            functions.append(reverse(kernels[kernel], spec))
    functions.append(reverse(kernels["g"], ReverseSpec("g_vjp", "vjp", wrt, True)))
    if c.forward:
        functions.append(forward(kernels["g"], wrt))
    rendered = [render_function(fn, f"{name}.py") for fn in functions]
    code = render_module(
        "numpy_module.py.j2", version="test", source_path=f"{name}.py", source_hash="0" * 64, functions=rendered,
        transforms=[], imports=sorted(set().union(*[f.imports for f in rendered])),
        helpers=set().union(*[f.helpers for f in rendered]),
    )
    return _exec(code, f"generated_{name}")


_AUTOGRAD_SCIPY = types.SimpleNamespace(special=autograd.scipy.special, linalg=autograd.scipy.linalg,
                                        stats=autograd.scipy.stats)


def reference(c: Case, np_module, readout: str | None, oracle: bool = False) -> Callable:
    """The case's body as a plain function over `np_module` (NumPy, or autograd.numpy for the oracle)."""
    body = c.oracle if oracle and c.oracle is not None else c.body
    names = ", ".join(p.name for p in c.params)
    scope = {"np": np_module, "scipy": _AUTOGRAD_SCIPY if np_module is anp else scipy,
             "stop_gradient": getval if np_module is anp else (lambda x: x)}
    exec(f"def fn({names}):\n{_body_lines(body, readout)}", scope)
    return scope["fn"]


def inputs(c: Case) -> list:
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    values = []
    for p in c.params:
        if p.name in c.fixed:
            values.append(c.fixed[p.name])
        elif p.dtype == "bool":
            values.append(rng.random(p.shape) < 0.5)
        elif p.dtype in ("i32", "i64"):
            values.append(rng.integers(-3, 4, size=p.shape).astype(np.dtype(p.dtype.replace("i", "int"))))
        else:
            value = DOMAINS[c.domain.get(p.name, "normal")](rng, p.shape)
            values.append(np.asarray(value, dtype=np.float32 if p.dtype == "f32" else np.float64))
    return values


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def finite_differences(fn: Callable, args: list, index: int) -> np.ndarray:
    base = np.asarray(args[index], dtype=np.float64)
    grad = np.zeros(base.shape)
    for position in np.ndindex(base.shape):
        values = []
        for sign in (1.0, -1.0):
            moved = base.copy()
            moved[position] += sign * FD_STEP
            values.append(fn(*args[:index], moved, *args[index + 1:]))
        grad[position] = (values[0] - values[1]) / (2.0 * FD_STEP)
    return grad


def call_unmutated(fn: Callable, *args):
    """Call a generated function, checking that it leaves its arguments as they were."""
    before = [np.array(a, copy=True) for a in args]
    result = fn(*args)
    for i, (a, b) in enumerate(zip(args, before)):
        np.testing.assert_array_equal(a, b, err_msg=f"argument {i} was modified in place")
    return result


def float_positions(c: Case) -> list[int]:
    return [i for i, p in enumerate(c.params) if p.is_float]


def check_gradient_shapes(c: Case, args: list, grads: tuple) -> None:
    assert len(grads) == len(c.wrt)
    for i, g in zip(float_positions(c), grads):
        assert np.shape(g) == np.shape(args[i]), f"d{c.params[i].name} has shape {np.shape(g)}"
        assert np.all(np.isfinite(g))


def _readout_params(select=lambda c: True) -> list:
    """Each case under the nonlinear readout (`f`, id `<name>`) and, unless it opts out, the linear one (`f_lin`,
    id `<name>-linear`), where cotangents arrive as broadcast constants, smaller than the values they belong to."""
    params = []
    for c in CASES:
        if select(c):
            params.append(pytest.param(c.name, "f", id=c.name))
            if c.linear:
                params.append(pytest.param(c.name, "f_lin", id=f"{c.name}-linear"))
    return params


CASE_PARAMS = [pytest.param(c.name, id=c.name) for c in CASES]
GRAD_PARAMS = _readout_params()
FD_PARAMS = _readout_params(lambda c: c.fd_tol is not None)
PARTIAL_PARAMS = _readout_params(partial_wrt)
VJP_PARAMS = [pytest.param(c.name, id=c.name) for c in CASES if c.vjp]


# --- the tests -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CASE_PARAMS)
def test_primal_matches_numpy(name):
    c = BY_NAME[name]
    m, args = generated(name), inputs(c)
    for kernel, readout in KERNELS.items():
        expected = reference(c, np, readout)(*args)
        got = getattr(m, kernel)(*args)
        assert np.shape(got) == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14, err_msg=kernel)


@pytest.mark.parametrize("name, kernel", FD_PARAMS)
def test_grad_matches_finite_differences(name, kernel):
    c = BY_NAME[name]
    args = inputs(c)
    grads = _as_tuple(call_unmutated(getattr(generated(name), f"{kernel}_grad"), *args))
    check_gradient_shapes(c, args, grads)
    plain = reference(c, np, KERNELS[kernel])
    for i, g in zip(float_positions(c), grads):
        expected = finite_differences(plain, args, i)
        np.testing.assert_allclose(g, expected, rtol=c.fd_tol, atol=c.fd_tol, err_msg=f"d{c.params[i].name}")


@pytest.mark.parametrize("name, kernel", GRAD_PARAMS)
def test_grad_matches_autograd(name, kernel):
    c = BY_NAME[name]
    args = inputs(c)
    grads = _as_tuple(getattr(generated(name), f"{kernel}_grad")(*args))
    check_gradient_shapes(c, args, grads)
    oracle = reference(c, anp, KERNELS[kernel], oracle=True)
    for i, g in zip(float_positions(c), grads):
        expected = autograd.grad(oracle, i)(*args)
        np.testing.assert_allclose(g, expected, rtol=c.rtol, atol=AUTOGRAD_ATOL, err_msg=f"d{c.params[i].name}")


@pytest.mark.parametrize("name, kernel", PARTIAL_PARAMS)
def test_grad_with_respect_to_one_input(name, kernel):
    """Each input alone gets the same gradient as in the full grad (checked above) while the rest are inactive."""
    c = BY_NAME[name]
    m, args = generated(name), inputs(c)
    full = _as_tuple(getattr(m, f"{kernel}_grad")(*args))
    for input_name, expected in zip(c.wrt, full):
        (got,) = getattr(m, f"{kernel}_grad_{input_name}")(*args)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14, err_msg=f"d{input_name} alone")


@pytest.mark.parametrize("name", VJP_PARAMS)
def test_vjp_matches_autograd(name):
    c = BY_NAME[name]
    args = inputs(c)
    value = reference(c, np, None)(*args)
    assert np.ndim(value) > 0, "vjp cases are for non-scalar outputs"
    ct = np.random.default_rng(zlib.crc32(b"ct" + name.encode())).normal(size=np.shape(value))
    got_value, cts = call_unmutated(generated(name).g_vjp, *args, ct)
    np.testing.assert_allclose(got_value, value, rtol=1e-13, atol=1e-14)
    check_gradient_shapes(c, args, _as_tuple(cts))
    raw = reference(c, anp, None, oracle=True)
    for i, got in zip(float_positions(c), _as_tuple(cts)):
        expected = autograd.grad(lambda *xs: anp.sum(raw(*xs) * ct), i)(*args)
        np.testing.assert_allclose(got, expected, rtol=c.rtol, atol=AUTOGRAD_ATOL, err_msg=f"d{c.params[i].name}")


@pytest.mark.parametrize("name", [pytest.param(c.name, id=c.name) for c in CASES if c.forward])
def test_jvp_matches_directional_differences_and_vjp(name):
    """The JVP rules: against central differences along a random direction, and exactly against autograd's
    reverse mode through <ct, J t> = <J^T ct, t>."""
    c = BY_NAME[name]
    args = inputs(c)
    positions = float_positions(c)
    rng = np.random.default_rng(zlib.crc32(b"tangent" + name.encode()))
    # (a tangent in its primal's dtype, as the entry checks ask: JAX's rule)
    directions = [rng.normal(size=np.shape(args[i])).astype(np.asarray(args[i]).dtype) for i in positions]
    value, tangent = call_unmutated(generated(name).g_jvp, *args, *directions)
    plain = reference(c, np, None)
    np.testing.assert_allclose(value, plain(*args), rtol=1e-13, atol=1e-14)
    assert np.shape(tangent) == np.shape(value)

    def moved(step):
        shifted = list(args)
        for i, t in zip(positions, directions):
            shifted[i] = args[i] + step * t.astype(np.float64)
        return plain(*shifted)

    if c.fd_tol is not None:
        expected = (moved(FD_STEP) - moved(-FD_STEP)) / (2 * FD_STEP)
        np.testing.assert_allclose(tangent, expected, rtol=c.fd_tol, atol=c.fd_tol)
    ct = rng.normal(size=np.shape(value))
    raw = reference(c, anp, None, oracle=True)
    pairing = sum(np.sum(autograd.grad(lambda *xs: anp.sum(raw(*xs) * ct), i)(*args) * t)
                  for i, t in zip(positions, directions))
    np.testing.assert_allclose(np.sum(ct * tangent), pairing, rtol=c.rtol, atol=1e-10)


@lru_cache(maxsize=None)
def second_order(name: str) -> types.ModuleType:
    """`f`'s Hessian, its Hessian-vector product `jvp(grad(f))` and `vjp(grad(f))` (reverse over reverse)."""
    c = BY_NAME[name]
    source = (kernel_source(c) + "from lifted import hessian, jvp\n\n"
              + "f_hessian = hessian(f)\nf_hvp = jvp(grad(f))\nf_grad_vjp = vjp(grad(f))\n")
    return _exec(transpile_source(source, f"{name}.py"), f"second_order_{name}")


@pytest.mark.parametrize("name", [pytest.param(c.name, id=c.name) for c in CASES if c.hessian])
def test_second_order_matches_autograd_and_finite_differences(name):
    """Second derivatives of the nonlinear readout: the Hessian against autograd's and against central
    differences of the generated gradient; `jvp(grad(f))` and `vjp(grad(f))` against the Hessian times a vector."""
    c = BY_NAME[name]
    (x,) = args = inputs(c)
    assert len(c.wrt) == 1, "second-order cases take one float input"
    m = second_order(name)
    hess = m.f_hessian(x)
    expected = autograd.hessian(reference(c, anp, "sin", oracle=True))(x)
    assert np.all(np.isfinite(hess))
    np.testing.assert_allclose(hess, expected, rtol=c.rtol, atol=AUTOGRAD_ATOL)
    grad_fn = lambda moved: _as_tuple(generated(name).f_grad(moved))[0]  # noqa: E731
    flat = hess.reshape(x.size, x.size)
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = FD_STEP
        column = (grad_fn(x + step.reshape(x.shape)) - grad_fn(x - step.reshape(x.shape))) / (2 * FD_STEP)
        np.testing.assert_allclose(flat[:, k], column.ravel(), rtol=1e-6, atol=1e-6, err_msg=f"column {k}")
    direction = np.random.default_rng(zlib.crc32(b"hvp" + name.encode())).normal(size=x.shape)
    _, hvp = m.f_hvp(*args, direction)
    np.testing.assert_allclose(hvp.ravel(), flat @ direction.ravel(), rtol=1e-10, atol=1e-12)
    gradient, cotangent = m.f_grad_vjp(*args, direction)
    (cotangent,) = _as_tuple(cotangent)
    np.testing.assert_allclose(gradient, grad_fn(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(cotangent.ravel(), flat.T @ direction.ravel(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", [pytest.param(c.name, id=c.name) for c in CASES if c.vjp and c.ir is None])
def test_public_pipeline(name):
    """`transpile_source` on the case's source (declarations and all) computes what the staged build does."""
    c = BY_NAME[name]
    public = _exec(transpile_source(kernel_source(c), f"{name}.py"), f"public_{name}")
    staged, args = generated(name), inputs(c)
    for got, expected in zip(_as_tuple(public.f_grad(*args)), _as_tuple(staged.f_grad(*args))):
        np.testing.assert_array_equal(got, expected)
    ct = np.ones(np.shape(staged.g(*args)))
    for got, expected in zip(public.g_vjp(*args, ct)[1], staged.g_vjp(*args, ct)[1]):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("params, expr, word", [pytest.param(*u[1:], id=u[0]) for u in UNSUPPORTED])
def test_unsupported_derivative_is_a_located_error(params, expr, word):
    source = (f"import numpy as np\nfrom lifted import kernel, grad\n\n\n@kernel\ndef f({params}):\n"
              f"    return np.sum(np.sin({expr}))\n\n\nf_grad = grad(f)\n")
    with pytest.raises(TranspileError) as info:
        transpile_source(source, "unsupported.py")
    assert word in str(info.value)
    assert "unsupported.py:7" in str(info.value)


# entries that only derivative rules make (no source spells them): checked through the entry whose rule they are
DERIVATIVES_ONLY = {
    "cofactors": "det's first derivative: the det cases' gradients, jvps and second orders exercise it, and "
                 "tests/test_python_fidelity.py at singular matrices",
    "det_second": "det's second derivative (the det cases' second order); its own derivative is refused",
    "i1": "i0's derivative (the generated module's `_i1`): the i0 cases' gradients, and their second order its own",
}


def test_every_differentiable_primitive_has_a_case():
    covered = {c.prim for c in CASES}
    registry = all_primitives()
    # the tape's push and pop keep state across a whole sweep, so their rules are checked on whole programs
    # (tests/test_tape_derivatives.py), not one call at a time
    missing = sorted(n for n, p in registry.items() if p.differentiable and n not in covered and p.family != "tape"
                     and n not in DERIVATIVES_ONLY)
    assert not missing, f"differentiable primitives without a case in tests/test_primitives.py: {missing}"
    unknown = sorted(covered - set(registry))
    assert not unknown, f"cases name primitives that are not registered: {unknown}"


def test_every_non_differentiable_primitive_is_allowed_with_a_reason():
    registry = all_primitives()
    unlisted = sorted(n for n, p in registry.items() if not p.differentiable and n not in NON_DIFFERENTIABLE)
    assert not unlisted, f"non-differentiable primitives missing from NON_DIFFERENTIABLE: {unlisted}"
    stale = sorted(n for n in NON_DIFFERENTIABLE if n not in registry or registry[n].differentiable)
    assert not stale, f"NON_DIFFERENTIABLE lists entries that are gone or now differentiable: {stale}"
    assert all(reason.strip() for reason in NON_DIFFERENTIABLE.values())


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


def test_custom_vjp_refuses_forward_mode():
    builder = Builder(NameScope(["x", "y"]))
    x, y = (Sym(builder, Var(n, parse_annotation("f64[3,4]"))) for n in "xy")
    out = _ir_custom_vjp(x, y)
    with pytest.raises(ShapeError, match="forward mode"):
        lookup("custom_vjp_call").jvp([x, None], out, out, x, y, rule=None, kernel="sin_times")


# --- batching rules: vmap of every entry against a loop over examples -------------------------------------------
BATCH = 3


def _batched_inputs(c: Case) -> list:
    """`BATCH` examples of every input, stacked on a leading axis (index arrays permuted per example)."""
    rng = np.random.default_rng(zlib.crc32(b"batch" + c.name.encode()))
    values = []
    for p in c.params:
        if p.name in c.fixed:
            fixed = np.asarray(c.fixed[p.name])
            values.append(np.stack([fixed if fixed.ndim == 0 else rng.permutation(fixed.ravel()).reshape(fixed.shape)
                                    for _ in range(BATCH)]))
        elif p.dtype == "bool":
            values.append(rng.random((BATCH,) + p.shape) < 0.5)
        elif p.dtype in ("i32", "i64"):
            values.append(rng.integers(-3, 4, size=(BATCH,) + p.shape).astype(np.dtype(p.dtype.replace("i", "int"))))
        else:
            value = DOMAINS[c.domain.get(p.name, "normal")](rng, (BATCH,) + p.shape)
            values.append(np.asarray(value, dtype=np.float32 if p.dtype == "f32" else np.float64))
    return values


@lru_cache(maxsize=None)
def batched_module(name: str) -> types.ModuleType:
    """`g` (the raw expression) batched over all inputs and over each alone, and `f`'s gradient batched (per-example
    gradients), built stage by stage with the batching transform."""
    from lifted.transpiler.transforms.batch import BatchSpec, vmap

    c = BY_NAME[name]
    kernels = _kernels(c)
    functions = list(kernels.values())
    n = len(c.params)
    floats = tuple(0 if p.is_float else None for p in c.params)
    positions = {p.name: i for i, p in enumerate(c.params)}
    grad = reverse(kernels["f"], ReverseSpec("f_grad", "grad", tuple(positions[w] for w in c.wrt), True))
    functions.append(grad)
    variants = [(grad, "f_grad_vmap", floats), (kernels["g"], "g_vmap_floats", floats)] + [
        (kernels["g"], f"g_vmap_{i}", tuple(0 if j == i else None for j in range(n))) for i in range(n)]
    for fn, target, axes in variants:
        try:
            functions.append(vmap(fn, BatchSpec(target, axes)))
        except TranspileError as exc:  # a mask, an index or a bound that differs between examples: shapes would
            assert "differ" in str(exc), str(exc)  # differ too, which vmap refuses by design
    rendered = [render_function(fn, f"{name}.py") for fn in functions]
    code = render_module("numpy_module.py.j2", version="test", source_path=f"{name}.py", source_hash="0" * 64,
                         functions=rendered, transforms=[], imports=sorted(set().union(*[f.imports for f in rendered])),
                         helpers=set().union(*[f.helpers for f in rendered]))
    return _exec(code, f"batched_{name}")


BATCH_PARAMS = [pytest.param(c.name, id=c.name) for c in CASES
                if all(p.annotation is not None for p in c.params) and c.prim != "unbroadcast"]


@pytest.mark.parametrize("name", BATCH_PARAMS)
def test_batching_rule_matches_a_loop_over_examples(name):
    c = BY_NAME[name]
    m, batched = batched_module(name), _batched_inputs(c)
    tol = dict(rtol=max(c.rtol, 1e-10), atol=1e-12)
    floats = tuple(0 if p.is_float else None for p in c.params)
    variants = [("floats", "g_vmap_floats", floats)] + [
        (p.name, f"g_vmap_{i}", tuple(0 if j == i else None for j in range(len(batched))))
        for i, p in enumerate(c.params)]
    for label, target, axes in variants:
        if not hasattr(m, target):
            continue
        fn = getattr(m, target)
        args = [b if a == 0 else inputs(c)[j] for j, (b, a) in enumerate(zip(batched, axes))]
        # inputs fixed at extremes (1e300 next to 1e-300) overflow in some examples whether batched or looped:
        # the values are compared all the same, the floating-point warnings are expected
        with np.errstate(all="ignore") if c.fixed else contextlib.nullcontext():
            got = call_unmutated(fn, *args)
            expected = [m.g(*[a[k] if ax == 0 else a for a, ax in zip(args, axes)]) for k in range(BATCH)]
        for k in range(BATCH):
            np.testing.assert_allclose(got[k], expected[k], err_msg=f"batched over {label}, example {k}", **tol)
    if not hasattr(m, "f_grad_vmap"):
        return
    args = [b if a == 0 else inputs(c)[j] for j, (b, a) in enumerate(zip(batched, floats))]
    with np.errstate(all="ignore") if c.fixed else contextlib.nullcontext():
        grads = _as_tuple(m.f_grad_vmap(*args))
        per_example = [_as_tuple(m.f_grad(*[a[k] if ax == 0 else a for a, ax in zip(args, floats)]))
                       for k in range(BATCH)]
    for k in range(BATCH):
        for got, expected in zip(grads, per_example[k]):
            np.testing.assert_allclose(got[k], expected, err_msg=f"per-example gradient, example {k}", **tol)


def test_every_primitive_has_a_batching_rule():
    missing = sorted(n for n, p in all_primitives().items() if p.batch is None and n != "tape_new")
    assert not missing, f"primitives without a batching rule: {missing}"


def test_c_facts_of_entries_are_consistent():
    """`scalar_c` (the loop kernels evaluate the entry on scalars) and `cuda_uniform` (NumPy's other function for
    a uniform argument, such as an array's `** 0.5`) are facts about an entry's C expression: it must have one."""
    from lifted.transpiler.primitives.registry import all_primitives

    for name, prim in all_primitives().items():
        assert prim.scalar_c in (None, "any", "float", "one_dtype"), name
        if prim.scalar_c is not None or prim.cuda_uniform:
            assert prim.cuda, name
        for position, value, expression in prim.cuda_uniform:
            assert isinstance(position, int) and isinstance(value, float) and "{0}" in expression, name
