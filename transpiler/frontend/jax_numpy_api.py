"""NumPy calls JAX's lax_numpy_test.py corpus writes that the kernel language read only in part, written in
NumPy's own terms (docs/corpora.md, "JAX's lax_numpy_test.py").

* `np.clip(x, a_min, a_max)` with one bound None (or NumPy 2's `min=`/`max=` keywords): NumPy's clip with one
  bound is `np.minimum(np.asarray(x), a_max)` or `np.maximum(np.asarray(x), a_min)` (the same dtype, NaN
  propagation and zero signs; a Python number x is NumPy's array of it, no longer weak, as in clip). Neither bound
  is refused, located: the kernel means `x`.
* `np.matrix_transpose(x)`: `np.swapaxes(x, -1, -2)` (a view, as NumPy's), refused below rank 2 (NumPy raises).
* `np.nancumsum(x, axis=None)`: NumPy's `_replace_nan` then `np.cumsum`: a float array's NaN replaced by 0 with
  `np.where`, other dtypes as they are.
* `np.count_nonzero(x, axis=None, keepdims=False)`: `np.sum(x != 0, axis=...)`, NumPy's `x.astype(bool).sum(axis,
  dtype=np.intp)` (NaN counts, -0.0 does not; an int64 scalar without an axis, as NumPy 2 gives).
* `np.polyadd(a1, a2)`, `np.polysub(a1, a2)` of coefficient vectors: the shorter one after `np.zeros` of its dtype
  (`np.concatenate`), then `+` or `-`, as numpy/lib/_polynomial_impl.py writes them; `np.polyder(p, m=1)`: m times
  `p[:-1] * np.arange(n, 0, -1)` (int64 factors: an int32 polynomial's derivative is int64, as NumPy's).
* the constructors' dtype given by position, as NumPy binds it: `np.zeros(3, np.float32)`, `np.identity(2, np.int64)`,
  `np.full((2, 2), 1.5, np.float32)` read as `dtype=`.
"""
from __future__ import annotations

from ..ir import Const
from .array_literals import array, array_like
from .call_args import Emitter, arg, arity, given, known_rank, ravel, static_axis, static_int
from .convolutions import as_vector, known_length
from .ufunc_handlers import bind_reduction


def clip(lowering, node, builder, positional, keywords):
    """np.clip with its bounds as positions, `a_min=`/`a_max=` or `min=`/`max=`, either of them None; an `out`
    of None (by keyword or fourth) is no `out`."""
    keywords = dict(keywords)
    if "out" in keywords and not given(keywords["out"][0]):  # `out=None`, also the fourth positional: no out
        del keywords["out"]
    if len(positional) == 4 and not given(positional[3]):
        positional = positional[:3]
    bounds = list(positional[1:3]) + [None] * (3 - max(len(positional), 1))
    for position, names in ((0, ("a_min", "min")), (1, ("a_max", "max"))):
        for name in names:
            if name in keywords:
                if given(bounds[position]):
                    raise lowering.error(keywords[name][1], f"np.clip's bound `{name}` is given twice",
                                         "give each bound once: np.clip(x, lo, hi)")
                bounds[position] = keywords.pop(name)[0]
    arity(lowering, node, "np.clip", positional, keywords, 1, 3,
          hint="np.clip takes the array and its two bounds; NumPy reads one more positional argument as `out=`, "
               "which kernels do not take")
    lo, hi = bounds
    x = lowering._atom(array_like(lowering, node, builder, positional[0]), node)
    if given(lo) and given(hi):
        atoms = [x] + [lowering._atom(array_like(lowering, node, builder, b), node) for b in (lo, hi)]
        return lowering._bind(builder, node, "clip", atoms)
    if not (given(lo) or given(hi)):
        raise lowering.error(node, "np.clip without bounds", "write the array itself (NumPy returns it unclipped)")
    if x.type.weak:  # NumPy clips np.asarray(x): an int64 or float64, no longer weak
        x = lowering._atom(array(lowering, node, builder, [positional[0]], {}), node)
    bound = lowering._atom(array_like(lowering, node, builder, lo if given(lo) else hi), node)
    return lowering._bind(builder, node, "maximum" if given(lo) else "minimum", [x, bound])


def matrix_transpose(lowering, node, builder, positional, keywords):
    """`np.matrix_transpose(x)`: the last two axes swapped, as NumPy's `swapaxes(x, -1, -2)` view."""
    arity(lowering, node, "np.matrix_transpose", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    x = emit.atom(array_like(lowering, node, builder, positional[0]))
    rank = known_rank(emit, x)
    if rank < 2:
        raise emit.error("np.matrix_transpose of an array of rank below 2 (NumPy raises ValueError)",
                         "use x itself, or x[:, None] for a column")
    return emit("swapaxes", x, axis1=rank - 1, axis2=rank - 2)


def nancumsum(lowering, node, builder, positional, keywords):
    """`np.nancumsum(x, axis=None)`: NaN read as 0 (floats), then NumPy's cumsum (flattened without an axis)."""
    arity(lowering, node, "np.nancumsum", positional, keywords, 1, 2, ("axis",))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(array_like(lowering, node, builder, positional[0]))
    if x.type.weak:  # np.asanyarray: a Python number is an int64 or float64 array
        x = lowering._atom(array(lowering, node, builder, [positional[0]], {}), node)
    if x.type.dtype in ("f32", "f64"):
        x = emit("where", emit("isnan", x), 0, x)
    axis = static_axis(lowering, *arg(lowering, positional, keywords, 1, "axis", node))
    if axis is None:
        return emit("cumsum", ravel(emit, x) if known_rank(emit, x) != 1 else x, axis=0)
    return emit("cumsum", x, axis=axis)


def polynomial_sum(name: str):
    """`np.polyadd`/`np.polysub`: coefficients aligned at the constant term (the shorter padded with zeros in front)."""
    prim = {"polyadd": "add", "polysub": "subtract"}[name]

    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, f"np.{name}", positional, keywords, 2, 2)
        emit = Emitter(lowering, node, builder)
        sides = []
        for value in positional:
            atom = emit.atom(array_like(lowering, node, builder, value))
            if atom.type.weak:
                atom = lowering._atom(array(lowering, node, builder, [value], {}), node)
            rank = known_rank(emit, atom)
            if rank > 1:
                raise emit.error(f"np.{name} of an array of rank {rank} (NumPy's poly1d reading) is not supported "
                                 "in kernels", "pass coefficient vectors")
            atom = as_vector(emit, atom)
            sides.append((atom, known_length(emit, atom, f"np.{name} needs the lengths of its coefficient vectors",
                                             'annotate them with sizes, e.g. p: "f64[4]"')))
        (a1, n1), (a2, n2) = sides
        if n1 < n2:
            a1 = emit("concatenate", emit("full", n2 - n1, 0, dtype=a1.type.dtype), a1, axis=0)
        elif n2 < n1:
            a2 = emit("concatenate", emit("full", n1 - n2, 0, dtype=a2.type.dtype), a2, axis=0)
        return emit(prim, a1, a2)

    return handle


def count_nonzero(lowering, node, builder, positional, keywords):
    """`np.count_nonzero(x, axis=None, keepdims=False)`: the sum of `x != 0` (int64), as NumPy counts."""

    arity(lowering, node, "np.count_nonzero", positional, keywords, 1, 2, ("axis", "keepdims"))
    emit = Emitter(lowering, node, builder)
    x = emit.atom(array_like(lowering, node, builder, positional[0]))
    nonzero = emit("not_equal", x, 0)
    return bind_reduction(lowering, node, builder, "sum", nonzero, positional[1:], dict(keywords))


def polyder(lowering, node, builder, positional, keywords):
    """`np.polyder(p, m=1)`: NumPy's recursion, `p[:-1] * np.arange(n, 0, -1)` m times (n: the degree)."""
    arity(lowering, node, "np.polyder", positional, keywords, 1, 2, ("m",))
    emit = Emitter(lowering, node, builder)
    order_value, order_node = arg(lowering, positional, keywords, 1, "m", node, Const(1, None))
    order = static_int(lowering, order_value, order_node, "np.polyder's `m`")
    if order < 0:
        raise lowering.error(order_node, "np.polyder's order `m` is negative (NumPy raises ValueError)",
                             "m is the number of derivatives: 0 or more")
    p = emit.atom(array_like(lowering, node, builder, positional[0]))
    if p.type.weak or known_rank(emit, p) != 1 or not isinstance(p.type.shape[0], int):
        raise emit.error("np.polyder takes a coefficient vector of a length known at build time",
                         'annotate it with its size, e.g. p: "f64[4]"')
    for _ in range(order):
        degree = p.type.shape[0] - 1
        p = emit("multiply", emit("getitem", p, index=(slice(None, -1),)), emit("arange", degree, 0, -1))
    return p


def dtype_by_position(handler, position: int):
    """`np.zeros(shape, dtype)`: the dtype given as the argument at `position` read as NumPy binds it, `dtype=`."""
    def handle(lowering, node, builder, positional, keywords):
        if len(positional) == position + 1 and "dtype" not in keywords:
            positional, keywords = list(positional[:position]), {**keywords, "dtype": (positional[position], node)}
        return handler(lowering, node, builder, positional, keywords)

    return handle
