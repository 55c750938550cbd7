"""Sums and products along axes that NumPy programs write and the kernel language refused, each as NumPy computes it
(numpy/_core/fromnumeric.py, numpy/lib/_function_base_impl.py at 2.x; see composed_functions.py for the rest):

* `np.cumprod(a, axis=None, dtype=None)`, `.cumprod()`, `np.nancumprod` (NaN read as 1): the `cumprod` entry
  (primitives/cumprod_vecdot.py), whose rules stay exact where a factor is 0.
* `dtype=` of `np.cumsum`, `np.nancumsum`, `np.cumprod`, `np.nancumprod` and the methods: NumPy casts the input to
  `dtype` (any cast: float to int truncates, a number to bool tests it against 0), then accumulates in `dtype`.
  Float and int64 accumulations are that; an int32 or bool one is the accumulation in int64 cast back at the end,
  which wraps around as the narrower one does (the sums and products agree modulo 2**32) and gives bool's `or` and
  `and` ("the count is not 0").
* `np.trapezoid(y, x=None, dx=1.0, axis=-1)`: `(d * (y[1:] + y[:-1]) / 2.0).sum(axis)`, d = dx or `np.diff(x)`.
* `mean=` of `np.var` and `np.std` (and the methods): NumPy's `_var` with the mean given (`moments_with_mean`).
"""
from __future__ import annotations

from ..builder import const
from ..ir import Const
from . import python_builtins
from .array_literals import array, array_like
from .call_args import Emitter, arg, arity, dtype as read_dtype, given, known_rank, ravel, static, static_int
from .ufunc_handlers import bind_reduction


def as_array(lowering, node, builder, value):
    """np.asanyarray(value): a Python number becomes NumPy's int64 or float64 array (no longer weak)."""
    atom = lowering._atom(array_like(lowering, node, builder, value), node)
    if atom.type.weak:
        atom = lowering._atom(array(lowering, node, builder, [value], {}), node)
    return atom


# --- running sums and products ---------------------------------------------------------------------------------
def _running(lowering, node, builder, name: str, prim: str, nan_fill, x, axis_value, axis_node):
    emit = Emitter(lowering, node, builder)
    if nan_fill is not None and x.type.dtype in ("f32", "f64"):
        x = emit("where", emit("isnan", x), nan_fill, x)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    if axis is None:
        return emit(prim, ravel(emit, x) if known_rank(emit, x) != 1 else x, axis=0)
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise lowering.error(axis_node, f"`{name}`'s `axis` is an integer or None")
    return emit(prim, x, axis=axis)


def accumulated(lowering, node, builder, name, prim, nan_fill, x, axis_value, axis_node, dtype_entry):
    """The running sum or product of `x` along `axis`, accumulated in `dtype` where one is given."""
    if dtype_entry is None or not given(dtype_entry[0]):
        return _running(lowering, node, builder, name, prim, nan_fill, x, axis_value, axis_node)
    target = read_dtype(lowering, *dtype_entry)
    emit = Emitter(lowering, node, builder)
    if nan_fill is not None and x.type.dtype in ("f32", "f64"):  # NaN replaced before the cast, as NumPy does
        x = emit("where", emit("isnan", x), nan_fill, x)
    x = x if x.type.dtype == target else emit("astype", x, dtype=target)  # NumPy's cast of the input (unsafe)
    if target in ("f32", "f64", "i64"):
        return _running(lowering, node, builder, name, prim, None, x, axis_value, axis_node)
    x = emit("astype", x, dtype="i64")  # int32 or bool: accumulated in int64, cast back at the end
    result = _running(lowering, node, builder, name, prim, None, x, axis_value, axis_node)
    return emit("astype", result, dtype=target)


def running(name: str, prim: str, nan_fill=None, old=None):
    """`np.<name>(a, axis=None, dtype=None)`; without `dtype=` the existing handler `old` where there is one."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        if len(positional) == 3 and "dtype" not in keywords:
            positional, keywords["dtype"] = positional[:2], (positional[2], node)
        dtype_entry = keywords.pop("dtype", None)
        if old is not None and (dtype_entry is None or not given(dtype_entry[0])):
            return old(lowering, node, builder, positional, keywords)
        arity(lowering, node, f"np.{name}", positional, keywords, 1, 2, ("axis",),
              hint=f"np.{name}(a, axis, dtype); NumPy reads a fourth positional argument as `out=`, which kernels "
                   "do not take")
        x = as_array(lowering, node, builder, positional[0])
        axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node)
        return accumulated(lowering, node, builder, f"np.{name}", prim, nan_fill, x, axis_value, axis_node,
                           dtype_entry)

    return handle


def method_running(prim: str, old=None):
    """`x.cumsum(axis=None, dtype=None)`, `x.cumprod(...)`."""
    def handle(lowering, node, builder, atom, positional, keywords):
        keywords = dict(keywords)
        if len(positional) == 2 and "dtype" not in keywords:
            positional, keywords["dtype"] = positional[:1], (positional[1], node)
        dtype_entry = keywords.pop("dtype", None)
        if old is not None and (dtype_entry is None or not given(dtype_entry[0])):
            return old(lowering, node, builder, atom, positional, keywords)
        arity(lowering, node, f".{prim}()", positional, keywords, 0, 1, ("axis",))
        axis_value, axis_node = arg(lowering, positional, keywords, 0, "axis", node)
        return accumulated(lowering, node, builder, f".{prim}()", prim, None, atom, axis_value, axis_node,
                           dtype_entry)

    return handle


# --- integration -----------------------------------------------------------------------------------------------
def trapezoid(lowering, node, builder, positional, keywords):
    """`np.trapezoid(y, x=None, dx=1.0, axis=-1)`, as numpy/lib/_function_base_impl.py computes it."""
    arity(lowering, node, "np.trapezoid", positional, keywords, 1, 4, ("x", "dx", "axis"))
    emit = Emitter(lowering, node, builder)
    y = as_array(lowering, node, builder, positional[0])
    rank = known_rank(emit, y)
    axis_value, axis_node = arg(lowering, positional, keywords, 3, "axis", node, Const(-1, None))
    axis = static_int(lowering, axis_value, axis_node, "np.trapezoid's `axis`")
    if rank == 0 or not -rank <= axis < rank:
        raise emit.error(f"np.trapezoid along axis {axis} of an array of rank {rank} (NumPy raises)",
                         "integrate an array along one of its axes")
    written, axis = axis, axis % rank
    x_value, _ = arg(lowering, positional, keywords, 1, "x", node)
    if given(x_value):
        x = as_array(lowering, node, builder, x_value)
        x_rank = known_rank(emit, x)
        if x_rank == 0 or (x_rank > 1 and not -x_rank <= written < x_rank):
            raise emit.error("np.trapezoid's sample points `x` have no such axis (NumPy raises)",
                             "give `x` as a vector along the axis, or an array of y's shape")
        along = 0 if x_rank == 1 else written % x_rank  # np.diff(x) of a vector, else np.diff(x, axis=axis)
        before = (slice(None),) * along
        d = emit("subtract", emit("getitem", x, index=before + (slice(1, None),)),
                 emit("getitem", x, index=before + (slice(None, -1),)))
        if x_rank == 1 and rank > 1:  # a vector of sample points lies along the axis
            d = emit("reshape", d, *[-1 if a == axis else 1 for a in range(rank)])
    else:
        dx_value, _ = arg(lowering, positional, keywords, 2, "dx", node)
        d = emit.atom(1.0 if dx_value is None else array_like(lowering, node, builder, dx_value))
    before = (slice(None),) * axis
    total = emit("add", emit("getitem", y, index=before + (slice(1, None),)),
                 emit("getitem", y, index=before + (slice(None, -1),)))
    return emit("sum", emit("divide", emit("multiply", d, total), 2.0), axis=axis)


def moments_with_mean(lowering, node, builder, prim: str, name: str, x, rest, keywords, ddof: int, mean_entry):
    """`np.var(a, axis, ddof=, keepdims=, mean=m)` (and np.std, the methods): NumPy's `_var` with the mean given,
    `sum((a - m) * (a - m), axis) / max(n - ddof, 0)` (n: the number of elements reduced), `np.sqrt` of it for std."""

    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, x)
    if x.type.dtype == "bool":
        raise emit.error(f"`{name}` of booleans with `mean=` is not supported in kernels", "cast to float first")
    axis_value, axis_node = arg(lowering, rest, keywords, 0, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    rank = known_rank(emit, x)
    axes = tuple(range(rank)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, int) and -rank <= a < rank for a in axes):
        raise lowering.error(axis_node, f"`{name}`'s `axis` is an axis of the array, a tuple of them or None")
    count = None  # the number of elements reduced, less ddof, at least 0 (a build-time int where the sizes are)
    for a in axes:
        size = lowering._dim(x, a % rank, builder, node)
        count = size if count is None else emit("multiply", count, size)
    count = 1 if count is None else count
    if isinstance(count, Const):
        count = const(max(int(count.value) - ddof, 0))
    elif ddof:  # Python's max of Python ints: a weak count, so a float32 variance stays float32, as NumPy's
        count = python_builtins.largest(lowering, node, builder, [emit("subtract", count, ddof), const(0)], {})
    deviation = emit("subtract", x, emit.atom(array_like(lowering, node, builder, mean_entry[0])))
    total = bind_reduction(lowering, node, builder, "sum", emit("multiply", deviation, deviation), rest, dict(keywords))
    variance = emit("divide", total, count)
    return variance if prim == "var" else emit("sqrt", variance)
