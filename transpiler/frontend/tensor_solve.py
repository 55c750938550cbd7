"""`np.linalg.tensorsolve`, `np.linalg.tensorinv`, and NumPy 2's array-API names in `np.linalg` (`matmul`,
`matrix_transpose`, `svdvals`).

tensorsolve and tensorinv are written as NumPy 2.4 writes them (numpy/linalg/_linalg.py): a transpose, a
reshape to one square matrix, NumPy's `solve` of a vector or `inv`, and a reshape back. The matrix function is
the same LAPACK call on the same matrix, so the values are NumPy's bits, and derivatives, vmap and the C target
come from the registry entries `transpose`, `reshape`, `solve` and `inv`.
"""
from __future__ import annotations

from ..ir import Const
from .call_args import Emitter, arg, arity, known_rank, static
from .contractions import matmul as _matmul
from .jax_numpy_api import matrix_transpose as _matrix_transpose


def _size(emit: Emitter, dims: list):
    """The product of sizes (atoms or ints), as NumPy's `prod *= k` loop: 1 for none."""
    total = 1
    for dim in dims:
        total = dim if isinstance(total, int) and total == 1 else emit("multiply", total, dim)
    return total


def _requirement(emit: Emitter, head, prod) -> None:
    """NumPy's `a.size != prod ** 2` LinAlgError (`prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])`): at build
    time where both products are known, else a run-time check."""
    message = "Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])"
    if isinstance(head, (int, Const)) and isinstance(prod, (int, Const)):
        values = [x.value if isinstance(x, Const) else x for x in (head, prod)]
        if values[0] != values[1]:
            raise emit.error(f"np.linalg.tensorsolve: NumPy raises LinAlgError ({message}; here {values[0]} and "
                             f"{values[1]})")
        return
    emit("check_assert", emit("equal", head, prod), message=message, error="np.linalg.LinAlgError")


def tensorsolve(lowering, node, builder, positional, keywords):
    """`np.linalg.tensorsolve(a, b, axes=None)`: the axes named moved to the end (NumPy's remove-and-append loop),
    `a` reshaped to `(prod, prod)` where `prod` is the product of its last `a.ndim - b.ndim` sizes, solved against
    `b.ravel()`, reshaped to those sizes."""
    arity(lowering, node, "np.linalg.tensorsolve", positional, keywords, 2, 3, ("axes",))
    emit = Emitter(lowering, node, builder)
    a, b = emit.atom(positional[0]), emit.atom(positional[1])
    an, bn = known_rank(emit, a), known_rank(emit, b)
    axes_value, axes_node = arg(lowering, positional, keywords, 2, "axes", node, Const(None, None))
    axes = static(lowering, axes_value, axes_node or node, "`axes`")
    if axes is not None:
        order = list(range(an))
        for k in (axes if isinstance(axes, tuple) else (axes,)):
            if not isinstance(k, int) or isinstance(k, bool) or k not in order:
                raise lowering.error(axes_node or node, f"np.linalg.tensorsolve: axis {k!r} is not one of the axes "
                                     f"left of an array of rank {an} (NumPy raises ValueError)")
            order.remove(k)
            order.append(k)
        a = emit("transpose", a, axes=tuple(order))
    if an <= bn:
        raise emit.error(f"np.linalg.tensorsolve of a rank-{an} array by a rank-{bn} one: NumPy raises "
                         "LinAlgError (the solution has rank a.ndim - b.ndim, at least 1)")
    dims = emit.dims(a)
    old = dims[bn:]
    prod = _size(emit, old)
    _requirement(emit, _size(emit, dims[:bn]), prod)
    # b.ravel() has prod elements where NumPy's solve accepts it: reshaped to (prod,), its length is known to match
    # (a run-time check for named sizes, where NumPy's reshape or solve raises)
    x = emit("solve", emit("reshape", a, prod, prod), emit("reshape", b, prod))
    return emit("reshape", x, *old)


def tensorinv(lowering, node, builder, positional, keywords):
    """`np.linalg.tensorinv(a, ind=2)`: `a` reshaped to `(prod(a.shape[ind:]), -1)`, NumPy's inverse, reshaped to
    `a.shape[ind:] + a.shape[:ind]`."""
    arity(lowering, node, "np.linalg.tensorinv", positional, keywords, 1, 2, ("ind",))
    emit = Emitter(lowering, node, builder)
    a = emit.atom(positional[0])
    rank = known_rank(emit, a)
    ind_value, ind_node = arg(lowering, positional, keywords, 1, "ind", node, Const(2, None))
    ind = static(lowering, ind_value, ind_node or node, "`ind`")
    if not isinstance(ind, int) or isinstance(ind, bool) or ind <= 0:
        raise lowering.error(ind_node or node, f"np.linalg.tensorinv: ind={ind!r} (NumPy raises ValueError: "
                             "'Invalid ind argument.')", "a positive int")
    dims = emit.dims(a)
    head, tail = dims[:ind], dims[ind:]
    if rank < ind:
        raise emit.error(f"np.linalg.tensorinv with ind={ind} of an array of rank {rank}")
    inverse = emit("inv", emit("reshape", a, _size(emit, tail), -1))
    return emit("reshape", inverse, *(tail + head))


def svdvals(lowering, node, builder, positional, keywords):
    """`np.linalg.svdvals(x)`: NumPy's `svd(x, compute_uv=False)` (registry entry `svdvals`)."""
    arity(lowering, node, "np.linalg.svdvals", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    a = emit.atom(positional[0])
    if a.type.rank is None or a.type.rank < 2:
        raise emit.error(f"np.linalg.svdvals of an array of rank {a.type.rank}: NumPy raises LinAlgError (it "
                         "takes a matrix or a stack of them)", "pass a (..., M, N) array")
    return emit("svdvals", a, where=str(lowering.locate(node)), call="np.linalg.svdvals")


def _positional_only(handler, name: str, count: int):
    """NumPy 2's array-API functions in np.linalg take their arrays by position only."""
    def handle(lowering, node, builder, positional, keywords):
        arity(lowering, node, name, positional, keywords, count, count)
        return handler(lowering, node, builder, positional, keywords)

    return handle


FUNCTIONS = {
    "numpy.linalg.tensorsolve": tensorsolve, "numpy.linalg.tensorinv": tensorinv,
    "numpy.linalg.svdvals": svdvals,
    "numpy.linalg.matmul": _positional_only(_matmul, "np.linalg.matmul", 2),
    "numpy.linalg.matrix_transpose": _positional_only(_matrix_transpose, "np.linalg.matrix_transpose", 1),
}
