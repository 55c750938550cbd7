"""`np.linalg.matrix_power(a, n)` composed from matmul, inv and eye, the products NumPy 2.4's
numpy/linalg/_linalg.py does in the order it does them, so the NumPy backend gives NumPy's bits and the
derivatives, batching and the C target come from the parts:

* n == 0: the identity in `a`'s dtype and shape (`empty_like(a)` filled with `eye`), no dependence on `a`;
* n < 0: `a = inv(a)` (float64 for an integer `a`, LinAlgError for a singular one), then `abs(n)`;
* n == 1: `a` itself (NumPy returns its argument: a view of it here); 2: `a @ a`; 3: `(a @ a) @ a`;
* otherwise the binary decomposition from the lowest bit: `z` squared at each bit (`z @ z`), multiplied into the
  result where the bit is set (`result @ z`).

n is an int known at build time (a Python int literal of any size: 2**50 is 50 squarings); a run-time n is refused,
located (the products depend on its bits, and this compiler emits straight-line code for a call).
"""
from __future__ import annotations

from ..ir import Const
from .call_args import Emitter, arity, known_rank


def _square_check(emit: Emitter, a) -> None:
    """NumPy's `_assert_stacked_square`: LinAlgError, at build time where both sizes are known, else at run time."""
    if known_rank(emit, a) < 2:
        raise emit.error(f"np.linalg.matrix_power of an array of rank {a.type.rank}: NumPy raises LinAlgError "
                         "(it takes a square matrix or a stack of them)", "pass a (..., M, M) array")
    rows, cols = emit.dims(a)[-2:]
    if isinstance(rows, Const) and isinstance(cols, Const):
        if rows.value != cols.value:
            raise emit.error(f"np.linalg.matrix_power of {rows.value}x{cols.value} matrices: NumPy raises "
                             "LinAlgError (Last 2 dimensions of the array must be square)", "square matrices")
        return
    emit("check_assert", emit("equal", rows, cols), message="Last 2 dimensions of the array must be square",
         error="np.linalg.LinAlgError")


def matrix_power(lowering, node, builder, positional, keywords):
    """`np.linalg.matrix_power(a, n)`."""
    arity(lowering, node, "np.linalg.matrix_power", positional, keywords, 2, 2,
          hint="np.linalg.matrix_power(a, n) with n an int literal")
    emit = Emitter(lowering, node, builder)
    a = emit.atom(positional[0])
    exponent = positional[1]
    if not (isinstance(exponent, Const) and isinstance(exponent.value, int) and not isinstance(exponent.value, bool)):
        if isinstance(exponent, Const):
            raise emit.error(f"np.linalg.matrix_power's exponent {exponent.value!r}: NumPy raises TypeError "
                             "(exponent must be an integer)", "an int")
        raise emit.error("np.linalg.matrix_power's exponent is an int known at build time here (NumPy's products "
                         "follow its bits)", "an int literal, or a loop of `a @ a` products")
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


FUNCTIONS = {"numpy.linalg.matrix_power": matrix_power}


def extend_functions(functions: dict) -> None:
    functions.update(FUNCTIONS)
