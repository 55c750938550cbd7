"""Cases of the generic primitive test (tests/test_primitives.py): elementwise binaries and unaries, where and
clip, reductions, linear algebra, shape operations, indexing, and the constants inside differentiated kernels.
"""
from __future__ import annotations

import numpy as np

from primitive_case import _params, case


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
case("reshape", "reshape-ravel_order_f", "x: f64[2,3,4]", "np.ravel(x, order='F') + x.flatten('F') * x.ravel('C')",
     vjp=True, oracle="np.reshape(np.transpose(x), -1) + np.reshape(np.transpose(x), -1) * np.reshape(x, -1)")
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

# Python's math functions of a run-time number (primitives/math_functions.py): a Python float of x's element;
# autograd cannot see through math's function, so the oracle is NumPy's function of the same mathematics
for _name, _numpy in {"sqrt": "sqrt", "exp": "exp", "expm1": "expm1", "exp2": "exp2", "log": "log", "log2": "log2",
                      "log10": "log10", "log1p": "log1p", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin",
                      "acos": "arccos", "atan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
                      "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "cbrt": "cbrt"}.items():
    _arg = "x[0, 1] + 1.5" if _name == "acosh" else "x[0, 1]"
    _domain = "pos" if _name in ("sqrt", "log", "log2", "log10", "cbrt", "acosh") else "unit"
    case(f"math_{_name}", f"math_{_name}-of_an_element", "x: f64[3,4]", f"x * math.{_name}({_arg})",
         oracle=f"x * ({_arg}) ** (1.0 / 3.0)" if _name == "cbrt" else f"x * np.{_numpy}({_arg})",
         domain={"x": _domain})
# the two-argument ones (twenty-sixth session): libm's function of two Python floats, elements of x and y
for _name, _numpy in {"atan2": "arctan2", "copysign": "copysign", "pow": "power"}.items():
    case(f"math_{_name}", f"math_{_name}-of_two_elements", "x: f64[3,4], y: f64[4]",
         f"x * math.{_name}(x[0, 1], y[2])", oracle=f"x * np.{_numpy}(x[0, 1], y[2])" if _name != "copysign" else
         "x * np.where(y[2] < 0, -np.abs(x[0, 1]), np.abs(x[0, 1]))",  # (autograd has no rule for copysign)
         domain={"x": "pos", "y": "normal"})
