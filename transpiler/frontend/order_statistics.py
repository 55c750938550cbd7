"""Order statistics composed from np.sort, indexing and arithmetic, written as numpy/lib/_function_base_impl.py
(NumPy 2.4) computes them, so the NumPy backend gives NumPy's bits and the derivatives, batching and the C target
come from the parts (sort's derivative follows the stable sorting permutation, so at tied values the derivative
goes to the element NumPy's stable order puts in the middle):

* `np.median(a, axis=None, keepdims=False)`: the mean of the middle one or two sorted elements
  (`s[(n - 1) // 2 : n // 2 + 1]`, NumPy's `mean` of NumPy's slice, so its dtype and its RuntimeWarning and NaN
  for an empty input); where the last sorted element is NaN (NaN sorts last) the result is that NaN, as
  `_median_nancheck` returns it. `axis` an int, a tuple (the axes moved last and merged, as `_ureduce` does) or
  None (flattened).
* `np.quantile(a, q, axis=None, method='linear', keepdims=False)` and `np.percentile` (q / 100 first, as NumPy
  divides): `_quantile`'s linear method, one q (a number known at build time, or a float64 scalar the kernel
  computes): the virtual index `(n - 1) * q`, its floor and the next position (both the last where the index
  reaches `n - 1`), `gamma` the index less the floor, and `_lerp` (`a + (b - a) * gamma`, or `b - (b - a) * (1 -
  gamma)` where gamma >= 0.5); where the last sorted value is NaN, that NaN. A Python number q is weak as NumPy's
  `weak_q` makes it (a float32 input gives float32); an integer q of np.quantile takes the element itself (NumPy's
  `take`, the input's dtype). q outside [0, 1] (after the division) raises NumPy's ValueError: at build time for a
  constant, a run-time check for a computed q.
  The other methods (`lower`, `higher`, `nearest`, `midpoint`, `inverted_cdf`, `averaged_inverted_cdf`,
  `closest_observation`, `interpolated_inverted_cdf`, `hazen`, `weibull`, `median_unbiased`, `normal_unbiased`)
  with the axis's length and q known at build time: the virtual index and gamma are NumPy's own numbers (its
  `_QuantileMethods` table called at build time), and the result the element at an integer index or `_lerp` of
  the two neighbours, NaN as above; with either known only at run time, the same operations emitted
  (quantile_methods.py).
* q an array the kernel has (rank 1 or 2): quantile_methods.py, NumPy's axes of q first.
"""
from __future__ import annotations

import numpy

from numpy.lib._function_base_impl import _QuantileMethods  # NumPy 2.4's virtual indices and gammas, by method

from ..ir import Const, Var
from .call_args import Emitter, arg, arity, known_rank, ravel, static
from .quantile_methods import run_time_quantile
from .running_sums import as_array


def subscript(emit: Emitter, x, items: list):
    """`x[items]`, run-time bounds as they come (ints, slices of ints or integer scalars)."""
    args, index = emit.lowering._index(x, items)
    return emit.lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})


def along_last(emit: Emitter, x, axis, name: str):
    """`x` with the reduced axes merged into one (None: flattened; a tuple: moved last and reshaped, as NumPy's
    `_ureduce` does), the axis it reduces along, and the sorted reduced axes of the input (for keepdims)."""
    rank = known_rank(emit, x)
    if axis is None:
        return ravel(emit, x) if rank != 1 else x, 0, tuple(range(rank))
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise emit.error(f"{name}'s `axis` is an int, a tuple of ints or None")
    if any(not -rank <= a < rank for a in axes):
        raise emit.error(f"{name}'s axis {axis} is out of bounds for an array of rank {rank} (NumPy raises "
                         "AxisError)", "an axis the array has")
    axes = tuple(a % rank for a in axes)
    if len(set(axes)) != len(axes):
        raise emit.error(f"{name}'s axis {axis} repeats an axis (NumPy raises ValueError)", "each axis once")
    if len(axes) == 1:
        return x, axes[0], axes
    kept = [a for a in range(rank) if a not in axes]
    moved = emit("transpose", x, axes=tuple(kept) + tuple(sorted(axes)))
    dims = emit.dims(x)
    return emit("reshape", moved, *[dims[a] for a in kept], -1), len(kept), tuple(sorted(axes))


def keep_dims(emit: Emitter, result, axes: tuple):
    """`result` with the reduced `axes` put back with length 1 (`keepdims=True`), as along_last gives them."""
    for a in axes:
        result = emit("expand_dims", result, axis=a)
    return result


def read_axis_keywords(lowering, node, name: str, positional, keywords, axis_at: int):
    """The static `axis` (positional `axis_at` or keyword) and `keepdims` of order statistic `name`; `out=` and
    `overwrite_input=True` are refused."""
    axis_value, axis_node = arg(lowering, positional, keywords, axis_at, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    keep_value, keep_node = keywords.get("keepdims", (Const(False, None), node))
    keepdims = static(lowering, keep_value, keep_node, "`keepdims`")
    if "out" in keywords and keywords["out"][0] is not None and not (
            isinstance(keywords["out"][0], Const) and keywords["out"][0].value is None):
        raise lowering.error(keywords["out"][1], f"{name}'s `out=` is not supported in kernels",
                             "use the returned value")
    over_value, over_node = keywords.get("overwrite_input", (Const(False, None), node))
    if static(lowering, over_value, over_node, "`overwrite_input`"):
        raise lowering.error(over_node, f"{name}'s overwrite_input=True leaves the input partially sorted, in an "
                             "order NumPy's selection algorithm chooses", "leave overwrite_input out")
    return axis, bool(keepdims)


def median(lowering, node, builder, positional, keywords):
    """`np.median(a, axis=None, out=None, overwrite_input=False, keepdims=False)`."""
    arity(lowering, node, "np.median", positional, keywords, 1, 2, ("axis", "keepdims", "out", "overwrite_input"),
          hint="np.median(a, axis=None, keepdims=False)")
    emit = Emitter(lowering, node, builder)
    x = as_array(lowering, node, builder, positional[0])
    axis, keepdims = read_axis_keywords(lowering, node, "np.median", positional, keywords, 1)
    flat, along, reduced = along_last(emit, x, axis, "np.median")
    s = emit("sort", flat, axis=along)
    n = emit.dims(s)[along]
    before = [slice(None)] * along
    if isinstance(n, Const):
        lo, hi = (n.value - 1) // 2, n.value // 2 + 1
    else:
        lo = emit("floor_divide", emit("subtract", n, 1), 2)
        hi = emit("add", emit("floor_divide", n, 2), 1)
    middle = subscript(emit, s, before + [slice(lo, hi)])
    result = emit("mean", middle, axis=along, keepdims=True)
    if x.type.dtype in ("f32", "f64"):  # `_median_nancheck`: where the last sorted value is NaN, that NaN
        if isinstance(n, Const) and n.value == 0:
            last = None
        elif isinstance(n, Const):
            last = subscript(emit, s, before + [slice(-1, None)])
        else:  # (an empty axis keeps the mean's NaN: NumPy checks nothing for an empty array)
            last = subscript(emit, emit("concatenate", result, s, axis=along), before + [slice(-1, None)])
        if last is not None:
            result = emit("where", emit("isnan", last), last, result)
    result = emit("squeeze", result, axis=along)
    if result.type.rank == 0:  # (NumPy's scalar, as `mean` and `_median_nancheck` return it)
        result = subscript(emit, result, [])
    return keep_dims(emit, result, reduced) if keepdims else result


def quantile_arity(lowering, node, name: str, positional, keywords) -> None:
    """The arguments np.quantile, np.percentile and their NaN-ignoring forms take."""
    arity(lowering, node, name, positional, keywords, 2, 3,
          ("axis", "keepdims", "out", "overwrite_input", "method", "weights"),
          hint=f"{name}(a, q, axis=None, keepdims=False)")


def _range_message(scale: int) -> str:
    """NumPy's ValueError text for a q out of range."""
    return "Percentiles must be in the range [0, 100]" if scale == 100 else "Quantiles must be in the range [0, 1]"


def quantile(scale: int, name: str):
    """`np.quantile` (scale 1) and `np.percentile` (scale 100): `(a, q, axis=None, out=None,
    overwrite_input=False, method='linear', keepdims=False, *, weights=None)`."""
    def handle(lowering, node, builder, positional, keywords):
        quantile_arity(lowering, node, name, positional, keywords)
        emit = Emitter(lowering, node, builder)
        x = as_array(lowering, node, builder, positional[0])
        axis, keepdims = read_axis_keywords(lowering, node, name, positional, keywords, 2)
        method = quantile_keywords(lowering, node, keywords, name, tuple(_QuantileMethods))
        if x.type.dtype == "bool":
            raise emit.error(f"{name} of booleans: NumPy raises TypeError (its interpolation subtracts them)",
                             "x.astype(np.float64)")
        flat, along, reduced = along_last(emit, x, axis, name)
        s = emit("sort", flat, axis=along)
        q_array = array_fractions(emit, x, positional[1], scale, name, method)
        if q_array is not None:  # NumPy's axes of q first, then the kept axes
            _nonempty(emit, s, along, name)
            result = run_time_quantile(emit, s, along, q_array, method, False, _reader(emit))
            if keepdims:
                result = keep_dims(emit, result, tuple(a + q_array.type.rank for a in reduced))
            return subscript(emit, result, []) if result.type.rank == 0 else result
        weak = not isinstance(positional[1], tuple) and isinstance(positional[1], Const)
        results = [_interpolate(emit, s, along, q, name) if method == "linear" else
                   _by_method(emit, s, along, q, name, method, weak)
                   for q in fractions(emit, x, positional[1], scale, name)]
        results = [keep_dims(emit, r, reduced) if keepdims else r for r in results]
        if isinstance(positional[1], tuple):  # several q: NumPy's axis of q first
            return emit("stack", *results, axis=0)
        return subscript(emit, results[0], []) if results[0].type.rank == 0 else results[0]  # (`_lerp`'s `[()]`)

    return handle


def quantile_keywords(lowering, node, keywords, name: str, methods: tuple[str, ...] = ("linear",)) -> str:
    """`method=` one of `methods` (the NaN-ignoring forms: 'linear' only), and no `weights=`."""
    method_value, method_node = keywords.get("method", ("linear", node))
    method = static(lowering, method_value, method_node, "`method`")
    if method not in methods:
        known = method in _QuantileMethods
        raise lowering.error(method_node, f"{name}'s method={method!r} is not supported in kernels" if known else
                             f"{name}'s method={method!r}: NumPy raises ValueError (not a valid method)",
                             "method='linear' (the default)" if len(methods) == 1 else
                             "one of " + ", ".join(repr(m) for m in methods))
    if "weights" in keywords and not (isinstance(keywords["weights"][0], Const)
                                      and keywords["weights"][0].value is None):
        raise lowering.error(keywords["weights"][1], f"{name}'s `weights=` is not supported in kernels",
                             "leave weights out")
    return method


def fractions(emit: Emitter, x, q, scale: int, name: str) -> list:
    """One q (a list of one), or a list or tuple of numbers known at build time, each as `_fraction` reads it.
    Several q are a NumPy array, not weak: a float32 input then interpolates in float64, refused here."""
    if not isinstance(q, tuple):
        return [_fraction(emit, x, q, scale, name)]
    if not q or not all(isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool)
                        for v in q):
        raise emit.error(f"{name}'s q is one number or a list of numbers known at build time",
                         "for computed quantiles, an array of them (np.stack([...]))")
    if x.type.dtype == "f32":
        raise emit.error(f"{name} of a float32 array at several q: NumPy interpolates with q's float64 array, a "
                         "float64 result Lifted does not model", "one call per q (np.stack([...])), or "
                         "x.astype(np.float64)")
    values = numpy.true_divide([v.value for v in q], 100) if scale == 100 else numpy.asanyarray([v.value for v in q])
    if not numpy.all((values >= 0) & (values <= 1)):
        message = _range_message(scale)
        raise emit.error(f"{name} of q={[v.value for v in q]}: NumPy raises ValueError ({message})",
                         "each q in the range")
    return [value[()] if values.dtype.kind == "f" else numpy.asanyarray(value) for value in values]


def array_fractions(emit: Emitter, x, q, scale: int, name: str, method: str):
    """q an array the kernel has (rank 1 or 2, NumPy's limit), as NumPy's `_quantile` reads it: divided by 100 for
    percentile (true division: an integer q gives float64), checked against [0, 1] at run time (ValueError); an
    integer q of np.quantile only with the linear method (NumPy's `take`). None where q is not such an array."""
    if isinstance(q, tuple):
        return None
    atom = emit.atom(q) if isinstance(q, (Const, Var)) else None
    if atom is None or atom.type.rank in (0, None):
        return None
    if atom.type.rank > 2:
        raise emit.error(f"{name} of q of rank {atom.type.rank}: NumPy raises ValueError (q must be a scalar or 1d)",
                         "q of rank 1 or 2")
    if atom.type.dtype not in ("f64", "f32", "i64", "i32"):
        raise emit.error(f"{name}'s q array of {atom.type.dtype} is not supported in kernels", "a float64 q")
    if atom.type.dtype in ("i64", "i32") and scale == 1 and method != "linear":
        raise emit.error(f"{name}'s integer q array with method={method!r} is not supported in kernels",
                         "q.astype(np.float64)")
    return _checked_fraction(emit, atom, scale)


def _fraction(emit: Emitter, x, q, scale: int, name: str):
    """q as NumPy's `_quantile` reads it: a number known at build time (a NumPy float64 or int, and whether it is
    weak), or a float64 scalar atom, each checked against [0, 1] as `_quantile_is_valid` does."""
    message = _range_message(scale)
    if isinstance(q, Const) and isinstance(q.value, (int, float)) and not isinstance(q.value, bool):
        value = numpy.true_divide(q.value, 100) if scale == 100 else numpy.asanyarray(q.value)
        if not 0.0 <= value <= 1.0:
            raise emit.error(f"{name} of q={q.value}: NumPy raises ValueError ({message})", "a q in the range")
        return value
    atom = emit.atom(q) if isinstance(q, (Const, Var)) else None
    if atom is None or atom.type.rank != 0 or atom.type.dtype != "f64":
        raise emit.error(f"{name}'s q is one number: a Python number, or a float64 scalar the kernel computes",
                         "for several quantiles, an array q (float64, float32 or integer; rank 1 or 2)")
    if x.type.dtype == "f32":
        raise emit.error(f"{name} of a float32 array with a computed q: NumPy's result dtype depends on whether q "
                         "is a Python float (float32) or a NumPy float64 (float64)", "a q known at build time, or "
                         "x.astype(np.float64)")
    return _checked_fraction(emit, atom, scale)


def _checked_fraction(emit: Emitter, atom, scale: int):
    """A q the kernel computes (a scalar or an array) as NumPy's `_quantile` reads it: divided by 100 for
    percentile, checked against [0, 1] at run time (`_quantile_is_valid`'s ValueError)."""
    if scale == 100:
        atom = emit("divide", atom, 100)
    inside = emit("logical_and", emit("less_equal", 0.0, atom), emit("less_equal", atom, 1.0))
    emit("check_assert", emit("all", inside) if atom.type.rank else inside, message=_range_message(scale),
         error="ValueError")
    return atom


def _interpolate(emit: Emitter, s, along: int, q, name: str):
    """`_quantile`'s linear method on `s`, sorted along `along`."""
    before = [slice(None)] * along
    n = emit.dims(s)[along]
    if isinstance(n, Const) and n.value == 0:
        raise emit.error(f"{name} of an empty axis: NumPy raises IndexError", "an axis with elements")
    if isinstance(q, numpy.ndarray) and q.dtype.kind in "iu":  # np.quantile's integer q (0 or 1): NumPy's take
        position = (n.value - 1) * int(q) if isinstance(n, Const) else emit("multiply", emit("subtract", n, 1), int(q))
        result = subscript(emit, s, before + [position])
    elif isinstance(n, Const) and isinstance(q, numpy.generic | numpy.ndarray):  # all known: NumPy's own numbers
        virtual = (n.value - 1) * numpy.asanyarray(q)
        previous = numpy.floor(virtual)
        following = previous + 1
        if virtual >= n.value - 1:
            previous, following = -1, -1
        if virtual < 0:
            previous, following = 0, 0
        gamma = float(virtual - int(previous))
        a, b = subscript(emit, s, before + [int(previous)]), subscript(emit, s, before + [int(following)])
        diff = emit("subtract", b, a)
        result = emit("subtract", b, emit("multiply", diff, 1 - gamma)) if gamma >= 0.5 else \
            emit("add", a, emit("multiply", diff, gamma))
    else:
        result = lerp(emit, n, q, lambda p: subscript(emit, s, before + [p]), s.type.dtype)
    if s.type.dtype in ("f32", "f64"):  # slices whose last sorted value is NaN give that NaN
        last_value = subscript(emit, s, before + [-1])
        result = emit("where", emit("isnan", last_value), last_value, result)
    return result


def _reader(emit: Emitter):
    """`read(t, positions)`: `t[positions]`, the values at integer positions along the first axis."""
    return lambda t, positions: subscript(emit, t, [positions])


def _nonempty(emit: Emitter, s, along: int, name: str) -> None:
    n = emit.dims(s)[along]
    if isinstance(n, Const) and n.value == 0:
        raise emit.error(f"{name} of an empty axis: NumPy raises IndexError", "an axis with elements")


def _by_method(emit: Emitter, s, along: int, q, name: str, method: str, weak: bool):
    """`_quantile` with a method other than 'linear': for a length and a q known at build time NumPy's own
    virtual index (`_QuantileMethods[method]`), then the element it names (the discrete methods: NumPy's `take`)
    or `_lerp` of its neighbours with NumPy's gamma (the weak Python float `_quantile` makes of it); otherwise the
    same operations at run time (quantile_methods.py)."""
    before = [slice(None)] * along
    n = emit.dims(s)[along]
    _nonempty(emit, s, along, name)
    if not isinstance(n, Const) or not isinstance(q, numpy.generic | numpy.ndarray):
        if isinstance(q, numpy.ndarray) and q.dtype.kind in "iu":
            raise emit.error(f"{name}'s integer q with method={method!r} and a length known only at run time is "
                             "not supported in kernels", "a float q (1.0)")
        atom = emit.atom(float(q)) if isinstance(q, numpy.generic | numpy.ndarray) else q
        return run_time_quantile(emit, s, along, atom, method, weak, _reader(emit))
    props = _QuantileMethods[method]
    virtual = numpy.asanyarray(props["get_virtual_index"](n.value, numpy.asanyarray(q)))
    if props["fix_gamma"] is None:  # an integer index: the element itself
        result = subscript(emit, s, before + [int(virtual)])
    else:
        previous = numpy.floor(virtual)
        following = previous + 1
        if virtual >= n.value - 1:
            previous, following = numpy.float64(-1), numpy.float64(-1)
        if virtual < 0:
            previous, following = numpy.float64(0), numpy.float64(0)
        previous, following = previous.astype(numpy.intp), following.astype(numpy.intp)
        gamma = float(props["fix_gamma"](numpy.asanyarray(virtual - previous), virtual))
        a, b = subscript(emit, s, before + [int(previous)]), subscript(emit, s, before + [int(following)])
        diff = emit("subtract", b, a)
        result = emit("subtract", b, emit("multiply", diff, 1 - gamma)) if gamma >= 0.5 else \
            emit("add", a, emit("multiply", diff, gamma))
    if s.type.dtype in ("f32", "f64"):  # slices whose last sorted value is NaN give that NaN
        last_value = subscript(emit, s, before + [-1])
        result = emit("where", emit("isnan", last_value), last_value, result)
    return result


def lerp(emit: Emitter, n, q, read, dtype: str):
    """`_quantile`'s linear method computed at run time: `n` the number of values (an integer scalar, or one per
    slice), `q` a float64 atom or a Python number (weak in NumPy: a float32 input rounds gamma to float32), and
    `read(position)` the sorted values at integer positions (-1: the last value)."""
    if not isinstance(q, (Var, Const)):
        q = emit.atom(float(q))
    last = emit("subtract", n, 1)
    virtual = emit("multiply", last, q)
    floor = emit("floor", virtual)
    above, below = emit("greater_equal", virtual, last), emit("less", virtual, 0)
    previous = emit("where", below, 0.0, emit("where", above, -1.0, floor))
    following = emit("where", below, 0.0, emit("where", above, -1.0, emit("add", floor, 1.0)))
    gamma = emit("subtract", virtual, previous)
    a = read(emit("astype", previous, dtype="i64"))
    b = read(emit("astype", following, dtype="i64"))
    diff = emit("subtract", b, a)
    rest = emit("subtract", 1.0, gamma)
    if dtype == "f32":  # NumPy's weak float gamma and 1 - gamma, each rounded to float32
        weight, rest = emit("astype", gamma, dtype="f32"), emit("astype", rest, dtype="f32")
    else:
        weight = gamma
    return emit("where", emit("greater_equal", gamma, 0.5), emit("subtract", b, emit("multiply", diff, rest)),
                emit("add", a, emit("multiply", diff, weight)))


FUNCTIONS = {"numpy.median": median, "numpy.quantile": quantile(1, "np.quantile"),
             "numpy.percentile": quantile(100, "np.percentile")}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
