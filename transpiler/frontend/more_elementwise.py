"""NumPy functions that NumPy itself writes in terms of others (numpy/lib, numpy/_core/numeric.py): `np.modf`'s
integral part, `isneginf`/`isposinf`, `real`, `angle`, `isrealobj`, `ediff1d`, `polyval`, `unwrap`, `isclose`,
`allclose`, `array_equal` and `array_equiv`, each lowered to the same operations in the same order and dtypes as
NumPy's own implementation, so the values are NumPy's bits and the derivatives those of the parts; `iterable` and
`isscalar`, answers known at build time.

NumPy turns a Python number into a 0-d array (`asanyarray`) in several of these: that array is strong in NumPy's
promotion (`np.polyval(p32, 2.0)` is float64), so such a number goes through its NumPy scalar here, which promotes
the same way.
"""
from __future__ import annotations

import math

import numpy as np

from ..builder import const
from ..ir import Const, Var
from ..ir.types import ShapeError, broadcast_shapes, lifted_dtype, numpy_dtype
from .array_literals import array_like
from .call_args import Emitter, arg, arity, given, known_rank, ravel, static

_FLOATS = ("f32", "f64")


def _value(emit: Emitter, value):
    """An argument as an atom; a list literal as the array NumPy makes of it."""
    return emit.atom(array_like(emit.lowering, emit.node, emit.builder, value))


def _strong(emit: Emitter, atom):
    """NumPy's `asanyarray` of the value: a Python number becomes its NumPy scalar (int64, float64, bool)."""
    if atom.type.weak and atom.type.shape == ():
        return emit("astype", atom, dtype=atom.type.dtype, scalar=True)
    return atom


def _no_python_bool(emit: Emitter, atom, name: str) -> None:
    if atom.type.weak and atom.type.dtype == "bool":
        raise emit.error(f"`{name}` of a Python bool is not supported in kernels",
                         "pass a number or a boolean array (`np.asarray(b)` outside the kernel)")


def _constant(emit: Emitter, keywords: dict, positional: list, index: int, key: str, default, what: str):
    value, node = arg(emit.lowering, positional, keywords, index, key, emit.node, Const(default, None))
    return static(emit.lowering, value, node, what)


def modf(lowering, node, builder, positional, keywords):
    """`np.modf(x)`: (fraction, integral part); the integral part is np.trunc of x in float (for integers NumPy's
    modf runs in float64), the fraction the registry's `modf`."""
    arity(lowering, node, "np.modf", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    x = _value(emit, positional[0])
    fraction = emit("modf", x)
    whole = x if x.type.dtype in _FLOATS else emit("astype", x, dtype="f64", scalar=x.type.shape == ())
    return fraction, emit("trunc", whole)


def infinity_test(negative: bool):
    """`np.isneginf(x)`: isinf(x) & signbit(x); `np.isposinf(x)`: isinf(x) & ~signbit(x), as NumPy writes them."""
    name = "np.isneginf" if negative else "np.isposinf"

    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 1)
        emit = Emitter(lowering, node, builder)
        x = _value(emit, positional[0])
        sign = emit("signbit", x)
        if not negative:
            sign = emit("logical_not", sign)
        return emit("logical_and", emit("isinf", x), sign, spelled="np.logical_and")

    return handle


def real(lowering, node, builder, positional, keywords):
    """`np.real(x)` of a real number is x itself (NumPy returns `x.real`: the array as a view, a Python float as
    itself), so it is the same value here: an update through one is seen through the other, as in NumPy."""
    arity(lowering, node, "np.real", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    x = _value(emit, positional[0])
    _no_python_bool(emit, x, "np.real")  # (True.real is the int 1)
    return x


def isrealobj(lowering, node, builder, positional, keywords):
    """`np.isrealobj(x)`: True, a Python bool, for every value a kernel has (Lifted has no complex dtype)."""
    arity(lowering, node, "np.isrealobj", positional, keywords, 1, 1)
    Emitter(lowering, node, builder).atom(array_like(lowering, node, builder, positional[0]))
    return const(True)


def iterable(lowering, node, builder, positional, keywords):
    """`np.iterable(y)`: whether `iter(y)` works, a Python bool known at build time: True for an array of rank 1 or
    more (a list or tuple is one), False for a rank-0 value (a 0-d array raises in `iter` as a number does)."""
    arity(lowering, node, "np.iterable", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    return const(known_rank(emit, emit.atom(array_like(lowering, node, builder, positional[0]))) > 0)


def isscalar(lowering, node, builder, positional, keywords):
    """`np.isscalar(element)`: a Python bool known at build time: False for an array of rank 1 or more (a list or
    tuple too), True for a Python number and for what a scalar type makes (`np.float64(1.0)`). Another rank-0 value
    is a NumPy scalar (True) or a 0-d array (False), which Lifted's types do not tell apart: refused."""
    arity(lowering, node, "np.isscalar", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    value = emit.atom(array_like(lowering, node, builder, positional[0]))
    if known_rank(emit, value) > 0:
        return const(False)
    if value.type.weak:
        return const(True)
    made = builder.definition(value) if isinstance(value, Var) else None
    if made is not None and made.prim.name == "astype" and made.params.get("scalar"):
        return const(True)  # `np.float64(1.0)` and its kin: a NumPy scalar (array_literals.py `scalar_type`)
    raise emit.error("np.isscalar of a rank-0 value: NumPy answers True for a NumPy scalar and False for a 0-d "
                     "array, which kernels do not tell apart", "np.ndim(x) == 0 asks about the rank")


def angle(lowering, node, builder, positional, keywords):
    """`np.angle(z, deg=False)` of a real z: NumPy's arctan2(0, z) (0, or pi where z is negative or -0.0), times
    180/pi in place for degrees. Its derivative is 0 (flat, as autograd's for a real argument)."""
    arity(lowering, node, "np.angle", positional, keywords, 1, 2, ("deg",))
    emit = Emitter(lowering, node, builder)
    z = _value(emit, positional[0])
    _no_python_bool(emit, z, "np.angle")  # (asanyarray(True) is a boolean array: float16)
    deg = _constant(emit, keywords, positional, 1, "deg", False, "`deg`")
    result = emit("stop_gradient", emit("arctan2", 0, _strong(emit, z)))
    return emit("multiply", result, 180 / math.pi) if deg else result


def ediff1d(lowering, node, builder, positional, keywords):
    """`np.ediff1d(ary, to_end=None, to_begin=None)`: the differences of the flattened array, with `to_begin` and
    `to_end` (flattened, in ary's dtype, which they must cast to under NumPy's same_kind rule) around them."""
    arity(lowering, node, "np.ediff1d", positional, keywords, 1, 3, ("to_end", "to_begin"))
    emit = Emitter(lowering, node, builder)
    ary = _strong(emit, _value(emit, positional[0]))
    known_rank(emit, ary)
    flat = ravel(emit, ary)
    parts = [emit("subtract", emit("getitem", flat, index=(slice(1, None),)),
                  emit("getitem", flat, index=(slice(None, -1),)))]
    for index, key in ((2, "to_begin"), (1, "to_end")):
        value, _ = arg(lowering, positional, keywords, index, key, node)
        if not given(value):
            continue
        extra = _strong(emit, _value(emit, value))
        known_rank(emit, extra)
        if not np.can_cast(numpy_dtype(extra.type.dtype), numpy_dtype(ary.type.dtype), casting="same_kind"):
            raise emit.error(f"np.ediff1d's `{key}` ({extra.type.dtype}) does not cast to the array's dtype "
                             f"({ary.type.dtype}) under the same_kind rule: NumPy raises a TypeError",
                             f"convert it first: {key}=v.astype(...)")
        extra = ravel(emit, extra)
        if extra.type.dtype != ary.type.dtype:
            extra = emit("astype", extra, dtype=ary.type.dtype)
        parts.insert(0 if key == "to_begin" else len(parts), extra)
    return parts[0] if len(parts) == 1 else emit("concatenate", *parts, axis=0)


def polyval(lowering, node, builder, positional, keywords):
    """`np.polyval(p, x)`: Horner's rule as NumPy runs it, `y = zeros_like(x)`, then `y = y * x + pv` for each
    coefficient (so 0 * x comes first: an infinite x gives NaN, as in NumPy)."""
    arity(lowering, node, "np.polyval", positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    p = _strong(emit, _value(emit, positional[0]))
    x = _strong(emit, _value(emit, positional[1]))
    if known_rank(emit, p) == 0:
        raise emit.error("np.polyval's coefficients are an array (NumPy iterates over them: a 0-d array raises)")
    count = p.type.shape[0]
    if not isinstance(count, int):
        raise emit.error("np.polyval needs the number of coefficients known at build time (one step each)",
                         'annotate it with its length, e.g. p: "f64[4]"')
    y = emit("zeros_like", x)
    for i in range(count):
        y = emit("add", emit("multiply", y, x), emit("getitem", p, index=(i,)))
    return y


def unwrap(lowering, node, builder, positional, keywords):
    """`np.unwrap(p, discont=None, axis=-1, period=2*pi)`, NumPy's steps: the differences along the axis, their
    remainder modulo the period moved into [-period/2, period/2) (period/2 itself where a difference is that and
    positive), no correction below `discont`, and p's first value followed by p plus the running sum of the
    corrections, in the dtype of the differences and the period."""
    arity(lowering, node, "np.unwrap", positional, keywords, 1, 3, ("discont", "axis", "period"))
    emit = Emitter(lowering, node, builder)
    p = _value(emit, positional[0])
    rank = known_rank(emit, p)
    if rank == 0 or p.type.dtype == "bool":
        raise emit.error("np.unwrap takes an array of numbers of rank 1 or more",
                         "convert booleans first: p.astype(np.float64)")
    discont = _constant(emit, keywords, positional, 1, "discont", None, "`discont`")
    axis = _constant(emit, keywords, positional, 2, "axis", -1, "`axis`")
    period = _constant(emit, keywords, [], 3, "period", 2 * math.pi, "`period`")
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise emit.error(f"np.unwrap's `axis` is an axis of the array (rank {rank})")
    for what, number in (("period", period), ("discont", discont)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float))):
            raise emit.error(f"np.unwrap's `{what}` is a number known at build time here")
    axis %= rank

    def along(part: slice):
        return emit("getitem", p, index=(slice(None),) * axis + (part,))

    dd = emit("subtract", along(slice(1, None)), along(slice(None, -1)))
    dtype = np.result_type(numpy_dtype(dd.type.dtype), period)
    name = lifted_dtype(dtype)
    if name is None:
        raise emit.error(f"np.unwrap computes in {dtype} here, which kernels have no dtype for")
    if np.issubdtype(dtype, np.integer):
        high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
    low = -high
    ddmod = emit("add", emit("mod", emit("subtract", dd, low), period), low)
    if ambiguous:
        ddmod = emit("where", emit("logical_and", emit("equal", ddmod, low), emit("greater", dd, 0)), high, ddmod)
    correction = emit("subtract", ddmod, dd)
    correction = emit("where", emit("less", emit("abs", dd), period / 2 if discont is None else discont), 0,
                      correction)
    rest = emit("add", along(slice(1, None)), emit("cumsum", correction, axis=axis))
    first = along(slice(None, 1))
    first, rest = (part if part.type.dtype == name else emit("astype", part, dtype=name) for part in (first, rest))
    return emit("concatenate", first, rest, axis=axis)


def _close(emit: Emitter, positional, keywords):
    """NumPy's isclose: |x - y| <= atol + rtol |y| where y is finite, or x == y (NaN == NaN too with equal_nan),
    y in float first (result_type(y, 1.0); a Python int as a Python float)."""
    x, y = (array_like(emit.lowering, emit.node, emit.builder, v) for v in positional[:2])
    rtol = _tolerance(emit, keywords, positional, 2, "rtol", 1e-5)
    atol = _tolerance(emit, keywords, positional, 3, "atol", 1e-8)
    equal_nan = _constant(emit, keywords, positional, 4, "equal_nan", False, "`equal_nan`")
    x, y = emit.atom(x), emit.atom(y)
    if y.type.weak and y.type.shape == ():
        if y.type.dtype != "f64":
            if not isinstance(y, Const):
                raise emit.error("np.isclose of a Python int computed in the kernel (NumPy takes it as a Python "
                                 "float) is not supported", "write it as a float: `b * 1.0`")
            y = emit.atom(float(y.value))
    elif y.type.dtype not in _FLOATS:
        y = emit("astype", y, dtype="f64", scalar=y.type.shape == ())
    near = emit("less_equal", emit("abs", emit("subtract", x, y)), emit("add", atol, emit("multiply", rtol, emit("abs", y))))
    result = emit("logical_or", emit("logical_and", near, emit("isfinite", y)), emit("equal", x, y))
    if equal_nan:
        result = emit("logical_or", result, emit("logical_and", emit("isnan", x), emit("isnan", y)))
    return result


def _tolerance(emit: Emitter, keywords: dict, positional: list, index: int, key: str, default: float):
    """`rtol`/`atol`: a finite number written in the source, or a value the kernel computes or is passed (numba's
    `np.allclose(a, b, rtol, atol)` usecase), which NumPy's `atol + rtol * abs(y)` takes as it is (an array
    broadcasts)."""
    value, _ = arg(emit.lowering, positional, keywords, index, key, emit.node, Const(default, None))
    if not isinstance(value, Const):
        atom = emit.atom(array_like(emit.lowering, emit.node, emit.builder, value))
        if atom.type.dtype not in ("bool", "i32", "i64") + _FLOATS:
            raise emit.error(f"`{key}` is a number or an array of numbers here")
        return atom
    number = value.value
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        raise emit.error(f"`{key}` is a finite number known at build time here")
    return number


def isclose(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.isclose", positional, keywords, 2, 5, ("rtol", "atol", "equal_nan"))
    return _close(Emitter(lowering, node, builder), positional, keywords)


def allclose(lowering, node, builder, positional, keywords):
    """`np.allclose`: bool(all(isclose(...))), a Python bool."""
    arity(lowering, node, "np.allclose", positional, keywords, 2, 5, ("rtol", "atol", "equal_nan"))
    emit = Emitter(lowering, node, builder)
    return emit("python_bool", emit("all", _close(emit, positional, keywords), axis=None))


def array_equal(lowering, node, builder, positional, keywords):
    """`np.array_equal(a1, a2, equal_nan=False)`: False (a Python bool) for other shapes, else whether every
    element is equal (NaNs in the same places count as equal with equal_nan)."""
    arity(lowering, node, "np.array_equal", positional, keywords, 2, 3, ("equal_nan",))
    emit = Emitter(lowering, node, builder)
    a, b = (_strong(emit, _value(emit, v)) for v in positional[:2])
    equal_nan = _constant(emit, keywords, positional, 2, "equal_nan", False, "`equal_nan`")
    known_rank(emit, a), known_rank(emit, b)
    if len(a.type.shape) != len(b.type.shape) or any(m != n and isinstance(m, int) and isinstance(n, int)
                                                     for m, n in zip(a.type.shape, b.type.shape)):
        return const(False)
    if any(m != n for m, n in zip(a.type.shape, b.type.shape)):  # a named length beside another, or a number
        raise emit.error("`np.array_equal` compares shapes, and these are not known at build time",
                         'annotate the arrays with lengths, or the same names for equal lengths: "f64[n]"')
    same = emit("equal", a, b)
    if equal_nan and a.type.dtype in _FLOATS and b.type.dtype in _FLOATS:
        a_nan, b_nan = emit("isnan", a), emit("isnan", b)
        same = emit("logical_and", emit("equal", a_nan, b_nan), emit("logical_or", a_nan, same))
    return emit("python_bool", emit("all", same, axis=None))


def array_equiv(lowering, node, builder, positional, keywords):
    """`np.array_equiv(a1, a2)`: False (a Python bool) where the shapes do not broadcast, else whether every element
    of the broadcast pair is equal."""
    arity(lowering, node, "np.array_equiv", positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    a, b = (_strong(emit, _value(emit, v)) for v in positional)
    known_rank(emit, a), known_rank(emit, b)
    pairs = zip(a.type.shape[::-1], b.type.shape[::-1])
    if any(isinstance(m, int) and isinstance(n, int) and m != n and 1 not in (m, n) for m, n in pairs):
        return const(False)
    try:
        broadcast_shapes([a.type.shape, b.type.shape])
    except ShapeError:
        raise emit.error("`np.array_equiv` asks whether the shapes broadcast, and these are not known at build time",
                         'annotate the arrays with lengths, or the same names for equal lengths: "f64[n]"') from None
    return emit("python_bool", emit("all", emit("equal", a, b), axis=None))


FUNCTIONS = {
    "numpy.modf": modf, "numpy.isneginf": infinity_test(True), "numpy.isposinf": infinity_test(False),
    "numpy.real": real, "numpy.isrealobj": isrealobj, "numpy.iterable": iterable, "numpy.isscalar": isscalar,
    "numpy.angle": angle, "numpy.ediff1d": ediff1d,
    "numpy.polyval": polyval, "numpy.unwrap": unwrap, "numpy.isclose": isclose, "numpy.allclose": allclose,
    "numpy.array_equal": array_equal, "numpy.array_equiv": array_equiv,
}
