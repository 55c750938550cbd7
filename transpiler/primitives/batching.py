"""Batching rules: how each primitive runs on a whole batch at once (`vmap`), shared by families.

A batched value carries the batch as its leading axis; an unbatched one is the same for every example and keeps
its own shape. A rule receives the equation's arguments (symbolic values of the batched program), which of them
are batched, and the equation's parameters, and returns the batched result (batch axis first). Families share
the axis bookkeeping: elementwise arguments of lower rank get `x[:, None]` so the batch axis lines up, a
reduction's axes move one to the right, linear algebra uses NumPy's own stacked `@` (or `einsum`) rather than a
loop over examples. What cannot be batched exactly (a shape that would differ between examples) is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..ir.types import ShapeError, TensorType, normalize_axis
from ..ir import Var
from .symbolic import Sym, ops, reduced_axes

# rule(ctx, prim, args, batched, **params) -> the result, batched (batch axis first); `args[i]` has the batch
# axis first where `batched[i]`.
BatchRule = Callable[..., Sym]


class BatchError(ShapeError):
    """A construct that cannot run batched; the batching transform attaches the source location."""


@dataclass
class BatchContext:
    """What a rule needs besides its arguments: the batch size as a value of the program."""

    size: Sym
    # batch_rule(fn, batched) -> `fn` (a custom_vjp rule: args, out, g -> cotangents) batched over the arguments
    # marked, out and g; the batching transform provides it (rules never import passes)
    batch_rule: Callable | None = None

    @property
    def builder(self):
        return self.size.builder

    def bind(self, prim_name: str, args: list, params: dict | None = None) -> Sym:
        return Sym(self.builder, self.builder.bind(prim_name, [a.atom if isinstance(a, Sym) else a for a in args],
                                                   params))

    def align(self, x: Sym, rank: int) -> Sym:
        """A batched value of per-example rank below `rank`, with axes of size 1 inserted after the batch axis
        (`x[:, None]`), so that it meets arrays of rank `rank` example by example."""
        missing = rank - example_rank(x, True)
        if missing <= 0:
            return x
        return ops.getitem(x, index=(slice(None),) + (None,) * missing)

    def lift(self, x: Sym, writable: bool = False) -> Sym:
        """An unbatched value as a batched one: the same for every example (a broadcast view, or a copy when it
        will be written into, named after the value)."""
        lifted = self._lift(x, writable)
        if writable and isinstance(x.atom, Var) and isinstance(lifted.atom, Var) and lifted.atom.temporary:
            made = self.builder.definition(x.atom)
            source = made.args[0] if made is not None and made.prim.name == "copy" else x.atom
            if isinstance(source, Var) and not source.temporary:
                self.builder.rename(lifted.atom, source.name)
        return lifted

    def _lift(self, x: Sym, writable: bool) -> Sym:
        if x.rank is None:
            raise BatchError("batching needs the rank of every value: annotate the parameters, e.g. x: \"f64[n]\"")
        dims = self.builder.shape_atoms(x.type, x.atom if isinstance(x.atom, Var) else None)
        if dims is None:
            raise BatchError("batching needs the shape of this value: annotate the parameters it depends on")
        made = self.builder.definition(x.atom)
        if writable and made is not None and made.prim.name in ("zeros", "zeros_like"):  # zeros for every example
            return ops.zeros(self.size, *[Sym(self.builder, d) for d in dims], dtype=x.type.dtype)
        if writable and made is not None and made.prim.name == "copy":  # one copy, not a copy of a copy
            x = Sym(self.builder, made.args[0])
        view = ops.broadcast_to(x, self.size, *[Sym(self.builder, d) for d in dims])
        return ops.copy(view) if writable else view


def example_rank(x: Sym, batched: bool) -> int:
    """The rank of one example of `x`."""
    if x.rank is None:
        raise BatchError("batching needs the rank of every value: annotate the parameters, e.g. x: \"f64[n]\"")
    return x.rank - 1 if batched else x.rank


def batched_type(t: TensorType, dim: str) -> TensorType:
    """The type of a batch of values of type `t` (batch axis `dim` first)."""
    return t.with_shape((dim,) + t.shape) if t.shape is not None else t


def example_type(t: TensorType) -> TensorType:
    return t.with_shape(t.shape[1:]) if t.shape is not None else t


def refuse(what: str) -> Callable:
    def rule(ctx, prim, args, batched, **params):
        raise BatchError(what)

    return rule


# --- elementwise ---------------------------------------------------------------------------------------------
def batch_elementwise(ctx: BatchContext, prim, args: list[Sym], batched: list[bool], **params) -> Sym:
    """Batched arguments of lower rank get `[:, None, ...]`; unbatched ones broadcast from the right as they are.
    An in-place update of an unbatched array by a batched value first gets a batched copy to write into."""
    rank = max(example_rank(a, b) for a, b in zip(args, batched))
    args = [ctx.align(a, rank) if b else a for a, b in zip(args, batched)]
    if prim.extra.get("in_place") and not batched[0]:
        args[0] = ctx.lift(args[0], writable=True)
    return ctx.bind(prim.name, args, params)


# --- reductions ----------------------------------------------------------------------------------------------
def shift_axes(axes: tuple[int, ...]):
    moved = tuple(a + 1 for a in axes)
    return moved[0] if len(moved) == 1 else moved


def batch_reduction(ctx: BatchContext, prim, args: list[Sym], batched: list[bool], axis=None, keepdims=False,
                    **extra):
    """The same reduction over the same axes of each example: axes renumbered past the batch axis (other
    parameters, such as `ddof`, as they are)."""
    (x,) = args
    params: dict[str, Any] = {"axis": shift_axes(reduced_axes(example_rank(x, True), axis)), **extra}
    if keepdims:
        params["keepdims"] = True
    return ctx.bind(prim.name, [x], params)


# --- operations on the trailing axes (stacks) ------------------------------------------------------------------
def batch_stacked(ctx: BatchContext, prim, args: list[Sym], batched: list[bool], **params) -> Sym:
    """An operation on the last axes of its one argument that NumPy already maps over leading axes (np.linalg's
    inv, det, cholesky, eigh; tril, triu): the batch is one more leading axis."""
    return ctx.bind(prim.name, args, params)


def batch_along_axis(ctx: BatchContext, prim, args: list[Sym], batched: list[bool], axis=None, **params) -> Sym:
    """An operation along given axes of one argument (flip, cumsum): the axes renumbered past the batch axis;
    `axis=None` means every axis for flip and the flattened array for cumsum (an example's only axis)."""
    (x,) = args
    rank = example_rank(x, True)
    if axis is None:
        if prim.name == "flip":
            return ctx.bind(prim.name, [x], {"axis": tuple(range(1, rank + 1)), **params})
        if rank != 1:
            raise BatchError(f"np.{prim.name} of a flattened array cannot run batched; pass axis=")
        axis = 0
    return ctx.bind(prim.name, [x], {"axis": shift_axes(reduced_axes(rank, axis)) if isinstance(axis, tuple)
                                     else normalize_axis(axis, rank) + 1, **params})


# --- shape arguments -----------------------------------------------------------------------------------------
def check_static_shape(batched: list[bool], first: int) -> None:
    """Sizes passed as arguments (reshape, zeros) must be the same for every example."""
    if any(batched[first:]):
        raise BatchError("this shape depends on the batched inputs, so it would differ between examples; "
                         "build arrays whose shape is the same for every example")


def normalized(axis: int, rank: int) -> int:
    return normalize_axis(axis, rank)


def batch_scan(ctx: BatchContext, prim, args: list[Sym], batched: list[bool], axis=None, **params) -> Sym:
    """A running product or linear recurrence along axes of each example (`axis=None`: all of an example's axes
    as one, in C order): the axes renumbered past the batch axis."""
    rank = max(example_rank(a, b) for a, b in zip(args, batched))
    # a recurrence's coefficients and inputs have one shape (its shape rule reads the first): all batched
    args = [ctx.align(a, rank) if b else ctx.lift(a) for a, b in zip(args, batched)]
    if axis is None:
        moved = tuple(range(1, rank + 1))
    elif isinstance(axis, tuple):
        moved = shift_axes(reduced_axes(rank, axis))
    else:
        moved = normalize_axis(axis, rank) + 1
    return ctx.bind(prim.name, args, {"axis": moved, **params})
