"""Symbolic values for derivative rules: arithmetic on `Sym` appends equations to the current builder.

A rule such as `lambda g, y, x: g * (1.0 - y * y)` runs once per use at build time and leaves behind the
equations of its result. Helpers cover what every family needs: summing a broadcast cotangent back to an
input's shape, re-inserting reduced axes, counting reduced elements.
"""
from __future__ import annotations

from typing import Any

from ..analysis.types import TensorType, is_unknown, normalize_axis


class Sym:
    __slots__ = ("builder", "atom")

    def __init__(self, builder, atom):
        self.builder = builder
        self.atom = atom

    @property
    def type(self) -> TensorType:
        return self.atom.type

    @property
    def shape(self):
        return self.atom.type.shape

    @property
    def rank(self):
        return self.atom.type.rank

    def _bin(self, prim: str, other: Any, reverse: bool = False) -> "Sym":
        other_atom = _atom(self.builder, other)
        args = (other_atom, self.atom) if reverse else (self.atom, other_atom)
        return Sym(self.builder, self.builder.bind(prim, args))

    __add__ = lambda s, o: s._bin("add", o)  # noqa: E731
    __radd__ = lambda s, o: s._bin("add", o, True)  # noqa: E731
    __sub__ = lambda s, o: s._bin("subtract", o)  # noqa: E731
    __rsub__ = lambda s, o: s._bin("subtract", o, True)  # noqa: E731
    __mul__ = lambda s, o: s._bin("multiply", o)  # noqa: E731
    __rmul__ = lambda s, o: s._bin("multiply", o, True)  # noqa: E731
    __truediv__ = lambda s, o: s._bin("divide", o)  # noqa: E731
    __rtruediv__ = lambda s, o: s._bin("divide", o, True)  # noqa: E731
    __pow__ = lambda s, o: s._bin("power", o)  # noqa: E731
    __matmul__ = lambda s, o: s._bin("matmul", o)  # noqa: E731
    __eq__ = lambda s, o: s._bin("equal", o)  # noqa: E731
    __ne__ = lambda s, o: s._bin("not_equal", o)  # noqa: E731
    __lt__ = lambda s, o: s._bin("less", o)  # noqa: E731
    __le__ = lambda s, o: s._bin("less_equal", o)  # noqa: E731
    __gt__ = lambda s, o: s._bin("greater", o)  # noqa: E731
    __ge__ = lambda s, o: s._bin("greater_equal", o)  # noqa: E731
    __and__ = lambda s, o: s._bin("logical_and", o)  # noqa: E731
    __hash__ = None

    def __neg__(self) -> "Sym":
        return Sym(self.builder, self.builder.bind("negative", (self.atom,)))

    @property
    def T(self) -> "Sym":
        return ops.transpose(self)


def _atom(builder, value: Any):
    from ..builder import const

    if isinstance(value, Sym):
        return value.atom
    return const(value)


class _Ops:
    """`ops.exp(x)`, `ops.sum(g, axis=(0,), keepdims=True)`: any registered primitive, symbolically."""

    def __getattr__(self, prim_name: str):
        def apply(*args: Any, **params: Any) -> Sym:
            builder = next(a.builder for a in args if isinstance(a, Sym))
            return Sym(builder, builder.bind(prim_name, [_atom(builder, a) for a in args], params))

        return apply


ops = _Ops()


def reduced_axes(rank: int, axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(rank))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(normalize_axis(a, rank) for a in axes))


def unreduce(g: Sym, x: Sym, axis, keepdims: bool) -> Sym:
    """Give a reduction's cotangent its axes back (size 1), so it broadcasts against the input."""
    if keepdims or g.rank == 0 or axis is None:
        return g
    if x.rank is None:  # np.expand_dims normalizes `axis` against the input's rank, whatever it is
        if g.rank is not None:  # a cotangent of known rank may stand for fewer axes than the output has
            raise_missing_rank(g.builder, "this reduction")
        return ops.expand_dims(g, axis=axis)
    axes = reduced_axes(x.rank, axis)
    kept = [a for a in range(x.rank) if a not in axes]
    if g.rank is not None and g.rank < len(kept):  # arrived smaller: it stands for the last kept axes only
        first = kept[len(kept) - g.rank]
        axes = tuple(a - first for a in axes if a > first)
        if not axes:
            return g
    return ops.expand_dims(g, axis=axes[0] if len(axes) == 1 else axes)


def count(x: Sym, axis) -> Sym | float:
    """How many elements a reduction over `axis` combines: a literal where the sizes are static."""
    if x.rank is None:
        raise_missing_rank(x.builder, "this reduction")
    static, symbolic = 1, []
    for a in reduced_axes(x.rank, axis):
        dim = x.shape[a]
        if isinstance(dim, int):
            static *= dim
        else:
            symbolic.append(Sym(x.builder, x.builder.dim(dim, x.atom, a)))
    if not symbolic:
        return float(static)
    total = symbolic[0]
    for factor in symbolic[1:]:
        total = total * factor
    return total * static if static != 1 else total


def raise_missing_rank(builder, what: str):
    from ..errors import TranspileError

    raise TranspileError(
        f"`{what}` needs the rank of its argument", builder.loc,
        hint='annotate the parameters it depends on, e.g. x: "f64[n]"',
    )


def sum_to(g: Sym, target: TensorType, like: Sym, out: Sym | None = None) -> Sym:
    """Sum a cotangent over the axes that broadcasting added or stretched, so it broadcasts to `target`.

    The result may stay smaller than `target` (a later use broadcasts it), but never larger. `out` is the
    value `g` is the cotangent of: where `g` and `target` both lack an axis that `out` has, the implicit
    broadcast of `g` must be summed, so `g` is materialized first (`sum(x + s)` gives `s` the adjoint n, not 1).
    """
    if out is not None and _hides_summed_axis(g, target, out):
        g = materialize(g, out.type, out)
    if g.rank == 0:
        return g
    if g.shape is None or target.shape is None:
        return ops.unbroadcast(g, like)
    lead = g.rank - len(target.shape)
    if lead > 0:
        g = ops.sum(g, axis=tuple(range(lead)) if lead > 1 else 0)
    offset = len(target.shape) - g.rank  # g's axes align with the target's last ones
    stretched = []
    for axis, have in enumerate(g.shape):
        want = target.shape[axis + offset]
        if want == 1 and have != 1:
            stretched.append(axis)
        elif have != want and have != 1 and (is_unknown(want) or is_unknown(have)):
            return ops.unbroadcast(g, like)  # only the run-time shapes can tell
    if stretched:
        g = ops.sum(g, axis=tuple(stretched) if len(stretched) > 1 else stretched[0], keepdims=True)
    return g


def _hides_summed_axis(g: Sym, target: TensorType, out: Sym) -> bool:
    if g.shape is None or target.shape is None or out.shape is None:
        return g.shape != out.shape  # shapes known only at run time: only a full cotangent is safe to sum
    rank = len(out.shape)

    def aligned(shape, axis):
        offset = axis - (rank - len(shape))
        return shape[offset] if offset >= 0 else 1

    return any(dim != 1 and aligned(g.shape, axis) == 1 and aligned(target.shape, axis) == 1
               for axis, dim in enumerate(out.shape))


def materialize(g: Sym, target: TensorType, like: Sym) -> Sym:
    """A cotangent with exactly the target's shape (a broadcast view when it arrived smaller)."""
    if g.shape is not None and g.shape == target.shape:
        return g
    shape = g.builder.shape_atoms(target, like.atom if hasattr(like.atom, "name") else None)
    if shape is None:
        return ops.broadcast_like(g, like)
    return ops.broadcast_to(g, *[Sym(g.builder, a) for a in shape])
