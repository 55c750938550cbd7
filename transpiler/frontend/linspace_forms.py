"""`np.linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0)` in every form NumPy 2.4 takes
(numpy/_core/function_base.py), over the `linspace` entry of scalar bounds (`plain`: the handler of
axis_functions.py, which renders NumPy's own call and carries the entry's derivatives):

* array bounds (one column of points per element of the broadcast `stop - start`): NumPy's steps written out:
  `delta = stop - start` in the result type `dt`, `y = arange(num)` in `dt` as a column, `y * step` (or `y / div *
  delta` where any step is 0: NumPy's one test over the whole array), `+ start`, the last row `stop` itself for an
  endpoint; so the values are NumPy's bits and the derivatives, batching and the C target come from the parts;
* `axis=`: the points' axis moved there (`np.moveaxis(y, 0, axis)`); AxisError beyond the result's rank, located;
* `dtype=` an integer dtype: `np.floor` first, then the cast (NumPy's `integer_dtype` branch); a float or bool dtype
  the cast alone;
* `retstep=True`: `(y, step)`, `step = delta / div` in `dt` (NaN, a Python float, where `div` is 0).

`num` must be known at build time where the bounds are arrays or `retstep=True` (NumPy branches on `div > 0`).
"""
from __future__ import annotations

from ..ir import Const, const
from ..primitives.creation import linspace_dtype
from .array_literals import array_like
from .call_args import Emitter, bind_arguments, dtype as read_dtype, given, static, static_int

_INTEGERS = ("i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64")


def linspace(plain):
    """The handler, over the np.linspace handler of scalar bounds, `num` and `endpoint` (`plain`)."""
    name = "np.linspace"

    def handle(lowering, node, builder, positional, keywords):
        positional, keywords = bind_arguments(lowering, node, name, positional, keywords,
                                              2, ("num", "endpoint", "retstep", "dtype", "axis"))
        emit = Emitter(lowering, node, builder)
        retstep = bool(static(lowering, *keywords.pop("retstep", (Const(False, None), node)), f"{name}'s `retstep`"))
        axis_entry = keywords.pop("axis", None)
        axis = 0 if axis_entry is None else static_int(lowering, *axis_entry, f"{name}'s `axis`")
        dtype_entry = keywords.pop("dtype", None)
        wanted = read_dtype(lowering, *dtype_entry) if dtype_entry is not None and given(dtype_entry[0]) else None
        bounds = [emit.atom(array_like(lowering, node, builder, value)) for value in positional]
        if any(b.type.shape is None for b in bounds):
            raise emit.error(f"{name} needs the rank of its bounds at build time", 'annotate them, e.g. x: "f64[n]"')
        dt = linspace_dtype(bounds[0].type, bounds[1].type)
        scalar = all(b.type.shape == () for b in bounds)
        num = endpoint = None
        if not scalar or retstep:
            num = static_int(lowering, *keywords.get("num", (Const(50, None), node)), f"{name}'s `num` (NumPy "
                             "branches on it where the bounds are arrays or the step is asked)")
            if num < 0:
                raise emit.error(f"{name} of a negative number of samples (NumPy raises ValueError)", "num >= 0")
            endpoint = bool(static(lowering, *keywords.get("endpoint", (Const(True, None), node)),
                                   f"{name}'s `endpoint`"))
        if scalar:
            y = emit.atom(plain(lowering, node, builder, positional, keywords))
        else:
            y = _array_bounds(emit, bounds, dt, num, endpoint)
        rank = len(y.type.shape)
        if not -rank <= axis < rank:
            raise lowering.error(axis_entry[1], f"{name}'s axis={axis} for a result of rank {rank} (NumPy raises "
                                 "AxisError)", "an axis from -rank to rank - 1")
        if axis % rank:
            order = list(range(1, rank))
            order.insert(axis % rank, 0)
            y = emit("transpose", y, axes=tuple(order))
        if wanted in _INTEGERS:
            y = emit("floor", y)
        if wanted is not None and wanted != y.type.dtype:
            y = emit("astype", y, dtype=wanted)
        if not retstep:
            return y
        div = num - 1 if endpoint else num
        if div <= 0:
            return y, const(float("nan"))
        start, stop = (_in_dtype(emit, b, dt) for b in bounds)
        return y, emit("divide", emit("subtract", stop, start), div)

    return handle


def _in_dtype(emit: Emitter, x, dt: str):
    """`x` cast to `dt` as NumPy's `np.subtract(stop, start, dtype=dt)` casts it (a Python number: np.full's)."""
    if x.type.weak:
        return emit("getitem", emit("full", 1, x, dtype=dt), index=(0,))
    if x.type.dtype == dt:
        return x
    return emit("astype", x, dtype=dt, scalar=x.type.shape == ())


def _array_bounds(emit: Emitter, bounds: list, dt: str, num: int, endpoint: bool):
    """NumPy's points between array bounds, axis 0 the points: its arithmetic, step by step, in `dt`."""
    start, stop = (_in_dtype(emit, b, dt) for b in bounds)
    delta = emit("subtract", stop, start)
    rank = len(delta.type.shape)
    y = emit("reshape", emit("astype", emit("arange", num), dtype=dt), -1, *[1] * rank)
    div = num - 1 if endpoint else num
    if div > 0:
        step = emit("divide", delta, div)
        any_zero = emit("any", emit("equal", step, 0))
        y = emit("where", any_zero, emit("multiply", emit("divide", y, div), delta), emit("multiply", y, step))
    else:
        y = emit("multiply", y, delta)
    y = emit("add", y, start)
    if endpoint and num > 1:  # NumPy's y[-1, ...] = stop
        last = emit("broadcast_to", emit("reshape", stop, 1, *emit.dims(stop)), 1, *emit.dims(delta))
        y = emit("concatenate", emit("getitem", y, index=(slice(0, num - 1),)), last, axis=0)
    return y
