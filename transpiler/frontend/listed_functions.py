"""NumPy functions a listing of `dir(np)` showed kernels refused, each composed from primitives the kernel language
has, as NumPy 2.4 writes it (numpy/_core/fromnumeric.py, numpy/lib/_function_base_impl.py, _polynomial_impl.py):

* `np.cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False)` and `np.cumulative_prod`: NumPy 2's
  `_cumulative_func`: `atleast_1d(x)`, the ufunc's `accumulate` along `axis` (None only for one dimension: NumPy's
  ValueError otherwise, refused at build time), which is np.cumsum's and np.cumprod's own accumulation (an int32
  or bool input accumulates in int64), and with `include_initial` the identity (0 or 1, in the result's dtype)
  first along the axis.
* `np.diff(a, n=1, axis=-1, prepend=, append=)`: NumPy's concatenation of `prepend`, `a` and `append` along the
  axis (a scalar broadcast to length 1 along it; Python numbers as NumPy arrays, not weak), then the differences.
* the windows `np.hanning(M)`, `np.hamming(M)`, `np.blackman(M)`, `np.bartlett(M)` and `np.kaiser(M, beta)`: M an
  integer known at build time here (a number known only at run time: run_time_windows.py); NumPy's formulas in
  float64 on `n = arange(1 - M, M, 2)` (kaiser: `arange(0, M)`), the same ufuncs in the same order, so NumPy's bits; an empty array for M < 1 and `[1.0]` for M == 1. kaiser's
  `beta` a number or a float64 scalar the kernel computes (its derivative through np.i0).
* `np.correlate(a, v, mode='valid')`: NumPy's `correlate2` is, bit for bit, `np.convolve(a, v[::-1], mode)` where
  `len(a) >= len(v)` and `np.convolve(v, a[::-1], mode)[::-1]` otherwise (checked for every pair of lengths up to
  8 and every mode); where a length is known only at run time, the same two forms in an If on the lengths
  (run_time_correlation.py); the derivatives are convolve's.
* `np.polyint(p, m=1, k=None)`: NumPy's recursion `concatenate((p / arange(len(p), 0, -1), [k[0]]))`, m times (the
  constants `k` numbers known at build time; the result float64, as NumPy's float64 constants make it).
* `np.polymul(a1, a2)`: `np.convolve` of both after `poly1d`'s `trim_zeros(c, 'f')` (leading zeros dropped, a
  length known at run time; `[0]` for all zeros).
* `np.trim_zeros(filt, trim='fb', axis=None)`: NumPy 2.4's first and last nonzero positions along each axis (NaN
  and -0.0 as `!= 0` counts them), the array sliced between them (run-time bounds); all zeros trims every
  trimmed axis to nothing, as NumPy's `start = stop = 0`.

np.choose and the method `a.choose` are choose.py's.
"""
from __future__ import annotations

import numpy

from ..builder import const
from ..ir import Const, Var
from ..ir.types import promote
from .call_args import Emitter, arg, arity, given, known_rank, static, static_int
from .choose import choose
from .order_statistics import subscript
from .running_sums import accumulated, as_array
from .run_time_correlation import correlate_at_run_time
from .run_time_windows import kaiser_at_run_time, window_at_run_time



def _at_least_1d(emit: Emitter, x):
    return emit("reshape", x, 1) if known_rank(emit, x) == 0 else x


# --- NumPy 2's cumulative_sum and cumulative_prod ----------------------------------------------------------------
def cumulative(name: str, prim: str, identity: int):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{name}", positional, keywords, 1, 1, ("axis", "dtype", "out", "include_initial"),
              hint=f"np.{name}(x, axis=..., dtype=None, include_initial=False)")
        emit = Emitter(lowering, node, builder)
        if "out" in keywords and given(keywords["out"][0]):
            raise lowering.error(keywords["out"][1], f"np.{name}'s `out=` is not supported in kernels",
                                 "use the returned value")
        x = _at_least_1d(emit, as_array(lowering, node, builder, positional[0]))
        axis_value, axis_node = keywords.get("axis", (None, node))
        axis = static(lowering, axis_value, axis_node, "`axis`")
        if axis is None:
            if x.type.rank >= 2:
                raise lowering.error(node, f"np.{name} of a {x.type.rank}-d array without `axis`: NumPy raises "
                                     "ValueError (axis is required)", f"np.{name}(x, axis=0)")
            axis = 0
        if not isinstance(axis, int) or isinstance(axis, bool) or not -x.type.rank <= axis < x.type.rank:
            raise lowering.error(axis_node, f"np.{name}'s `axis` is an axis of the array: NumPy raises AxisError",
                                 "axis=0")
        dtype_entry = keywords.get("dtype")
        result = accumulated(lowering, node, builder, f"np.{name}", prim, None, x, const(axis), axis_node,
                             dtype_entry)
        initial_value, initial_node = keywords.get("include_initial", (Const(False, None), node))
        if not static(lowering, initial_value, initial_node, "`include_initial`"):
            return result
        dims = emit.dims(result)
        dims[axis % x.type.rank] = 1
        first = emit("full", *dims, identity, dtype=result.type.dtype)
        return emit("concatenate", first, result, axis=axis % x.type.rank)

    return handle


# --- np.diff's prepend= and append= ------------------------------------------------------------------------------
def diff_with_ends(old):
    """`np.diff(a, n=1, axis=-1, prepend=<no value>, append=<no value>)`: `old` (np.diff) of the concatenation."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        ends = {key: keywords.pop(key) for key in ("prepend", "append") if key in keywords}
        if len(positional) > 3:
            ends.setdefault("prepend", (positional[3], node))
            if len(positional) > 4:
                ends.setdefault("append", (positional[4], node))
            positional = positional[:3]
        if not ends:
            return old(lowering, node, builder, positional, keywords)
        emit = Emitter(lowering, node, builder)
        a = as_array(lowering, node, builder, positional[0])
        rank = known_rank(emit, a)
        axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node, Const(-1, None))
        axis = static(lowering, axis_value, axis_node, "`axis`")
        if rank == 0 or not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
            return old(lowering, node, builder, positional, keywords)  # (its own located refusals)
        parts = []
        for key in ("prepend", "append"):
            if key not in ends:
                continue
            end = as_array(lowering, node, builder, ends[key][0])  # (None is NumPy's object array: refused there)
            if end.type.rank == 0:
                dims = emit.dims(a)
                dims[axis % rank] = 1
                end = emit("broadcast_to", end, *dims)
            parts.append((key, end))
        joined = [end for key, end in parts if key == "prepend"] + [a] + [end for key, end in parts if key == "append"]
        combined = emit("concatenate", *joined, axis=axis % rank)
        return old(lowering, node, builder, [combined] + list(positional[1:]), keywords)

    return handle


# --- window functions --------------------------------------------------------------------------------------------
def _window_length(lowering, node, positional, keywords, name: str, count: int) -> int | None:
    """M where it is a constant, else None (run_time_windows computes the window)."""
    arity(lowering, node, f"np.{name}", positional, keywords, count, count, hint=f"np.{name}(M)" if count == 1
          else f"np.{name}(M, beta)")
    if not isinstance(positional[0], (Const, tuple, str)) and positional[0] is not None or \
            isinstance(positional[0], Const) and isinstance(positional[0].value, float):  # (2.5: NumPy's float M)
        return None
    m = static(lowering, positional[0], node, f"np.{name}'s `M`")
    if not isinstance(m, int) or isinstance(m, bool):
        raise lowering.error(node, f"np.{name}'s M must be an integer known at build time (len(x) of an array "
                             "whose length is annotated)", "a literal, or len(x) of a fixed-size x")
    return m


def _positions(emit: Emitter, start: int, stop: int, step: int):
    """NumPy's `arange(start, stop, step)` of the float64 M: exact integers, so the int64 arange cast."""
    return emit("astype", emit("arange", start, stop, step), dtype="f64")


def window(name: str):
    def handle(lowering, node, builder, positional, keywords):
        m = _window_length(lowering, node, positional, keywords, name, 1)
        emit = Emitter(lowering, node, builder)
        if m is None:
            return window_at_run_time(emit, name, positional[0])
        if m < 1:
            return emit("zeros", 0, dtype="f64")
        if m == 1:
            return emit("ones", 1, dtype="f64")
        n = _positions(emit, 1 - m, m, 2)
        last = float(m) - 1
        if name == "bartlett":
            return emit("where", emit("less_equal", n, 0), emit("add", 1, emit("divide", n, last)),
                        emit("subtract", 1, emit("divide", n, last)))
        turn = emit("cos", emit("divide", emit("multiply", numpy.pi, n), last))
        if name == "blackman":
            twice = emit("cos", emit("divide", emit("multiply", 2.0 * numpy.pi, n), last))
            return emit("add", emit("add", 0.42, emit("multiply", 0.5, turn)), emit("multiply", 0.08, twice))
        low, high = {"hanning": (0.5, 0.5), "hamming": (0.54, 0.46)}[name]
        return emit("add", low, emit("multiply", high, turn))

    return handle


def kaiser(lowering, node, builder, positional, keywords):
    """`np.kaiser(M, beta)`: `i0(beta * sqrt(1 - ((n - alpha) / alpha)**2.0)) / i0(beta)`, alpha = (M - 1) / 2."""
    m = _window_length(lowering, node, positional, keywords, "kaiser", 2)
    emit = Emitter(lowering, node, builder)
    beta = positional[1]
    if isinstance(beta, Const) and isinstance(beta.value, (int, float)) and not isinstance(beta.value, bool):
        beta = as_array(lowering, node, builder, const(float(beta.value)))  # (NumPy's float64 `values[2]`)
    else:
        beta = emit.atom(beta) if isinstance(beta, (Const, Var)) else None
        if beta is None or beta.type.rank != 0 or beta.type.dtype != "f64":
            raise emit.error("np.kaiser's beta is a number or a float64 scalar", "beta=14.0")
    if m is None:
        return kaiser_at_run_time(emit, positional[0], beta)
    if m == 1:
        return emit("ones", 1, dtype="f64")
    n = _positions(emit, 0, max(m, 0), 1)
    alpha = (float(m) - 1) / 2.0
    inside = emit("subtract", 1, emit("power", emit("divide", emit("subtract", n, alpha), alpha), 2.0))
    return emit("divide", emit("i0", emit("multiply", beta, emit("sqrt", inside))), emit("i0", beta))


# --- correlation and polynomials ---------------------------------------------------------------------------------
def _vector(emit: Emitter, value, name: str):
    x = _at_least_1d(emit, as_array(emit.lowering, emit.node, emit.builder, value))
    if x.type.rank != 1:
        raise emit.error(f"{name} takes vectors: NumPy raises ValueError (object too deep)", "x.ravel()")
    if x.type.dtype == "bool":
        raise emit.error(f"{name} of booleans is not supported in kernels", "x.astype(np.float64)")
    return x


def _reversed(emit: Emitter, x):
    return emit("getitem", x, index=(slice(None, None, -1),))


def correlate(lowering, node, builder, positional, keywords):
    """`np.correlate(a, v, mode='valid')`."""
    arity(lowering, node, "np.correlate", positional, keywords, 2, 3, ("mode",))
    emit = Emitter(lowering, node, builder)
    a, v = (_vector(emit, value, "np.correlate") for value in positional[:2])
    mode_value, mode_node = arg(lowering, positional, keywords, 2, "mode", node, "valid")
    mode = static(lowering, mode_value, mode_node, "np.correlate's `mode`")
    if mode not in ("valid", "same", "full"):
        raise lowering.error(mode_node, f"np.correlate's mode is 'valid', 'same' or 'full', not {mode!r}",
                             "mode='valid' (the default)")
    n, m = a.type.shape[0], v.type.shape[0]
    if n == 0 or m == 0:
        raise emit.error("np.correlate of an empty array: NumPy raises ValueError", "non-empty arrays")
    dtype = promote([a.type, v.type])
    if not isinstance(n, int) or not isinstance(m, int):  # (which operand NumPy swaps depends on them)
        return correlate_at_run_time(emit, a, v, mode, dtype)
    if n >= m:
        return emit("convolve", a, _reversed(emit, v), mode=mode, dtype=dtype)
    return _reversed(emit, emit("convolve", v, _reversed(emit, a), mode=mode, dtype=dtype))


def polyint(lowering, node, builder, positional, keywords):
    """`np.polyint(p, m=1, k=None)`."""
    arity(lowering, node, "np.polyint", positional, keywords, 1, 3, ("m", "k"))
    emit = Emitter(lowering, node, builder)
    m_value, m_node = arg(lowering, positional, keywords, 1, "m", node, Const(1, None))
    order = static_int(lowering, m_value, m_node, "np.polyint's `m`")
    if order < 0:
        raise lowering.error(m_node, "np.polyint of a negative order: NumPy raises ValueError", "np.polyder")
    k_value, k_node = arg(lowering, positional, keywords, 2, "k", node)
    k = static(lowering, k_value, k_node, "np.polyint's `k`")
    ks = numpy.zeros(order, float) if k is None else numpy.atleast_1d(numpy.asarray(k))
    if k is not None and (ks.ndim != 1 or ks.dtype.kind not in "biuf"):
        raise lowering.error(k_node, "np.polyint's k is a number or a list of numbers", "k=0.0")
    if len(ks) == 1 and order > 1:
        ks = ks[0] * numpy.ones(order, float)
    if len(ks) < order:
        raise lowering.error(k_node, "np.polyint's k is shorter than m: NumPy raises ValueError", "one k per order")
    if order == 0:
        return as_array(lowering, node, builder, positional[0])
    p = _vector(emit, positional[0], "np.polyint")
    for step in range(order):
        length = p.type.shape[0]
        if not isinstance(length, int):
            raise emit.error("np.polyint needs the number of coefficients known at build time",
                             'annotate it, e.g. p: "f64[4]"')
        divided = emit("divide", p, emit("arange", length, 0, -1))
        constant = emit("full", 1, const(ks[step].item()), dtype=_lifted(ks.dtype))
        p = emit("concatenate", divided, constant, axis=0)
    return p


def _lifted(dtype) -> str:
    return {"f": "f64", "i": "i64", "u": "i64", "b": "bool"}[numpy.dtype(dtype).kind]


def _trimmed_front(emit: Emitter, c):
    """`poly1d`'s coefficients: `trim_zeros(c, 'f')`, or `[0]` of c's dtype where all are zero."""
    nonzero = emit("not_equal", c, 0)
    start = emit("argmax", nonzero, axis=0)
    anything = emit("any", nonzero, axis=None)
    kept = subscript(emit, c, [slice(emit("where", anything, start, emit.dims(c)[0]), None)])
    return _or_zero(emit, kept, emit("zeros", 1, dtype=c.type.dtype), anything)


def _or_zero(emit: Emitter, kept, zero, anything):
    """`kept`, or `[0]` where it is empty: the first `max(len(kept), 1)` of `concatenate((kept, [0]))`."""
    both = emit("concatenate", kept, zero, axis=0)
    length = emit("where", anything, emit.dims(kept)[0], 1)
    return subscript(emit, both, [slice(None, length)])


def polymul(lowering, node, builder, positional, keywords):
    """`np.polymul(a1, a2)`: `np.convolve(poly1d(a1), poly1d(a2))`."""
    arity(lowering, node, "np.polymul", positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    a, b = (_trimmed_front(emit, _vector(emit, value, "np.polymul")) for value in positional)
    return emit("convolve", a, b, mode="full", dtype=promote([a.type, b.type]))


# --- trim_zeros --------------------------------------------------------------------------------------------------
def trim_zeros(lowering, node, builder, positional, keywords):
    """`np.trim_zeros(filt, trim='fb', axis=None)`."""
    arity(lowering, node, "np.trim_zeros", positional, keywords, 1, 3, ("trim", "axis"))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(positional[0])
    if x.type.weak:
        raise emit.error("np.trim_zeros of a Python number: NumPy returns it as it is", "leave the call out")
    rank = known_rank(emit, x)
    trim_value, trim_node = arg(lowering, positional, keywords, 1, "trim", node, "fb")
    trim = static(lowering, trim_value, trim_node, "np.trim_zeros's `trim`")
    if not isinstance(trim, str) or trim.lower() not in ("fb", "bf", "f", "b"):
        raise lowering.error(trim_node, f"np.trim_zeros's trim={trim!r}: NumPy raises ValueError", "trim='fb'")
    trim = trim.lower()
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    axes = tuple(range(rank)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    if any(not isinstance(a, int) or isinstance(a, bool) or not -rank <= a < rank for a in axes) or \
            len({a % rank for a in axes}) != len(axes):
        raise lowering.error(axis_node, "np.trim_zeros's `axis` names axes of the array: NumPy raises AxisError",
                             "axis=None")
    axes = {a % rank for a in axes}
    if not axes:
        return x
    nonzero = emit("not_equal", x, 0)
    anything = emit("any", nonzero, axis=None)
    # one element after each `along`, True where nothing is nonzero: argmax then never meets an empty axis (NumPy
    # raises ValueError for it; np.trim_zeros of an empty array is that empty array) and finds the same first True
    pad = emit("reshape", emit("logical_not", anything), 1)
    items = []
    for ax in range(rank):
        if ax not in axes:
            items.append(slice(None))
            continue
        others = tuple(a for a in range(rank) if a != ax)
        along = emit("any", nonzero, axis=others) if others else nonzero
        first = emit("argmax", emit("concatenate", along, pad, axis=0), axis=0)
        last = emit("subtract", emit.dims(x)[ax],
                    emit("argmax", emit("concatenate", _reversed(emit, along), pad, axis=0), axis=0))
        start = emit("where", anything, first if "f" in trim else 0, 0)  # (all zeros: empty, as NumPy's 0:0)
        stop = emit("where", anything, last if "b" in trim else emit.dims(x)[ax], 0)
        items.append(slice(start, stop))
    return subscript(emit, x, items)


FUNCTIONS = {
    "numpy.cumulative_sum": cumulative("cumulative_sum", "cumsum", 0),
    "numpy.cumulative_prod": cumulative("cumulative_prod", "cumprod", 1),
    "numpy.hanning": window("hanning"), "numpy.hamming": window("hamming"), "numpy.blackman": window("blackman"),
    "numpy.bartlett": window("bartlett"), "numpy.kaiser": kaiser, "numpy.correlate": correlate,
    "numpy.polyint": polyint, "numpy.polymul": polymul, "numpy.trim_zeros": trim_zeros, "numpy.choose": choose,
}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
    functions["numpy.diff"] = diff_with_ends(functions["numpy.diff"])
