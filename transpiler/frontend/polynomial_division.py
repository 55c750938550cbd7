"""`np.polydiv(u, v)`, as NumPy 2.4 writes it (numpy/lib/_polynomial_impl.py), put together from primitives:

    u = atleast_1d(u) + 0.0; v = atleast_1d(v) + 0.0; w = u[0] + v[0]
    scale = 1. / v[0]; q = zeros(max(m - n + 1, 1), w.dtype); r = u.astype(w.dtype)
    for k in range(m - n + 1):
        d = scale * r[k]; q[k] = d; r[k:k + n + 1] -= d * v
    while allclose(r[0], 0, rtol=1e-14) and r.shape[-1] > 1:
        r = r[1:]

The lengths known at build time, the loop runs at build time on the coefficients one by one (the same IEEE
operations, in the same dtypes: float32 stays float32, `+ 0.0` turns -0.0 into 0.0 as NumPy's does); the
remainder's leading coefficients with `|r| <= 1e-8` (allclose against 0: NaN and infinities never) are dropped, all
but the last, a length known at run time (vmap refuses it, located, as np.trim_zeros). Derivatives: the arithmetic's.
A `poly1d` argument is not part of the kernel language. A zero leading divisor gives NumPy's infinities and NaNs.
np.roots (complex eigenvalues) and np.polyfit (lstsq through an SVD) are refused with a hint.
"""
from __future__ import annotations

from ..ir.types import promote_arrays
from .call_args import Emitter, arity, known_rank
from .order_statistics import subscript
from .running_sums import as_array


def _coefficients(emit: Emitter, lowering, node, builder, value, name: str):
    """`atleast_1d(value) + 0.0` and its length."""
    atom = as_array(lowering, node, builder, value)
    rank = known_rank(emit, atom)
    if rank > 1:
        raise emit.error(f"np.polydiv's {name} is a 1-d array of coefficients", "np.polydiv(u, v), u and v 1-d")
    atom = emit("reshape", atom, 1) if rank == 0 else atom
    if atom.type.dtype == "bool" or atom.type.dtype.startswith("i"):
        atom = emit("astype", atom, dtype="f64")  # (an int + 0.0: its float64 value)
    atom = emit("add", atom, 0.0)
    length = atom.type.shape[0]
    if not isinstance(length, int) or length < 1:
        raise emit.error(f"np.polydiv needs {name}'s length known at build time (NumPy raises IndexError for an "
                         "empty one)", 'annotate it, e.g. u: "f64[4]"')
    return atom, length


def polydiv(lowering, node, builder, positional, keywords):
    """`np.polydiv(u, v)`: `(q, r)`."""
    arity(lowering, node, "np.polydiv", positional, keywords, 2, 2, hint="np.polydiv(u, v)")
    emit = Emitter(lowering, node, builder)
    u, m = _coefficients(emit, lowering, node, builder, positional[0], "u")
    v, n = _coefficients(emit, lowering, node, builder, positional[1], "v")
    m, n = m - 1, n - 1
    dtype = promote_arrays([u.type.dtype, v.type.dtype])
    v_items = [emit("getitem", v, index=(j,)) for j in range(n + 1)]
    scale = emit("divide", 1.0, v_items[0])
    r = u if u.type.dtype == dtype else emit("astype", u, dtype=dtype)
    r_items = [emit("getitem", r, index=(i,)) for i in range(m + 1)]
    quotient = []
    for k in range(m - n + 1):
        d = emit("multiply", scale, r_items[k])
        quotient.append(d if d.type.dtype == dtype else emit("astype", d, dtype=dtype))
        for j in range(n + 1):
            step = emit("subtract", r_items[k + j], emit("multiply", d, v_items[j]))
            r_items[k + j] = step if step.type.dtype == dtype else emit("astype", step, dtype=dtype)
    join = lambda items: items[0] if len(items) == 1 else emit(  # noqa: E731
        "concatenate", *[emit("reshape", item, 1) for item in items], axis=0)
    q = emit("zeros", 1, dtype=dtype) if not quotient else emit("reshape", quotient[0], 1) if len(quotient) == 1 \
        else join(quotient)
    r = emit("reshape", r_items[0], 1) if len(r_items) == 1 else join(r_items)
    if m == 0:
        return q, r
    leading = emit("getitem", r, index=(slice(None, -1),))
    wide = leading if leading.type.dtype == "f64" else emit("astype", leading, dtype="f64")
    small = emit("astype", emit("less_equal", emit("abs", wide), 1e-8), dtype="i64")
    start = emit("sum", emit("cumprod", small, axis=0), axis=None)
    return q, subscript(emit, r, [slice(start, None)])


FUNCTIONS = {"numpy.polydiv": polydiv}


def roots(lowering, node, builder, positional, keywords):
    raise lowering.error(node, "np.roots is not supported in kernels: NumPy takes the eigenvalues of the companion "
                         "matrix (LAPACK's general eigenvalue routine), complex in general, and Lifted has no complex "
                         "numbers", "find the roots outside the kernel; inside it, np.polyval(p, r) of real roots r "
                         "passed in (a quadratic's by its formula)")


def polyfit(lowering, node, builder, positional, keywords):
    raise lowering.error(node, "np.polyfit is not supported in kernels: NumPy solves the scaled Vandermonde system "
                         "with np.linalg.lstsq (LAPACK's SVD-based gelsd), which Lifted does not model to the bit",
                         "pass the fitted coefficients in, or solve the normal equations yourself "
                         "(np.linalg.solve(V.T @ V, V.T @ y) with V = np.vander(x, deg + 1): not NumPy's rounding)")


FUNCTIONS.update({"numpy.roots": roots, "numpy.polyfit": polyfit})
