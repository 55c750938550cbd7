"""NumPy's reductions with the keywords the plain entries leave out: `where=` (a mask, broadcast against the
input), `initial=` (joins the reduction), `dtype=` (the accumulator's and the result's dtype), beside `axis=`,
`keepdims=` and `ddof=`.

Every entry renders as NumPy's own call with the same keywords (`np.sum(x, axis=0, initial=1.0, where=m)`), so the
NumPy backend gives NumPy's bits: its summation order for a masked or cast reduction, which a rewrite in terms of
other entries would not (a masked sum adds each unmasked run on its own; a cast sum adds in buffered chunks). The
result dtype is asked of the installed NumPy at build time, on a one-element array of the input's dtype with the same
keywords. The C target runs them as host NumPy calls. The derivative rules see which elements take part (`kept`:
the mask, and for the NaN-ignoring functions of `nan_reductions` the non-NaN entries); the others get a zero
derivative. `masked_<name>` is the entry of `np.<name>` given any of those keywords.
"""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from .. import codegen as cg
from ..ir.types import NUMPY_DTYPES, ShapeError, TensorType, is_unknown, lifted_dtype
from .batching import BatchContext, example_rank, shift_axes
from .reductions import reduction_rule
from .registry import Primitive, register
from .symbolic import Sym, count, ops, reduced_axes, unreduce

_KEYWORDS = ("dtype", "ddof", "initial")  # the constant keywords besides axis/keepdims, as NumPy names them


def result_dtype(func: str, dtype: str, params: dict) -> str:
    """The dtype NumPy's `np.<func>` gives for an input of `dtype` with these keywords (a ShapeError where NumPy
    raises, or gives a dtype that has no annotation)."""
    keywords = {k: params[k] for k in _KEYWORDS if k in params}
    if "dtype" in keywords:
        keywords["dtype"] = np.dtype(NUMPY_DTYPES[keywords["dtype"]])
    sample = np.ones(2, dtype=NUMPY_DTYPES[dtype])
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = np.asarray(getattr(np, func)(sample, **keywords))
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"np.{func} of {dtype} values with {_shown(params)}: NumPy raises {exc}",
                         "convert the input (`.astype(np.float64)`) or pass another dtype=") from None
    lifted = lifted_dtype(result.dtype)
    if lifted is None:
        raise ShapeError(f"np.{func} of {dtype} values with {_shown(params)} gives {result.dtype}, which kernels "
                         "have no annotation for", "pass dtype= one of np.float64, np.float32, np.int64, np.int32, "
                         "np.bool_")
    return lifted


def _shown(params: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items() if k in _KEYWORDS) or "no keywords"


def _check_mask(x: TensorType, where: TensorType) -> None:
    if where.shape is None:  # (unannotated: NumPy checks its dtype and shape at run time)
        return
    if where.dtype != "bool":
        raise ShapeError(f"`where=` is a boolean mask (NumPy refuses to cast {where.dtype} to bool for it)",
                         "compare to make one (`where=x > 0`), or annotate the mask `bool[...]`")
    if x.shape is None:
        return
    hint = "give the mask the array's shape, or one that broadcasts to it (NumPy does not broadcast the array)"
    if len(where.shape) > len(x.shape):
        raise ShapeError(f"`where=` has more axes ({len(where.shape)}) than the array it masks ({len(x.shape)})", hint)
    for w, d in zip(reversed(where.shape), reversed(x.shape)):
        if w != 1 and w != d and not (is_unknown(w) or is_unknown(d)):
            raise ShapeError(f"`where=` of shape {where.shape} does not broadcast to the array's {x.shape}", hint)


def _infer(func: str, result: str | None) -> Callable:
    shape_rule = reduction_rule("same")

    def infer(types: list[TensorType], params) -> TensorType:
        x = types[0]
        if len(types) > 1:
            _check_mask(x, types[1])
        dtype = result or result_dtype(func, x.dtype, params)
        return shape_rule([x], params).with_dtype(dtype)

    return infer


def _render(func: str) -> Callable:
    def render(args, params):
        dtype = params.get("dtype")
        return cg.call(f"np.{func}", args[0], axis=params.get("axis"),
                       dtype=cg.dotted(f"np.{NUMPY_DTYPES[dtype]}") if dtype else None,
                       ddof=params.get("ddof") or None, keepdims=params.get("keepdims") or None,
                       initial=params.get("initial"), where=args[1] if len(args) > 1 else None)

    return render


def batch_masked(ctx: BatchContext, prim, args: list[Sym], batched: list[bool], axis=None, keepdims=False,
                 **params) -> Sym:
    """The same reduction of each example: the input gets the batch axis (a broadcast view where only the mask is
    batched), a batched mask lines up with it example by example, the axes move past the batch axis."""
    x, *mask = args
    rank = example_rank(x, batched[0])
    x = x if batched[0] else ctx.lift(x)
    if mask:
        mask = [ctx.align(mask[0], rank) if batched[1] else mask[0]]
    moved = {"axis": shift_axes(reduced_axes(rank, axis)), **params}
    if keepdims:
        moved["keepdims"] = True
    return ctx.bind(prim.name, [x, *mask], moved)


def cast(v: Sym, dtype: str) -> Sym:
    """`v` in `dtype` (a cotangent back in its input's precision, a tangent in its result's)."""
    if v.type.dtype == dtype or v.type.weak:
        return v
    return ops.astype(v, dtype=dtype, scalar=True) if v.type.shape == () else ops.astype(v, dtype=dtype)


def numpy_reduction(name: str, func: str, vjp: Callable | None = None, jvp: Callable | None = None,
                    result: str | None = None, batch: Callable = batch_masked, temp_name: str = "s",
                    empty_raises: bool = False) -> Primitive:
    """An entry rendered as `np.<func>(x, ..., where=mask)`; `vjp(g, out, x, kept, params)` and
    `jvp(t, out, x, kept, params)` see `kept`, a boolean Sym (or None: every element takes part).
    `empty_raises`: NumPy raises ValueError where nothing takes part (no identity), unless `initial=` is given."""
    def vjp_rule(g, out, x, *mask, active=None, **params):
        if vjp is None or not x.type.is_float or not out.type.is_float:
            return [None] * (1 + len(mask))
        return [cast(vjp(cast(g, x.type.dtype), out, x, kept_of(name, x, mask), params), x.type.dtype)] + \
            [None] * len(mask)

    def jvp_rule(tangents, out, x, *mask, **params):
        if tangents[0] is None or not out.type.is_float:
            return None
        return cast(jvp(tangents[0], out, x, kept_of(name, x, mask), params), out.type.dtype)

    return register(Primitive(
        name=name, infer=_infer(func, result), render=_render(func), family="reduction",
        vjp=vjp_rule if vjp else None, jvp=jvp_rule if jvp else None, diff_args=(0,), batch=batch,
        broadcast_tolerant=True, temp_name=temp_name, extra={"empty_raises": True} if empty_raises else {},
    ))


def kept_of(name: str, x: Sym, mask: tuple) -> Sym | None:
    """Which elements take part: the mask, and not NaN for a NaN-ignoring function."""
    kept = mask[0] if mask else None
    if name.startswith("nan") and x.type.is_float:
        numbers = ops.logical_not(ops.isnan(x))
        kept = numbers if kept is None else ops.logical_and(numbers, kept)
    return kept


def axes_of(params: dict) -> tuple:
    return params.get("axis"), bool(params.get("keepdims"))


def only(t: Sym, kept: Sym | None) -> Sym:
    """`t` where the element takes part, 0 elsewhere (also where `t` is not finite)."""
    return t if kept is None else ops.where(kept, t, 0.0)


def spread(g: Sym, x: Sym, params: dict) -> Sym:
    axis, keepdims = axes_of(params)
    return unreduce(g, x, axis, keepdims)


def count_kept(x: Sym, kept: Sym | None, params: dict) -> Sym:
    """How many elements of each slice take part, with the reduced axes kept (a float)."""
    axis = params.get("axis")
    if kept is None:
        return count(x, axis)
    every = ops.logical_and(kept, ops.ones_like(x, dtype="bool")) if kept.shape != x.shape else kept
    return ops.sum(ops.astype(every, dtype="f64"), axis=axis, keepdims=True)


# --- sums and products -----------------------------------------------------------------------------------------------
def sum_vjp(g, out, x, kept, params):
    return only(spread(g, x, params), kept)


def sum_jvp(t, out, x, kept, params):
    axis, keepdims = axes_of(params)
    return ops.sum(only(t, kept), axis=axis, keepdims=keepdims)


def _factors(x: Sym, kept: Sym | None) -> Sym:
    return x if kept is None else ops.where(kept, x, 1.0)


def _others(x: Sym, kept: Sym | None, params: dict) -> Sym:
    """The product of the other elements of the slice (the initial value among them) for each element."""
    others = ops.prod_others(_factors(x, kept), axis=params.get("axis"))
    return others * params["initial"] if params.get("initial", 1) != 1 else others


def prod_vjp(g, out, x, kept, params):
    return only(spread(g, x, params) * _others(x, kept, params), kept)


def prod_jvp(t, out, x, kept, params):
    axis, keepdims = axes_of(params)
    return ops.sum(only(t * _others(x, kept, params), kept), axis=axis, keepdims=keepdims)


# --- extremes: the elements equal to the result share its derivative (ties equally, as the plain entries) ---------
def _winners(out: Sym, x: Sym, kept: Sym | None, params: dict) -> tuple[Sym, Sym]:
    axis, keepdims = axes_of(params)
    at = x == unreduce(out, x, axis, keepdims)
    at = at if kept is None else ops.logical_and(at, kept)
    return at, ops.sum(ops.astype(at, dtype="f64"), axis=axis, keepdims=True)


def extreme_vjp(g, out, x, kept, params):
    """The cotangent over the tie count at the elements equal to the result, 0 elsewhere (an initial value that
    won, an all-NaN slice: no element gets it)."""
    at, ties = _winners(out, x, kept, params)
    return ops.where(at, spread(g, x, params) / ops.maximum(ties, 1.0), 0.0)


def extreme_jvp(t, out, x, kept, params):
    axis, keepdims = axes_of(params)
    at, ties = _winners(out, x, kept, params)
    return ops.sum(ops.where(at, t, 0.0) / ops.maximum(ties, 1.0), axis=axis, keepdims=keepdims)


# --- means and moments ---------------------------------------------------------------------------------------------
def mean_vjp(g, out, x, kept, params):
    return only(spread(g, x, params) / count_kept(x, kept, params), kept)


def mean_jvp(t, out, x, kept, params):
    axis, keepdims = axes_of(params)
    return ops.sum(only(t, kept) / count_kept(x, kept, params), axis=axis, keepdims=keepdims)


def _centred(x: Sym, kept: Sym | None, params: dict) -> tuple[Sym, Sym]:
    """Each element minus the mean of the elements that take part, 0 where it does not; and the degrees of freedom."""
    n = count_kept(x, kept, params)
    mean = ops.sum(only(x, kept), axis=params.get("axis"), keepdims=True) / n
    return only(x - mean, kept), n - params.get("ddof", 0) if params.get("ddof") else n


def var_vjp(g, out, x, kept, params):
    centred, dof = _centred(x, kept, params)
    return spread(g, x, params) * (2.0 * centred) / dof


def var_jvp(t, out, x, kept, params):
    axis, keepdims = axes_of(params)
    centred, dof = _centred(x, kept, params)
    return ops.sum(only(t, kept) * (2.0 * centred) / dof, axis=axis, keepdims=keepdims)


def _nonzero(y: Sym) -> Sym:
    """The standard deviation where it is not 0, 1 where it is (every centred value is then 0: derivative 0)."""
    return ops.where(y == 0.0, 1.0, y)


def std_vjp(g, out, x, kept, params):
    centred, dof = _centred(x, kept, params)
    return spread(g / _nonzero(out), x, params) * centred / dof


def std_jvp(t, out, x, kept, params):
    axis, keepdims = axes_of(params)
    centred, dof = _centred(x, kept, params)
    return ops.sum(only(t, kept) * centred / dof, axis=axis, keepdims=keepdims) / _nonzero(out)


# The derivative rules of each differentiable reduction, by NumPy's name: `np.<name>` given a mask here, and its
# NaN-ignoring `np.nan<name>` (nan_reductions) share them. `True`: NumPy raises where nothing takes part.
DIFFERENTIABLE = {"sum": (sum_vjp, sum_jvp, False), "prod": (prod_vjp, prod_jvp, False),
                  "max": (extreme_vjp, extreme_jvp, True), "min": (extreme_vjp, extreme_jvp, True),
                  "mean": (mean_vjp, mean_jvp, False), "var": (var_vjp, var_jvp, False),
                  "std": (std_vjp, std_jvp, False)}

for _func, (_vjp, _jvp, _raises) in DIFFERENTIABLE.items():
    numpy_reduction(f"masked_{_func}", _func, _vjp, _jvp, empty_raises=_raises)
numpy_reduction("masked_all", "all", result="bool", temp_name="every")
numpy_reduction("masked_any", "any", result="bool", temp_name="some")
