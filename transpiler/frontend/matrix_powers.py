"""`np.linalg.matrix_power(a, n)` and `np.linalg.cond(x, p)` composed as NumPy 2.4's numpy/linalg/_linalg.py
computes them, so the NumPy backend gives NumPy's bits and the derivatives, batching and the C target come from the
parts.

matrix_power: matmul, inv and eye, the products NumPy does in the order it does them:

* n == 0: the identity in `a`'s dtype and shape (`empty_like(a)` filled with `eye`), no dependence on `a`;
* n < 0: `a = inv(a)` (float64 for an integer `a`, LinAlgError for a singular one), then `abs(n)`;
* n == 1: `a` itself (NumPy returns its argument: a view of it here); 2: `a @ a`; 3: `(a @ a) @ a`;
* otherwise the binary decomposition from the lowest bit: `z` squared at each bit (`z @ z`), multiplied into the
  result where the bit is set (`result @ z`).

n is an int known at build time (a Python int literal of any size: 2**50 is 50 squarings: straight-line code), or
an integer scalar known at run time: the same algorithm as kernel-language control flow (`_run_time_power`), a
branch for n == 0, one for n < 0 (inv only where taken: a singular matrix raises only there, as in NumPy), one for
|n| == 3, and a while loop over the bits of |n| from the lowest, its first trip peeled (z = a), `result` set or
multiplied into where a bit is set (a flag for NumPy's `result is None`). Derivatives, vmap (a batched n: the
loop runs until every example's bits are done, each example keeping its values, so each gets its own products)
and the C target come from the rules for branches and loops. An integer matrix to a negative run-time power
(NumPy's float64 inverse: a dtype that depends on n's value) raises a located ValueError at run time.

cond: for p None, 2, -2 the ratio of the largest and smallest singular values (`svdvals`, NumPy's
`svd(x, compute_uv=False)`, any (..., M, N) stack); for 'fro', 'nuc', 1, -1, inf, -inf the product of the norm of
`x` and the norm of NumPy's float64 inverse (`inv_or_nan`: NaN for a singular matrix, errors ignored), cast back to
a float32 input's dtype; then NaN becomes inf where `x` has no NaN. An empty matrix is NumPy's LinAlgError
(located at build time, or a run-time check). The derivatives are those of the parts; where the singular values
read are repeated or zero they raise a located ValueError at run time (primitives/singular_values.py).
"""
from __future__ import annotations

from ..ir import Const, Loop, Var
from ..ir.types import TensorType
from .axis_functions import matrix_norm
from .call_args import Emitter, arg, arity, known_rank, static


def _square_check(emit: Emitter, a, name: str = "np.linalg.matrix_power") -> None:
    """NumPy's `_assert_stacked_square`: LinAlgError, at build time where both sizes are known, else at run time."""
    _stacked_check(emit, a, name)
    rows, cols = emit.dims(a)[-2:]
    if isinstance(rows, Const) and isinstance(cols, Const):
        if rows.value != cols.value:
            raise emit.error(f"{name} of {rows.value}x{cols.value} matrices: NumPy raises "
                             "LinAlgError (Last 2 dimensions of the array must be square)", "square matrices")
        return
    emit("check_assert", emit("equal", rows, cols), message="Last 2 dimensions of the array must be square",
         error="np.linalg.LinAlgError")


def _stacked_check(emit: Emitter, a, name: str) -> None:
    if known_rank(emit, a) < 2:
        raise emit.error(f"{name} of an array of rank {a.type.rank}: NumPy raises LinAlgError (it takes a matrix "
                         "or a stack of them)", "pass a (..., M, N) array")


def matrix_power(lowering, node, builder, positional, keywords):
    """`np.linalg.matrix_power(a, n)`."""
    arity(lowering, node, "np.linalg.matrix_power", positional, keywords, 2, 2,
          hint="np.linalg.matrix_power(a, n) with n an int literal")
    emit = Emitter(lowering, node, builder)
    a = emit.atom(positional[0])
    exponent = positional[1]
    if not (isinstance(exponent, Const) and isinstance(exponent.value, int) and not isinstance(exponent.value, bool)):
        if isinstance(exponent, Const) or getattr(exponent, "type", None) is None \
                or exponent.type.dtype not in ("i32", "i64", "bool") or exponent.type.rank != 0:
            shown = exponent.value if isinstance(exponent, Const) else getattr(exponent, "type", exponent)
            raise emit.error(f"np.linalg.matrix_power's exponent {shown!r}: NumPy raises TypeError "
                             "(exponent must be an integer)", "an int")
        _square_check(emit, a)
        return _run_time_power(emit, a, emit.atom(exponent))
    _square_check(emit, a)
    n = exponent.value
    if n == 0:  # empty_like(a) filled with eye(M, dtype=a.dtype)
        eye = emit("eye", emit.dims(a)[-1], dtype=a.type.dtype)
        return emit("add", emit("zeros_like", a), eye) if a.type.rank > 2 else eye
    if n < 0:
        a, n = emit("inv", a), -n
    if n == 1:
        return a
    if n == 2:
        return emit("matmul", a, a)
    if n == 3:
        return emit("matmul", emit("matmul", a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else emit("matmul", z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else emit("matmul", result, z)
    return result


def _branch(emit: Emitter, cond, then, otherwise, name: str):
    return emit.branch(cond, then, otherwise, name, "np.linalg.matrix_power")


def _identity(emit: Emitter, a):
    """NumPy's `empty_like(a)` filled with `eye`: zeros plus the identity, exact, in `a`'s type."""
    return emit("add", emit("zeros_like", a), emit("eye", emit.dims(a)[-1], dtype=a.type.dtype))


def _run_time_power(emit: Emitter, a, n):
    """NumPy's matrix_power for an int n known at run time (the module docstring)."""
    if a.type.dtype not in ("f32", "f64"):  # (an integer matrix's inverse is float64)
        emit("check_assert", emit("less_equal", 0, n), error="ValueError",
             message=f"{emit.lowering.locate(emit.node)}: np.linalg.matrix_power of an integer matrix to a negative "
                     "run-time power is NumPy's float64 inverse, a dtype that depends on n's value, which Lifted "
                     "does not model")
    n = n if n.type.dtype == "i64" else emit("astype", n, dtype="i64")

    def nonzero():
        b = a if a.type.dtype not in ("f32", "f64") else \
            _branch(emit, emit("less", n, 0), lambda: emit("inv", a), lambda: a, "base")
        m = emit("abs", n)
        return _branch(emit, emit("equal", m, 3), lambda: emit("matmul", emit("matmul", b, b), b),
                       lambda: _bits(emit, b, m), "power")

    return _branch(emit, emit("equal", n, 0), lambda: _identity(emit, a), nonzero, "power")


def _bits(emit: Emitter, b, m):
    """The binary decomposition from the lowest bit of `m` >= 1: z = b, then z @ z at each further bit, multiplied
    into the result where the bit is set (the first set bit's z is the result itself)."""
    builder, loc = emit.builder, emit.builder.loc
    kinds = (TensorType("i64", ()), b.type, b.type, TensorType("bool", ()))
    inits = (emit("floor_divide", m, 2), b, b, emit("equal", emit("mod", m, 2), 1))
    slots = tuple(Var(builder.scope.fresh(name), kind) for name, kind in zip(("bits", "z", "result", "started"),
                                                                              kinds))
    bits, z, result, started = slots
    with builder.block() as cond_body:
        more = emit("greater", bits, 0)
    builder.loc = loc
    with builder.block() as body:
        square = emit("matmul", z, z)
        bit = emit("equal", emit("mod", bits, 2), 1)
        following = (emit("floor_divide", bits, 2), square,
                     _branch(emit, bit, lambda: _branch(emit, started, lambda: emit("matmul", result, square),
                                                        lambda: square, "product"), lambda: result, "product"),
                     emit("logical_or", started, bit))
    builder.loc = loc
    outs = tuple(Var(slot.name, slot.type) for slot in slots)
    builder.emit(Loop("while", None, (), cond_body, more, slots, inits, body, following, outs, loc))
    return outs[2]


_ORDERS = (None, 2, -2, "fro", "nuc", 1, -1, float("inf"), float("-inf"))


def cond(lowering, node, builder, positional, keywords):
    """`np.linalg.cond(x, p=None)`."""
    arity(lowering, node, "np.linalg.cond", positional, keywords, 1, 2, ("p",), hint="np.linalg.cond(x, p=None)")
    emit = Emitter(lowering, node, builder)
    x = emit.atom(positional[0])
    p_value, p_node = arg(lowering, positional, keywords, 1, "p", node)
    p = static(lowering, p_value, p_node, "`p`")
    if isinstance(p, bool) or p not in _ORDERS:
        raise lowering.error(p_node, f"np.linalg.cond's p={p!r}: NumPy raises ValueError (Invalid norm order for "
                             "matrices)", "None, 2, -2, 'fro', 'nuc', 1, -1, np.inf or -np.inf")
    _stacked_check(emit, x, "np.linalg.cond")
    rows, cols = emit.dims(x)[-2:]  # `_is_empty_2d`
    if isinstance(rows, Const) and isinstance(cols, Const):
        if rows.value * cols.value == 0:
            raise emit.error(f"np.linalg.cond of {rows.value}x{cols.value} matrices: NumPy raises LinAlgError (cond "
                             "is not defined on empty arrays)", "matrices with elements")
    else:
        emit("check_assert", emit("not_equal", emit("multiply", rows, cols), 0),
             message="cond is not defined on empty arrays", error="np.linalg.LinAlgError")
    where = str(lowering.locate(node))
    floating = x if x.type.dtype in ("f32", "f64") else emit("astype", x, dtype="f64")
    if p in (None, 2, -2):
        s = emit("svdvals", floating, where=where)
        first, last = _index(emit, s, 0), _index(emit, s, -1)
        r = emit("divide", last, first) if p == -2 else emit("divide", first, last)
    else:
        _square_check(emit, x, "np.linalg.cond")
        inverse = emit("inv_or_nan", floating if floating.type.dtype == "f64" else emit("astype", x, dtype="f64"))
        r = emit("multiply", _norm(emit, floating, p, where), _norm(emit, inverse, p, where))
        if floating.type.dtype == "f32":  # `r.astype(result_t)`
            r = emit("astype", r, dtype="f32")
    nan_mask = emit("isnan", r)  # NaN becomes inf unless the matrix had a NaN
    if x.type.dtype in ("f32", "f64"):
        nan_mask = emit("logical_and", nan_mask, emit("logical_not", emit("any", emit("isnan", x), axis=(-2, -1))))
    r = emit("where", nan_mask, float("inf"), r)
    return _index_all(emit, r) if r.type.rank == 0 else r


def _index(emit: Emitter, x, position: int):
    """`x[..., position]`."""
    items = [slice(None)] * (x.type.rank - 1) + [position]
    args, index = emit.lowering._index(x, items)
    return emit.lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})


def _index_all(emit: Emitter, x):
    """`x[()]`: NumPy's scalar."""
    args, index = emit.lowering._index(x, [])
    return emit.lowering._bind(emit.builder, emit.node, "getitem", args, {"index": tuple(index)})


def _norm(emit: Emitter, a, p, where: str):
    """`norm(a, p, axis=(-2, -1))` as NumPy computes it for these orders."""
    if p == "fro":
        return emit("sqrt", emit("sum", emit("multiply", a, a), axis=(-2, -1)))
    if p == "nuc":  # `_multi_svd_norm(x, -2, -1, sum, 0)`: np.sum(s, axis=-1, initial=0)
        return emit("masked_sum", emit("svdvals", a, where=where), axis=-1, initial=0)
    return matrix_norm(emit, a, p, (-2, -1), a.type.rank)


FUNCTIONS = {"numpy.linalg.matrix_power": matrix_power, "numpy.linalg.cond": cond}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
