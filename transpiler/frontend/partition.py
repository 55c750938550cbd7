"""`np.partition(a, kth, axis=-1)`: read only where NumPy says what it holds, at the `kth` positions.

NumPy promises that each `kth` position of the result holds the value a full sort would put there, and that
smaller values come before it and larger after; the order of the others is its selection algorithm's (which
differs between versions and CPUs: x86-simd-sort on AVX-512). A kernel therefore gets a build-time value, not an
array: reading a `kth` position along the axis (`np.partition(x, k)[k]`, `np.partition(x, 2, axis=0)[2, :]`)
reads the sorted array there, which holds the same value and has sort's derivatives (`permute_along`); any other
use (a slice, a reduction, a return) depends on the unspecified order and is refused where it is written. Where
values tie, the derivative is sort's one-sided one, and a zero tying with a zero of the other sign may come out
with the other sign (NumPy's choice among equal values).

`np.argpartition` stays refused: which of equal values it puts at position `k` is the algorithm's choice too.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Atom, Const, Var
from ..ir.dims import dim_sum, poly_of
from .call_args import Emitter, arg, arity, known_rank, ravel, static

PARTITION_HINT = ("read a position it names (np.partition(x, k)[k], `k` the same number or expression), or sort: "
                  "np.sort(x, axis)[..., :k] has the same elements in a defined order")


@dataclass(frozen=True, eq=False)
class Partitioned:
    """The result of np.partition: `sorted` (the array sorted along `axis`) read only at the positions `kth`
    (ints as written, or integer scalars)."""

    sorted: Var
    axis: int
    kth: tuple


def partition(lowering, node, builder, positional, keywords):
    """`np.partition(a, kth, axis=-1, kind="introselect")`."""
    arity(lowering, node, "np.partition", positional, keywords, 2, 4, ("axis", "kind"))
    emit = Emitter(lowering, node, builder)
    atom = emit.atom(positional[0])
    axis_value, axis_node = arg(lowering, positional, keywords, 2, "axis", node, Const(-1, None))
    axis = static(lowering, axis_value, axis_node, "`axis`")
    kind_value, kind_node = arg(lowering, positional, keywords, 3, "kind", node)
    if static(lowering, kind_value, kind_node, "`kind`") not in (None, "introselect"):
        raise lowering.error(kind_node, "np.partition's `kind` is 'introselect'")
    if axis is None:
        atom, axis = ravel(emit, atom), 0
    rank = known_rank(emit, atom)
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise emit.error(f"np.partition's `axis` {axis!r} is not an axis of an array of rank {rank}")
    axis %= rank
    kth = _kth(emit, positional[1], atom, axis)
    return Partitioned(emit("sort", atom, axis=axis), axis, kth)


def _kth(emit: Emitter, value, atom: Var, axis: int) -> tuple:
    """The positions, each checked against the axis's length as NumPy checks it (a ValueError)."""
    items = value if isinstance(value, tuple) else (value,)
    if not items:
        raise emit.error("np.partition needs at least one `kth`")
    size = atom.type.shape[axis]
    kth = []
    for item in items:
        k = emit.atom(item)
        if isinstance(k, Const) and (not isinstance(k.value, int) or isinstance(k.value, bool)) or \
                k.type.shape != () or k.type.dtype not in ("i32", "i64"):
            raise emit.error("np.partition's `kth` is an integer or a tuple of integers",
                             "np.partition(a, 2) or np.partition(a, (0, 2))")
        if isinstance(k, Const) and isinstance(size, int):
            if not -size <= k.value < size:
                shown = k.value + size if k.value < 0 else k.value
                raise emit.error(f"np.partition's kth(={shown}) is out of bounds ({size}): NumPy raises ValueError")
        else:
            _check_in_bounds(emit, k, atom, axis)
        kth.append(k.value if isinstance(k, Const) else k)
    return tuple(kth)


def _check_in_bounds(emit: Emitter, k: Atom, atom: Var, axis: int) -> None:
    """NumPy's ValueError for a `kth` outside the axis, at run time (the length or `kth` known only then)."""
    size = emit.dims(atom)[axis]
    above = emit("less_equal", emit("negative", size), k)  # (only the test a known sign leaves)
    below = emit("less", k, size)
    inside = below if isinstance(k, Const) and k.value >= 0 else above if isinstance(k, Const) else \
        emit("logical_and", above, below)
    emit("check_assert", inside, message="kth out of bounds", error="ValueError")


def read(lowering, value: Partitioned, node, items: list, builder):
    """`np.partition(...)[index]`: the sorted array read there, where the index picks a `kth` position along the
    partitioned axis (whatever it does on the other axes)."""
    rank = len(value.sorted.type.shape)
    position = _position_along(items, value.axis, rank)
    if position is None or not any(_same_position(position, k, value.sorted, value.axis, builder) for k in value.kth):
        raise lowering.error(node, "this reads np.partition's result where NumPy leaves the order of the elements "
                             "unspecified (it promises only the `kth` positions along the axis)", PARTITION_HINT)
    args, index = lowering._index(value.sorted, items)
    return lowering._bind(builder, node, "getitem", args, {"index": tuple(index)})


def _position_along(items: list, axis: int, rank: int):
    """The index item that applies to `axis` (an int or an integer scalar), or None (a slice, an index array, a
    mask, or no item: not one position)."""
    consumed = [item for item in items if item is not None and item is not Ellipsis]
    if any(isinstance(item, Var) and item.type.shape != () for item in consumed):
        return None  # (index arrays and masks: read through positions they choose)
    axes: list = []
    for item in items:
        if item is None:
            continue
        if item is Ellipsis:
            axes += [slice(None)] * (rank - len(consumed))
        else:
            axes.append(item)
    if axis >= len(axes) or isinstance(axes[axis], slice):
        return None
    return axes[axis]


def _same_position(position, k, sorted_: Var, axis: int, builder) -> bool:
    """Is the index `position` the `kth` entry `k` along an axis of this length: the same int (counted from the
    same end, or from either where the length is known), the same size expression (`n-1` and `-1`), or the same
    value computed the same way (`n // 2` written twice)."""
    size = sorted_.type.shape[axis]
    a, b = _as_dim(position, size), _as_dim(k, size)
    if a is not None and b is not None and poly_of(a) is not None and poly_of(a) == poly_of(b):
        return True
    if isinstance(position, int) and isinstance(k, int) and (position < 0) == (k < 0):
        return position == k
    return _same_value(builder, position, k, 8)


def _as_dim(index, size):
    """An index as a size expression counted from the start (`-1` is `n-1`), where it is one."""
    if isinstance(index, int):
        return index if index >= 0 else dim_sum([size, index])
    value = index.type.value
    return value if value is not None and not isinstance(value, bool) else None


def _same_value(builder, a, b, depth: int) -> bool:
    if a is b:
        return True
    if isinstance(a, Const) and isinstance(b, Const) or isinstance(a, int) or isinstance(b, int):
        return _plain(a) == _plain(b) and type(_plain(a)) is type(_plain(b))
    first, second = builder.definition(a), builder.definition(b)
    if depth == 0 or first is None or second is None or first.prim is not second.prim or \
            first.params != second.params or len(first.args) != len(second.args) or first.prim.family == "effect":
        return False
    return all(_same_value(builder, x, y, depth - 1) for x, y in zip(first.args, second.args))


def _plain(value):
    return value.value if isinstance(value, Const) else value


def partition_refusal(value: Partitioned):
    """The message and hint for a use of np.partition's result other than reading a `kth` position."""
    return ("np.partition's result is used here as a whole, but NumPy leaves the order of its elements unspecified "
            "(it promises only the `kth` positions along the axis)", PARTITION_HINT)

