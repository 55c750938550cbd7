"""Sizes the annotations name differently but the program needs equal (`y: "f64[n,k]"` meeting an array of
shape [n,2], `x: "f64[n,d]"` multiplied by a [3,5] matrix, a slice of length `p-3` meeting `d`, `2*h` meeting `n`): checked at run
time instead of refused. Two plain names that differ (`n` and `m`) stay a build error: the annotations say the
sizes differ.

When an operation's shape rule refuses two sizes of which at least one is a name from an annotation, the
operand with the named size is passed through `refine_shape`, which checks at run time that its shape is the
other operand's (a clear error otherwise) and gives it that shape statically. Where NumPy would have broadcast
a size that is 1 at run time, the check refuses instead: never a wrong number.
"""
from __future__ import annotations

from ..ir.dims import is_derived
from ..ir.types import is_unknown
from ..builder import Builder, const
from ..ir import Atom

ELEMENTWISE = {"add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "logaddexp", "arctan2",
               "mod", "floor_divide", "less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
               "logical_and", "logical_or", "where", "clip"}


def refined_operands(prim: str, args: list[Atom], builder: Builder, params: dict | None = None) -> list[Atom] | None:
    """The operands with named sizes checked against the sizes they meet, or None where that cannot help."""
    if any(a.type.shape is None for a in args):
        return None
    if prim in ELEMENTWISE:
        return _elementwise(args, builder)
    if prim == "matmul" and len(args) == 2:
        return _matmul(args, builder)
    if prim == "einsum" and params and "..." not in params.get("spec", "..."):
        return _einsum(args, params["spec"], builder)
    return None


def _named(dim) -> bool:
    return isinstance(dim, str) and not is_unknown(dim)


def _target(dims: list):
    """The size several named/literal sizes must share: the literal one (other than 1) if there is exactly one,
    else the first name; None where two literals differ (a real mismatch) or nothing is named."""
    literals = {d for d in dims if isinstance(d, int) and d != 1}
    if len(literals) > 1 or any(is_unknown(d) for d in dims if isinstance(d, str)):
        return None
    if literals:
        return literals.pop()
    names = [d for d in dims if _named(d)]
    # two plain names (`n` and `m`) say the sizes differ: that stays a build error; a derived size (`p-3`, a
    # slice of a named length) meeting a name is a relation the annotations cannot state
    if not any(is_derived(d) for d in names):
        return None
    return names[0]


def _elementwise(args: list[Atom], builder: Builder) -> list[Atom] | None:
    rank = max(len(a.type.shape) for a in args)
    wanted = [list(a.type.shape) for a in args]
    changed = False
    for axis in range(1, rank + 1):
        dims = [a.type.shape[-axis] for a in args if len(a.type.shape) >= axis]
        distinct = {d for d in dims if d != 1}
        if len(distinct) <= 1:
            continue
        target = _target(dims)
        if target is None:
            return None
        for shape in wanted:
            if len(shape) >= axis and shape[-axis] != 1 and shape[-axis] != target:
                if not _named(shape[-axis]):
                    return None
                shape[-axis] = target
                changed = True
    if not changed:
        return None
    return [_refine(a, shape, builder) for a, shape in zip(args, wanted)]


def _matmul(args: list[Atom], builder: Builder) -> list[Atom] | None:
    a, b = args
    if not a.type.shape or not b.type.shape:
        return None
    inner_a = a.type.shape[-1]
    b_axis = -2 if len(b.type.shape) > 1 else 0
    inner_b = b.type.shape[b_axis]
    target = _target([inner_a, inner_b]) if inner_a != inner_b else None
    if target is None or (inner_a != target and not _named(inner_a)) or (inner_b != target and not _named(inner_b)):
        return None
    shape_a = list(a.type.shape[:-1]) + [target]
    shape_b = list(b.type.shape)
    shape_b[b_axis] = target
    return [_refine(a, shape_a, builder), _refine(b, shape_b, builder)]


def _einsum(args: list[Atom], spec: str, builder: Builder) -> list[Atom] | None:
    """`np.einsum("bij,bjk->bik", x, r)` where one operand's `b` is another's `q-3`: one size per letter."""
    inputs = spec.replace(" ", "").split("->")[0].split(",")
    if len(inputs) != len(args) or any(len(letters) != len(a.type.shape) for letters, a in zip(inputs, args)):
        return None
    wanted = [list(a.type.shape) for a in args]
    changed = False
    for letter in dict.fromkeys("".join(inputs)):
        places = [(k, axis) for k, letters in enumerate(inputs) for axis, c in enumerate(letters) if c == letter]
        dims = [wanted[k][axis] for k, axis in places]
        if len({d for d in dims if d != 1}) <= 1:
            continue
        target = _target(dims)
        if target is None:
            return None
        for k, axis in places:
            if wanted[k][axis] not in (1, target):
                if not _named(wanted[k][axis]):
                    return None
                wanted[k][axis] = target
                changed = True
    if not changed:
        return None
    return [_refine(a, shape, builder) for a, shape in zip(args, wanted)]


def _refine(atom: Atom, shape: list, builder: Builder) -> Atom:
    if tuple(shape) == tuple(atom.type.shape):
        return atom
    dims = [const(d) if isinstance(d, int) else builder.dim(d) for d in shape]
    return builder.bind("refine_shape", [atom] + dims)


def refine_to(atom: Atom, like: Atom, builder: Builder) -> Atom:
    """`atom` checked at run time to have `like`'s shape (ValueError otherwise) and given it statically: an
    in-place update `a += b` whose broadcast only run time can tell from `a`'s shape (NumPy raises ValueError,
    non-broadcastable output operand, where it is larger)."""
    dims = [const(d) if isinstance(d, int) else builder.dim(d, like, axis) for axis, d in enumerate(like.type.shape)]
    return builder.bind("refine_shape", [atom] + dims)
