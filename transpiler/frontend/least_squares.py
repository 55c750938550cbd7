"""`np.linalg.pinv` and `np.linalg.lstsq` in kernels: NumPy's own calls (registry entries pinv, lstsq_x,
lstsq_residuals, lstsq_rank, lstsq_s in primitives/least_squares.py), so every part is NumPy's bits; their
derivatives are the full-rank ones, checked at run time (a located ValueError where the matrix is rank-deficient).

`rcond` is a number known at build time (or None: pinv's 1e-15, lstsq's eps * max(m, n), NumPy's defaults), as is
pinv's `rtol` (NumPy 2's other name for it); an array of cutoffs per matrix and `hermitian=True` (NumPy's
eigh-based path) are refused with a hint. np.linalg.eig and eigvals are refused with their reason (the result's
dtype depends on the values).
"""
from __future__ import annotations

from ..ir import Const
from .call_args import Emitter, arg, arity, given, static
from .unsupported_calls import refuse


def _number(lowering, value, node, what: str):
    cutoff = static(lowering, value, node, what)
    if cutoff is not None and (isinstance(cutoff, bool) or not isinstance(cutoff, (int, float))):
        raise lowering.error(node, f"{what} is a number known at build time here (an array of cutoffs per matrix "
                             "is not supported in kernels)", "a float literal, e.g. rcond=1e-10")
    return cutoff


def pinv(lowering, node, builder, positional, keywords):
    """`np.linalg.pinv(a, rcond=None, hermitian=False, *, rtol=<no value>)`."""
    arity(lowering, node, "np.linalg.pinv", positional, keywords, 1, 3, ("rcond", "hermitian", "rtol"))
    emit = Emitter(lowering, node, builder)
    rcond_value, rcond_node = arg(lowering, positional, keywords, 1, "rcond", node, Const(None, None))
    hermitian_value, hermitian_node = arg(lowering, positional, keywords, 2, "hermitian", node, Const(False, None))
    if static(lowering, hermitian_value, hermitian_node, "`hermitian`"):
        raise lowering.error(hermitian_node, "np.linalg.pinv's hermitian=True (NumPy's eigh-based path) is not "
                             "supported in kernels", "hermitian=False")
    rcond = _number(lowering, rcond_value, rcond_node, "np.linalg.pinv's `rcond`")
    if "rtol" in keywords:
        rtol_value, rtol_node = keywords["rtol"]
        if rcond is not None:
            raise lowering.error(rtol_node, "np.linalg.pinv: `rtol` and `rcond` can't be both set (NumPy raises "
                                 "ValueError)", "pass one of them")
        rtol = _number(lowering, rtol_value, rtol_node, "np.linalg.pinv's `rtol`")
        if rtol is None:
            raise lowering.error(rtol_node, "np.linalg.pinv's rtol=None (max(m, n) * eps of the dtype) is not "
                                 "supported in kernels", "rtol=<a number>")
        rcond = rtol
    a = emit.atom(positional[0])
    if a.type.rank is None or a.type.rank < 2:
        raise emit.error(f"np.linalg.pinv of an array of rank {a.type.rank}: NumPy raises LinAlgError (it takes a "
                         "matrix or a stack of them)", "pass a (..., M, N) array")
    return emit("pinv", a, rcond=1e-15 if rcond is None else float(rcond), where=str(lowering.locate(node)))


def lstsq(lowering, node, builder, positional, keywords):
    """`np.linalg.lstsq(a, b, rcond=None)`: the tuple (x, residuals, rank, s), each NumPy's."""
    arity(lowering, node, "np.linalg.lstsq", positional, keywords, 2, 3, ("rcond",))
    emit = Emitter(lowering, node, builder)
    rcond_value, rcond_node = arg(lowering, positional, keywords, 2, "rcond", node, Const(None, None))
    rcond = _number(lowering, rcond_value, rcond_node, "np.linalg.lstsq's `rcond`") if given(rcond_value) else None
    a, b = emit.atom(positional[0]), emit.atom(positional[1])
    for x, what in ((a, "matrix"), (b, "right-hand side")):
        if x.type.rank is None:
            raise emit.error(f"np.linalg.lstsq needs the rank of its {what}", 'annotate it, e.g. "f64[m,n]"')
    if a.type.rank != 2 or b.type.rank not in (1, 2):
        raise emit.error(f"np.linalg.lstsq of arrays of ranks {a.type.rank} and {b.type.rank}: NumPy raises "
                         "LinAlgError (a matrix, and a vector or matrix of right-hand sides)")
    params = {"where": str(lowering.locate(node))} | ({"rcond": rcond} if rcond is not None else {})
    return tuple(emit(part, a, b, **params) for part in ("lstsq_x", "lstsq_residuals", "lstsq_rank", "lstsq_s"))


_EIG = ("{name} of a general matrix is not supported in kernels: NumPy's result is complex where any eigenvalue is "
        "and float where none is, a dtype that depends on the values (not known at build time), and complex "
        "eigenvalues have no real derivative here")
_EIG_HINT = "np.linalg.eigh / np.linalg.eigvalsh for a symmetric matrix, or compute the eigenvalues outside the kernel"

FUNCTIONS = {"numpy.linalg.pinv": pinv, "numpy.linalg.lstsq": lstsq,
             "numpy.linalg.eig": refuse(_EIG.format(name="np.linalg.eig"), _EIG_HINT),
             "numpy.linalg.eigvals": refuse(_EIG.format(name="np.linalg.eigvals"), _EIG_HINT)}
