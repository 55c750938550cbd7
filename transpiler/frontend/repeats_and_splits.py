"""NumPy functions that repeat, rotate or cut an array, each the primitives NumPy's own definition uses (so their
derivatives are those primitives' rules): np.roll, np.repeat (and the method), np.tile, np.meshgrid, np.split,
np.array_split and np.vsplit/hsplit/dsplit. What NumPy would compute differently (a run-time repeat count) is a
located error. (Split from array_functions.py, which keeps stacking, atleast_* and ravel.)
"""
from __future__ import annotations

from ..ir import Atom, Const
from ..ir.types import axis_hint
from ..values import ListValue
from .array_literals import array_like
from .call_args import Emitter, arg, arity, known_rank as _rank, ravel as _ravel, static, static_axis as _axis


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
            raise emit.error(f"axis {ax} is out of range for an array of rank {rank}", axis_hint(rank))
        atom = _roll_axis(emit, atom, sh, ax % rank)
    return atom


def _roll_axis(emit: Emitter, atom, shift, axis: int):
    """x rolled by `shift` along `axis`: its last `shift % n` entries, then the rest."""
    from ..primitives.indexing import Ref

    shift = emit.atom(shift)
    if shift.type.shape == () and shift.type.dtype in ("bool", "f32", "f64"):
        shift = _as_python_int(emit, shift)
    if shift.type.dtype not in ("i32", "i64") or shift.type.shape != ():
        raise emit.error("np.roll shifts by an integer", "np.roll(a, 2), or np.roll(a, int(k))")
    size = emit.dims(atom)[axis]
    if isinstance(size, Const) and size.value == 0:  # nothing to roll
        return emit("copy", atom)
    # NumPy takes the shift modulo `size or 1`: an empty axis (a named length 0 at run time) rolls to itself
    divisor = size if isinstance(size, Const) else emit("maximum", size, 1)
    start = emit("subtract", size, emit("mod", shift, divisor))
    before = (slice(None),) * axis
    if isinstance(start, Const):
        tail = emit("getitem", atom, index=before + (slice(start.value, None),))
        head = emit("getitem", atom, index=before + (slice(None, start.value),))
    else:
        tail = emit("getitem", atom, start, index=before + (slice(Ref(1), None),))
        head = emit("getitem", atom, start, index=before + (slice(None, Ref(1)),))
    return emit("concatenate", tail, head, axis=axis)


def _as_python_int(emit: Emitter, shift):
    """NumPy's roll adds `int(sh)` of each shift: a bool is 0 or 1, a float truncated toward zero (Python's
    ValueError at NaN, OverflowError at inf, at run time)."""
    from .python_builtins import to_int

    return emit.atom(to_int(emit.lowering, emit.node, emit.builder, [shift], {}))


def _repeat(lowering, node, builder, x, repeats_value, repeats_node, axis_value, axis_node):
    from .common_functions import take_along
    from .repeat_counts import repeat_each

    emit = Emitter(lowering, node, builder)
    atom = emit.atom(x)
    axis = _axis(lowering, axis_value, axis_node)
    if axis is None:
        atom, axis = _ravel(emit, atom), 0
    rank = _rank(emit, atom)
    if not -rank <= axis < rank:
        raise emit.error(f"axis {axis} is out of range for an array of rank {rank}", axis_hint(rank))
    axis %= rank
    repeats = repeats_value.value if isinstance(repeats_value, Const) else None
    each = isinstance(repeats_value, (tuple, ListValue)) or isinstance(repeats_value, Atom) and \
        repeats_value.type.shape not in ((), None)
    if each:  # one count per element (transpiler/frontend/repeat_counts.py); None: a single count
        made = repeat_each(lowering, node, builder, atom, repeats_value, repeats_node, axis,
                           lambda a, index, at: take_along(lowering, node, builder, a, index, at))
        if made is not None:
            return made
        repeats = emit("getitem", emit.atom(array_like(lowering, node, builder, repeats_value)), index=(0,))
        if repeats.type.dtype == "bool":  # NumPy casts the counts to intp: True is 1
            repeats = emit("astype", repeats, dtype="i64")
    elif repeats is None and isinstance(repeats_value, Atom) and repeats_value.type.shape == () and \
            repeats_value.type.dtype in ("i32", "i64"):
        repeats = repeats_value  # one count known at run time (`inputs.shape[1]`): NumPy raises if negative
    elif not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 0:
        raise lowering.error(repeats_node, "np.repeat's count is an integer, or one per element (a list or an "
                             "integer array)", "np.repeat(x, 3, axis=0), np.repeat(x, [1, 2, 0], axis=0)")
    return _copies(emit, atom, axis, repeats, inner=True)


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
    reps = tuple(_tile_count(emit, r) for r in (positional[1] if isinstance(positional[1], tuple)
                                                 else (positional[1],)))
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


def _tile_count(emit: Emitter, value):
    """One of np.tile's repetitions: an int known at build time, or an integer scalar known at run time
    (`np.tile(x, (len(x), 1))`: NumPy raises ValueError where it is negative, and so does the broadcast)."""
    if isinstance(value, Atom) and not isinstance(value, Const) and value.type.shape == () and \
            value.type.dtype in ("i32", "i64"):
        return value
    count = value.value if isinstance(value, Const) else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise emit.error("np.tile takes integer repetitions (known at build time, or an integer scalar)",
                         "np.tile(x, (2, 1)), np.tile(x, (len(x), 1))")
    return count


def meshgrid(lowering, node, builder, positional, keywords):
    """`np.meshgrid(*xi, sparse=False, indexing='xy')`: each vector along its own axis, broadcast to the full grid,
    or (`sparse=True`) left of length 1 along the others, as NumPy's `reshape`s; copies, as NumPy's default
    `copy=True` gives; `copy=False` NumPy's views themselves (the reshapes, read-only `broadcast_to`s where not
    sparse; a list where sparse, as NumPy 2.4 returns), so the layout and alias analyses judge a write through
    them or to the inputs as they judge those."""
    arity(lowering, node, "np.meshgrid", positional, keywords, 0, 16, ("indexing", "sparse", "copy"))
    emit = Emitter(lowering, node, builder)
    index_value, index_node = keywords.get("indexing", ("xy", node))
    indexing = static(lowering, index_value, index_node, "`indexing`")
    if indexing not in ("xy", "ij"):
        raise lowering.error(index_node, "`indexing` is 'xy' or 'ij'")
    sparse, copy = (static(lowering, *keywords.get(key, (Const(default, None), node)), f"`{key}`")
                    for key, default in (("sparse", False), ("copy", True)))
    if not positional:
        return ListValue([], lowering._level) if sparse and not copy else ()
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
        grid = column if sparse else emit("broadcast_to", column, *shape)
        grids.append(emit("copy", grid) if copy else grid)  # NumPy's copies, or its views
    return ListValue(grids, lowering._level) if sparse and not copy else tuple(grids)  # NumPy 2.4's list there


def split_along(name: str, axis: int):
    """`np.vsplit` (axis 0), `np.hsplit` (axis 1; 0 for a vector), `np.dsplit` (axis 2): np.split along it."""
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, 2, 2)
        emit = Emitter(lowering, node, builder)
        rank = _rank(emit, emit.atom(positional[0]))
        along = 0 if name == "np.hsplit" and rank == 1 else axis
        if rank <= along or (name == "np.vsplit" and rank < 2):
            raise emit.error(f"`{name}` needs an array of rank {max(along + 1, 2)} or more")
        return split(lowering, node, builder, [positional[0], positional[1], Const(along, None)], {})

    return handle


def _split_operands(lowering, node, builder, positional, keywords, name: str) -> tuple:
    """`name(x, sections, axis=0)`'s emitter, the array, the axis as given and the array's rank."""
    arity(lowering, node, name, positional, keywords, 2, 3, ("axis",))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node, Const(0, None))
    return emit, atom, _axis(lowering, axis_value, axis_node, allow_none=False), _rank(emit, atom)


def array_split(lowering, node, builder, positional, keywords):
    """`np.array_split`: np.split, where a number of sections need not divide the length (the first `length %
    sections` pieces are one longer, as NumPy cuts them)."""
    emit, atom, axis, rank = _split_operands(lowering, node, builder, positional, keywords, "np.array_split")
    where = static(lowering, positional[1], node, "the sections")
    if isinstance(where, int) and not isinstance(where, bool) and -rank <= axis < rank:
        size = atom.type.shape[axis % rank]
        if where <= 0:
            raise emit.error("np.array_split into sections needs a positive count (NumPy raises ValueError)",
                             "give the cut points instead: np.array_split(x, [2, 5])")
        if not isinstance(size, int):
            return _run_time_sections(lowering, emit, atom, axis % rank, where, equal=False)
        each, extra = divmod(size, where)
        sizes = [each + 1] * extra + [each] * (where - extra)
        cuts = tuple(Const(sum(sizes[:k]), None) for k in range(1, where))
        return split(lowering, node, builder, [atom, cuts, Const(axis, None)], {})
    return split(lowering, node, builder, [atom, positional[1], Const(axis, None)], {})


def split(lowering, node, builder, positional, keywords):
    """np.split into equal sections or at given indices: a list of slices (views), as NumPy returns them."""
    emit, atom, axis, rank = _split_operands(lowering, node, builder, positional, keywords, "np.split")
    if not -rank <= axis < rank:
        raise emit.error(f"axis {axis} is out of range for an array of rank {rank}", axis_hint(rank))
    axis %= rank
    where = static(lowering, positional[1], node, "the sections")
    if isinstance(where, int) and not isinstance(where, bool):
        size = atom.type.shape[axis]
        if where <= 0 or isinstance(size, int) and size % where:
            raise emit.error("np.split into equal sections needs a positive count that divides the axis length "
                             f"({size}; NumPy raises ValueError)", "give the cut points instead: np.split(x, [2, 5])")
        if not isinstance(size, int):
            return _run_time_sections(lowering, emit, atom, axis, where, equal=True)
        cuts = tuple(size // where * i for i in range(1, where))
    elif isinstance(where, tuple) and all(isinstance(c, int) and not isinstance(c, bool) for c in where):
        cuts = where
    else:
        raise emit.error("np.split takes a number of sections or a list of cut points known at build time")
    before = (slice(None),) * axis
    bounds = (None,) + cuts + (None,)
    from ..values import ListValue

    return ListValue([emit("getitem", atom, index=before + (slice(start, stop),))  # NumPy's list of views
                      for start, stop in zip(bounds, bounds[1:])], lowering._level)


def _run_time_sections(lowering, emit: Emitter, atom, axis: int, count: int, equal: bool) -> ListValue:
    """`count` sections of an axis whose length `n` is known only at run time, cut where NumPy cuts them: piece k
    starts at `k * (n // count) + min(k, n % count)` (np.array_split: the first `n % count` pieces are one longer);
    np.split first checks at run time that `count` divides `n` and raises NumPy's ValueError where it does not."""
    size = emit.dims(atom)[axis]
    each, extra = emit("floor_divide", size, count), emit("mod", size, count)
    if equal:
        emit("check_assert", emit("equal", extra, 0), message="array split does not result in an equal division",
             error="ValueError")
    starts = [None] + [emit("add", emit("multiply", each, k), emit("minimum", extra, k)) for k in range(1, count)]
    before = [slice(None)] * axis
    pieces = []
    for start, stop in zip(starts, starts[1:] + [None]):
        args, structure = lowering._index(atom, before + [slice(start, stop)])
        pieces.append(lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(structure)}))
    return ListValue(pieces, lowering._level)  # NumPy's list of views
