"""Common NumPy functions users write that the kernel language refused, each put together from primitives it has,
as NumPy 2.4 writes them (numpy/_core and numpy/lib):

* `np.copy(a, order='K', subok=False)`: `np.array(a, copy=True)` (NumPy's own definition); its layout is not taken
  for C-contiguous (order 'K' keeps the input's), so a write through a reshape of it is refused, as for `np.array`.
* `np.empty(shape, dtype=float, order='C')`, `np.empty_like(a, dtype=None, order='K', subok=True, shape=None)`: zeros
  (NumPy leaves them uninitialised: a program that reads them before writing reads garbage, any value is a run of
  it). `order=` by keyword is layout_orders.py's (a Fortran array's reshape is a copy, a C array's a view).
* `np.ascontiguousarray(a, dtype=None)`: `np.reshape(a, a.shape)` (rank 0: `(1,)`): the same array where it is
  C-contiguous and a copy otherwise, as a reshape, so the same aliasing rules hold (a write through it is refused
  where the input's layout is the caller's).
* `np.asanyarray(a, dtype=None)`: `np.asarray` (Lifted has no subclasses).
* `np.asarray_chkfinite(a, dtype=None)`: `np.asarray`, then NumPy's ValueError where a float array holds NaN or inf
  (a run-time check, `check_assert`).
* `np.fix(x)`: `np.trunc(x)` (NumPy's own definition; derivative 0).
* `np.take(a, indices, axis=None, mode='raise')` and `a.take(...)`: `a.ravel()[indices]` or `a[:, ..., indices]`;
  mode 'wrap' is `np.mod` of the indices, 'clip' `np.clip(indices, 0, n - 1)`. `out=` is refused.
* `np.vdot(a, b)`: `np.dot(a.ravel(), b.ravel())` (real arrays: no conjugate).
* `np.tri(N, M=None, k=0, dtype=float)`: NumPy's `np.greater_equal.outer(np.arange(N), np.arange(-k, M - k))`, the
  sizes known at build time or at run time.
* `np.dstack(tup)`: `np.concatenate([np.atleast_3d(a) for a in tup], axis=2)`.
* `np.nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None)`: `np.where` of `np.isnan`, `np.isposinf`,
  `np.isneginf` (the largest and smallest finite numbers of x's dtype by default); integer and bool arrays are
  returned as copies. The derivative passes where x is finite and is 0 where a value was replaced.
"""
from __future__ import annotations

import numpy

from ..ir import Const
from ..values import ListValue
from .array_functions import at_least, sequence_of_arrays
from .array_literals import array, array_like, asarray
from .call_args import Emitter, arity, dtype as read_dtype, given, known_rank, ravel, shape_args, static, \
    static_int
from .ufunc_handlers import bind_reduction, elementwise


def _static_choice(lowering, keywords, key: str, name: str, allowed: tuple, hint: str, default=None):
    """A keyword that must be one of a few constants (`order=`, `mode=`): the constant, or a located refusal."""
    if key not in keywords:
        return default
    value, key_node = keywords[key]
    chosen = static(lowering, value, key_node, f"{name}'s `{key}`")
    if chosen not in allowed:
        raise lowering.error(key_node, f"{name}'s {key}={chosen!r} is not supported in kernels", hint)
    return chosen


def by_keyword(positional, keywords: dict, node, lead: int, names: tuple[str, ...]) -> list:
    """The arguments after the `lead` leading ones given by position, read as NumPy binds them (`names`, in order,
    into `keywords`); what stays positional is returned (too many still fail the arity check). One given by position
    and by keyword stays positional too, so the arity check refuses it (NumPy's TypeError: multiple values); it
    was dropped before, and the keyword's value used."""
    kept = list(positional[:lead])
    for at, key in enumerate(names, start=lead):
        if at < len(positional) and key in keywords:
            kept.append(positional[at])
        elif at < len(positional):
            keywords[key] = (positional[at], node)
    return kept + list(positional[lead + len(names):])


def _subok(lowering, keywords, name: str) -> None:
    if "subok" in keywords:
        value, key_node = keywords["subok"]
        if not isinstance(static(lowering, value, key_node, f"{name}'s `subok`"), bool):
            raise lowering.error(key_node, f"{name}'s `subok` is True or False", "leave it out")


def copy(lowering, node, builder, positional, keywords):
    """`np.copy(a, order='K', subok=False)`: NumPy's `array(a, order=order, subok=subok, copy=True)`."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("order", "subok"))
    arity(lowering, node, "np.copy", positional, keywords, 1, 1, ("order", "subok"))
    _static_choice(lowering, keywords, "order", "np.copy", ("K", "A", "C", "F"), "order='K' (the default)")
    _subok(lowering, keywords, "np.copy")
    return array(lowering, node, builder, [positional[0]], {})


def empty(zeros):
    """`np.empty(shape, dtype=float, order='C')`: `np.zeros` (the `zeros` handler) of a C-ordered array."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        positional = by_keyword(positional, keywords, node, 2, ("order",))
        _static_choice(lowering, keywords, "order", "np.empty", ("C",),
                       "leave out order= (C order): a Fortran-ordered array's reshape is a copy, not a view")
        keywords.pop("order", None)
        return zeros(lowering, node, builder, positional, keywords)

    return handle


def empty_like(zeros_like):
    """`np.empty_like(a, dtype=None, order='K', subok=True, shape=None)`: `np.zeros_like` (`np.zeros(shape)` with
    `shape=`)."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        positional = by_keyword(positional, keywords, node, 1, ("dtype", "order", "subok", "shape"))
        arity(lowering, node, "np.empty_like", positional, keywords, 1, 1, ("dtype", "order", "subok", "shape"))
        _static_choice(lowering, keywords, "order", "np.empty_like", ("K", "A", "C"),
                       "leave out order= (the prototype's layout): a Fortran-ordered array's reshape is a copy")
        _subok(lowering, keywords, "np.empty_like")
        keywords.pop("order", None), keywords.pop("subok", None)
        shape_entry = keywords.pop("shape", None)
        if shape_entry is None or not given(shape_entry[0]):
            return zeros_like(lowering, node, builder, positional, keywords)
        emit = Emitter(lowering, node, builder)
        like = emit.atom(array_like(lowering, node, builder, positional[0]))
        dtype_entry = keywords.get("dtype")
        dtype = read_dtype(lowering, *dtype_entry) if dtype_entry and given(dtype_entry[0]) else like.type.dtype
        if like.type.weak and not (dtype_entry and given(dtype_entry[0])):
            dtype = {"bool": "bool", "i32": "i64", "i64": "i64"}.get(dtype, "f64")
        return lowering._bind(builder, node, "zeros", shape_args(lowering, shape_entry[0], shape_entry[1]),
                              {"dtype": dtype})

    return handle


def _array_order(lowering, keywords, name: str) -> None:
    """`order=` of np.asanyarray / np.asarray_chkfinite: None, 'K' or 'A' return the array itself (as NumPy does);
    'C' or 'F' copy it or not by its layout, which is the caller's: refused."""
    entry = keywords.pop("order", None)
    if entry is not None and given(entry[0]):
        _static_choice(lowering, {"order": entry}, "order", name, ("K", "A"),
                       "leave out order=: with 'C' or 'F' NumPy copies or not by the argument's memory layout")


def asanyarray(lowering, node, builder, positional, keywords):
    """`np.asanyarray(a, dtype=None, order=None)`: np.asarray (no subclasses in kernels)."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("dtype", "order"))
    _array_order(lowering, keywords, "np.asanyarray")
    arity(lowering, node, "np.asanyarray", positional, keywords, 1, 1, ("dtype",))
    return asarray(lowering, node, builder, positional, keywords)


def asarray_chkfinite(lowering, node, builder, positional, keywords):
    """`np.asarray_chkfinite(a, dtype=None, order=None)`: np.asarray, then ValueError where a float array is not
    finite everywhere (NumPy's message)."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("dtype", "order"))
    _array_order(lowering, keywords, "np.asarray_chkfinite")
    arity(lowering, node, "np.asarray_chkfinite", positional, keywords, 1, 1, ("dtype",))
    result = asarray(lowering, node, builder, positional, keywords)
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(result)
    if atom.type.dtype in ("f32", "f64"):
        finite = bind_reduction(lowering, node, builder, "all", emit("isfinite", atom), [], {})
        emit("check_assert", finite, message="array must not contain infs or NaNs", error="ValueError")
    return result


def _take(lowering, node, builder, a, indices, keywords):
    """`a.ravel()[indices]` (axis None) or `a[(slice(None),) * axis + (indices,)]`, the indices wrapped or clipped
    first by `mode`."""
    name = "np.take"
    if "out" in keywords and given(keywords["out"][0]):
        raise lowering.error(keywords["out"][1], "np.take's `out=` is not supported in kernels",
                             "use the result: y = np.take(a, i)")
    mode = _static_choice(lowering, keywords, "mode", name, ("raise", "wrap", "clip"),
                          "mode='raise' (the default), 'wrap' or 'clip'", default="raise")
    emit = Emitter(lowering, node, builder)
    x = emit.atom(array_like(lowering, node, builder, a))
    if x.type.weak and x.type.shape == ():
        raise emit.error("np.take of a Python number is not supported in kernels", "take from an array")
    if isinstance(indices, (tuple, ListValue)) and not (indices.items if isinstance(indices, ListValue) else indices):
        index = emit("array", value=(), dtype="i64")  # NumPy converts a list of indices to intp: `[]` is no float
    else:
        index = emit.atom(array_like(lowering, node, builder, indices))
    if index.type.dtype == "bool":  # NumPy reads booleans as the indices 0 and 1
        index = emit("astype", index, dtype="i64")
    elif index.type.dtype not in ("i32", "i64"):
        raise emit.error(f"np.take's indices are integers ({index.type.dtype} given; NumPy raises TypeError)",
                         "cast them: indices.astype(np.int64)")
    axis_value, axis_node = keywords.get("axis", (None, node))
    axis = static(lowering, axis_value, axis_node, "`axis`") if given(axis_value) else None
    if axis is None:
        x = ravel(emit, x) if known_rank(emit, x) != 1 else x
        axis = 0
    rank = known_rank(emit, x)
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise lowering.error(axis_node, f"np.take's axis {axis!r} is out of bounds for an array of rank {rank} "
                             "(NumPy raises AxisError)", f"an integer from {-rank} to {rank - 1}, or None")
    axis %= rank
    if mode != "raise":
        size = emit.dims(x)[axis]
        index = emit("mod", index, size) if mode == "wrap" else emit("clip", index, 0, emit("subtract", size, 1))
    return take_along(lowering, node, builder, x, index, axis)


def take_along(lowering, node, builder, x, index, axis: int):
    """`x[(slice(None),) * axis + (index,)]`: the gather of an integer index array along `axis`."""
    items = [slice(None)] * axis + [index.value if isinstance(index, Const) else index]
    args, structure = lowering._index(x, items)
    return lowering._bind(builder, node, "getitem", args, {"index": tuple(structure)})


def take(lowering, node, builder, positional, keywords):
    """`np.take(a, indices, axis=None, out=None, mode='raise')`."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 2, ("axis", "out", "mode"))
    arity(lowering, node, "np.take", positional, keywords, 2, 2, ("axis", "out", "mode"))
    return _take(lowering, node, builder, positional[0], positional[1], keywords)


def method_take(lowering, node, builder, atom, positional, keywords):
    """`a.take(indices, axis=None, out=None, mode='raise')`."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("axis", "out", "mode"))
    arity(lowering, node, ".take()", positional, keywords, 1, 1, ("axis", "out", "mode"))
    return _take(lowering, node, builder, atom, positional[0], keywords)


def vdot(lowering, node, builder, positional, keywords):
    """`np.vdot(a, b)`: the dot product of the flattened arrays (real: no conjugate)."""
    from .contractions import matmul

    arity(lowering, node, "np.vdot", positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    flat = []
    for value in positional:
        atom = emit.atom(array_like(lowering, node, builder, value))
        if atom.type.weak and atom.type.shape == ():
            raise emit.error("np.vdot of a Python number is not supported in kernels", "pass arrays")
        flat.append(ravel(emit, atom) if known_rank(emit, atom) != 1 else atom)
    return matmul(lowering, node, builder, flat, {}, "np.vdot")


def _size(lowering, value, node, what: str):
    """A size: a Python int known at build time, or an integer scalar known at run time (`len(x)`, `x.shape[0]`)."""
    if isinstance(value, Const):
        return static_int(lowering, value, node, what)
    atom = lowering._atom(value, node)
    if atom.type.dtype not in ("i32", "i64") or atom.type.shape != ():
        raise lowering.error(node, f"{what} is an integer", "n, len(x) or x.shape[0]")
    return atom


def tri(lowering, node, builder, positional, keywords):
    """`np.tri(N, M=None, k=0, dtype=float)`: NumPy's `np.greater_equal.outer(np.arange(N), np.arange(-k, M - k))`
    (a negative size gives an empty axis, as NumPy's np.arange does); N and M known at build time or run time."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("M", "k", "dtype"))
    arity(lowering, node, "np.tri", positional, keywords, 1, 1, ("M", "k", "dtype"))
    rows = _size(lowering, positional[0], node, "np.tri's `N`")
    m_value, m_node = keywords.get("M", (None, node))
    columns = _size(lowering, m_value, m_node, "np.tri's `M`") if given(m_value) else rows
    k = static_int(lowering, *keywords.get("k", (Const(0, None), node)), "np.tri's `k`")
    dtype = read_dtype(lowering, *keywords["dtype"]) if "dtype" in keywords else "f64"
    emit = Emitter(lowering, node, builder)
    # a size clamped at 0 (np.arange of a negative length is empty; a length the compiler follows is not
    # negative), which leaves NumPy's values as they are
    rows, columns = (max(n, 0) if isinstance(n, int) else emit("maximum", n, 0) for n in (rows, columns))
    stop = columns - k if isinstance(columns, int) else emit("subtract", columns, k) if k else columns
    below = emit("greater_equal", emit("reshape", emit("arange", rows), -1, 1), emit("arange", -k, stop))
    return below if dtype == "bool" else emit("astype", below, dtype=dtype)


def dstack(lowering, node, builder, positional, keywords):
    """`np.dstack(tup)`: the arrays at least 3-d, joined along the third axis."""
    arity(lowering, node, "np.dstack", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    parts = sequence_of_arrays(lowering, node, positional[0], "np.dstack", builder)
    return emit("concatenate", *[at_least(emit, emit.atom(a), 3) for a in parts], axis=2)


def nan_to_num(lowering, node, builder, positional, keywords):
    """`np.nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None)`: NaN and the infinities replaced."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("copy", "nan", "posinf", "neginf"))
    arity(lowering, node, "np.nan_to_num", positional, keywords, 1, 1, ("copy", "nan", "posinf", "neginf"))
    if "copy" in keywords and static(lowering, *keywords["copy"], "np.nan_to_num's `copy`") is not True:
        raise lowering.error(keywords["copy"][1], "np.nan_to_num's copy=False (a write into its argument) is not "
                             "supported in kernels", "leave out copy= and use the result: x = np.nan_to_num(x)")
    emit = Emitter(lowering, node, builder)
    x = emit.atom(array_like(lowering, node, builder, positional[0]))
    if x.type.weak and x.type.shape == ():
        raise emit.error("np.nan_to_num of a Python number is not supported in kernels",
                         "pass an array, or keep it a number")
    if x.type.dtype not in ("f32", "f64"):
        return emit("copy", x, **({"scalar": True} if x.type.shape == () else {}))
    info = numpy.finfo(numpy.float32 if x.type.dtype == "f32" else numpy.float64)
    fills = {}
    for key, default in (("nan", 0.0), ("posinf", float(info.max)), ("neginf", float(info.min))):
        value, key_node = keywords.get(key, (None, node))
        if given(value) and not isinstance(value, (Const, tuple)):
            fills[key] = _run_time_fill(emit, value, key_node, key, x.type.dtype)
            continue
        fill = static(lowering, value, key_node, f"np.nan_to_num's `{key}`") if given(value) else default
        if not isinstance(fill, (int, float)) or isinstance(fill, bool):
            raise lowering.error(key_node, f"np.nan_to_num's `{key}` is a number known at build time",
                                 "write a literal")
        fill = float(fill)
        fills[key] = float(numpy.asarray(fill).astype(info.dtype)) if numpy.isfinite(fill) else fill
        if not numpy.isfinite(fills[key]):
            raise lowering.error(key_node, f"np.nan_to_num's `{key}` of {fill!r} in {x.type.dtype} is not finite",
                                 "a finite number")
    infinite = emit("isinf", x)
    result = emit("where", emit("logical_and", infinite, emit("less", x, 0)), fills["neginf"], x)
    result = emit("where", emit("logical_and", infinite, emit("greater", x, 0)), fills["posinf"], result)
    result = emit("where", emit("isnan", x), fills["nan"], result)
    return emit("getitem", result, index=()) if x.type.shape == () else result


def _run_time_fill(emit: Emitter, value, key_node, key: str, dtype: str):
    """A fill known only at run time: NumPy writes it with np.copyto (casting='same_kind') into x's dtype, so it
    is the number cast to that dtype (a float64 past float32's range is inf there, as NumPy's cast makes it)."""
    atom = emit.atom(array_like(emit.lowering, key_node, emit.builder, value))
    if atom.type.shape != () or atom.type.dtype not in ("bool", "i32", "i64", "f32", "f64"):
        raise emit.lowering.error(key_node, f"np.nan_to_num's `{key}` is a number here (NumPy writes it into "
                                  "every replaced element)", f"{key}=v with v a float")
    return atom if atom.type.dtype == dtype and not atom.type.weak else \
        emit("astype", atom, dtype=dtype, scalar=True)


FUNCTIONS = {
    "numpy.copy": copy, "numpy.asanyarray": asanyarray, "numpy.asarray_chkfinite": asarray_chkfinite,
    "numpy.fix": elementwise("trunc", 1, "np.fix"), "numpy.take": take, "numpy.vdot": vdot, "numpy.tri": tri,
    "numpy.dstack": dstack, "numpy.nan_to_num": nan_to_num,
}


def extend_functions(functions: dict) -> None:
    """Add these to numpy_api's table; np.empty and np.empty_like wrap its zeros handlers (dtype by position)."""
    functions.update(FUNCTIONS)
    functions["numpy.empty"] = empty(functions["numpy.zeros"])
    functions["numpy.empty_like"] = empty_like(functions["numpy.zeros_like"])
    functions["numpy.ascontiguousarray"] = _ascontiguousarray


def _ascontiguousarray(lowering, node, builder, positional, keywords):
    """`np.ascontiguousarray(a, dtype=None)`: a reshape to a's own shape (at least 1-d): the same array where it is
    C-contiguous, a copy where not, as NumPy gives, and as Lifted's aliasing rules read a reshape."""
    keywords = dict(keywords)
    positional = by_keyword(positional, keywords, node, 1, ("dtype",))
    arity(lowering, node, "np.ascontiguousarray", positional, keywords, 1, 1, ("dtype",))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(asarray(lowering, node, builder, positional, keywords))
    if known_rank(emit, x) == 0:
        return emit("reshape", x, 1)
    return emit("reshape", x, *emit.dims(x))

