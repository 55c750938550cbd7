"""NumPy functions along an axis or over a matrix, and the constructors that go with them: var/std (`ddof`),
cumsum, diff, argmax/argmin, flip, tril/triu, diag, trace, eye, identity, linspace, and the norm.

Handlers check the arguments (which must be build-time constants) and bind registry entries; diff, trace and
the norm are written in terms of other entries, so their derivatives come from those entries' rules.
"""
from __future__ import annotations

from ..ir import Const, const
from ..ir.types import axis_hint
from .array_literals import array_like
from .call_args import (Emitter, arg, arity, dtype_params as _dtype_params, known_rank as _rank, ravel as _ravel,
                        shape_args, static, static_axis as _axis, static_int as _int)
from .ufunc_handlers import bind_reduction

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

    ddof_value, ddof_node = keywords.pop("ddof", (Const(0, None), node))
    ddof = _int(lowering, ddof_value, ddof_node, "`ddof`")
    return bind_reduction(lowering, node, builder, prim, x, rest, keywords, {"ddof": ddof} if ddof else {})


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
            raise emit.error(f"`{name}` needs an array of rank {axis + 1} or more (NumPy raises ValueError)",
                             f"annotate an array of rank {axis + 1} or more")
        return emit("flip", atom, axis=axis)

    return handle


def rot90(lowering, node, builder, positional, keywords):
    """`np.rot90(m, k=1, axes=(0, 1))`: the flips and transposes NumPy composes it of."""
    arity(lowering, node, "np.rot90", positional, keywords, 1, 3, ("k", "axes"))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    rank = _rank(emit, atom)
    k_value, k_node = arg(lowering, positional, keywords, 1, "k", node, Const(1, None))
    turns = _int(lowering, k_value, k_node, "`k`") % 4
    axes_value, axes_node = arg(lowering, positional, keywords, 2, "axes", node, (Const(0, None), Const(1, None)))
    axes = static(lowering, axes_value, axes_node, "`axes`")
    if not isinstance(axes, tuple) or len(axes) != 2 or not all(isinstance(a, int) for a in axes):
        raise lowering.error(axes_node, "np.rot90's `axes` is a pair of axes known at build time", "axes=(0, 1)")
    if rank < 2 or not all(-rank <= a < rank for a in axes) or axes[0] % rank == axes[1] % rank:
        raise emit.error(f"np.rot90 needs two different axes of the array (rank {rank}), given {axes}")
    first, second = (a % rank for a in axes)
    if turns == 0:
        return emit("getitem", atom, index=(slice(None),))  # m[:], a view
    if turns == 2:
        return emit("flip", emit("flip", atom, axis=first), axis=second)
    order = list(range(rank))
    order[first], order[second] = order[second], order[first]
    if turns == 1:
        return emit("transpose", emit("flip", atom, axis=second), axes=tuple(order))
    return emit("flip", emit("transpose", atom, axes=tuple(order)), axis=second)


_SORT_KINDS = ("quicksort", "mergesort", "heapsort", "stable")


def sorting(prim: str):
    """`np.sort` / `np.argsort(a, axis=-1, kind=None, stable=None)`; `axis=None` sorts the flattened array."""
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{prim}", positional, keywords, 1, 3, ("axis", "kind", "stable"))
        emit = Emitter(lowering, node, builder)
        atom = emit.atom(positional[0])
        axis_value, axis_node = arg(lowering, positional, keywords, 1, "axis", node, Const(-1, None))
        axis = _axis(lowering, axis_value, axis_node)
        kind_value, kind_node = arg(lowering, positional, keywords, 2, "kind", node)
        kind = static(lowering, kind_value, kind_node, "`kind`")
        stable_value, stable_node = keywords.get("stable", (None, node))
        stable = static(lowering, stable_value, stable_node, "`stable`")
        if kind is not None and kind not in _SORT_KINDS or stable not in (None, True, False):
            raise emit.error(f"np.{prim}'s `kind` is one of {', '.join(_SORT_KINDS)} and `stable` True or False "
                             "(NumPy raises ValueError)", "kind='stable', or leave it out")
        if stable:
            kind = "stable"
        if axis is None:
            atom, axis = _ravel(emit, atom), 0
        if _rank(emit, atom) == 0:
            raise emit.error(f"np.{prim} of a scalar: give it an array, or axis=None")
        return emit(prim, atom, axis=axis, **({"kind": kind} if kind else {}))

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

    axis_value, axis_node = arg(lowering, rest, keywords, 0, "axis", node)
    _axis(lowering, axis_value, axis_node)  # one axis or None (flattened), as NumPy takes it
    return bind_reduction(lowering, node, builder, prim, x, rest, keywords)


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
        raise emit.error(f"np.diff needs an axis {axis} that the array has", axis_hint(rank))
    before = (slice(None),) * (axis % rank)
    for _ in range(order):  # each order differences neighbours once more (booleans: NumPy's np.not_equal)
        prim = "not_equal" if atom.type.dtype == "bool" else "subtract"
        atom = emit(prim, emit("getitem", atom, index=before + (slice(1, None),)),
                    emit("getitem", atom, index=before + (slice(None, -1),)))
    return atom


# --- matrices --------------------------------------------------------------------------------------------------
def triangle(prim: str):
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{prim}", positional, keywords, 1, 2, ("k",))
        k_value, k_node = arg(lowering, positional, keywords, 1, "k", node, Const(0, None))
        k = _int(lowering, k_value, k_node, "`k`")
        emit = Emitter(lowering, node, builder)
        x = emit.atom(array_like(lowering, node, builder, positional[0]))  # (a list or tuple: NumPy's asanyarray)
        if x.type.shape is not None and len(x.type.shape) == 1:
            # NumPy's `where(tri(n, n, k), m, 0)` broadcasts a vector to the square matrix of its rows: the same
            # elements as the triangle of that (read-only) broadcast view, and its derivative sums the rows back
            n = emit.dims(x)[0]
            x = emit("broadcast_to", x, n, n)
        return emit(prim, x, **({"k": k} if k else {}))

    return handle


def diag(lowering, node, builder, positional, keywords):
    """np.diag: a vector placed on the k-th diagonal of a matrix, or a matrix's k-th diagonal (np.diagonal's)."""
    arity(lowering, node, "np.diag", positional, keywords, 1, 2, ("k",))
    k_value, k_node = arg(lowering, positional, keywords, 1, "k", node, Const(0, None))
    k = _int(lowering, k_value, k_node, "`k`")
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(array_like(lowering, node, builder, positional[0]))  # (a list or tuple: NumPy's asanyarray)
    rank = _rank(emit, atom)
    if rank == 2:
        return emit("diagonal", atom, **({"offset": k} if k else {}))
    if rank != 1:
        raise emit.error("np.diag takes a vector or a matrix", "np.diagonal(x, axis1=..., axis2=...) for a stack")
    return emit("diag", atom, **({"k": k} if k else {}))


_DIAGONAL_ARGS = ("offset", "axis1", "axis2")


def _diagonal(lowering, node, builder, x, rest, keywords, name: str):
    """`np.diagonal(x, offset=0, axis1=0, axis2=1)`: offset and axes known at build time."""
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(x)
    _rank(emit, atom)
    params = {}
    for position, (key, default) in enumerate(zip(_DIAGONAL_ARGS, (0, 0, 1))):
        value, value_node = arg(lowering, rest, keywords, position, key, node, Const(default, None))
        number = _int(lowering, value, value_node, f"`{key}`")
        if number != default:
            params[key] = number
    return emit("diagonal", atom, **params)


def diagonal(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.diagonal", positional, keywords, 1, 4, _DIAGONAL_ARGS)
    return _diagonal(lowering, node, builder, positional[0], positional[1:], keywords, "np.diagonal")


def method_diagonal(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".diagonal()", positional, keywords, 0, 3, _DIAGONAL_ARGS)
    return _diagonal(lowering, node, builder, atom, positional, keywords, ".diagonal()")


def _trace(lowering, node, builder, x, rest, keywords):
    """np.trace as NumPy computes it: the sum of np.diagonal(x, offset, axis1, axis2) along its last axis."""
    emit = Emitter(lowering, node, builder)
    return emit("sum", _diagonal(lowering, node, builder, x, rest, keywords, "np.trace"), axis=-1)


def trace(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.trace", positional, keywords, 1, 4, _DIAGONAL_ARGS)
    return _trace(lowering, node, builder, positional[0], positional[1:], keywords)


def method_trace(lowering, node, builder, atom, positional, keywords):
    arity(lowering, node, ".trace()", positional, keywords, 0, 3, _DIAGONAL_ARGS)
    return _trace(lowering, node, builder, atom, positional, keywords)


def eye_positionals(old):
    """`np.eye(N, M=None, k=0, dtype=float, order='C')` with `dtype` and `order` given by position: read as the
    keywords they bind (so the `order=` wrapper of layout_orders.py, which `old` is, sees its order); one given
    twice is NumPy's TypeError, located."""
    def handle(lowering, node, builder, positional, keywords):
        keywords = dict(keywords)
        for position, key in ((3, "dtype"), (4, "order")):
            if len(positional) > position:
                if key in keywords:
                    raise lowering.error(node, f"np.eye got `{key}` by position and by keyword (NumPy raises "
                                         "TypeError)", f"pass {key} once")
                keywords[key] = (positional[position], node)
        return old(lowering, node, builder, positional[:3] + positional[5:], keywords)

    return handle


def eye(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.eye", positional, keywords, 1, 3, ("M", "k", "dtype"))
    n = shape_args(lowering, positional[0], node)
    m_value, m_node = arg(lowering, positional, keywords, 1, "M", node)
    m = [] if m_value is None else shape_args(lowering, m_value, m_node)
    k_value, k_node = arg(lowering, positional, keywords, 2, "k", node, Const(0, None))
    k = _int(lowering, k_value, k_node, "`k`")
    params = _dtype_params(lowering, keywords) | ({"k": k} if k else {})
    return Emitter(lowering, node, builder)("eye", *(n + m), **params)


def identity(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.identity", positional, keywords, 1, 1, ("dtype",))
    n = shape_args(lowering, positional[0], node)
    return Emitter(lowering, node, builder)("eye", *n, **_dtype_params(lowering, keywords))


def linspace(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.linspace", positional, keywords, 2, 3, ("num", "endpoint"))
    num_value, num_node = arg(lowering, positional, keywords, 2, "num", node, const(50))  # typed: an int
    (num,) = shape_args(lowering, num_value, num_node)
    end_value, end_node = keywords.get("endpoint", (Const(True, None), node))
    endpoint = static(lowering, end_value, end_node, "`endpoint`")
    return Emitter(lowering, node, builder)("linspace", positional[0], positional[1], num,
                                            **({} if endpoint else {"endpoint": False}))


# --- norms -----------------------------------------------------------------------------------------------------------
def norm(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.linalg.norm", positional, keywords, 1, 4, ("ord", "axis", "keepdims"))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    rank = _rank(emit, atom)
    if not atom.type.is_float:  # NumPy's first step, `x = x.astype(float)`: every norm of integers is a float64
        atom = emit("astype", atom, dtype="f64", scalar=atom.type.shape == ())
    ord_value, ord_node = arg(lowering, positional, keywords, 1, "ord", node)
    order = static(lowering, ord_value, ord_node, "`ord`")
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node)
    axis = static(lowering, axis_value, axis_node, "`axis`")
    keep_value, keep_node = arg(lowering, positional, keywords, 3, "keepdims", node, Const(False, None))
    keepdims = bool(static(lowering, keep_value, keep_node, "`keepdims`"))
    vector = axis is None and rank == 1 or isinstance(axis, int)
    reduce = {"axis": axis} | ({"keepdims": True} if keepdims else {})
    order = "fro" if order == "f" else order
    if axis is None and (order is None or order == "fro" and rank == 2 or order == 2 and rank == 1):
        return emit("norm", atom, **({"keepdims": True} if keepdims else {}))  # NumPy's dot of the raveled array
    if axis is None and rank not in (1, 2):  # NumPy: "Improper number of dimensions to norm."
        raise lowering.error(ord_node, f"np.linalg.norm with ord={order!r} of an array of rank {rank} and no `axis`: "
                             "NumPy raises ValueError", "give `axis` (one axis, or two of a matrix norm)")
    if order is None or (order == "fro" and not vector) or (order == 2 and vector):
        squares = emit("multiply", atom, atom)
        return emit("sqrt", emit("sum", squares, **reduce))
    if vector and order == 1:
        return emit("sum", emit("abs", atom), **reduce)
    if vector and order in (float("inf"), float("-inf")):
        return emit("max" if order > 0 else "min", emit("abs", atom), **reduce)
    number = isinstance(order, (int, float)) and not isinstance(order, bool)
    if vector and number and order == 0:  # NumPy: (x != 0).astype(x.real.dtype).sum(axis=axis)
        return emit("sum", emit("astype", emit("not_equal", atom, 0), dtype=atom.type.dtype), **reduce)
    if vector and number:  # NumPy: absx = abs(x); absx **= ord; ret = add.reduce(absx); ret **= reciprocal(ord)
        return emit("power", emit("sum", emit("power", emit("abs", atom), order), **reduce), 1.0 / order)
    matrix = axis is None and rank == 2 or isinstance(axis, tuple) and len(axis) == 2
    if matrix and order in (1, -1, float("inf"), float("-inf")) and not keepdims:
        return matrix_norm(emit, atom, order, (0, 1) if axis is None else axis, rank)
    raise lowering.error(ord_node, f"np.linalg.norm with ord={order!r} is not supported in kernels",
                         "supported: the default (2-norm of vectors, Frobenius norm of matrices), 'fro', for "
                         "vectors any number, for matrices ord=1, -1, np.inf, -np.inf without keepdims (ord=2, -2 "
                         "and 'nuc' need singular values)")


def matrix_norm(emit: Emitter, atom, order, axes: tuple, rank: int):
    """NumPy's induced norms: the largest (smallest) column sum of |x| for ord=1 (-1), row sum for np.inf (-inf),
    each `add.reduce(abs(x), axis=...)` then `.max(axis=...)` with NumPy's axis shift."""
    row, col = (a + rank if isinstance(a, int) and -rank <= a < 0 else a for a in axes)
    if not all(isinstance(a, int) and 0 <= a < rank for a in (row, col)) or row == col:
        raise emit.error(f"np.linalg.norm's axis {axes!r} is not two distinct axes of an array of rank {rank} "
                         "(NumPy raises ValueError)", "give two distinct axes")
    pick = "max" if order > 0 else "min"
    if order in (1, -1):
        return emit(pick, emit("sum", emit("abs", atom), axis=row), axis=col - 1 if col > row else col)
    return emit(pick, emit("sum", emit("abs", atom), axis=col), axis=row - 1 if row > col else row)


# --- axis moves: a transpose with the permutation NumPy computes -------------------------------------------------
def _axes_of(emit: Emitter, value, node, rank: int, what: str) -> tuple[int, ...]:
    axes = static(emit.lowering, value, node, what)
    axes = (axes,) if isinstance(axes, int) else axes
    if not isinstance(axes, tuple) or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise emit.error(f"{what} is an int or a tuple of ints known at build time")
    if not all(-rank <= a < rank for a in axes):
        raise emit.error(f"{what} {axes} is out of range for an array of rank {rank}", axis_hint(rank))
    normal = tuple(a % rank for a in axes)
    if len(set(normal)) != len(normal):
        raise emit.error(f"{what} names an axis twice")
    return normal


def moveaxis(lowering, node, builder, positional, keywords):
    """`np.moveaxis(a, source, destination)`."""
    arity(lowering, node, "np.moveaxis", positional, keywords, 3, 3)
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    rank = _rank(emit, atom)
    source = _axes_of(emit, positional[1], node, rank, "`source`")
    destination = _axes_of(emit, positional[2], node, rank, "`destination`")
    if len(source) != len(destination):
        raise emit.error("np.moveaxis moves as many axes as it names destinations")
    order = [k for k in range(rank) if k not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return emit("transpose", atom, axes=tuple(order))


def rollaxis(lowering, node, builder, positional, keywords):
    """`np.rollaxis(a, axis, start=0)`: `axis` moved to stand before `start`."""
    arity(lowering, node, "np.rollaxis", positional, keywords, 2, 3, ("start",))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    rank = _rank(emit, atom)
    (axis,) = _axes_of(emit, positional[1], node, rank, "`axis`")
    start_value, start_node = arg(lowering, positional, keywords, 2, "start", node, Const(0, None))
    start = _int(lowering, start_value, start_node, "`start`")
    start = start + rank if start < 0 else start
    if not 0 <= start <= rank:
        raise emit.error(f"`start` {start} is out of range for an array of rank {rank}",
                         f"`start` is 0 to {rank} (or -{rank} to -1, counted from the end)")
    start = start - 1 if axis < start else start
    order = [k for k in range(rank) if k != axis]
    order.insert(start, axis)
    return emit("transpose", atom, axes=tuple(order))
