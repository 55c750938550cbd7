"""NumPy functions that are other primitives put together: stacking variants, atleast_*, ravel, roll, repeat,
tile, meshgrid, trace, the norm, array literals, and the handlers of the single-entry functions added with them
(var/std, cumsum, flip, tril/triu, diag, eye, linspace).

Each handler checks its arguments and binds the primitives NumPy's own definition uses, so derivatives come from
those primitives' rules and nothing here has a rule of its own. What NumPy would compute differently (a
run-time repeat count, a matrix norm other than Frobenius) is a located error.
"""
from __future__ import annotations

from ..ir import Const
from .call_args import Emitter, arg, arity, dtype, shape_args, static


def _int(lowering, value, node, what: str) -> int:
    result = static(lowering, value, node, what)
    if not isinstance(result, int) or isinstance(result, bool):
        raise lowering.error(node, f"{what} must be an integer known at build time", "write a literal")
    return result


def _axis(lowering, value, node, allow_none: bool = True):
    axis = static(lowering, value, node, "`axis`")
    if axis is None and allow_none:
        return None
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise lowering.error(node, "`axis` is an integer here")
    return axis


def _rank(emit: Emitter, atom) -> int:
    if atom.type.rank is None:
        raise emit.error("this function needs the rank of its argument", 'annotate it, e.g. x: "f64[n,d]"')
    return atom.type.rank


def _ravel(emit: Emitter, atom):
    return atom if atom.type.rank == 1 else emit("reshape", atom, -1)


# --- reductions with ddof, cumulative sums, flips ----------------------------------------------------------------
def moments(prim: str, name: str):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 2, ("axis", "keepdims", "ddof"))
        return _moments(lowering, node, builder, prim, positional[0], positional[1:], keywords)

    return handle


def method_moments(prim: str):
    def handle(lowering, node, builder, atom, positional, keywords):
        arity(lowering, node, f".{prim}()", positional, keywords, 0, 1, ("axis", "keepdims", "ddof"))
        return _moments(lowering, node, builder, prim, atom, positional, keywords)

    return handle


def _moments(lowering, node, builder, prim, x, rest, keywords):
    from .numpy_api import _reduce

    ddof_value, ddof_node = keywords.pop("ddof", (Const(0, None), node))
    ddof = _int(lowering, ddof_value, ddof_node, "`ddof`")
    return _reduce(lowering, node, builder, prim, x, rest, keywords, {"ddof": ddof} if ddof else {})


def _cumsum(lowering, node, builder, x, axis_value, axis_node):
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(x)
    axis = _axis(lowering, axis_value, axis_node)
    if axis is None:
        return emit("cumsum", _ravel(emit, atom), axis=0)
    return emit("cumsum", atom, axis=axis)


def cumsum(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.cumsum", positional, keywords, 1, 2, ("axis",))
    return _cumsum(lowering, node, builder, positional[0], *arg(lowering, positional, keywords, 1, "axis", node))


def method_cumsum(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".cumsum()", positional, keywords, 0, 1, ("axis",))
    return _cumsum(lowering, node, builder, atom, *arg(lowering, positional, keywords, 0, "axis", node))


def flip(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.flip", positional, keywords, 1, 2, ("axis",))
    axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    return Emitter(lowering, node, builder)("flip", positional[0], **({} if axis is None else {"axis": axis}))


def flip_axis(name: str, axis: int):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 1, 1)
        emit = Emitter(lowering, node, builder)
        atom = emit.atom(positional[0])
        if _rank(emit, atom) <= axis:
            raise emit.error(f"`{name}` needs an array of rank {axis + 1} or more")
        return emit("flip", atom, axis=axis)

    return handle


def arg_extreme(prim: str):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{prim}", positional, keywords, 1, 2, ("axis", "keepdims"))
        return _arg_extreme(lowering, node, builder, prim, positional[0], positional[1:], keywords)

    return handle


def method_arg_extreme(prim: str):
    def handle(lowering, node, builder, atom, positional, keywords):
        arity(lowering, node, f".{prim}()", positional, keywords, 0, 1, ("axis", "keepdims"))
        return _arg_extreme(lowering, node, builder, prim, atom, positional, keywords)

    return handle


def _arg_extreme(lowering, node, builder, prim, x, rest, keywords):
    from .numpy_api import _reduce

    axis_value, axis_node = arg(lowering, rest, keywords, 0, "axis", node)
    _axis(lowering, axis_value, axis_node)  # one axis or None (flattened), as NumPy takes it
    return _reduce(lowering, node, builder, prim, x, rest, keywords)


def diff(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.diff", positional, keywords, 1, 3, ("n", "axis"))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    n_value, n_node = arg(lowering, positional, keywords, 1, "n", node, Const(1, None))
    order = _int(lowering, n_value, n_node, "`n`")
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node, Const(-1, None))
    rank = _rank(emit, atom)
    axis = _axis(lowering, axis_value, axis_node, allow_none=False)
    if rank == 0 or not -rank <= axis < rank:
        raise emit.error(f"np.diff needs an axis {axis} that the array has")
    before = (slice(None),) * (axis % rank)
    for _ in range(order):  # each order differences neighbours once more
        atom = emit("subtract", emit("getitem", atom, index=before + (slice(1, None),)),
                    emit("getitem", atom, index=before + (slice(None, -1),)))
    return atom


# --- matrices --------------------------------------------------------------------------------------------------
def triangle(prim: str):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{prim}", positional, keywords, 1, 2, ("k",))
        k_value, k_node = arg(lowering, positional, keywords, 1, "k", node, Const(0, None))
        k = _int(lowering, k_value, k_node, "`k`")
        return Emitter(lowering, node, builder)(prim, positional[0], **({"k": k} if k else {}))

    return handle


def diag(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.diag", positional, keywords, 1, 2, ("k",))
    k_value, k_node = arg(lowering, positional, keywords, 1, "k", node, Const(0, None))
    k = _int(lowering, k_value, k_node, "`k`")
    return Emitter(lowering, node, builder)("diag", positional[0], **({"k": k} if k else {}))


def _trace(lowering, node, builder, x, offset_value, offset_node):
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(x)
    if _rank(emit, atom) != 2:
        raise emit.error("np.trace is supported on matrices (rank 2) here", "np.sum(np.diagonal(...)) per matrix")
    offset = _int(lowering, offset_value, offset_node, "`offset`")
    return emit("sum", emit("diag", atom, **({"k": offset} if offset else {})), axis=None)


def trace(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.trace", positional, keywords, 1, 2, ("offset",))
    return _trace(lowering, node, builder, positional[0],
                  *arg(lowering, positional, keywords, 1, "offset", node, Const(0, None)))


def method_trace(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".trace()", positional, keywords, 0, 1, ("offset",))
    return _trace(lowering, node, builder, atom, *arg(lowering, positional, keywords, 0, "offset", node, Const(0, None)))


def _dtype_params(lowering, keywords) -> dict:
    if "dtype" not in keywords:
        return {}
    value, node = keywords["dtype"]
    return {"dtype": dtype(lowering, value, node)}


def eye(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.eye", positional, keywords, 1, 3, ("M", "k", "dtype"))
    n = shape_args(lowering, positional[0], node)
    m_value, m_node = arg(lowering, positional, keywords, 1, "M", node)
    m = n if m_value is None else shape_args(lowering, m_value, m_node)
    k_value, k_node = arg(lowering, positional, keywords, 2, "k", node, Const(0, None))
    k = _int(lowering, k_value, k_node, "`k`")
    params = _dtype_params(lowering, keywords) | ({"k": k} if k else {})
    return Emitter(lowering, node, builder)("eye", *(n + m), **params)


def identity(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.identity", positional, keywords, 1, 1, ("dtype",))
    n = shape_args(lowering, positional[0], node)
    return Emitter(lowering, node, builder)("eye", *(n + n), **_dtype_params(lowering, keywords))


def linspace(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.linspace", positional, keywords, 2, 3, ("num", "endpoint"))
    num_value, num_node = arg(lowering, positional, keywords, 2, "num", node, Const(50, None))
    (num,) = shape_args(lowering, num_value, num_node)
    end_value, end_node = keywords.get("endpoint", (Const(True, None), node))
    endpoint = static(lowering, end_value, end_node, "`endpoint`")
    return Emitter(lowering, node, builder)("linspace", positional[0], positional[1], num,
                                            **({} if endpoint else {"endpoint": False}))


# --- stacking ------------------------------------------------------------------------------------------------------
def _sequence(lowering, node, value, name: str) -> tuple:
    if not isinstance(value, tuple) or not value:
        raise lowering.error(node, f"`{name}` takes a tuple or list of arrays", f"{name}((a, b))")
    return value


def _at_least(emit: Emitter, atom, rank: int):
    """np.atleast_1d/2d/3d of one array: the array itself when it has the rank already (as NumPy returns it)."""
    have = _rank(emit, atom)
    if have >= rank:
        return atom
    if have == 0:
        return emit("reshape", atom, *([1] * rank))
    if rank == 2 or have == 2:  # (n,) -> (1, n); (m, n) -> (m, n, 1)
        return emit("expand_dims", atom, axis=0 if have == 1 else -1)
    return emit("expand_dims", atom, axis=(0, 2))  # (n,) -> (1, n, 1)


def atleast(rank: int):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.atleast_{rank}d", positional, keywords, 1, 16)
        emit = Emitter(lowering, node, builder)
        results = tuple(_at_least(emit, emit.atom(v), rank) for v in positional)
        return results[0] if len(results) == 1 else results

    return handle


def concatenate(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.concatenate", positional, keywords, 1, 2, ("axis",))
    arrays = _sequence(lowering, node, positional[0], "np.concatenate")
    axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node, default=Const(0, None))
    axis = _axis(lowering, axis_value, axis_node)
    emit = Emitter(lowering, node, builder)
    atoms = [emit.atom(a) for a in arrays]
    if axis is None:  # flattened first
        return emit("concatenate", *[_ravel(emit, a) for a in atoms], axis=0)
    return emit("concatenate", *atoms, axis=axis)


def hstack(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.hstack", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    atoms = [_at_least(emit, emit.atom(a), 1) for a in _sequence(lowering, node, positional[0], "np.hstack")]
    return emit("concatenate", *atoms, axis=0 if atoms[0].type.rank == 1 else 1)


def vstack(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.vstack", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    atoms = [_at_least(emit, emit.atom(a), 2) for a in _sequence(lowering, node, positional[0], "np.vstack")]
    return emit("concatenate", *atoms, axis=0)


def column_stack(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.column_stack", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    columns = []
    for value in _sequence(lowering, node, positional[0], "np.column_stack"):
        atom = emit.atom(value)
        rank = _rank(emit, atom)
        columns.append(atom if rank >= 2 else emit("reshape", atom, -1, 1))
    return emit("concatenate", *columns, axis=1)


def ravel(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.ravel", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    return emit("reshape", positional[0], -1)


def method_ravel(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".ravel()", positional, keywords, 0, 0)
    return Emitter(lowering, node, builder)("reshape", atom, -1)


def method_flatten(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".flatten()", positional, keywords, 0, 0)
    emit = Emitter(lowering, node, builder)
    return emit("copy", emit("reshape", atom, -1))  # a copy, never a view


# --- roll, repeat, tile, meshgrid -----------------------------------------------------------------------------------
def roll(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.roll", positional, keywords, 2, 3, ("axis",))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    rank = _rank(emit, atom)
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    shift = positional[1]
    if axis is None:  # rolled as one flat array, then given its shape back
        flat = _roll_axis(emit, _ravel(emit, atom), shift, 0)
        return flat if rank == 1 else emit("reshape", flat, *emit.dims(atom))
    axes, shifts = (axis, shift) if isinstance(axis, tuple) else ((axis,), (shift,))
    if not isinstance(shifts, tuple) or len(shifts) != len(axes):
        raise emit.error("np.roll takes one shift per axis", "np.roll(x, (1, 2), axis=(0, 1))")
    for ax, sh in zip(axes, shifts):
        if not isinstance(ax, int) or not -rank <= ax < rank:
            raise emit.error(f"axis {ax} is out of range for an array of rank {rank}")
        atom = _roll_axis(emit, atom, sh, ax % rank)
    return atom


def _roll_axis(emit: Emitter, atom, shift, axis: int):
    """x rolled by `shift` along `axis`: its last `shift % n` entries, then the rest."""
    from ..primitives.indexing import Ref

    shift = emit.atom(shift)
    if shift.type.dtype not in ("i32", "i64") or shift.type.shape != ():
        raise emit.error("np.roll shifts by an integer")
    size = emit.dims(atom)[axis]
    if isinstance(size, Const) and size.value == 0:  # nothing to roll
        return emit("copy", atom)
    start = emit("subtract", size, emit("mod", shift, size))
    before = (slice(None),) * axis
    if isinstance(start, Const):
        tail = emit("getitem", atom, index=before + (slice(start.value, None),))
        head = emit("getitem", atom, index=before + (slice(None, start.value),))
    else:
        tail = emit("getitem", atom, start, index=before + (slice(Ref(1), None),))
        head = emit("getitem", atom, start, index=before + (slice(None, Ref(1)),))
    return emit("concatenate", tail, head, axis=axis)


def _repeat(lowering, node, builder, x, repeats_value, repeats_node, axis_value, axis_node):
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(x)
    repeats = repeats_value.value if isinstance(repeats_value, Const) else None
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 0:
        raise lowering.error(repeats_node, "np.repeat is supported with one repeat count, an integer known at "
                             "build time", "np.repeat(x, 3, axis=0)")
    axis = _axis(lowering, axis_value, axis_node)
    if axis is None:
        atom, axis = _ravel(emit, atom), 0
    rank = _rank(emit, atom)
    if not -rank <= axis < rank:
        raise emit.error(f"axis {axis} is out of range for an array of rank {rank}")
    return _copies(emit, atom, axis % rank, repeats, inner=True)


def _copies(emit: Emitter, atom, axis: int, count: int, inner: bool):
    """`count` copies along `axis`: each element repeated (`inner`, np.repeat) or the whole axis (np.tile)."""
    dims = emit.dims(atom)
    spread = axis + 1 if inner else axis
    expanded = emit("expand_dims", atom, axis=spread)
    wide = dims[:spread] + [emit.atom(count)] + dims[spread:]
    merged = emit("multiply", dims[axis], count)
    return emit("reshape", emit("broadcast_to", expanded, *wide), *(dims[:axis] + [merged] + dims[axis + 1:]))


def repeat(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.repeat", positional, keywords, 2, 3, ("axis",))
    return _repeat(lowering, node, builder, positional[0], positional[1], node,
                   *arg(lowering, positional, keywords, 2, "axis", node))


def method_repeat(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".repeat()", positional, keywords, 1, 2, ("axis",))
    return _repeat(lowering, node, builder, atom, positional[0], node,
                   *arg(lowering, positional, keywords, 1, "axis", node))


def tile(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.tile", positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    reps = static(lowering, positional[1], node, "the repetitions")
    reps = reps if isinstance(reps, tuple) else (reps,)
    if not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in reps):
        raise emit.error("np.tile takes integer repetitions known at build time", "np.tile(x, (2, 1))")
    rank = _rank(emit, atom)
    if len(reps) > rank:  # the array gains leading axes of size 1
        atom = emit("reshape", atom, *([1] * (len(reps) - rank) + emit.dims(atom)))
        rank = len(reps)
    reps = (1,) * (rank - len(reps)) + reps
    if all(r == 1 for r in reps):
        return emit("copy", atom)
    for axis, count in enumerate(reps):
        if count != 1:
            atom = _copies(emit, atom, axis, count, inner=False)
    return atom


def meshgrid(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.meshgrid", positional, keywords, 1, 16, ("indexing",))
    emit = Emitter(lowering, node, builder)
    index_value, index_node = keywords.get("indexing", ("xy", node))
    indexing = static(lowering, index_value, index_node, "`indexing`")
    if indexing not in ("xy", "ij"):
        raise lowering.error(index_node, "`indexing` is 'xy' or 'ij'")
    vectors = [_ravel(emit, emit.atom(v)) for v in positional]
    sizes = [emit.dims(v)[0] for v in vectors]
    order = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:  # the first two axes swap places
        order[0], order[1] = 1, 0
    shape = [sizes[i] for i in order]
    grids = []
    for i, vector in enumerate(vectors):
        axis = order.index(i)
        column = emit("reshape", vector, *[-1 if a == axis else 1 for a in range(len(vectors))])
        grids.append(emit("copy", emit("broadcast_to", column, *shape)))  # NumPy returns writable copies
    return tuple(grids)


# --- array literals ------------------------------------------------------------------------------------------------
def _numbers(value):
    """The nested tuple of Python numbers `value` stands for, or None when it holds arrays."""
    if isinstance(value, tuple):
        items = tuple(_numbers(v) for v in value)
        return None if any(i is None for i in items) else items
    if isinstance(value, Const) and isinstance(value.value, (bool, int, float)):
        return value.value
    return None


def _stacked(emit: Emitter, value):
    if isinstance(value, tuple):
        if not value:
            raise emit.error("an empty list has no shape to make an array from", "np.zeros(0)")
        return emit("stack", *[_stacked(emit, v) for v in value], axis=0)
    return emit.atom(value)


def array(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.array", positional, keywords, 1, 1, ("dtype",))
    emit = Emitter(lowering, node, builder)
    params = _dtype_params(lowering, keywords)
    value = positional[0]
    numbers = _numbers(value)
    if numbers is not None:
        _rectangular(emit, numbers)
        return emit("array", value=numbers, **params)
    result = _stacked(emit, value) if isinstance(value, tuple) else emit("copy", value)
    if params and result.type.dtype != params["dtype"]:
        result = emit("astype", result, dtype=params["dtype"])
    return result


def _rectangular(emit: Emitter, numbers) -> None:
    if isinstance(numbers, tuple) and numbers:
        shapes = set()
        for item in numbers:
            _rectangular(emit, item)
            shapes.add(_shape_of(item))
        if len(shapes) != 1:
            raise emit.error("the rows of this array literal have different lengths")


def _shape_of(value) -> tuple:
    return (len(value),) + _shape_of(value[0]) if isinstance(value, tuple) and value else ()


def asarray(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.asarray", positional, keywords, 1, 1, ("dtype",))
    emit = Emitter(lowering, node, builder)
    params = _dtype_params(lowering, keywords)
    value = positional[0]
    if isinstance(value, tuple):
        return array(lowering, node, builder, positional, keywords)
    atom = emit.atom(value)  # the same array, as NumPy returns it (no copy)
    return emit("astype", atom, dtype=params["dtype"]) if params and atom.type.dtype != params["dtype"] else atom


# --- norms -----------------------------------------------------------------------------------------------------------
def norm(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.linalg.norm", positional, keywords, 1, 3, ("ord", "axis", "keepdims"))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    rank = _rank(emit, atom)
    ord_value, ord_node = arg(lowering, positional, keywords, 1, "ord", node)
    order = static(lowering, ord_value, ord_node, "`ord`")
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    keep_value, keep_node = keywords.get("keepdims", (Const(False, None), node))
    keepdims = bool(static(lowering, keep_value, keep_node, "`keepdims`"))
    vector = axis is None and rank == 1 or isinstance(axis, int)
    reduce = {"axis": axis} | ({"keepdims": True} if keepdims else {})
    if order is None or (order == "fro" and not vector) or (order == 2 and vector):
        squares = emit("multiply", atom, atom)
        return emit("sqrt", emit("sum", squares, **reduce))
    if vector and order == 1:
        return emit("sum", emit("abs", atom), **reduce)
    if vector and order in (float("inf"), float("-inf")):
        return emit("max" if order > 0 else "min", emit("abs", atom), **reduce)
    raise lowering.error(ord_node, f"np.linalg.norm with ord={order!r} is not supported in kernels",
                         "supported: the default (2-norm of vectors, Frobenius norm of matrices), 'fro', and for "
                         "vectors ord=1, 2, np.inf, -np.inf")
