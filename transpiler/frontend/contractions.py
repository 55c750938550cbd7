"""NumPy's tensor products: `np.matmul` and `np.dot`, `np.einsum`, `np.outer`, and, written with the entries
they are made of, `np.dot` of stacks, `np.tensordot`,
`np.inner`, `np.kron`, and einsum subscripts with `...`. The ranks are known at build time, so each becomes an
einsum, a matrix product, reshapes and transposes, or a broadcast product, computed as NumPy computes it where
that gives the same bits; their rules already exist, nothing new to differentiate or batch."""
from __future__ import annotations

import numpy

from ..ir import Const
from ..ir.types import NUMPY_DTYPES
from ..primitives.linalg import einsum_views
from .array_literals import array_like
from .call_args import Emitter, arg, arity, dtype, given, ravel, static

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def matmul(lowering, node, builder, positional, keywords, name="np.matmul"):
    arity(lowering, node, name, positional, keywords, 2, 2)
    a, b = (lowering._atom(v, node) for v in positional)
    if (a.type.rank == 0 or b.type.rank == 0) and name != "np.matmul":  # np.dot's product by a scalar; np.matmul
        return lowering._bind(builder, node, "multiply", [a, b])         # raises ValueError, as `@` does
    if name != "np.matmul":
        return dot(lowering, node, builder, a, b, name)
    return lowering._bind(builder, node, "matmul", [a, b])


def einsum(lowering, node, builder, positional, keywords):
    arity(lowering, node, "np.einsum", positional, keywords, 2, 16, ("optimize", "dtype"))
    if isinstance(positional[0], str):
        spec, operands = positional[0], positional[1:]
    else:  # NumPy's other form: each operand followed by its axes' labels, then the output's (`a, [0, 1], b, ...`)
        spec, operands = sublist_subscripts(Emitter(lowering, node, builder), positional)
    _plain_contraction(lowering, keywords, len(operands))
    emit = Emitter(lowering, node, builder)
    # NumPy makes each operand an array: a Python number is int64/float64/bool there, not a weak scalar
    atoms = [emit("array", value=v.value) if isinstance(v, Const) and isinstance(v.value, (bool, int, float))
             else lowering._atom(v, node) for v in operands]
    if "." in spec:
        spec = expand_ellipsis(Emitter(lowering, node, builder), spec, atoms)
    return lowering._bind(builder, node, "einsum", atoms, {"spec": spec, **_computed_in(lowering, keywords, atoms, spec)})


def _computed_in(lowering, keywords, atoms, spec: str) -> dict:
    """np.einsum's `dtype=`: NumPy casts every operand to it with casting='safe' (TypeError otherwise, refused
    here) and computes and returns in it; the registry entry renders NumPy's call with it, so the bits are its."""
    if "dtype" not in keywords or not given(keywords["dtype"][0]):
        return {}
    value, key_node = keywords["dtype"]
    wanted = dtype(lowering, value, key_node)
    if len(atoms) == 1 and einsum_views(atoms, {"spec": spec}):
        return {}  # (NumPy returns one operand's view, `ij->ji`, `ii->i`, `->`, before it reads dtype= at all)
    for atom in atoms:
        source = "bool" if atom.type.dtype == "bool" else atom.type.dtype
        if not numpy.can_cast(numpy.dtype(NUMPY_DTYPES[source]), numpy.dtype(NUMPY_DTYPES[wanted]), "safe"):
            raise lowering.error(key_node, f"np.einsum of a {atom.type.dtype} operand with dtype={NUMPY_DTYPES[wanted]}: "
                                 "NumPy casts operands with casting='safe' and raises TypeError",
                                 "cast the operand first, or pass casting='unsafe'")
    return {"dtype": wanted}


def _plain_contraction(lowering, keywords, count: int) -> None:
    """`optimize=`: False is NumPy's one c_einsum call; any other value runs the path's contractions, which for one
    operand is that same single c_einsum call (so NumPy's bits), and for more may be BLAS products in another
    order (other bits): refused, located."""
    if "optimize" not in keywords:
        return
    value, node = keywords["optimize"]
    optimize = static(lowering, value, node, "`optimize`")
    if optimize is not False and count > 1:
        raise lowering.error(node, f"np.einsum's optimize={optimize!r} of {count} operands (NumPy contracts them "
                             "pairwise along a path, with BLAS products: other roundings) is not supported in "
                             "kernels", "optimize=False, or write the pairwise products in the order wanted")


def outer(lowering, node, builder, positional, keywords):
    """np.outer flattens both arguments first (`a.ravel()[:, None] * b.ravel()[None, :]`)."""
    arity(lowering, node, "np.outer", positional, keywords, 2, 2)
    emit = Emitter(lowering, node, builder)
    a, b = (emit.atom(array_like(lowering, node, builder, v)) for v in positional)
    if a.type.rank is None or b.type.rank is None:
        raise emit.error("np.outer needs the rank of its arguments", 'annotate them, e.g. x: "f64[n]"')
    return emit("outer", ravel(emit, a), ravel(emit, b))


def _ranks(emit: Emitter, name: str, *atoms) -> list[int]:
    if any(a.type.rank is None for a in atoms):
        raise emit.error(f"{name} of an array of unknown rank", "annotate the arguments (e.g. \"f64[n,d]\"): "
                         "which axes it contracts depends on the ranks")
    return [a.type.rank for a in atoms]


def _operands(lowering, node, builder, positional, keywords, name: str, most: int = 2,
              keyword_names: tuple = ()) -> tuple:
    """`name(a, b, ...)`'s emitter, its two array operands (a list or tuple the array NumPy makes of it, as
    `np.inner(x, [1.0, 2.0])` converts it) and their ranks (an unknown rank refused)."""
    arity(lowering, node, name, positional, keywords, 2, most, keyword_names)
    emit = Emitter(lowering, node, builder)
    a, b = (emit.atom(array_like(lowering, node, builder, value)) for value in positional[:2])
    return (emit, a, b, *_ranks(emit, name, a, b))


def dot(lowering, node, builder, a, b, name: str):
    """`np.dot` is `@` unless `b` is a stack (rank 3 or more): then it contracts the last axis of `a` with the
    second-to-last of `b` and keeps every other axis of both (no stack broadcasting)."""
    emit = Emitter(lowering, node, builder)
    rank_a, rank_b = _ranks(emit, name, a, b)
    if rank_a == 0 or rank_b < 3:
        return emit("matmul", a, b)
    kept_a, kept_b, last = LETTERS[:rank_a - 1], LETTERS[rank_a - 1:rank_a + rank_b - 3], LETTERS[rank_a + rank_b - 3]
    return emit("dot", a, b, spec=f"{kept_a}z,{kept_b}z{last}->{kept_a}{kept_b}{last}")


def inner(lowering, node, builder, positional, keywords):
    """`np.inner(a, b)`: the sum over the last axes of both (a tensordot over them); a scalar multiplies."""
    emit, a, b, rank_a, rank_b = _operands(lowering, node, builder, positional, keywords, "np.inner")
    if rank_a == 0 or rank_b == 0:
        return emit("multiply", a, b)
    product = _as_matrix_product(emit, a, b, [rank_a - 1], [rank_b - 1])
    if rank_a + rank_b == 2:  # (NumPy's C inner gives two vectors' product as a NumPy scalar, tensordot a 0-d array)
        return emit("astype", product, dtype=product.type.dtype, scalar=True)
    return product


def tensordot(lowering, node, builder, positional, keywords):
    """`np.tensordot(a, b, axes)`: `axes` an int N (the last N axes of `a` with the first N of `b`) or a pair of
    axis lists; the result has `a`'s free axes, then `b`'s."""
    emit, a, b, rank_a, rank_b = _operands(lowering, node, builder, positional, keywords, "np.tensordot", 3, ("axes",))
    axes_value, axes_node = arg(lowering, positional, keywords, 2, "axes", node)
    axes = 2 if axes_value is None else static(lowering, axes_value, axes_node, "`axes`")
    if isinstance(axes, int) and not isinstance(axes, bool):
        if not 0 <= axes <= min(rank_a, rank_b):
            raise emit.error(f"np.tensordot with axes={axes} of arrays of rank {rank_a} and {rank_b}")
        pairs = list(zip(range(rank_a - axes, rank_a), range(axes)))
    elif isinstance(axes, tuple) and len(axes) == 2:
        of_a, of_b = ((x,) if isinstance(x, int) else x for x in axes)
        if len(of_a) != len(of_b) or not all(isinstance(x, int) and not isinstance(x, bool) for x in of_a + of_b):
            raise emit.error("np.tensordot's `axes` pairs as many axes of `a` as of `b`",
                             "np.tensordot(a, b, ([1], [0]))")
        if not all(-rank_a <= x < rank_a for x in of_a) or not all(-rank_b <= x < rank_b for x in of_b):
            raise emit.error(f"np.tensordot's `axes` {axes} are out of range for ranks {rank_a} and {rank_b}",
                             f"`a` has axes 0 to {rank_a - 1}, `b` 0 to {rank_b - 1} (or negative, counted from the end)")
        pairs = [(x % rank_a, y % rank_b) for x, y in zip(of_a, of_b)]
        if len({x for x, _ in pairs}) != len(pairs) or len({y for _, y in pairs}) != len(pairs):
            raise emit.error("np.tensordot's `axes` name an axis twice")
    else:
        raise emit.error("np.tensordot's `axes` is an int or a pair of axis lists known at build time",
                         "np.tensordot(a, b, axes=([1], [0]))")
    if rank_a == 0 or rank_b == 0:  # (axes=0) a scalar times an array: each product is one multiplication
        return emit("multiply", a, b)
    return _as_matrix_product(emit, a, b, [x for x, _ in pairs], [y for _, y in pairs])


def _as_matrix_product(emit: Emitter, a, b, of_a: list[int], of_b: list[int]):
    """What NumPy's tensordot computes, step by step (so the same bits): the contracted axes moved last in `a` and
    first in `b`, both flattened to matrices, one matrix product, the free axes unflattened."""
    free_a = [k for k in range(a.type.rank) if k not in of_a]
    free_b = [k for k in range(b.type.rank) if k not in of_b]
    dims_a, dims_b = emit.dims(a), emit.dims(b)
    if free_a + of_a != list(range(a.type.rank)):
        a = emit("transpose", a, axes=tuple(free_a + of_a))
    if of_b + free_b != list(range(b.type.rank)):
        b = emit("transpose", b, axes=tuple(of_b + free_b))
    size = lambda dims: _product(emit, dims)  # noqa: E731
    inner = size([dims_a[k] for k in of_a])
    product = emit("matmul", emit("reshape", a, size([dims_a[k] for k in free_a]), inner),
                   emit("reshape", b, inner, size([dims_b[k] for k in free_b])))
    return emit("reshape", product, *([dims_a[k] for k in free_a] + [dims_b[k] for k in free_b]))


def _product(emit: Emitter, dims: list):
    total = 1
    for dim in dims:
        total = emit("multiply", total, dim) if not (isinstance(total, int) and total == 1) else dim
    return total


def expand_ellipsis(emit: Emitter, spec: str, atoms: list) -> str:
    """Einsum subscripts with `...` spelled out with letters the subscripts do not use, right-aligned across the
    operands as NumPy broadcasts them; without `->`, the output is `...` then the letters used once, sorted."""
    spec = spec.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(atoms):
        raise emit.error(f"einsum subscripts {spec!r} name {len(inputs)} operands but {len(atoms)} were given")
    ranks = _ranks(emit, "np.einsum with '...'", *atoms)
    free = [c for c in LETTERS + LETTERS.upper() if c not in spec]
    widths = [rank - len(subs.replace("...", "")) for subs, rank in zip(inputs, ranks) if "..." in subs]
    if any(w < 0 for w in widths):
        raise emit.error(f"einsum subscripts {spec!r} name more axes than an operand has")
    width = max(widths, default=0)
    ellipsis = "".join(free[:width])
    expanded = [subs.replace("...", ellipsis[width - (rank - len(subs.replace("...", ""))):]) if "..." in subs
                else subs for subs, rank in zip(inputs, ranks)]
    if arrow:
        output = rhs.replace("...", ellipsis)
    else:
        letters = lhs.replace("...", "").replace(",", "")
        output = ellipsis + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return ",".join(expanded) + "->" + output


def kron(lowering, node, builder, positional, keywords):
    """`np.kron(a, b)` as NumPy computes it: the shorter shape padded with leading 1s, `a`'s axes interleaved with
    length-1 axes against `b`'s, one broadcast product, then each pair of axes merged."""
    emit, a, b, rank_a, rank_b = _operands(lowering, node, builder, positional, keywords, "np.kron")
    if rank_a == 0 or rank_b == 0:
        return emit("multiply", a, b)
    rank = max(rank_a, rank_b)
    dims_a = [1] * (rank - rank_a) + emit.dims(a)
    dims_b = [1] * (rank - rank_b) + emit.dims(b)
    spread_a = emit("reshape", a, *[d for dim in dims_a for d in (dim, 1)])
    spread_b = emit("reshape", b, *[d for dim in dims_b for d in (1, dim)])
    merged = [_product(emit, [da, db]) for da, db in zip(dims_a, dims_b)]
    return emit("reshape", emit("multiply", spread_a, spread_b), *merged)


_SUBLIST_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # NumPy's: label k is the k-th letter


def sublist_subscripts(emit: Emitter, positional: list) -> tuple[str, list]:
    """`np.einsum(a, [0, 1], b, [1, 2], [0, 2])` as the subscripts string it means (`"AB,BC->AC"`) and the
    operands; labels are ints 0..51 or `...`, known at build time. Without an output list NumPy's implicit output
    (the labels used once, in order) is the string form's, since the letters sort as the labels do."""
    def letters(labels) -> str:
        if not isinstance(labels, tuple):
            raise emit.error("np.einsum takes a subscripts string first, or each operand followed by a list of its "
                             "axes' labels", 'np.einsum("ij,jk->ik", a, b) or np.einsum(a, [0, 1], b, [1, 2])')
        text = ""
        for label in labels:
            value = label.value if isinstance(label, Const) else label
            if value is Ellipsis:
                text += "..."
            elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(_SUBLIST_LETTERS):
                text += _SUBLIST_LETTERS[value]
            else:
                raise emit.error("np.einsum's axis labels are integers from 0 to 51 (or `...`) known at build time",
                                 "write them as a list of int literals: np.einsum(a, [0, 0])")
        return text

    operands, inputs = positional[0::2], positional[1::2]
    output = None
    if len(positional) % 2:  # the last list is the output's
        operands, output = operands[:-1], operands[-1]
    spec = ",".join(letters(labels) for labels in inputs)
    return (spec if output is None else f"{spec}->{letters(output)}"), list(operands)
