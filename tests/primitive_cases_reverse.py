"""Cases of the generic primitive test (tests/test_primitives.py): the entries only reverse mode emits, built as
IR from the same symbolic `ops` (setitem, custom_vjp_call, reshape_like, ...), and the scans and convolutions
whose oracles spell the sums out.
"""
from __future__ import annotations

import textwrap
from functools import lru_cache
from typing import Callable

import numpy as np

from lifted.transpiler.frontend.parse import parse_module
from lifted.transpiler.normalize import Lowering
from lifted.transpiler.primitives.indexing import Ref
from lifted.transpiler.primitives.symbolic import ops
from primitive_case import FD_TOL, _params, case
from primitive_cases_arrays import _product_of, _with_zeros


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
# np.matvec and np.vecmat (primitives/matvec.py): NumPy 2.2's gufuncs (BLAS's gemv for floats); autograd has neither, so
# the oracle is the sum of products
for _name, _id, _spec, _body, _oracle in [
        ("matvec", "matrix", "x: f64[3,4], y: f64[4]", "np.matvec(x, y)", "np.sum(x * y, axis=-1)"),
        ("matvec", "stacks", "x: f64[2,1,3,4], y: f64[5,4]", "np.matvec(x, y)", "np.sum(x * y[:, None, :], axis=-1)"),
        ("matvec", "same", "x: f64[3,3]", "np.matvec(x, x[0])", "np.sum(x * x[0], axis=-1)"),
        ("vecmat", "matrix", "x: f64[3], y: f64[3,4]", "np.vecmat(x, y)", "np.sum(x[:, None] * y, axis=0)"),
        ("vecmat", "stacks", "x: f64[2,3], y: f64[5,1,3,4]", "np.vecmat(x, y)",
         "np.sum(x[:, :, None] * y, axis=-2)"),
        ("vecmat", "same", "x: f64[3,3]", "np.vecmat(x[1], x)", "np.sum(x[1][:, None] * x, axis=0)")]:
    case(_name, f"{_name}-{_id}", _spec, _body, oracle=_oracle, vjp=True, hessian=", y" not in _spec)
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
