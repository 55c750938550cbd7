"""`np.geomspace(start, stop, num=50, endpoint=True, dtype=None)` of scalar bounds, as NumPy 2.4 writes it
(numpy/_core/function_base.py): NumPy's ValueError where a bound is 0 (a run-time check), the bounds cast to the
result type and divided by the sign of `start`, `np.logspace` of their base-10 logarithms, the first and last points
set to the bounds themselves (np.exp(np.log(x)) is not always x), the sign multiplied back. Derivatives flow to
traced bounds through the logarithms and the endpoints; `num` must be known at build time (the endpoints' places).
"""
from __future__ import annotations

import numpy

from ..ir import Const
from ..ir.types import numpy_dtype
from .array_literals import array_like
from .call_args import Emitter, bind_arguments, dtype as read_dtype, given, static, static_int



def geomspace(linspace):
    """The handler, over numpy_api's np.linspace handler."""
    name = "np.geomspace"

    def handle(lowering, node, builder, positional, keywords):
        positional, keywords = bind_arguments(lowering, node, name, positional, keywords,
                                              2, ("num", "endpoint", "dtype", "axis"))
        emit = Emitter(lowering, node, builder)
        if "axis" in keywords and static_int(lowering, *keywords.pop("axis"), "`axis`") != 0:
            raise emit.error(f"{name}'s axis= is not supported in kernels", "leave it out")
        num = static_int(lowering, *keywords.get("num", (Const(50, None), node)), f"{name}'s `num`")
        if num < 0:
            raise emit.error(f"{name} of a negative number of samples (NumPy raises ValueError)", "num >= 0")
        bounds = [emit.atom(array_like(lowering, node, builder, value)) for value in positional]
        if any(b.type.shape != () for b in bounds):
            raise emit.error(f"{name} of array bounds is not supported in kernels", "scalar start and stop")
        dtype_entry = keywords.get("dtype")
        wanted = read_dtype(lowering, *dtype_entry) if dtype_entry is not None and given(dtype_entry[0]) else None
        # NumPy's asanyarray of each bound (a Python int an int64, a float a float64), then result_type with
        # float(num) and `zeros((), dtype)`: a float64 where no dtype is given, so two float32 bounds give float64
        kinds = [numpy.zeros((), numpy.int64 if b.type.weak and b.type.dtype in ("i32", "i64") else
                             numpy.float64 if b.type.weak else numpy_dtype(b.type.dtype)) for b in bounds]
        kinds.append(numpy.zeros((), numpy_dtype(wanted) if wanted else numpy.float64))
        dt = {numpy.dtype(numpy.float64): "f64", numpy.dtype(numpy.float32): "f32"}[
            numpy.result_type(*kinds, float(num))]
        start, stop = (b if b.type.dtype == dt and not b.type.weak else  # a Python number: np.full(1, b, dt)[0]
                       emit("getitem", emit("full", 1, b, dtype=dt), index=(0,)) if b.type.weak else
                       emit("astype", b, dtype=dt, scalar=True) for b in bounds)  # (a Python int: no .astype)
        zero = emit("logical_or", emit("equal", start, 0), emit("equal", stop, 0))
        emit("check_assert", emit("logical_not", zero), message="Geometric sequence cannot include zero",
             error="ValueError")
        sign = emit("sign", start)
        start, stop = emit("divide", start, sign), emit("divide", stop, sign)
        line = linspace(lowering, node, builder, [emit("log10", start), emit("log10", stop)],
                        {key: keywords[key] for key in ("num", "endpoint") if key in keywords})
        result = emit("power", 10.0, line)
        result = result if result.type.dtype == dt else emit("astype", result, dtype=dt)
        end_entry = keywords.get("endpoint", (Const(True, None), node))
        endpoint = bool(static(lowering, *end_entry, f"{name}'s `endpoint`"))
        if num > 0:  # NumPy's result[0] = start; result[-1] = stop
            pieces = [emit("reshape", start, 1)]
            middle = num - 1 - (1 if num > 1 and endpoint else 0)
            if middle:
                pieces.append(emit("getitem", result, index=(slice(1, 1 + middle),)))
            if num > 1 and endpoint:
                pieces.append(emit("reshape", stop, 1))
            result = pieces[0] if len(pieces) == 1 else emit("concatenate", *pieces, axis=0)
        result = emit("multiply", result, sign)
        return result if wanted in (None, dt) else emit("astype", result, dtype=wanted)

    return handle
