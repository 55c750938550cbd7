"""`np.convolve` (the `convolve` entry, primitives/convolution.py: NumPy's own call) and `np.poly`, which NumPy
writes as a chain of them (numpy/lib/_polynomial_impl.py):

* `np.convolve(a, v, mode='full')`: both read as `np.array(x, ndmin=1)`, in their common dtype; booleans refused.
* `np.poly(seq_of_zeros)` of a vector: the zeros in `mintypecode`'s float (float32 stays float32, the others
  float64), then `a = np.ones(1)` and `a = np.convolve(a, np.array([1, -zero]))` for each zero; of no zeros the
  Python float 1.0. A square matrix's characteristic polynomial goes through its eigenvalues, which may be complex
  (Lifted has no complex dtype): refused, located.
"""
from __future__ import annotations

from ..builder import const
from ..ir.types import promote
from ..primitives.convolution import MODES
from .call_args import Emitter, arg, arity, known_rank, static
from .running_sums import as_array


def convolve(lowering, node, builder, positional, keywords):
    """`np.convolve(a, v, mode='full')`."""
    arity(lowering, node, "np.convolve", positional, keywords, 2, 3, ("mode",))
    emit = Emitter(lowering, node, builder)
    a, v = (_vector(emit, value) for value in positional[:2])
    mode_value, mode_node = arg(lowering, positional, keywords, 2, "mode", node, "full")
    mode = static(lowering, mode_value, mode_node, "np.convolve's `mode`")
    if mode not in MODES:
        raise lowering.error(mode_node, f"np.convolve's mode is 'full', 'same' or 'valid', not {mode!r}",
                             "mode='full' (the default), 'same' or 'valid'")
    return emit("convolve", a, v, mode=mode, dtype=promote([a.type, v.type]))


def _vector(emit: Emitter, value):
    return as_vector(emit, as_array(emit.lowering, emit.node, emit.builder, value))


def as_vector(emit: Emitter, x):
    """An array of rank 0 or 1 as a vector (a scalar as one element), as NumPy's polynomial functions read it."""
    return emit("reshape", x, 1) if known_rank(emit, x) == 0 else x


def known_length(emit: Emitter, vector, message: str, hint: str) -> int:
    """A vector's length, which the caller unrolls over: refused with `message` where it is not known at build
    time."""
    length = vector.type.shape[0]
    if not isinstance(length, int):
        raise emit.error(message, hint)
    return length


def poly(lowering, node, builder, positional, keywords):
    """`np.poly(seq_of_zeros)` of a vector of zeros: the coefficients of the monic polynomial with those roots."""
    arity(lowering, node, "np.poly", positional, keywords, 1, 1)
    emit = Emitter(lowering, node, builder)
    zeros = as_array(lowering, node, builder, positional[0])
    rank = known_rank(emit, zeros)
    if rank == 2:
        raise emit.error("np.poly of a matrix is the characteristic polynomial through its eigenvalues, which may "
                         "be complex: Lifted has no complex dtype", "pass the roots as a vector")
    if rank > 1:
        raise emit.error(f"np.poly of an array of rank {rank} (NumPy raises ValueError: input must be 1d or "
                         "non-empty square 2d array)", "pass the roots as a vector")
    zeros = as_vector(emit, zeros)
    count = known_length(emit, zeros, "np.poly needs the number of roots at build time (one np.convolve each)",
                         'annotate it with a size, e.g. r: "f64[3]"')
    if count == 0:
        return const(1.0)
    dtype = "f32" if zeros.type.dtype == "f32" else "f64"  # np.mintypecode: 'f' stays, the others become 'd'
    zeros = zeros if zeros.type.dtype == dtype else emit("astype", zeros, dtype=dtype)
    one = emit("full", 1, const(1.0), dtype=dtype)
    coefficients = one
    for k in range(count):
        factor = emit("concatenate", one, emit("negative", emit("getitem", zeros, index=(slice(k, k + 1),))), axis=0)
        coefficients = emit("convolve", coefficients, factor, mode="full", dtype=dtype)
    return coefficients


FUNCTIONS = {"numpy.convolve": convolve, "numpy.poly": poly}
