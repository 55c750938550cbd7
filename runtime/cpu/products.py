"""The CPU target's host matrix products (`@`, `np.matmul`, the einsums that are stacked products): NumPy's
`np.matmul`, with a large result written into memory the buffer cache reuses (`lifted.cpu.buffers`).

A product's result is a fresh array every call. NumPy takes a large one from malloc, which maps fresh pages
and unmaps them when the array dies, so the next call's product faults on every page again while the OS zeroes
it: in GradBench ht's Jacobian (products of 6 MB, one after the other) that was 1500 to 2000 page faults and
more than half of the call's CPU time. Written into a block of the buffer cache (the pages the last call's
product released), the same product faults nothing. The numbers are `np.matmul`'s: same operands, same BLAS
call; only where the result lives changes.

A stack of matrices times one matrix (`flat_matmul`, a of rank 3 or more, b a matrix of at least 4096 elements)
is one GEMM over the stack's rows, `a.reshape(rows, k) @ b`, where `np.matmul` runs one GEMM per matrix of the
stack and reads all of `b` again for each (three times slower for ht's (26, 3, 88) @ (88, 10000)); BLAS then
adds in another order, round-off only. A small `b` stays in cache and keeps `np.matmul`.
"""
from __future__ import annotations

import ctypes
import functools
import glob
import os

import numpy as np

from . import buffers

NUMBERS = "biuf"  # bool, integer and float dtypes: the ones `out=` takes as `@` would make them
SMALL_MATRIX = 4096  # elements: below this, rereading `b` per matrix of the stack costs less than a reshape


def matmul(a, b):
    """`a @ b`, a large result in a reused block; anything NumPy would refuse is left to NumPy to refuse."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype.kind not in NUMBERS or \
            b.dtype.kind not in NUMBERS:
        return a @ b
    depth = a.shape[-1] if a.ndim else 0
    if not depth or (a.size // depth) * (b.size // depth) * 8 < buffers.cache.minimum:  # (a bound: 8-byte items)
        return a @ b
    shape = _product_shape(a.shape, b.shape)
    if shape is None:
        return a @ b
    dtype = a.dtype if a.dtype == b.dtype else np.result_type(a.dtype, b.dtype)
    count = 1
    for size in shape:
        count *= size
    cache = buffers.cache  # (looked up per call: tests swap it)
    if count * dtype.itemsize < cache.minimum or not cache.enabled:
        return a @ b
    out, _ = cache.empty(shape, dtype, count * dtype.itemsize)
    return np.matmul(a, b, out=out)


def flat_matmul(a, b):
    """`a @ b` of a stack of matrices and one matrix, as one GEMM over the stack's rows where `b` is large."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.ndim < 3 or b.ndim != 2 or \
            b.size < SMALL_MATRIX or a.shape[-1] != b.shape[0]:
        return matmul(a, b)
    rows = a.size // a.shape[-1]
    return matmul(np.reshape(a, (rows, a.shape[-1])), b).reshape(a.shape[:-1] + (b.shape[-1],))


def _product_shape(a: tuple, b: tuple) -> tuple | None:
    """The shape of `a @ b` for operands of shapes `a` and `b` that matmul accepts; None for anything else."""
    if not a or not b or len(a) == len(b) == 1 or a[-1] != b[-2 if len(b) > 1 else 0]:
        return None
    rows, columns = a[-2:-1], b[-1:] if len(b) > 1 else ()
    if len(a) <= 2 and len(b) <= 2:
        return rows + columns
    try:
        return np.broadcast_shapes(a[:-2], b[:-2]) + rows + columns
    except ValueError:
        return None


@functools.cache
def blas_gemm() -> tuple[int, int]:
    """The addresses of the ILP64 CBLAS `dgemm` and `sgemm` of NumPy's own OpenBLAS (0 where not found): the C
    side's products in runs call them, so they compute what the host module's `np.matmul` would."""
    folder = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(folder, "libscipy_openblas64_*.so*"))):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        found = []
        for name in ("scipy_cblas_dgemm64_", "scipy_cblas_sgemm64_"):
            function = getattr(library, name, None)
            found.append(ctypes.cast(function, ctypes.c_void_p).value if function is not None else 0)
        if all(found):
            return found[0], found[1]
    return 0, 0
