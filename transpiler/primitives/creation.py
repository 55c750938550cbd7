"""Array creation: zeros, ones, full, zeros_like, ones_like, arange, eye, array literals (constants, never
differentiated), and linspace (linear in its end points)."""
from __future__ import annotations

import libcst as cst

from .. import codegen as cg
from ..ir.types import NUMPY_DTYPES, ShapeError, TensorType, fresh_dim, promote
from .batching import check_static_shape
from .registry import Primitive, register
from .shape_ops import shape_value
from .symbolic import Sym, ops


def _dtype_arg(params):
    dtype = params.get("dtype", "f64")
    return None if dtype == "f64" else cg.dotted(f"np.{NUMPY_DTYPES[dtype]}")


def _full_dtype(fill, params):
    """np.full's dtype: NumPy takes the fill's where none is given (`np.full(3, 7)` is int64), so float64 is left
    out only for a float literal."""
    if "dtype" not in params:
        return None
    literal = fill.expression if isinstance(fill, cst.UnaryOperation) else fill
    return None if params["dtype"] == "f64" and isinstance(literal, cst.Float) else \
        cg.dotted(f"np.{NUMPY_DTYPES[params['dtype']]}")


def _filled(name: str) -> None:
    register(Primitive(
        name=name, family="creation",
        infer=lambda types, p: TensorType(p.get("dtype", "f64"), shape_value(types)),
        render=lambda args, p: cg.call(f"np.{name}", cg.tuple_(*args), dtype=_dtype_arg(p)),
        batch=lambda ctx, prim, args, batched, **p: check_static_shape(batched, 0), temp_name=name.rstrip("s"),
    ))


_filled("zeros")
_filled("ones")


def _infer_full(types, params) -> TensorType:
    value = types[-1]
    if value.shape not in ((), None):
        raise ShapeError("np.full takes a scalar fill value here",
                         "for an array of fill values write np.broadcast_to(fill, shape).astype(dtype) (a new array, "
                         "as np.full makes)")
    dtype = params.get("dtype") or ("f64" if value.weak and value.dtype == "f64" else value.dtype)
    return TensorType(dtype, shape_value(types[:-1]))


def _batch_full(ctx, prim, args, batched, dtype=None):
    """A fill value that differs between examples: each example's value broadcast, as a new array."""
    check_static_shape(batched[:-1], 0)
    filled = ops.copy(ops.broadcast_to(ctx.align(args[-1], len(args) - 1), ctx.size, *args[:-1]))
    return filled if dtype is None or dtype == filled.type.dtype else ops.astype(filled, dtype=dtype)


register(Primitive(
    name="full", family="creation", infer=_infer_full, batch=_batch_full,
    render=lambda args, p: cg.call("np.full", cg.tuple_(*args[:-1]), args[-1], dtype=_full_dtype(args[-1], p)),
    vjp=lambda g, out, *args, active=None, dtype=None: [None] * (len(args) - 1) + [ops.sum(g)],
    jvp=lambda tangents, out, *args, dtype=None: ops.broadcast_to(tangents[-1], *args[:-1]),
    diff_args=None, temp_name="full",  # the cotangent must come in full: every element adds to the fill value
))


def _like(name: str) -> None:
    register(Primitive(
        name=name, family="creation",
        infer=lambda types, p: TensorType(p.get("dtype") or types[0].dtype, types[0].shape),
        render=lambda args, p: cg.call(f"np.{name}", args[0], dtype=_dtype_arg(p) if "dtype" in p else None),
        batch=lambda ctx, prim, args, batched, **p: getattr(ops, name)(args[0], **p),
        temp_name=name.split("_")[0].rstrip("s"),
    ))


_like("zeros_like")
_like("ones_like")


def _infer_arange(types, params) -> TensorType:
    values = [t.value for t in types]
    dtype = "f64" if any(t.dtype in ("f32", "f64") for t in types) else "i64"
    if all(isinstance(v, int) for v in values) and values:
        return TensorType(dtype, (len(range(*values)),))
    if len(values) == 1 and values[0] is not None:
        return TensorType(dtype, (values[0],))
    return TensorType(dtype, (fresh_dim(),))


def _arange_positions(out: Sym) -> Sym:
    """0, 1, ... as long as arange's result: the multiple of `step` each element adds to `start`."""
    return ops.astype(ops.arange(ops.dim(out, axis=0)), dtype="f64")


def _arange_vjp(g, out, *args, active=None):
    """Element k is start + k * step (NumPy's fill: k times (start + step) - start), and the length is constant
    where the derivative exists: 1 in `start`, k in `step`, 0 in `stop` (it moves only where the length jumps)."""
    if len(args) == 1:
        return [None]
    cts = [ops.sum(g), None]
    if len(args) == 3:
        cts.append(ops.sum(g * _arange_positions(out)))
    return cts


def _arange_jvp(tangents, out, *args):
    if len(args) == 1:
        return None
    terms = [None if tangents[0] is None else ops.zeros_like(out) + tangents[0],
             None if len(args) < 3 or tangents[2] is None else _arange_positions(out) * tangents[2]]
    return _sum_present(terms) if any(t is not None for t in terms) else None


register(Primitive(
    name="arange", family="creation", infer=_infer_arange,
    render=lambda args, p: cg.call("np.arange", *args), temp_name="idx",
    batch=lambda ctx, prim, args, batched: check_static_shape(batched, 0),
    vjp=_arange_vjp, jvp=_arange_jvp, diff_args=(0, 2),
))


def _rows_columns(args) -> list:
    """`np.eye(n)` for a square identity, `np.eye(n, m)` otherwise."""
    return args[:1] if len(args) == 1 or cg.source(args[0]) == cg.source(args[1]) else args


def _infer_eye(types, params) -> TensorType:
    """`eye(n)` (square) or `eye(n, m)`, with the diagonal `k` as a parameter."""
    shape = shape_value(types)
    return TensorType(params.get("dtype", "f64"), shape * 2 if len(shape) == 1 else shape)


register(Primitive(
    name="eye", family="creation", infer=_infer_eye,
    render=lambda args, p: cg.call("np.eye", *_rows_columns(args), k=p.get("k") or None, dtype=_dtype_arg(p)),
    temp_name="eye", batch=lambda ctx, prim, args, batched, **p: check_static_shape(batched, 0),
))


def _infer_linspace(types, params) -> TensorType:
    start, stop, num = types
    if start.shape not in ((), None) or stop.shape not in ((), None):
        raise ShapeError("np.linspace is supported between two scalars here",
                         "pass scalar end points (NumPy's array end points, one column of points per element, "
                         "are not supported yet)")
    return TensorType(linspace_dtype(start, stop), shape_value([num]))


def linspace_dtype(start: TensorType, stop: TensorType) -> str:
    """NumPy's `result_type(start, stop, float(num))`: a float32 end point with a Python number gives float32."""
    return promote([start, stop, TensorType("f64", (), weak=True)])


def _fractions(num, endpoint: bool):
    """Where each point sits between start (0) and stop (1)."""
    return ops.linspace(0.0, 1.0, num, endpoint=endpoint)


def _batch_linspace(ctx, prim, args, batched, endpoint=True) -> Sym:
    """End points that differ per example, computed as np.linspace computes each example's, so with its bits: in
    the result's dtype, the positions 0, 1, ... times the step (stop - start) / div (divided by div first, then times
    stop - start, where the step is 0), plus start, and stop itself as the last point of an endpoint. A div of 0
    (one point with its endpoint) is taken as 1: NumPy's `0 * (stop - start)` is the same. A number of points that
    differs per example is refused: the shapes would differ."""
    check_static_shape(batched, 2)
    start, stop, num = args
    dtype = linspace_dtype(start.type, stop.type)
    start, stop = [_as_dtype(ctx.align(x, 1) if flag else x, dtype) for x, flag in zip((start, stop), batched)]
    div = _divisions(num, endpoint)
    positions = ops.astype(ops.arange(num), dtype=dtype)
    delta = stop - start
    step = delta / div
    points = ops.where(step == 0.0, positions / div * delta, positions * step) + start
    return ops.where(ops.arange(num) == div, stop, points) if endpoint else points


def _divisions(num: Sym, endpoint: bool) -> Sym | int:
    """np.linspace's `div`, at least 1, as a Python int (as NumPy's is: an int64 would promote float32 points)."""
    known = num.type.value
    if isinstance(known, int):
        return max(known - 1 if endpoint else known, 1)
    return ops.python_int(ops.maximum(num - 1 if endpoint else num, 1))


def _as_dtype(x: Sym, dtype: str) -> Sym:
    """`x` in the dtype np.linspace computes in (a Python number takes it when it meets an array)."""
    if x.type.weak or x.type.dtype == dtype:
        return x
    return ops.astype(x, dtype=dtype, scalar=True) if x.type.shape == () else ops.astype(x, dtype=dtype)


# linear in its end points: start * (1 - t) + stop * t, with t the points of linspace(0, 1)
register(Primitive(
    name="linspace", family="creation", infer=_infer_linspace,
    render=lambda args, p: cg.call("np.linspace", *args, endpoint=None if p.get("endpoint", True) else False),
    vjp=lambda g, out, start, stop, num, active=None, endpoint=True: [
        ops.sum(g * (1.0 - _fractions(num, endpoint))), ops.sum(g * _fractions(num, endpoint)), None],
    jvp=lambda tangents, out, start, stop, num, endpoint=True: _sum_present([
        None if tangents[0] is None else tangents[0] * (1.0 - _fractions(num, endpoint)),
        None if tangents[1] is None else tangents[1] * _fractions(num, endpoint)]),
    diff_args=(0, 1), temp_name="grid", batch=_batch_linspace,
))


def _sum_present(terms):
    terms = [t for t in terms if t is not None]
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def _list(value):
    if isinstance(value, tuple):
        return cst.List([cst.Element(_list(v)) for v in value])
    return cg.literal(value)


def _literal_dtype(value) -> str:
    """The dtype NumPy gives an array of these Python numbers."""
    flat, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
        else:
            flat.append(item)
    if not flat or any(isinstance(v, float) for v in flat):  # `np.array([])` is float64
        return "f64"
    return "bool" if all(isinstance(v, bool) for v in flat) else "i64"


def _literal_dtype_arg(params):
    """`dtype=` of an array literal, left out only where NumPy gives the numbers that dtype itself:
    `np.array([0, 1], dtype=np.float64)` is float64, which `np.array([0, 1])` is not."""
    if "dtype" not in params or params["dtype"] == _literal_dtype(params["value"]):
        return None
    return cg.dotted(f"np.{NUMPY_DTYPES[params['dtype']]}")


def _infer_array(types, params) -> TensorType:
    value, shape = params["value"], []
    while isinstance(value, tuple):
        shape.append(len(value))
        value = value[0] if value else None
    return TensorType(params.get("dtype") or _literal_dtype(params["value"]), tuple(shape))


# `np.array([[1.0, 0.0], [0.0, 1.0]])`: an array literal of numbers
register(Primitive(
    name="array", family="creation", infer=_infer_array,
    render=lambda args, p: cg.call("np.array", _list(p["value"]), dtype=_literal_dtype_arg(p)),
    temp_name="arr",
    batch=lambda ctx, prim, args, batched, **p: check_static_shape(batched, 0),  # no arguments: never batched
))
