"""Matrix products on the GPU: cuBLAS called directly through ctypes (pycuda has no BLAS).

NumPy arrays are row-major and cuBLAS is column-major. A row-major matrix X (r x c) with row stride `ld` is, read
column-major, X^T (c x r) with leading dimension `ld`; so C = A @ B is computed as C^T = B^T @ A^T: cuBLAS gets
B's memory as its first operand and A's as its second, m = n(C), n = m(C), and writes C^T column-major, which is C
row-major. An operand stored transposed (a `.T` view: unit stride along its rows) is passed as it is with the
transpose flag. Stacks of matrices with one batch stride go through `gemmStridedBatched` (stride 0 for an operand
broadcast along the batch); anything else is first copied to a contiguous array by the caller.

`plan` builds the calls from pointers, shapes and element strides only, so the mapping is testable without a GPU
(tests/test_c_backend.py replays the calls on a NumPy stand-in of the library). `lifted.cuda.matmul` supplies the
device arrays; the library and one handle per CUDA context are loaded on first use.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass

import numpy as np

OP_N, OP_T = 0, 1  # cublasOperation_t
_ROUTINES = {np.dtype(np.float32): ("cublasSgemm_v2", "cublasSgemmStridedBatched", ctypes.c_float),
             np.dtype(np.float64): ("cublasDgemm_v2", "cublasDgemmStridedBatched", ctypes.c_double)}
_handles: dict = {}
_library = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Operand:
    """A (stack of) matrices in device memory: address, shape and strides counted in elements."""

    pointer: int
    shape: tuple
    strides: tuple


@dataclass(frozen=True)
class Call:
    """One cuBLAS call: the routine's name and its arguments after the handle (alpha and beta as values)."""

    routine: str
    args: tuple


def result_shape(a_shape: tuple, b_shape: tuple) -> tuple:
    """NumPy's `a @ b` shape (vectors promoted, then their axis dropped)."""
    a2 = (1,) + a_shape if len(a_shape) == 1 else a_shape
    b2 = b_shape + (1,) if len(b_shape) == 1 else b_shape
    if a2[-1] != b2[-2]:
        raise ValueError(f"matmul: inner dimensions of {a_shape} and {b_shape} differ")
    batch = np.broadcast_shapes(a2[:-2], b2[:-2])
    shape = batch + (a2[-2], b2[-1])
    if len(a_shape) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(b_shape) == 1:
        shape = shape[:-1]
    return shape


def _as_matrices(op: Operand, vector_axis: int) -> Operand:
    """A vector as a one-row (`vector_axis` 0) or one-column (1) matrix."""
    if len(op.shape) != 1:
        return op
    if vector_axis == 0:
        return Operand(op.pointer, (1,) + op.shape, (0,) + op.strides)
    return Operand(op.pointer, op.shape + (1,), op.strides + (0,))


def _layout(shape: tuple, strides: tuple) -> tuple[int, int] | None:
    """(flag, leading dimension) that make cuBLAS read this row-major matrix's transpose; None when its strides
    fit neither reading (the caller copies it)."""
    rows, cols = shape
    row_stride, col_stride = strides
    if cols == 1 or col_stride == 1:  # rows contiguous: column-major, this is X^T with ld = row stride
        ld = row_stride if rows > 1 else max(cols, 1)
        if ld >= max(cols, 1):
            return OP_N, ld
    if rows == 1 or row_stride == 1:  # columns contiguous (a `.T` view): column-major X; transpose it
        ld = col_stride if cols > 1 else max(rows, 1)
        if ld >= max(rows, 1):
            return OP_T, ld
    return None


def _batch_stride(shape: tuple, strides: tuple, batch: tuple) -> int | None:
    """One stride that walks the operand's matrices in the (broadcast) batch's row-major order, or None."""
    pad = len(batch) - len(shape)
    full = [0 if k < pad or shape[k - pad] == 1 else strides[k - pad] for k in range(len(batch))]
    live = [(size, stride) for size, stride in zip(batch, full) if size != 1]
    if all(stride == 0 for _, stride in live):
        return 0
    for (_, outer), (size, inner) in zip(live, live[1:]):
        if outer != inner * size:
            return None
    return live[-1][1]


def plan(a: Operand, b: Operand, out_pointer: int, dtype) -> Call | None:
    """The cuBLAS call computing `a @ b` into a C-contiguous result at `out_pointer` (NumPy's result shape), or
    None when an operand's strides need a contiguous copy first."""
    dtype = np.dtype(dtype)
    if dtype not in _ROUTINES:
        raise TypeError(f"cuBLAS multiplies float32 and float64 matrices, not {dtype}")
    gemm, batched, _ = _ROUTINES[dtype]
    a2, b2 = _as_matrices(a, 0), _as_matrices(b, 1)
    (m, k), (k_b, n) = a2.shape[-2:], b2.shape[-2:]
    if k != k_b:
        raise ValueError(f"matmul: inner dimensions of {a.shape} and {b.shape} differ")
    layout_a, layout_b = _layout((m, k), a2.strides[-2:]), _layout((k, n), b2.strides[-2:])
    if layout_a is None or layout_b is None:
        return None
    (flag_a, ld_a), (flag_b, ld_b) = layout_a, layout_b
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    # C^T (n x m) = op(B^T) (n x k) @ op(A^T) (k x m): B's memory first, A's second
    head = (flag_b, flag_a, n, m, k, 1.0)
    if not batch or int(np.prod(batch)) == 1:
        return _call(gemm, head + (b2.pointer, ld_b, a2.pointer, ld_a, 0.0, out_pointer, max(n, 1)))
    stride_a = _batch_stride(a2.shape[:-2], a2.strides[:-2], batch)
    stride_b = _batch_stride(b2.shape[:-2], b2.strides[:-2], batch)
    if stride_a is None or stride_b is None:
        return None
    return _call(batched, head + (b2.pointer, ld_b, stride_b, a2.pointer, ld_a, stride_a, 0.0, out_pointer,
                                  max(n, 1), m * n, int(np.prod(batch))))


def _call(routine: str, args: tuple) -> Call:
    """alpha and beta stay Python floats (passed by reference later); every other argument a Python int."""
    return Call(routine, tuple(a if type(a) is float else int(a) for a in args))


def contiguous(x: np.ndarray, other_shape: tuple) -> np.ndarray:
    """`x` as a C-contiguous stack over the batch it shares with an operand of `other_shape` (the copy made
    when `plan` finds strides cuBLAS cannot walk)."""
    if x.ndim < 2:
        return np.ascontiguousarray(x)
    batch = np.broadcast_shapes(x.shape[:-2], other_shape[:-2] if len(other_shape) > 1 else ())
    return np.ascontiguousarray(np.broadcast_to(x, batch + x.shape[-2:]))


def run(library, handle, call: Call, dtype) -> None:
    """Make the call (alpha and beta passed by reference, as cuBLAS wants them); a failure raises."""
    scalar = _ROUTINES[np.dtype(dtype)][2]
    args = [ctypes.pointer(scalar(a)) if type(a) is float else a for a in call.args]
    status = getattr(library, call.routine)(handle, *args)
    if status != 0:
        raise RuntimeError(f"{call.routine} failed with cuBLAS status {status}")


def library():
    """libcublas, loaded once, with the argument types of the routines used here."""
    global _library
    with _lock:
        if _library is None:
            name = ctypes.util.find_library("cublas")
            candidates = [name] if name else []
            candidates += ["libcublas.so", "libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "cublas64_12.dll"]
            for candidate in candidates:
                try:
                    loaded = ctypes.CDLL(candidate)
                    break
                except OSError:
                    continue
            else:
                raise RuntimeError("cuBLAS (libcublas) was not found; install the CUDA toolkit's libraries "
                                   "(or `pip install nvidia-cublas-cu12`) for matrix products on the GPU")
            _declare(loaded)
            _library = loaded
    return _library


def _declare(lib) -> None:
    i, p, ll = ctypes.c_int, ctypes.c_void_p, ctypes.c_longlong
    lib.cublasCreate_v2.argtypes = [ctypes.POINTER(p)]
    for routine in ("cublasSgemm_v2", "cublasDgemm_v2"):
        getattr(lib, routine).argtypes = [p, i, i, i, i, i, p, p, i, p, i, p, p, i]
    for routine in ("cublasSgemmStridedBatched", "cublasDgemmStridedBatched"):
        getattr(lib, routine).argtypes = [p, i, i, i, i, i, p, p, i, ll, p, i, ll, p, p, i, ll, i]


def handle(lib, context) -> object:
    """The cuBLAS handle of `context` (any hashable key for a CUDA context), created on its first use."""
    with _lock:
        if context not in _handles:
            created = ctypes.c_void_p()
            status = lib.cublasCreate_v2(ctypes.byref(created))
            if status != 0:
                raise RuntimeError(f"cublasCreate failed with cuBLAS status {status}")
            _handles[context] = created
        return _handles[context]
