"""Symbolic values for derivative rules: arithmetic on `Sym` appends equations to the current builder.

A rule such as `lambda g, y, x: g * (1.0 - y * y)` runs once per use at build time and leaves behind the
equations of its result. Helpers cover what every family needs: summing a broadcast cotangent back to an
input's shape, re-inserting reduced axes, counting reduced elements.
"""
from __future__ import annotations

from typing import Any

from ..ir.types import ShapeError, TensorType, clamps_to, is_unknown, normalize_axis, show_shape
from ..ir import Var, const


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
    """The cotangent of an input of shape `target` that was broadcast to `out`'s shape, given `g`, the
    cotangent of `out` (which may itself be smaller than `out`: it stands for its broadcast).

    Axes that broadcasting added or stretched are summed; where `g` is constant along such an axis (it lacks
    it), the sum is `g` times the axis length, so `sum(x + s)` gives `s` the adjoint `n` without building
    an n-element array. The result broadcasts to `target`, and may stay smaller than it. Without `out`,
    `g` is taken to be full-size.
    """
    out = g if out is None else out
    definition = g.builder.definition(g.atom)
    if definition is not None and definition.prim.name == "negative":  # sum, then negate the smaller result
        summed = sum_to(Sym(g.builder, definition.args[0]), target, like, out)
        return g if summed.atom is definition.args[0] else -summed
    if g.shape is None or target.shape is None or out.shape is None:
        return _at_run_time(g, like, out)
    rank = len(out.shape)
    offset = rank - g.rank  # g's axes align with out's last ones
    t_dims = (None,) * (rank - len(target.shape)) + tuple(target.shape)  # None: the target lacks the axis
    dropped, summed, scaled = [], [], []
    for axis, (o, t) in enumerate(zip(out.shape, t_dims)):
        if t is not None and (t == o or o == 1 or clamps_to(t, o) == 0):
            continue  # the input has this axis as it is (max(q,0) of the length q is q)
        if t is not None and t != 1:
            if is_unknown(t) or is_unknown(o) or clamps_to(t, o) == 1:  # only run time can tell whether t is 1
                # (max(q,1) broadcast to q: 1 where q is 0, so the cotangent is summed to a zero there)
                return _at_run_time(g, like, out)
            raise ShapeError(f"cannot sum a cotangent of shape {show_shape(out.shape)} to {show_shape(target.shape)}")
        have = g.shape[axis - offset] if axis >= offset else 1
        if have != o and have != 1 and (is_unknown(have) or is_unknown(o)):
            return _at_run_time(g, like, out)
        if have == 1:
            scaled.append(axis)  # g is constant along the axis: its sum is a product
        if axis >= offset and t is None:
            dropped.append(axis - offset)
        elif axis >= offset and have != 1:
            summed.append(axis - offset)
    if summed:
        g = ops.sum(g, axis=tuple(summed) if len(summed) > 1 else summed[0], keepdims=True)
    if dropped:
        g = ops.sum(g, axis=tuple(dropped) if len(dropped) > 1 else dropped[0])
    for axis in scaled:
        g = g * Sym(g.builder, g.builder.dim(out.shape[axis], out.atom, axis))
    return g


def _at_run_time(g: Sym, like: Sym, out: Sym) -> Sym:
    """Shapes only known at run time: broadcast the cotangent to full size, then let the helper sum it."""
    return ops.unbroadcast(materialize(g, out.type, out), like)


def materialize(g: Sym, target: TensorType, like: Sym) -> Sym:
    """A cotangent with exactly the target's shape (a broadcast view when it arrived smaller)."""
    if g.shape is not None and g.shape == target.shape:
        return g
    shape = g.builder.shape_atoms(target, like.atom if isinstance(like.atom, Var) else None)
    if shape is None:
        return ops.broadcast_like(g, like)
    return ops.broadcast_to(g, *[Sym(g.builder, a) for a in shape])
